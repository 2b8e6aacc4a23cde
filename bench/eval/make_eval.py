"""Generate ``pii_eval.jsonl``: labelled texts for measuring ``ownerguard.detect``.

Run ``python bench/eval/make_eval.py`` (deterministic: same seed, same file). The texts imitate
what leaks in residential communities — repair tickets, notices, chat screenshots, complaint
letters, visitor logs, refund requests, courier slips and arrears reminders — and most of them
carry hard negatives next to the real values: order, invoice and waybill numbers, amounts, dates,
areas, shop and place names that start with a surname, 18-digit numbers with a wrong check digit,
and values that are already masked.

Why a generator and not hand-labelled text: labels are character offsets, and offsets typed by
hand drift. Every labelled value is produced by a slot that knows its type, and its offsets are
taken while the text is being concatenated, so a label cannot point at the wrong characters.

A second file, ``pii_holdout.jsonl``, comes from other templates (``HOLDOUT``, in two rounds)
written after the detector's first version. Each round was scored once as written, before any
change made for it — round 1: person_name F1 0.82 (P 0.96, R 0.71), phone 0.97 (a label bug of
the template), all else 1.0; round 2: person_name 0.78 (P 0.94, R 0.66), address 0.90 (half of
it a label bug), structured types 1.0 — and then used for tuning like the main set, so its
current figures are optimistic too. Label bugs were fixed in the templates, never by
relabelling a text by hand.

This file deliberately does not import the detector: the templates were written first, from how
such texts read, and the detector was then improved on general rules — never by editing a
template until it passes. Some cases here are known to be hard for a cue-based detector (a name
right after a room number with no cue, a community whose name ends in a suffix outside the
detector's list) and stay in, because real text has them.

Label conventions (the detector documents the same ones):
* phone: the whole number as written, with +86/0086, brackets around the area code and an
  extension (转/-) when present;
* person_name: the name itself (``李娜`` in ``李娜女士``); a surname with a title (先生, 女士, 师傅,
  阿姨, 经理…) and no given name is one span (``张先生``): in context that string identifies the person;
* address: room-level only; a community name that directly precedes and ends in one of the
  listed suffixes (苑, 园, 小区, 花园, …) is part of the span; other community names are not;
* masked values, bad-checksum IDs and numbers that are not personal are not labelled.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

from faker import Faker
from stdnum import luhn
from stdnum.cn import ric

SEED = 20240601
# The committed files were generated with this Faker, whose zh_CN surname and given-name lists
# feed the names. Another version may order those lists differently and so produce other texts:
# the determinism test is skipped then, and regenerating would change the committed files.
FAKER_VERSION = "40.63.0"
PER_KIND = 50
OUT = Path(__file__).with_name("pii_eval.jsonl")
HOLDOUT_SEED = 7
HOLDOUT_PER_KIND = 16
HOLDOUT_OUT = Path(__file__).with_name("pii_holdout.jsonl")

KINDS = ("repair_ticket", "notice", "chat", "complaint", "visitor_log", "refund_request",
         "courier", "arrears")

_FULLWIDTH = {ord(c): chr(ord(c) + 0xFEE0) for c in "0123456789()-+"}


# ---------------------------------------------------------------------------------------------
# Values


class Values:
    """Random personal values in the shapes people actually type them."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        fake = Faker("zh_CN")
        fake.seed_instance(rng.randrange(1 << 30))
        from faker.providers.person.zh_CN import Provider

        self.surnames = [s for s in Provider.last_names if len(s) == 1]
        self.given = list(Provider.first_names)
        self.fake = fake

    # -- names ------------------------------------------------------------------------------
    COMPOUND = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "慕容", "令狐", "司徒", "夏侯",
                "端木", "南宫", "公孙", "长孙", "宇文", "尉迟", "独孤", "西门", "呼延", "钟离")
    MINORITY = ("买买提·艾力", "阿依古丽·吐尔逊", "艾尔肯·木合塔尔", "古丽娜尔·阿不都",
                "热依拉·买买提", "努尔兰·哈力克", "阿卜杜拉·艾尼瓦尔", "迪丽娜·吾买尔",
                "扎西·顿珠", "巴特尔·朝鲁")
    TITLES = ("先生", "女士", "师傅", "阿姨", "经理", "老师", "小姐", "叔叔")

    def surname(self) -> str:
        r = self.rng.random()
        if r < 0.03:
            return self.rng.choice(self.COMPOUND)
        if r < 0.65:
            return self.rng.choice(self.surnames[:40])
        if r < 0.93:
            return self.rng.choice(self.surnames[40:200])
        return self.rng.choice(self.surnames[200:])

    def name(self) -> str:
        return self.surname() + self.rng.choice(self.given)

    def title(self) -> str:
        return self.rng.choice(self.TITLES)

    def minority(self) -> str:
        return self.rng.choice(self.MINORITY)

    # -- phones -----------------------------------------------------------------------------
    MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "147",
                       "150", "151", "152", "153", "155", "156", "157", "158", "159", "166",
                       "170", "173", "176", "177", "178", "180", "181", "182", "183", "185",
                       "186", "187", "188", "189", "191", "198", "199")
    AREA_CODES = ("010", "020", "021", "022", "023", "024", "025", "027", "028", "029", "0571",
                  "0755", "0512", "0531", "0532", "0574", "0591", "0731", "0771", "0898", "0311")

    def mobile_digits(self) -> str:
        return self.rng.choice(self.MOBILE_PREFIXES) + "".join(
            self.rng.choice("0123456789") for _ in range(8))

    def mobile(self) -> str:
        d = self.mobile_digits()
        r = self.rng.random()
        if r < 0.55:
            s = d
        elif r < 0.70:
            s = f"{d[:3]} {d[3:7]} {d[7:]}"
        elif r < 0.80:
            s = f"{d[:3]}-{d[3:7]}-{d[7:]}"
        elif r < 0.90:
            s = self.rng.choice(("+86 ", "+86-", "+86")) + d
        else:
            s = "0086 " + d
        if self.rng.random() < 0.10:
            s = s.translate(_FULLWIDTH)
        return s

    def landline(self) -> str:
        area = self.rng.choice(self.AREA_CODES)
        n = 8 if len(area) == 3 or self.rng.random() < 0.6 else 7
        local = self.rng.choice("2345678") + "".join(
            self.rng.choice("0123456789") for _ in range(n - 1))
        r = self.rng.random()
        if r < 0.6:
            s = f"{area}-{local}"
        elif r < 0.85:
            s = f"({area}){local}"
        else:
            s = f"{area} {local}"
        if self.rng.random() < 0.15:
            s += self.rng.choice(("转", "-")) + str(self.rng.randint(100, 8999))
        if self.rng.random() < 0.08:
            s = s.translate(_FULLWIDTH)
        return s

    def phone(self) -> str:
        return self.landline() if self.rng.random() < 0.25 else self.mobile()

    def masked_phone(self) -> str:
        d = self.mobile_digits()
        return f"{d[:3]}****{d[7:]}"

    # -- identity numbers -------------------------------------------------------------------
    REGIONS = ("110101", "110105", "110108", "310104", "310115", "440305", "440106", "330106",
               "320102", "510107", "420106", "610113", "370102", "500103", "210102", "350203",
               "430104", "120101", "130102", "410105", "450103", "530102", "650102", "622101")

    def id_digits(self) -> str:
        region = self.rng.choice(self.REGIONS)
        year = self.rng.randint(1945, 2016)
        month = self.rng.randint(1, 12)
        day = self.rng.randint(1, 28)
        body = f"{region}{year}{month:02d}{day:02d}{self.rng.randint(0, 999):03d}"
        return body + ric.calc_check_digit(body + "0")

    def id_card(self) -> str:
        r = self.rng.random()
        if r < 0.05:  # legacy 15-digit: region + YYMMDD + sequence
            region = self.rng.choice(self.REGIONS)
            return (f"{region}{self.rng.randint(40, 84):02d}{self.rng.randint(1, 12):02d}"
                    f"{self.rng.randint(1, 28):02d}{self.rng.randint(0, 999):03d}")
        number = self.id_digits()
        if r < 0.15:  # make sure some end in X, and type a few of those in lower case
            while not number.endswith("X"):
                number = self.id_digits()
            if self.rng.random() < 0.5:
                number = number[:-1] + "x"
        if self.rng.random() < 0.05:
            number = number.translate(_FULLWIDTH)
        return number

    def bad_id(self) -> str:
        number = self.id_digits()
        wrong = [c for c in "0123456789X" if c != number[-1]]
        return number[:-1] + self.rng.choice(wrong)

    def masked_id(self) -> str:
        number = self.id_digits()
        return number[:6] + "*" * 10 + number[-2:]

    BINS = ("622202", "621700", "622848", "621661", "622588", "623668", "620522", "436742",
            "427020", "524047", "552599", "622609")

    def bank_card(self) -> str:
        length = 19 if self.rng.random() < 0.7 else 16
        body = self.rng.choice(self.BINS) + "".join(
            self.rng.choice("0123456789") for _ in range(length - 7))
        d = body + luhn.calc_check_digit(body)
        r = self.rng.random()
        if r < 0.5:
            return d
        sep = " " if r < 0.85 else "-"
        return sep.join(d[i:i + 4] for i in range(0, len(d), 4))

    # -- vehicles, mail, travel documents ----------------------------------------------------
    PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
    PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"

    def plate(self) -> str:
        rng = self.rng
        prov, letter = rng.choice(self.PROVINCES), rng.choice(self.PLATE_LETTERS[:14])
        r = rng.random()
        digits = lambda n: "".join(rng.choice("0123456789") for _ in range(n))  # noqa: E731
        if r < 0.72:
            tail = digits(5)
            if rng.random() < 0.3:  # one or two letters among the five
                pos = rng.randrange(5)
                tail = tail[:pos] + rng.choice(self.PLATE_LETTERS) + tail[pos + 1:]
        elif r < 0.92:
            tail = rng.choice("DF") + rng.choice(self.PLATE_LETTERS + "0123456789") + digits(4)
        else:
            tail = digits(4) + rng.choice("学警挂")
        sep = rng.choices(("", "·", "-", " "), (70, 20, 5, 5))[0]
        return f"{prov}{letter}{sep}{tail}"

    def masked_plate(self) -> str:
        p = self.plate().replace("·", "").replace("-", "").replace(" ", "")
        return p[:2] + "***" + p[-2:]

    PINYIN = ("zhangwei", "wangfang", "li.na", "liuyang", "chenjing", "yangli", "huang.min",
              "zhaolei", "wuqiang", "zhou_jie", "xuhui", "sunli", "majun", "zhuxiaoming",
              "hu.tao", "guoyan", "linlin", "heping", "gaofeng", "luoyu")
    DOMAINS = ("qq.com", "163.com", "126.com", "sina.com", "gmail.com", "outlook.com",
               "foxmail.com", "hotmail.com", "139.com", "yeah.net", "company.com.cn")

    def email(self) -> str:
        r = self.rng.random()
        if r < 0.35:
            local = str(self.rng.randint(10000, 2999999999))
            domain = "qq.com"
        elif r < 0.5:
            local = self.mobile_digits()
            domain = self.rng.choice(("163.com", "139.com", "126.com"))
        else:
            local = self.rng.choice(self.PINYIN) + (str(self.rng.randint(1, 2024))
                                                    if self.rng.random() < 0.6 else "")
            domain = self.rng.choice(self.DOMAINS)
        return f"{local}@{domain}"

    def passport(self) -> str:
        r = self.rng.random()
        digits = lambda n: "".join(self.rng.choice("0123456789") for _ in range(n))  # noqa: E731
        if r < 0.55:
            return "E" + digits(8)
        if r < 0.75:
            return "G" + digits(8)
        return "E" + self.rng.choice("ABCDEFGHJKLMN") + digits(7)

    def foreign_passport(self) -> str:
        digits = lambda n: "".join(self.rng.choice("0123456789") for _ in range(n))  # noqa: E731
        return self.rng.choice(("P", "K", "X", "PA", "M")) + digits(self.rng.choice((7, 8)))

    # -- places -----------------------------------------------------------------------------
    # Community names ending in a suffix the label convention includes…
    COMMUNITIES_LISTED = ("翠湖苑", "阳光花园", "锦绣家园", "碧桂园", "万科城", "金色华庭",
                          "滨江花园", "御景湾", "紫金公馆", "龙湖名苑", "东方雅苑", "海棠嘉园",
                          "中海名邸", "华润公寓", "世纪大厦", "幸福小区", "枫林小区",
                          "绿地国际花园", "保利天悦府", "桃源居小区", "银河湾", "融创壹号府",
                          "香榭丽园", "星河丹堤花园", "南湖新城", "招商雍景湾", "梧桐苑")
    # …and names ending otherwise, which are not part of an address span.
    COMMUNITIES_OTHER = ("金地格林世界", "万科城市之光", "龙湖时代天街", "融创壹号院",
                         "绿城桂花里", "曹杨新村", "阳光100国际社区", "中粮祥云")

    def community(self) -> tuple[str, bool]:
        if self.rng.random() < 0.8:
            return self.rng.choice(self.COMMUNITIES_LISTED), True
        return self.rng.choice(self.COMMUNITIES_OTHER), False

    def room_number(self) -> str:
        return f"{self.rng.randint(1, 33)}{self.rng.randint(1, 6):02d}"

    def room(self) -> str:
        """Room-level address without a community name."""
        rng = self.rng
        b, u, r = rng.randint(1, 28), rng.randint(1, 4), self.room_number()
        form = rng.random()
        if form < 0.40:
            return f"{b}栋{u}单元{r}" + ("室" if rng.random() < 0.6 else "")
        if form < 0.65:
            return f"{b}号楼{u}单元{r}" + ("室" if rng.random() < 0.3 else "")
        if form < 0.80:
            return f"{b}号楼{u}-{r}"
        if form < 0.90:
            return f"{b}幢{rng.randint(1, 30)}号"
        if form < 0.95:
            return f"{b}栋{r}室"
        return f"{rng.choice('一二三')}期{b}栋{u}单元{r}室"

    def dash_room(self) -> str:
        return f"{self.rng.randint(1, 28)}-{self.rng.randint(1, 4)}-{self.room_number()}"


