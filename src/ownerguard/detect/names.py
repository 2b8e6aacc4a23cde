"""Chinese person names, found only where the text itself says "a person comes here".

A surname list alone would flag every 马上, 方便 and 安全, so a name is only believed after a cue:

* a **label** before it: 业主张伟, 联系人：李娜, 报修人 王芳, 收件人：买买提·艾力. A label followed by
  a colon is *strong* and also admits a surname outside the common list; without a colon the
  surname must be a common one;
* a **title** after it: 张先生, 李娜女士, 王师傅, 陈经理, 莫工, 韦姐. A surname with its title is
  one span (``张先生``: in a repair note that string identifies the household as surely as a
  full name does); after a full name the span is the name alone (``李娜`` in ``李娜女士``);
* a **chat speaker** at the start of a line: ``王芳：楼上漏水了``;
* its own **phone or ID right after it**, as on courier slips and pasted sheets:
  ``张伟 13812345678``, ``李娜（身份证…）``, ``6栋1806室　谢俊　185…``;
* a **reporting verb** right after it, with punctuation before: ``，王芳反映…``, ``：田玲说…``;
* a **greeting or possession** right after it: ``石秀云您好``, ``退到胡璐名下的银行卡``;
* a **room in the column before it** of a pasted sheet: ``12栋4单元1606 齐小红 欠费…``.

The cues after a name and the column cue admit no label, so the name must read as one on its
own: a surname from the lists, one or two likely given-name characters, and a line start or
punctuation before it.

A candidate is then refused when it is a common word that starts with a surname character
(``STOP_WORDS``), when a place or shop suffix follows (张江路, 李宁专卖店), or when it is
already masked (张*, 张*明). Names no cue announces are left to the lexicon model (``model``),
which ``recognize`` calls last. How many given-name characters to take (张伟 or 张伟明) is decided
by the character after the first one: a likely given-name character is taken, a character that
usually starts the next word (家, 来, 说…) is not.
"""

from __future__ import annotations

import re

from ownerguard.detect.namedata import (
    COMPOUND_SURNAMES,
    EXTENDED_SURNAMES,
    FUNCTION_SURNAMES,
    GIVEN_CHARS,
    JOB_TITLES,
    NEXT_WORD_CHARS,
    NOT_GIVEN_FIRST,
    PLACE_SUFFIXES,
    RARE_SURNAMES,
    REPORT_VERBS,
    STOP_BIGRAMS,
    STOP_WORDS,
    SURNAMES,
    TITLES,
)
from ownerguard.detect.places import place_follows
from ownerguard.detect.span import Candidate

# Words that stand before a name: form labels, roles in the community, kin, salutations.
_LABELS = ("业主姓名", "联系人姓名", "紧急联系人", "施工负责人", "维修人员", "家政人员", "联系人",
           "业主", "姓名", "住户", "租户", "租客", "户主", "房东", "报修人", "投诉人", "申请人",
           "来访人", "来访", "访客", "被访人", "收件人", "寄件人", "收货人", "收方", "寄方",
           "签收人", "代收人", "经办人", "登记人", "上报人", "车主", "开户名", "开户人", "户名",
           "持卡人", "收款人", "付款人", "管家", "保安", "保洁员", "保洁", "司机", "骑手",
           "快递员", "经纪人", "维修员", "维修工", "水电工", "电工", "工程师", "客服", "楼长",
           "负责人", "本人", "我是", "我叫", "市民", "居民", "委托人", "监护人", "家属", "值班员",
           "女儿", "儿子", "老公", "老婆", "爱人", "妻子", "丈夫", "母亲", "父亲", "亲戚", "邻居",
           "提交人", "填报人", "填表人", "签字人", "当事人", "被投诉人", "承租人", "出租人",
           "产权人", "所有权人", "领取人", "取件人", "送货人", "名叫", "叫", "联系", "致", "@")

