"""Name masking: ``张*``, ``张*明``, ``张**明``, ``欧阳*娜``, ``买**·*力``, ``J***``."""

from __future__ import annotations

import re

# Compound surnames are kept whole in names of 4+ characters: "欧*娜娜" would cut the surname.
COMPOUND_SURNAMES = frozenset((
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "宇文",
    "司徒", "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "百里", "呼延", "万俟", "澹台", "公冶",
    "太史", "申屠", "钟离", "闻人", "赫连", "拓跋", "司空", "东郭", "第五", "左丘", "濮阳", "淳于",
    "单于", "宗政", "仲孙", "公羊", "亓官", "司寇", "子车", "谷梁", "乐正", "梁丘", "段干", "巫马",
))
# The middle dot of minority names is typed many ways; all of them separate name parts.
_NAME_DOTS = re.compile(r"[·•・．‧･]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def mask_name(value: str) -> str:
    """Han names keep the first and (from 3 characters on) the last character.

    Rule: GB/T 35273-2020 §7.2 (展示限制), law ref L9.
    * 2 chars ``张*``; 3 chars ``张*明``; 4+ chars first char (a compound surname whole) + stars
      + last char: ``欧阳娜娜`` → ``欧阳*娜``; a single character is ``*``.
    * Minority names with a middle dot: each part keeps its length; the first part keeps its
      first character, the last part its last character, everything else is starred:
      ``买买提·艾力`` → ``买**·*力`` (length-preserving, so the parts still read as a name).
    * Other alphabetic names (``John Smith``): first letter + a fixed ``***``, since the length
      of a Latin name narrows it down a lot. No letters at all: ``***``.
    """
    name = "".join(value.split())
    if not name:
        return ""
    if _HAN.search(name):
        return _mask_dotted(name) if _NAME_DOTS.search(name) else _mask_han(name)
    first_letter = next((char for char in name if char.isalpha()), None)
    return f"{first_letter}***" if first_letter else "***"


def _mask_han(name: str) -> str:
    if len(name) == 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    head = name[:2] if len(name) >= 4 and name[:2] in COMPOUND_SURNAMES else name[0]
    return head + "*" * (len(name) - len(head) - 1) + name[-1]


def _mask_dotted(name: str) -> str:
    parts = _NAME_DOTS.split(name)
    # With only 2 letters in all, showing first and last would show the whole name.
    keep_last = sum(map(len, parts)) > 2
    masked = []
    for index, part in enumerate(parts):
        chars = ["*"] * len(part)
        if chars and index == 0:
            chars[0] = part[0]
        if chars and index == len(parts) - 1 and keep_last:
            chars[-1] = part[-1]
        masked.append("".join(chars))
    return "·".join(masked)
