"""Room-level addresses: ``3栋2单元1203室``, ``5号楼2-1203``, ``12幢3号``, ``翠湖苑3-2-1203``.

Only room-level addresses are findings: a building (``5号楼电梯``) or a staircase
(``2单元门口``) is shared by many households, a room number points at one. The community name is
part of the span when it directly precedes the room and ends in a residential suffix (苑, 园,
小区, 花园, …): ``翠湖苑3栋2单元1203室`` is one finding, since the name narrows the room down to
one household in the city. Names ending otherwise (``龙湖时代天街``) are left out: without a
suffix we cannot tell a community from a street or a shop.

The bare dash form ``3-2-1203`` (and ``21#905``, ``18#2-601``) is how rooms are written in
lists, sheets and chats, so it counts on its own — except right after a word that names a code
(取件码, 编号, 货架, 柜): there it is a courier shelf or a part number. A zone before the
building (``B区``, ``东区``) belongs to the span; lead words before a community name (房源,
楼盘) do not.
"""

from __future__ import annotations

import re

from ownerguard.detect.span import Candidate

_CN = "一二三四五六七八九十"
_BUILDING = rf"(?:[0-9]{{1,3}}|[A-Za-z]|[{_CN}]{{1,3}})"
# 房 ends a room number (1203房) unless it starts a word (1203房屋, 2001房产证).
_ROOM_WORD = r"室|房(?![屋间产东租号子价型款贷源主])"
_ROOM_END = "(?:" + _ROOM_WORD + ")"
_ROOM = r"[0-9]{3,4}(?:" + _ROOM_WORD + r"|号)?"
# A unit (单元): 2单元, 二单元, 西单元 (east/west staircases of one building); 3门 in the north.
_UNIT = rf"(?:(?:[0-9]{{1,2}}|[{_CN}]{{1,2}}|[东西南北中])单元|[0-9]{{1,2}}门)"
# What follows the building number.
_FORMS = (
    # 3栋2单元1203室 · 5号楼1单元302 · 2号楼西单元303 · 7号楼3门402
    rf"(?:(?:栋|幢|座|号楼|栋楼){_UNIT}{_ROOM}"
    # 5号楼2-1203
    r"|(?:号楼|栋|幢|座)[0-9]{1,2}-[0-9]{3,4}" + _ROOM_END + "?"
    # 3栋1203室 · 5号楼1203
    r"|(?:栋|幢|座|号楼)[0-9]{3,4}" + _ROOM_END + "?"
    # 21#905 · 18#2-601 (the building number written with #, as on work-order exports)
    r"|#(?:[0-9]{1,2}-)?[0-9]{3,4}(?:" + _ROOM_WORD + r"|号)?"
    # 12幢3号 (villas, town houses)
    r"|幢[0-9]{1,3}号)"
)
_DASH = r"[0-9]{1,3}-[0-9]{1,2}-[0-9]{3,4}" + _ROOM_END + "?"
# Like the digit tokens (see ``numbers``), the pattern consumes its first character before any
# lookbehind, so the engine skips in C to the next digit, letter or Chinese numeral; lookbehinds
# then say which part (an optional phase "二期", or the building number) that character began.
_ADDRESS = re.compile(
    rf"[0-9A-Za-z{_CN}](?<![0-9A-Za-z.].)(?<![0-9A-Za-z.]-.)(?:"
    # with a phase: 二期3栋2单元1203室, 2期3-2-1203
    rf"(?:(?<=[0-9])[0-9]?|(?<=[{_CN}])[{_CN}]{{0,2}})期"
    + "(?:" + _BUILDING + _FORMS + "|(?P<dash>" + _DASH + "))"
    # without: the first character is the building number's
    + rf"|(?:(?<=[0-9])[0-9]{{0,2}}|(?<=[A-Za-z])|(?<=[{_CN}])[{_CN}]{{0,2}})" + _FORMS
    + r"|(?P<dash2>(?<=[0-9])[0-9]{0,2}-[0-9]{1,2}-[0-9]{3,4}" + _ROOM_END + "?)"
    + r")(?![0-9])(?!-[0-9])"
)

# Characters that introduce one of the forms; a text without any is skipped at once.
_MARKER = re.compile("栋|幢|座|号楼|-|#")