# ---------------------------------------------------------------------------------------------
# Hard negatives: text that looks like a finding and is not one.


class Negatives:
    PLACES = ("张江路", "王府井", "李宁专卖店", "周黑鸭", "黄山路", "高新区", "金龙鱼粮油店",
              "马家堡", "何家村", "常熟路", "江汉路", "石门二路", "白云区", "刘家窑", "陈家祠",
              "杨浦区", "朱家角", "罗森便利店", "唐人街", "曹杨路", "董家渡", "田林路",
              "万达广场", "胡同口的小卖部", "孙记烧饼店", "吴中区", "徐家汇", "林荫大道",
              "钱塘江", "沈阳路", "谢记粥铺", "袁家岭", "郑州东站", "梁溪区", "宋城", "韩国料理店")
    WORDS = ("马上到", "方便面", "安全出口", "注意安全", "高兴", "万一", "金额", "明天",
             "黄色", "白色", "常常", "周末", "向上", "于是", "何时", "任何", "许多", "和平",
             "平安", "林业", "叶子", "石头", "司机")

    def __init__(self, rng: random.Random, values: Values) -> None:
        self.rng, self.v = rng, values

    def digits(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(n))

    def order(self) -> str:
        r = self.rng.random()
        if r < 0.4:
            return f"2023{self.rng.randint(10, 12)}{self.rng.randint(10, 28)}" + self.digits(
                self.rng.choice((8, 10, 11, 13)))
        if r < 0.7:
            return self.rng.choice(("DD", "WX", "JD", "TB", "PO")) + self.digits(
                self.rng.choice((12, 16, 18)))
        return "4" + self.digits(self.rng.choice((15, 18)))  # payment-platform order numbers

    def waybill(self) -> str:
        r = self.rng.random()
        if r < 0.5:
            return self.rng.choice(("SF", "YT", "JD", "JT", "ZTO")) + self.digits(13)
        return self.rng.choice(("7", "3", "4")) + self.digits(self.rng.choice((12, 13, 14)))

    def invoice(self) -> str:
        return self.digits(8) if self.rng.random() < 0.5 else "2344" + self.digits(16)

    def amount(self) -> str:
        r = self.rng.random()
        value = self.rng.randint(20, 25000)
        if r < 0.35:
            return f"¥{value:,}.{self.rng.randint(0, 99):02d}"
        if r < 0.6:
            return f"{value}元"
        if r < 0.8:
            return f"￥{value}.{self.rng.randint(0, 9)}"
        return f"{value:,}.00元"

    def date(self) -> str:
        y, m, d = self.rng.randint(2021, 2025), self.rng.randint(1, 12), self.rng.randint(1, 28)
        return self.rng.choice((f"{y}-{m:02d}-{d:02d}", f"{y}{m:02d}{d:02d}", f"{y}年{m}月{d}日",
                                f"{m}月{d}日", f"{y}/{m}/{d}"))

    def time(self) -> str:
        return f"{self.rng.randint(7, 21)}:{self.rng.choice(('00', '15', '30', '45'))}"

    def area(self) -> str:
        return self.rng.choice((f"{self.rng.randint(45, 180)}.{self.rng.randint(1, 99)}平方米",
                                f"{self.rng.randint(45, 180)}㎡",
                                f"建筑面积{self.rng.randint(60, 160)}.{self.rng.randint(1, 9)}平米"))

    def code(self) -> str:
        return self.rng.choice((f"{self.rng.randint(1, 9)}-{self.rng.randint(1, 6)}-"
                                f"{self.rng.randint(1000, 9999)}", self.digits(6)))

    def place(self) -> str:
        return self.rng.choice(self.PLACES)

    def masked_name(self) -> str:
        name = self.v.name()
        return name[0] + "*" if len(name) == 2 or self.rng.random() < 0.5 else (
            name[0] + "*" + name[-1])

    def masked(self) -> str:
        return self.rng.choice((self.v.masked_phone(), self.v.masked_id(), self.masked_name(),
                                self.v.masked_plate(),
                                f"{self.rng.randint(1, 20)}栋{self.rng.randint(1, 4)}单元***"))

    def snippet(self) -> str:
        """One short clause that carries a hard negative."""
        choices = (
            lambda: f"订单号{self.order()}",
            lambda: f"发票号码：{self.invoice()}",
            lambda: f"快递单号{self.waybill()}",
            lambda: f"金额{self.amount()}",
            lambda: self.area(),
            lambda: f"{self.date()}已处理",
            lambda: f"楼下{self.place()}旁边",
            lambda: "我马上到",
            lambda: "方便的话回个电话",
            lambda: "注意安全",
            lambda: "安全出口别堆东西",
            lambda: f"已脱敏：{self.masked()}",
            lambda: f"身份证号{self.v.bad_id()}（系统提示校验不通过）",
            lambda: f"验证码{self.digits(6)}",
            lambda: f"电表读数{self.rng.randint(1000, 99999)}.{self.rng.randint(0, 9)}",
            lambda: f"流水号{self.order()}",
            lambda: f"周末{self.place()}人多",
            lambda: f"{self.rng.choice(self.WORDS)}",
            lambda: f"尾号{self.digits(4)}",
            lambda: f"{self.rng.randint(3, 30)}栋楼下",
            lambda: f"{self.rng.randint(1, 20)}号楼电梯",
        )
        return self.rng.choice(choices)()