# One alternation of plain words, longest first: a pattern made only of literal alternatives
# lets the regex engine jump in C to the next character that can start a cue, so a text
# without any cue costs one fast scan. Separators after a label are parsed in Python.
_TITLE_SET = frozenset(TITLES)
# Words right after a full name that are not part of it: 胡璐名下的银行卡, 石秀云您好.
_POST_CUES = frozenset(("名下", "您好", "你好"))
_VERBS = frozenset(REPORT_VERBS)
# A phone or ID label: a bare name may stand right before it (李娜，身份证…).
_ID_LABELS = frozenset(("身份证", "证件号", "手机", "电话"))
_CUE = re.compile("|".join(sorted(set(_LABELS) | _TITLE_SET | _POST_CUES | _VERBS | _ID_LABELS,
                                  key=len, reverse=True)))
_LABEL_LINKS = ("分别是", "分别为", "是", "为", "叫")
_HANDOVER = frozenset("到给是叫和与及")
_SPEAKER_EDGE = frozenset("\n]】")
_MINORITY = re.compile(r"[\u4e00-\u9fff]{1,6}·[\u4e00-\u9fff]{1,8}(?:·[\u4e00-\u9fff]{1,8})?")
_PLACE_SUFFIXES = tuple(sorted(PLACE_SUFFIXES, key=len, reverse=True))
_TITLES = tuple(TITLES)
# First characters, so that ``startswith(<long tuple>)`` runs only when it can succeed.
_TITLE_FIRST = frozenset(t[0] for t in _TITLES)
_LABEL_FIRST = frozenset(label[0] for label in _LABELS)
_RARE = EXTENDED_SURNAMES | RARE_SURNAMES
_NAME_START = SURNAMES | _RARE | frozenset(c[0] for c in COMPOUND_SURNAMES)


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _surname_len(text: str, pos: int, rare: bool = False) -> int:
    """Length of a surname starting at ``pos`` (2 for compound ones), else 0.

    Common surnames only, unless ``rare``: the caller then checks the given name strictly.
    """
    if text[pos:pos + 2] in COMPOUND_SURNAMES:
        return 2
    ch = text[pos:pos + 1]
    return 1 if ch in SURNAMES or rare and ch in _RARE else 0


def _strict(text: str, pos: int) -> bool:
    """Whether the surname at ``pos`` is a rare one, whose given name must look like one."""
    return text[pos:pos + 1] in _RARE and text[pos:pos + 2] not in COMPOUND_SURNAMES


def _title_at(text: str, pos: int) -> str | None:
    if text[pos:pos + 1] in _TITLE_FIRST and text.startswith(_TITLES, pos):
        for title in _TITLES:
            if text.startswith(title, pos):
                # "先生们", "老师们": a group, not a person.
                return None if text[pos + len(title):pos + len(title) + 1] == "们" else title
    return None


_place_follows = place_follows


def _stop_word_name(text: str, pos: int, sur: int) -> bool:
    """Surname + first given character form a common word (马上, 黄金); a three-character name
    that ends at a boundary is still believed (黄金凤 138…), the word is not."""
    if text[pos:pos + sur + 1] not in STOP_WORDS:
        return False
    third, after = text[pos + sur + 1:pos + sur + 2], text[pos + sur + 2:pos + sur + 3]
    return not (third in GIVEN_CHARS and third not in NEXT_WORD_CHARS
                and (not after or not _is_han(after)))