_SUFFIXES = ("名苑", "雅苑", "嘉园", "名邸", "公寓", "大厦", "花园", "华庭", "公馆", "家园",
             "小区", "新村", "苑", "园", "府", "湾", "城", "居", "邸", "庭", "里")
# Single-character suffixes that also end everyday words (进城, 政府, 海湾) need a longer name.
_SHORT_SUFFIX_MIN = {"城": 2, "府": 2, "湾": 2, "居": 2, "里": 2, "庭": 2, "邸": 2}
# Words that end a lead-in rather than start a name: 房源翠湖湾…, 楼盘锦绣家园…
_LEAD_WORDS = ("房源", "楼盘", "项目", "地址", "住址", "位于", "家住", "小区",
               # time words and verbs that run straight into a name: 明天锦绣家园3栋…
               "今天", "明天", "昨天", "后天", "前天", "上午", "下午", "晚上", "早上", "中午",
               "凌晨", "刚才", "现在", "目前", "当时", "每天", "已经", "正在", "通知", "提醒",
               "欢迎", "告知", "转告", "联系", "前往", "入住", "搬入", "搬进", "租住", "居住")
_NAME_MAX = 12
# Characters a community name does not contain but the words before one do (住在, 地址：,
# 位于, 本小区, 房号, 业主…): the name starts after the last of them.
_NAME_STOP = frozenset("在住是的于到我您你他她家址为和与及了从往去来送至市区县镇路街道号省给向对"
                       "把被将请由本该此这那主户系看赴回离近邻旁隔壁靠经过访带搬租购买卖入进即都也"
                       "屋房置"
                       "还就：:，,。；;、 （）()【】[]\n\t")
_CODE_WORDS = re.compile(r"码|编号|单号|件号|货号|型号|货架|柜|格口|批号|批次|序列")


_HAN_NUMERALS = frozenset("壹贰叁肆伍陆柒捌玖拾一二三四五六七八九十")


def _is_name_char(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" and ch not in _NAME_STOP


def community_start(text: str, start: int) -> int:
    """Start of a community name that ends right at ``start``, or ``start`` if there is none."""
    head = text[max(0, start - _NAME_MAX):start]
    if not head.endswith(_SUFFIXES):
        return start
    suffix = next(s for s in _SUFFIXES if head.endswith(s))
    i = len(head) - len(suffix)
    while i > 0:
        ch = head[i - 1]
        # 号 ends a street number (张江路88号) or a label (房号), but 壹号 is part of 融创壹号府.
        if ch == "号" and i > 1 and head[i - 2] in _HAN_NUMERALS:
            i -= 1
            continue
        if not _is_name_char(ch):
            break
        i -= 1
    for lead in _LEAD_WORDS:
        # the lead word starts at the name (楼盘锦绣家园) or at the stop before it (房|源翠湖湾)
        for at in (i, i - 1):
            if at >= 0 and head.startswith(lead, at) and len(head) - len(suffix) - at > len(lead):
                i = at + len(lead)
                break
    name_len = len(head) - len(suffix) - i
    if name_len < _SHORT_SUFFIX_MIN.get(suffix, 1):
        return start
    return start - (len(head) - i)


# A zone before the building: B区11栋1601, 东区7-2-301, 二区3栋.
_ZONE = re.compile(rf"(?:[A-Za-z]|[东西南北中]|[{_CN}]{{1,2}}|[0-9]{{1,2}})区$")


def _code_context(text: str, start: int) -> bool:
    """A code word right before ``start``: 取件码 8-2-3301 is a shelf, not a room."""
    return _CODE_WORDS.search(text[max(0, start - 6):start]) is not None


def recognize(text: str, out: list[Candidate]) -> None:
    """Append address candidates found in the folded ``text`` to ``out``."""
    if _MARKER.search(text) is None:
        return
    for match in _ADDRESS.finditer(text):
        start, end = match.span()
        dash = match.group("dash") or match.group("dash2")
        if dash and _code_context(text, start):
            continue  # 取件码 8-2-3301, 货架 3-2-1024
        if start >= 2 and text[start - 1] == "区":
            zone = _ZONE.search(text, max(0, start - 3), start)
            if zone:
                start = zone.start()
        out.append((community_start(text, start), end, "address"))