# ---------------------------------------------------------------------------------------------
# Templates. {SLOT}s: labelled ones produce a span, the others (lower case) produce text only.
#   NAME full name · NAME2 another · SURT surname+title · NAMET full name+title · MINOR minority
#   MOB mobile · TEL landline · PHONE either · ID id_card · BANK bank_card · PLATE · PLATE2
#   EMAIL · PASSPORT · FPASSPORT (foreign format, needs a 护照 cue) · ADDR (room, with a
#   community name half of the time) · ROOM (room only) · DROOM (3-2-1203, template gives a cue)
#   neg order waybill invoice amount date time area code place masked comm mphone mname

TEMPLATES: dict[str, list[str]] = {
    "repair_ticket": [
        "【报修单】{date} 报修人：{NAME}，电话：{MOB}，地址：{ADDR}。问题：卫生间天花板漏水，"
        "怀疑楼上{ROOM}水管破裂。工单号{order}，预估维修费{amount}。",
        "{ADDR}业主{NAME}来电，厨房下水道堵塞，约{time}上门，联系电话{PHONE}。{neg}。",
        "维修派单：{SURT}（{MOB}）反映{ROOM}入户门锁坏了，请{SURT}带工具上门。材料费{amount}，"
        "收据号{invoice}。",
        "报修：空调外机噪音大。住址 {DROOM}，联系人{NAME}，手机{MOB}。备注：业主说{place}那边"
        "的师傅上次没修好，{neg}。",
        "工单{order}已完成。维修人员：{SURT}；业主{NAME}签字确认。回访电话{mphone}，满意度：满意。",
        "{comm}物业报修登记 {date} {time}\n房号：{ADDR}\n报修人：{NAMET}\n联系方式：{PHONE}\n"
        "内容：阳台推拉门变形，{neg}",
        "您好，我是{ROOM}的业主{NAME}，家里热水器一直报E4故障，麻烦明天{time}前派人看一下，"
        "电话{MOB}，{neg}。",
        "公区报修：{comm}{n}号楼电梯按钮失灵，{neg}。上报人：保安{SURT}，对讲{n}号频道。",
    ],
    "notice": [
        "【温馨提示】各位业主：{date}起{comm}{n}号楼电梯年检，停运约2小时，业主方便时请走安全"
        "通道。如有疑问请联系物业服务中心{TEL}。",
        "装修公示：{ADDR}业主{NAME}申请装修，工期{date}至{date}，施工负责人{SURT}，电话{MOB}。"
        "装修押金{amount}已收取，{neg}。",
        "挪车通知：车牌{PLATE}的车主，您的车辆占用消防通道，请尽快挪车。联系电话：{TEL}。{neg}。",
        "失物招领：{date}在南门捡到钱包一个，内有身份证（{masked}）及银行卡若干，请失主携带有效"
        "证件到物业前台认领。咨询{TEL}。",
        "表扬公示：{ADDR}业主{NAME}拾金不昧，将捡到的手机（尾号{d4}）交到物业前台，特此表扬！"
        "{neg}。",
        "{comm}业主大会通知：定于{date}在会所召开，请业主携带身份证原件参加。业委会联系人{NAME}，"
        "邮箱{EMAIL}，电话{PHONE}。",
        "停水通知：因市政管网维修，{date} 9:00-17:00 {comm}{n}栋、{n}栋停水，请各位住户提前储水，"
        "万一遇到紧急情况请拨打{TEL}。{neg}",
        "物业服务中心通知：业主任何时候发现陌生人尾随进楼，请立即联系值班保安{SURT}（{MOB}）。"
        "{neg}。",
        "车位租赁公示：{PLATE}、{PLATE}两车已办理{date}至年底的月卡，车主分别为{NAME}、{NAME}。",
    ],
    "chat": [
        "{NAME}：@物业{SURT} 我家{ROOM}楼上又在漏水了\n{SURT}：收到，马上安排师傅过去，"
        "您电话还是{MOB}吧？",
        "[{comm}业主群] {nick}：谁家的车{PLATE}挡住车库出口了，麻烦挪一下\n{nick}：我打了物业"
        "电话{TEL}没人接",
        "{nick}：有没有人知道{place}几点关门？\n{nick}：我马上到了，方便的话帮我带一包方便面",
        "管家{NAME}：各位邻居好，本周六上午在{comm}中心广场有义诊活动，报名请私信我或打{MOB}。",
        "{nick}：团购款{amount}，转到{BANK}（户名{NAME}），备注房号\n{nick}：收到收到",
        "{nick}：楼下{place}的快递到了吗？单号{waybill}\n驿站{SURT}：已到，取件码{code}",
        "{nick}：谁认识{DROOM}的业主？他家窗户没关，下雨了\n{nick}：好像是{SURT}家，"
        "我有她电话{MOB}",
        "{NAME}：{comm}的业主们注意了，{date}有人冒充物业收费，物业的收款账号只有对公账户！{neg}",
        "{nick}：刚才电梯里那张欠费公示上有{mname}和{mname}，这样公布合适吗？\n{nick}：已经"
        "打码了还好，不过{neg}",
        "{nick}：我家狗丢了，白色泰迪，在{place}附近走失，有看到的请联系{MOB}，必有重谢！",
    ],
    "complaint": [
        "投诉信：本人{NAME}，系{ADDR}业主，身份证号{ID}。{date}起楼上住户长期噪音扰民，多次与"
        "物业{SURT}沟通未果。联系电话{MOB}，邮箱{EMAIL}。",
        "我是{ADDR}的业主，{neg}。物业管家{NAME}态度恶劣，我要投诉！电话{MOB}。",
        "投诉人：{NAME}\n联系方式：{PHONE}\n被投诉对象：{ROOM}住户\n事由：在公共走廊堆放杂物，"
        "堵塞安全出口，{neg}。",
        "12345转办件{order}：市民{SURT}反映{comm}物业未经同意将其姓名和房号公布在业主群，"
        "要求删除并道歉。回复电话{MOB}。",
        "致物业经理：我的车{PLATE}在地库被刮，监控显示是{PLATE}所为，车主{NAME}至今不联系。"
        "请物业协调，{SURT}，{MOB}。",
        "投诉：保安{SURT}将我的报修截图（含房号{DROOM}）转发到业主群，导致我被骚扰。"
        "我的联系方式{MOB}，{neg}。",
        "业主{NAMET}来访投诉：隔壁{ROOM}违建阳光房，{neg}，要求物业三日内答复，"
        "答复邮件请发{EMAIL}。",
        "本人{MINOR}，住{ADDR}，投诉物业将我的手机号{MOB}泄露给装修公司，每天接到推销电话。",
    ],
    "visitor_log": [
        "访客登记 {date} {time}\n访客：{NAME}，身份证{ID}，车牌{PLATE}\n被访：{ADDR}，业主{SURT}"
        "\n事由：探亲",
        "来访人{NAME}（{MOB}）拜访{ROOM}，随行2人，离开时间{time}。值班保安：{SURT}",
        "外卖登记：{time} 骑手{SURT}送餐至{ROOM}，电话{MOB}，{neg}",
        "装修工人进场登记：{NAME}，身份证{ID}，施工房号{DROOM}，工作证号{order}。",
        "访客{MINOR}，护照号码{PASSPORT}，拜访{ADDR}，登记人{SURT}。",
        "外籍访客登记：姓名 John Miller，护照{FPASSPORT}，来访{ROOM}，联系电话{PHONE}，{neg}。",
        "{date} {time} 车辆{PLATE}临时进入，司机{NAME}，手机{MOB}，前往{ADDR}送货，{neg}。",
        "夜间来访：{time} {NAMET}称是{ROOM}业主的亲戚，无法联系业主，已拒绝进入。{neg}",
        "中介带看登记：经纪人{NAME}（{PHONE}），带客户看{ADDR}，已核验业主授权书。",
    ],
    "refund_request": [
        "退款申请：业主{NAME}，房号{ADDR}，因多缴物业费申请退款{amount}。收款账户：{BANK}，"
        "开户行：工商银行{place}支行，户名：{NAME}。联系电话{MOB}。",
        "申请退还装修押金{amount}，{ADDR}，申请人{NAME}，身份证{ID}，银行卡号{BANK}。",
        "您好，我是{ROOM}的租户{NAME}，之前交了{amount}停车费，车牌{PLATE}，月卡没用完就搬走了，"
        "能退吗？退到卡{BANK}就行，{neg}。",
        "财务请核：订单{order}重复扣款{amount}，原路退回至尾号{d4}的银行卡，业主{SURT}，"
        "电话{TEL}。",
        "押金退还确认单\n业主：{NAME}\n房号：{DROOM}\n退款金额：{amount}\n退款账户：{BANK}\n"
        "经办人：{SURT}\n日期：{date}",
        "退费说明：{ADDR}业主{NAMET}于{date}缴纳的{amount}为重复缴费，将于五个工作日内"
        "退回，如有疑问请发邮件至{EMAIL}。",
        "申请人{NAME}，证件号码{ID}，申请退还门禁卡押金{amount}，发票号码{invoice}，"
        "手机{MOB}。{neg}",
    ],
    "courier": [
        "收件人：{NAME} {MOB}\n地址：上海市浦东新区{place}88号{ADDR}\n运单号：{waybill}",
        "驿站代收登记：{mname} {mphone} 取件码{code}，{neg}",
        "快递员{SURT}：您好，您的快递放在南门丰巢柜了，取件码{code}，有问题打我电话{MOB}。",
        "寄件人：{NAME}，{PHONE}，{ADDR}；收件人：{NAME}，{MOB}，北京市朝阳区{place}。物品：文件，"
        "保价{amount}。",
        "【中通快递】您的包裹{waybill}已由{comm}驿站代收，凭取件码{code}领取。收件人{NAME}，"
        "手机尾号{d4}。",
        "大件快递放在物业前台：收件人{NAMET}，{ROOM}，电话{PHONE}，{neg}。",
        "代收清单 {date}\n{ROOM} {mname} {mphone} 取件码{code}\n{ROOM} {NAME} {MOB} {waybill}",
        "顺丰到付：收方{NAME}（{MOB}），地址{ADDR}，寄方{place}，运费{amount}，单号{waybill}。",
    ],
    "arrears": [
        "催缴通知：{ADDR}业主{NAME}，您{year}年度物业费{amount}尚未缴纳，{area}，请于{date}前"
        "缴清。咨询电话{TEL}。",
        "欠费明细（内部，勿外传）\n{ROOM}　{NAME}　{MOB}　欠费{amount}\n{ROOM}　{NAME}　{MOB}　"
        "欠费{amount}",
        "【私信提醒】{SURT}您好，您家{DROOM}（房号）截至{date}共欠物业费及停车费{amount}，"
        "可通过缴费码或对公账户缴纳。",
        "公示（已征得同意）：以下业主已补缴欠费：{mname}（{masked}）、{mname}，感谢支持！{neg}",
        "催费记录：{date} 电话联系{ROOM}业主{NAME}（{PHONE}），对方称{neg}，承诺下月缴清{amount}。",
        "律师函：{NAME}（身份证号{ID}），您作为{ADDR}的业主，拖欠物业服务费{amount}已逾{n}个月，"
        "请于收到本函后十日内缴纳。",
        "停车费欠缴：车牌{PLATE}（车主{SURT}）月卡已过期{n}天，欠费{amount}，请联系{TEL}续费。",
    ],
}