def _name_after_label(text: str, pos: int, strong: bool) -> int | None:
    """End of a name that starts at ``pos`` right after a label, or None."""
    if pos >= len(text):
        return None
    ch = text[pos]
    if ch not in _NAME_START and not strong:
        # Fast exit for the common case: 业主们, 业主大会, 联系电话 (a minority name has a dot).
        if "·" not in text:
            return None
    if "·" in text and (minority := _MINORITY.match(text, pos)):
        return minority.end()
    if ch in _LABEL_FIRST and text.startswith(_LABELS, pos):
        return None  # "上报人：保安王师傅": the next label is not a name, its own match follows
    sur = _surname_len(text, pos, rare=True)
    unknown = not sur or _strict(text, pos)
    if not sur:
        # A strong label ("姓名：") vouches for an uncommon surname, if the rest looks like a name.
        if not (strong and _is_han(text[pos]) and text[pos] not in NOT_GIVEN_FIRST):
            return None
        sur = 1
    g = pos + sur
    if (title := _title_at(text, g)) and text[g:g + 2] not in STOP_WORDS:
        if len(title) == 1 and sur == 2:
            return None
        return g + len(title)
    first = text[g:g + 1]
    if not first or not _is_han(first) or first in NOT_GIVEN_FIRST:
        return None
    if _stop_word_name(text, pos, sur) or (unknown and first not in GIVEN_CHARS):
        return None
    end = g + 1
    if (title := _title_at(text, end)) and len(title) > 1:
        return end  # 张伟先生: the name is 张伟
    second = text[end:end + 1]
    if second and _is_han(second) and second not in NEXT_WORD_CHARS:
        # A title after it settles that the second character is still the name: 董桂花先生.
        if (title := _title_at(text, end + 1)) and len(title) > 1:
            return end + 1
        if (second in GIVEN_CHARS and text[end:end + 2] not in STOP_WORDS
                and not _place_follows(text, end + 1)) or text[pos:end] in STOP_WORDS:
            end += 1
    if text[end:end + 1] in ("*", "＊") or _place_follows(text, end) or _place_follows(text, g + 1):
        return None
    if unknown and end - pos < 2:
        return None
    return end


def _name_before_title(text: str, title_start: int, title: str,
                       shortest: int = 1) -> int | None:
    """Start of the name that a title at ``title_start`` follows, or None.

    ``shortest`` is 2 where a surname alone would not name anyone (张您好 is no greeting).
    """
    best: int | None = None
    longest = 1 if len(title) == 1 else 4
    for length in range(longest, shortest - 1, -1):
        start = title_start - length
        if start < 0:
            continue
        sur = _surname_len(text, start, rare=True)
        if not sur or sur > length or length - sur > 2:
            continue
        name = text[start:title_start]
        given = name[sur:]
        if not all(_is_han(ch) for ch in name):
            continue
        if given and (given[0] in NOT_GIVEN_FIRST or not all(ch in GIVEN_CHARS for ch in given)):
            continue
        if best is not None and _strict(text, start):
            continue  # "漆秀兰先生" is fine, but a rare surname never beats a common reading
        # 语文老师 / 班主任: the character before the title ends a word, it is no surname.
        if (name[:2] in STOP_WORDS or text[start - 1:start + 1] in STOP_BIGRAMS
                or text[start:start + 2] in STOP_BIGRAMS):
            continue
        if best is not None and text[start] in FUNCTION_SURNAMES:
            continue  # "向张先生": keep 张先生
        best = start
        if text[start] not in FUNCTION_SURNAMES:
            break
    return best


# Words that a one-character title starts (工行, 工程, 哥们) or that end in one (施工, 大哥).
_TITLE_WORDS = frozenset("工行 工程 工作 工人 工地 工资 工具 工业 工商 工期 工位 工单 工种 工装 工艺 工厂 "
                         "工会 工序 工时 工费 工钱 工友 哥们 姐妹 姐弟 哥哥 姐姐 叔叔 伯伯 婶婶 姨妈 "
                         "施工 开工 完工 停工 复工 员工 民工 动工 返工 监工 做工 分工 手工 竣工 "
                         "木工 电工 焊工 瓦工 油工 漆工 钳工 技工 职工 美工 水工".split())


def _single_title_word(text: str, start: int, end: int) -> bool:
    """A surname + one-character title that is really a word, or a title that starts one."""
    return (text[end - 2:end] in _TITLE_WORDS or text[end - 1:end + 1] in _TITLE_WORDS
            or text[start - 1:start + 1] in STOP_BIGRAMS)