# Held-out templates, written after the detector's first version and never used to tune it:
# `pii_holdout.jsonl` is scored and reported as it comes out, to show how far the main set's
# figures carry to phrasings the detector has not been looked at against.
HOLDOUT: dict[str, list[str]] = {
    "repair_ticket": [
        "师傅您好，{ROOM}卫生间马桶漏水，家里只有老人，麻烦先打给我女儿{NAME}，号码{MOB}。",
        "夜班记录：{time} {ADDR}住户报告跳闸，电工{SURT}到场处理，耗时40分钟，{neg}。",
        "报修回访：{NAME}反映上周修好的水龙头又坏了，工单{order}重新派单，电话{PHONE}。",
        "【紧急】{comm}地下车库B2层消防管爆裂，{neg}，值班经理{NAME}已到场，请工程部速来，"
        "对讲或打{TEL}。",
        "您的报修已受理：{ADDR}，预约{date} {time}，维修员{NAME}（工号{d4}）将上门，"
        "如需改约请回复或致电{TEL}。",
    ],
    "notice": [
        "致全体业主的一封信：近期有人冒充物业人员上门收取燃气费，请勿轻信。{neg}。物业唯一收费"
        "电话{TEL}，项目经理{NAME}。",
        "遗失声明：{ADDR}业主{NAME}不慎遗失房产证及身份证（{masked}），特此声明作废。",
        "消防演练通知：{date}下午三点，请{n}号楼住户听从楼长{SURT}指挥，沿安全出口有序撤离。",
        "停电通知：供电局检修，{date} 8:00-12:00 全小区停电，电梯停运，{neg}。咨询热线{TEL}。",
        "新任管家介绍：{n}栋、{n}栋由{NAMET}负责，工作电话{MOB}，邮箱{EMAIL}，欢迎大家监督。",
    ],
    "chat": [
        "{nick}：@{NAME} 你家阳台的花盆快掉下来了，太危险\n{NAME}：谢谢提醒，马上收",
        "{nick}：有没有邻居拼车去机场？我周六早上出发，车是{PLATE}，加我微信{MOB}",
        "{nick}：物业群里刚才有人把{NAME}的身份证照片发出来了，号码{ID}都看得清清楚楚，赶紧撤回！",
        "{nick}：转让车位一个，B区{n}号，价格面议，联系{SURT} {MOB}\n{nick}：多少钱？",
        "{nick}：今天{place}搞活动，方便面买一送一\n{nick}：真的假的，我马上去",
    ],
    "complaint": [
        "{comm}物业：你们保安{NAME}昨晚{time}在{ROOM}门口大声喧哗，我已录像，请给说法。"
        "投诉人手机{MOB}。",
        "业主{NAME}投诉：快递柜长期被{place}的货占满，{neg}，要求物业协调，回复请打{PHONE}。",
        "关于停车费乱收费的投诉\n投诉人：{NAME}\n车牌：{PLATE}\n房号：{ADDR}\n身份证：{ID}\n"
        "诉求：退还多收的{amount}",
        "我叫{NAME}，住在{ADDR}，楼上{DROOM}（房号）天天半夜装修，物业不管，我要打12345！",
        "匿名投诉：{n}栋有住户群租，一套房住了十几个人，{neg}，房东好像姓{surname}。",
    ],
    "visitor_log": [
        "访客预约\n姓名：{NAME}\n手机：{MOB}\n证件：{ID}\n被访业主：{SURT}\n房号：{ADDR}\n"
        "预计到访：{date} {time}",
        "{time} 家政人员{NAME}进入{ROOM}，业主电话确认同意，{neg}。",
        "搬家登记：{ADDR}业主{NAMET}于{date}搬出，搬家公司车辆{PLATE}，联系人{NAME}，{MOB}。",
        "临时车辆登记 {PLATE} 司机{SURT} 电话{PHONE} 目的地{ROOM} 入场{time}",
        "来访：{MINOR}，手机{MOB}，访{ADDR}，事由：送货，{neg}",
    ],
    "refund_request": [
        "退款原因：房屋已出售，申请退还预缴物业费{amount}。原业主：{NAME}，新业主：{NAME}，"
        "房号{ADDR}，退款卡号{BANK}。",
        "你好，我上个月交停车费交了两次，车牌{PLATE}，麻烦退一笔到我的卡上：{BANK}，开户人{NAME}。",
        "物业费退费审批表\n申请人：{NAME}　联系电话：{PHONE}\n房号：{DROOM}\n收款账号：{BANK}\n"
        "审批：{SURT}",
        "装修保证金{amount}请退至：户名{NAME}，账号{BANK}，{neg}。",
        "业主{NAMET}（{MOB}）申请退还多收的水费{amount}，发票号码{invoice}，原路退回。",
    ],
    "courier": [
        "{NAME} {MOB} {comm}{n}号门岗代收 {neg}",
        "您好，我是{courier_co}快递员，您的快递到{comm}门口了，电话{MOB}，收件人是{NAME}吗？",
        "收货地址：{ADDR}　收货人：{NAME}　手机：{MOB}　订单号{order}",
        "退货寄回：收件人 {NAME}，电话 {PHONE}，地址 浙江省杭州市余杭区{place}仓库，{waybill}",
        "代收点通知：{mname}（{mphone}）的{n}件包裹已超过3天未取，取件码{code}。",
    ],
    "arrears": [
        "{year}年度欠费清单\n房号\t姓名\t电话\t金额\n{ROOM}\t{NAME}\t{MOB}\t{amount}\n"
        "{ROOM}\t{NAME}\t{MOB}\t{amount}",
        "温馨提醒：尊敬的{SURT}，您名下{ROOM}的物业费将于{date}到期，{area}，应缴{amount}。",
        "催收函\n致：{NAME}（{ADDR}）\n截至{date}欠费{amount}，请尽快缴纳，逾期将依法起诉。"
        "\n联系人：{SURT}　电话：{TEL}",
        "财务备注：{NAME}说{neg}，下周一来交，手机{MOB}，已欠{n}个月。",
        "欠费业主沟通记录：{date} 致电{MOB}无人接听；{date} 上门，{NAMET}不在家，留条。",
    ],
}