# OCR output puts spaces between characters: 车主：奚 文 斌, 姓名 尉迟 琳, 房东：庞 红 电话：…
_SPACED = re.compile(r"[\u4e00-\u9fff]{1,2}(?: [\u4e00-\u9fff]{1,2}){1,3}"
                     r"(?=[ \t]*(?:\n|$)|  |[ \t]+[\u4e00-\u9fff]{1,5}[:：])")


def _spaced_name(text: str, pos: int) -> int | None:
    """End of a name with spaces inside it that starts at ``pos`` after a label, or None."""
    match = _SPACED.match(text, pos)
    if match is None:
        return None
    letters = match.group().replace(" ", "")
    if not 2 <= len(letters) <= 4 or not _surname_len(letters, 0, rare=True):
        return None
    return match.end()


def _bare_name(text: str, start: int, end: int) -> bool:
    """``text[start:end]`` reads as a whole name on its own: surname + 1–2 likely given chars.

    For names that no label or title vouches for — a chat speaker (``王芳：``), a column of a
    pasted sheet or a name right before its phone or ID (``张伟 138…``, ``李娜，身份证…``).
    """
    sur = _surname_len(text, start, rare=True)
    given = text[start + sur:end]
    return (bool(sur) and 1 <= len(given) <= 2 and all(ch in GIVEN_CHARS for ch in given)
            and given[0] not in NOT_GIVEN_FIRST and not _stop_word_name(text, start, sur)
            and given[-1] not in NEXT_WORD_CHARS and not _place_follows(text, end)
            and not _place_follows(text, start + sur + 1))


# Between a name and the phone or ID written after it: "张伟 138…", "李娜（138…）", "王芳，身份证…".
_GAP = frozenset(" \t\u3000，,（(：:")
_LEFT_EDGE = frozenset(" \t\u3000\n，,（(：:；;、】]")


def _name_after(text: str, pos: int) -> tuple[int, int] | None:
    """A bare name after one or two gap characters at ``pos``, ending at a gap or line end."""
    start = pos
    while start < len(text) and start - pos < 2 and text[start] in _GAP:
        start += 1
    end = start
    while end < len(text) and end - start < 4 and "\u4e00" <= text[end] <= "\u9fff":
        end += 1
    if end < len(text) and text[end] not in _GAP and text[end] != "\n":
        return None
    if 2 <= end - start <= 4 and _bare_name(text, start, end):
        return start, end
    return None


def _name_before(text: str, pos: int, gap: bool = True) -> tuple[int, int] | None:
    """A bare name that ends right before ``pos``, after one or two gap characters if ``gap``
    (``张伟 138…``) or none (``王芳说``); it must start at a line start or punctuation."""
    end = pos
    if gap:
        while end > 0 and pos - end < 2 and text[end - 1] in _GAP:
            end -= 1
        if end == pos:
            return None
    start = end
    while start > 0 and end - start < 9 and "\u4e00" <= text[start - 1] <= "\u9fff":
        start -= 1
    if start > 0 and text[start - 1] == "·":  # 买买提·艾力: scan on over the dot
        while start > 0 and end - start < 16 and ("\u4e00" <= text[start - 1] <= "\u9fff"
                                                  or text[start - 1] == "·"):
            start -= 1
        if start > 0 and text[start - 1] not in _LEFT_EDGE:
            return None
        return (start, end) if _MINORITY.fullmatch(text, start, end) else None
    if start > 0 and text[start - 1] not in _LEFT_EDGE:
        return None
    if 2 <= end - start <= 4 and _bare_name(text, start, end):
        return start, end
    return None


def _after_label(text: str, pos: int) -> tuple[int, bool]:
    """Skip what joins a label to its name (spaces, a colon, 是/为/叫): (name start, strong)."""
    n = len(text)
    while pos < n and text[pos] in " \t":
        pos += 1
    if pos < n and text[pos] in ":：":
        pos += 1
        while pos < n and text[pos] in " \t":
            pos += 1
        return pos, True
    if text.startswith(_LABEL_LINKS, pos):
        for link in _LABEL_LINKS:
            if text.startswith(link, pos):
                return pos + len(link), False
    return pos, False


def _speakers(text: str, out: list[Candidate]) -> None:
    """``王芳：…`` at the start of a line (or after ``[群名]``): a chat speaker."""
    for colon in (":", "："):
        i = text.find(colon)
        while i != -1:
            start = i
            while start > 0 and i - start < 4 and "\u4e00" <= text[start - 1] <= "\u9fff":
                start -= 1
            edge = start - 1
            if edge >= 0 and text[edge] == " ":
                edge -= 1
            if i - start >= 2 and (edge < 0 or text[edge] in _SPEAKER_EDGE) \
                    and _bare_name(text, start, i):
                out.append((start, i, "person_name"))
            i = text.find(colon, i + 1)


def recognize(text: str, out: list[Candidate], use_model: bool = True) -> None:
    """Append person-name candidates found in the folded ``text`` to ``out``; with
    ``use_model``, also the names the lexicon model finds where no rule applies."""
    anchors = []  # where a bare name may end: before a reporting verb, a phone/ID or its label
    for match in _CUE.finditer(text):
        word = match.group()
        if word in _VERBS:
            found = _name_before(text, match.start(), gap=False)
            if found:
                out.append((found[0], found[1], "person_name"))
            continue
        if word in _ID_LABELS:
            anchors.append(match.start())
            continue
        if word in _POST_CUES:
            start = _name_before_title(text, match.start(), word, shortest=2)
            # The name starts at a boundary, or after a word that hands over to a person
            # (退到胡璐名下): "今天您好" must not become a name.
            if start is not None and (start == 0 or not _is_han(text[start - 1])
                                      or text[start - 1] in _HANDOVER):
                out.append((start, match.start(), "person_name"))
            continue
        if word in _TITLE_SET:
            if text[match.end():match.end() + 1] == "们":
                continue
            start = _name_before_title(text, match.start(), word)
            if start is not None and len(word) == 1 and _single_title_word(text, start,
                                                                            match.end()):
                start = None
            if start is not None:
                # 张先生 is a name with its title; in 张伟先生 the name is 张伟.
                whole = match.start() - start <= _surname_len(text, start, rare=True)
                out.append((start, match.end() if whole else match.start(), "person_name"))
                continue
            if word not in JOB_TITLES:
                continue
            # 项目经理蔡英: the job title is a label for the name after it.
            pos, strong = match.end(), False
        else:
            pos, strong = _after_label(text, match.end())
        spaced = _spaced_name(text, pos) if " " in text else None
        if spaced:
            out.append((pos, spaced, "person_name"))
            continue
        while True:
            end = _name_after_label(text, pos, strong)
            if end is None:
                break
            out.append((pos, end, "person_name"))
            # 车主分别为张伟、李娜: the label covers a list.
            if text[end:end + 1] != "、":
                break
            pos = end + 1
    if "·" in text:
        for match in _MINORITY.finditer(text):
            start = match.start()
            if text[start] in _LABEL_FIRST and text.startswith(_LABELS, start):
                continue  # 访客买买提·艾力: the label's own match finds the name
            if start == 0 or not _is_han(text[start - 1]) or text[start - 1] in _HANDOVER:
                out.append((start, match.end(), "person_name"))
    if ":" in text or "：" in text:
        _speakers(text, out)
    for _start, end, kind in list(out):
        # 12栋4单元1606 齐小红 欠费…: a name in the column after a room
        if kind == "address" and text[end:end + 1] in _GAP:
            found = _name_after(text, end)
            if found:
                out.append((found[0], found[1], "person_name"))
    anchors.extend(c[0] for c in out if c[2] == "phone" or c[2] == "id_card")
    for pos in anchors:
        found = _name_before(text, pos)
        if found:
            out.append((found[0], found[1], "person_name"))
    if use_model:
        from ownerguard.detect import model

        model.recognize(text, out, [(c[0], c[1]) for c in out])