# Second round, written after the detector had been tuned on the first round: scored once as
# written (its one label bug, "{DROOM}室" with 室 outside the span, fixed here), then used too.
HOLDOUT_2: dict[str, list[str]] = {
    "repair_ticket": [
        "维修单号{order}：{ADDR}的{NAME}家暖气不热，物业已通知供暖公司，回电{MOB}。",
        "昨晚{time}，{ROOM}阳台漏水，业主叫{NAME}，她说{neg}，家里电话{TEL}。",
        "报修渠道：微信小程序。提交人{NAME}（{PHONE}），位置{DROOM}，类型：门禁卡失效。",
    ],
    "notice": [
        "公示：经业主大会表决，{ROOM}{NAME}当选业委会委员，{neg}。",
        "通知：请{PLATE}车主于今日18点前将车辆移出{n}号车位，否则将拖车处理，联系保安队长{SURT}。",
        "小区电梯困人应急演练，由维保单位{place}负责，现场联系人{NAME}，电话{MOB}。",
    ],
    "chat": [
        "{nick}：有人在群里问{ROOM}是不是在出租，{SURT}你知道吗\n{nick}：不清楚，{neg}",
        "{NAME}：我家门口的快递谁拿走了？单号{waybill}\n{nick}：看看监控吧",
        "{nick}：求助！老人走失，穿黄色外套，叫{NAME}，住{ADDR}，看到请打{MOB}",
    ],
    "complaint": [
        "实名投诉：{NAME}，身份证号码{ID}，电话{MOB}。物业擅自将我的车位{n}号租给{PLATE}。",
        "本人系{ADDR}房屋所有权人{NAME}，对物业费上涨有异议，{neg}。",
        "邻居{SURT}家的狗半夜一直叫，住{ROOM}，说了好几次都没用。",
    ],
    "visitor_log": [
        "{date} 来访登记：{NAME} 身份证{ID} 手机{MOB} 车辆{PLATE} 拜访{ROOM}",
        "送水工{SURT}，{PHONE}，每周二送水到{ADDR}。",
        "访客：{MINOR}（护照{PASSPORT}），被访人：{NAME}，{ROOM}",
    ],
    "refund_request": [
        "请将押金退到{NAME}名下的银行卡{BANK}，我的手机{MOB}。",
        "退费申请人{NAME}，房屋{ADDR}，金额{amount}，账户{BANK}，{neg}。",
        "多缴的{amount}请退回，收款人{NAMET}，卡号{BANK}，邮箱{EMAIL}。",
    ],
    "courier": [
        "【菜鸟驿站】{NAME}您好，您的包裹已到{comm}驿站，取件码{code}，电话{mphone}。",
        "收：{NAME} {PHONE} {ADDR}  寄：{place}",
        "快递员{NAME}：{ROOM}没人在家，包裹放{n}楼消防栓旁边了，{neg}",
    ],
    "arrears": [
        "{ADDR} {NAME} 欠费{amount} 电话{MOB} 备注：{neg}",
        "您好{SURT}，截至{date}您家{ROOM}尚欠物业费{amount}，请及时缴纳。",
        "欠费催缴回执：业主{NAME}于{date}签收，联系方式{PHONE}。",
    ],
}
for _kind, _templates in HOLDOUT_2.items():
    HOLDOUT[_kind] = HOLDOUT[_kind] + _templates

COURIER_COS = ("顺丰", "中通", "圆通", "韵达", "京东", "极兔", "申通", "邮政")

NICKS = ("快乐每一天", "阳光", "老张", "静待花开", "3栋-宝妈", "小区跑步群主", "Amy", "平安是福",
         "海阔天空", "Leo爸爸", "岁月静好", "12栋的猫")


def render(template: str, kind: str, v: Values, neg: Negatives,
           rng: random.Random) -> tuple[str, list[dict]]:
    """Fill ``template``; labels are taken from the running offset while concatenating."""
    parts: list[str] = []
    spans: list[dict] = []
    pos = 0

    def emit(text: str, label: str | None = None) -> None:
        nonlocal pos
        if label:
            spans.append({"type": label, "start": pos, "end": pos + len(text)})
        parts.append(text)
        pos += len(text)

    for literal, slot in re.findall(r"([^{]*)(?:\{(\w+)\})?", template):
        if literal:
            emit(literal)
        if not slot:
            continue
        if slot in ("NAME", "NAME2"):
            emit(v.name(), "person_name")
        elif slot == "SURT":
            emit(v.surname() + v.title(), "person_name")
        elif slot == "NAMET":
            emit(v.name(), "person_name")  # the name; its title is not part of the span
            emit(rng.choice(("先生", "女士")))
        elif slot == "MINOR":
            emit(v.minority(), "person_name")
        elif slot == "MOB":
            emit(v.mobile(), "phone")
        elif slot == "TEL":
            emit(v.landline(), "phone")
        elif slot == "PHONE":
            emit(v.phone(), "phone")
        elif slot == "ID":
            emit(v.id_card(), "id_card")
        elif slot == "BANK":
            emit(v.bank_card(), "bank_card")
        elif slot == "PLATE":
            emit(v.plate(), "license_plate")
        elif slot == "EMAIL":
            emit(v.email(), "email")
        elif slot in ("PASSPORT", "FPASSPORT"):
            emit(v.passport() if slot == "PASSPORT" else v.foreign_passport(), "passport")
        elif slot == "ADDR":
            room = v.room()
            if rng.random() < 0.5:
                comm, listed = v.community()
                if listed:
                    emit(comm + room, "address")
                else:
                    emit(comm)
                    emit(room, "address")
            else:
                emit(room, "address")
        elif slot == "ROOM":
            emit(v.room(), "address")
        elif slot == "DROOM":
            emit(v.dash_room(), "address")
        elif slot == "neg":
            emit(neg.snippet())
        elif slot == "comm":
            emit(v.community()[0])
        elif slot == "nick":
            emit(rng.choice(NICKS))
        elif slot == "mphone":
            emit(v.masked_phone())
        elif slot == "mname":
            emit(neg.masked_name())
        elif slot == "d4":
            emit(neg.digits(4))
        elif slot == "n":
            emit(str(rng.randint(2, 18)))
        elif slot == "year":
            emit(str(rng.randint(2021, 2024)))
        elif slot == "surname":
            emit(v.surname())
        elif slot == "courier_co":
            emit(rng.choice(COURIER_COS))
        else:
            emit(getattr(neg, slot)())
    return "".join(parts), spans


def generate(seed: int = SEED, per_kind: int = PER_KIND,
             templates: dict[str, list[str]] = TEMPLATES, prefix: str = "") -> list[dict]:
    rng = random.Random(seed)
    values = Values(rng)
    negatives = Negatives(rng, values)
    records = []
    for kind in KINDS:
        kind_templates = templates[kind]
        for i in range(per_kind):
            # Every template in turn, so each one is used about equally often.
            text, spans = render(kind_templates[i % len(kind_templates)], kind, values, negatives,
                                 rng)
            records.append({"id": f"{prefix}{kind}-{i:03d}", "kind": kind, "text": text,
                            "spans": spans})
    return records


def _write(path: Path, records: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} texts, {sum(len(r['spans']) for r in records)} spans to {path}")


def main(argv: list[str]) -> int:
    import faker

    if faker.VERSION != FAKER_VERSION:
        print(f"note: Faker {faker.VERSION} installed, files were made with {FAKER_VERSION}; "
              "the output may differ from the committed files", file=sys.stderr)
    folder = Path(argv[1]) if len(argv) > 1 else OUT.parent
    _write(folder / OUT.name, generate())
    _write(folder / HOLDOUT_OUT.name,
           generate(HOLDOUT_SEED, HOLDOUT_PER_KIND, HOLDOUT, prefix="holdout-"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
