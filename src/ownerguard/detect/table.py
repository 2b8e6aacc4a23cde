"""Tabular text: CSV/TSV rows and cells pasted from Excel, read by their header and column.

A row such as ``2024-06-01,汝明杰,110108198607093679,3-2-1101`` has no words around its values:
the header (``日期,姓名,身份证号,房号``) is the context. ``recognize`` finds the lines of a text
that split into three or more cells on a tab or a comma, takes a line whose cells hold no
digits and name known columns as the header, and then types each cell below it:

* a cell under a name column (姓名, 业主, 户名, 车主, 收件人, contact …) is a name when it reads
  as one on its own — a surname and one to three characters, a surname with a title (聂女士),
  a nickname (小邓), a minority name with a dot; ``（空置）``, ``匿名``, ``单位车`` are not;
* a cell under a card column (卡号, 收款账号) is a bank card when its digits pass Luhn — the
  header is the card word that free text would have before the number;
* a cell under an ID column is an ID when its check digit is right, whatever separates it.

The ordinary recognizers still run over the whole text (a comma never ends an ID or a phone:
see ``numbers``), so a row without a header still yields its phones, IDs and rooms; the
header adds what only the column can say.
"""

from __future__ import annotations

from stdnum import luhn

from ownerguard.detect import numbers
from ownerguard.detect.namedata import (
    COMPOUND_SURNAMES,
    EXTENDED_SURNAMES,
    RARE_SURNAMES,
    STOP_WORDS,
    SURNAMES,
    TITLES,
)
from ownerguard.detect.span import Candidate

_SURNAMES = SURNAMES | EXTENDED_SURNAMES | RARE_SURNAMES
# Header words per type, checked in this order (联系电话 is a phone column, not a name one).
HEADERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("phone", ("电话", "手机", "联系方式", "phone", "mobile", "tel")),
    ("id_card", ("身份证", "证件号", "证件号码", "证号", "id_no", "idcard")),
    ("bank_card", ("卡号", "账号", "帐号", "银行卡", "bank", "card")),
    ("license_plate", ("车牌", "plate")),
    ("address", ("房号", "房屋", "住址", "地址", "门牌", "室号", "room", "address")),
    ("person_name", ("姓名", "名字", "业主", "户名", "户主", "联系人", "住户", "租户", "租客", "车主",
                     "收件人", "寄件人", "访客", "来访人", "处理人", "经办人", "投诉人", "报修人",
                     "申请人", "承租人", "出租人", "房东", "候选人", "委员", "签收人", "负责人",
                     "员工", "name", "contact")),
)
_TITLES = tuple(sorted(TITLES, key=len, reverse=True))
_STRIP = " \t\"'\u3000"
# Cells a name column holds that are no one's name.
_NOT_NAMES = frozenset("匿名 本人 家人 同上 无 待定 不详 未知 空置 单位 公司 物业 保安 前台".split())


def looks_tabular(text: str) -> bool:
    """Cheap test: a tab, two commas, or a comma and a line break (a header and a row)."""
    return "\t" in text or ("," in text and ("\n" in text or text.count(",") >= 2))


def column_type(header: str) -> str | None:
    """The type a header cell announces (``被访房号`` → address), or None."""
    h = header.strip(_STRIP).lower()
    if not h:
        return None
    for kind, words in HEADERS:
        if any(w in h for w in words):
            return kind
    return None


def _cells(text: str, start: int, end: int, sep: str) -> list[tuple[int, int]]:
    """Cell offsets of ``text[start:end]`` split on ``sep``, spaces and quotes stripped."""
    cells = []
    pos = start
    while pos <= end:
        nxt = text.find(sep, pos, end)
        if nxt == -1:
            nxt = end
        a, b = pos, nxt
        while a < b and text[a] in _STRIP:
            a += 1
        while b > a and text[b - 1] in _STRIP:
            b -= 1
        cells.append((a, b))
        pos = nxt + 1
    return cells


def _is_header(text: str, cells: list[tuple[int, int]]) -> bool:
    """No digits, and known columns: 姓名,手机 (two cells) needs both, longer rows one."""
    typed = 0
    for a, b in cells:
        cell = text[a:b]
        if any("0" <= ch <= "9" for ch in cell):
            return False
        if column_type(cell):
            typed += 1
    return typed >= (len(cells) if len(cells) < 3 else 1)


def is_cell_name(cell: str) -> bool:
    """A cell of a name column that holds one person's name and nothing else."""
    n = len(cell)
    if not 2 <= n <= 12 or "*" in cell:
        return False
    if "·" in cell:
        parts = cell.split("·")
        return all(p and all("\u4e00" <= ch <= "\u9fff" for ch in p) for p in parts)
    if not all("\u4e00" <= ch <= "\u9fff" for ch in cell) or n > 5:
        return False
    if cell[0] in "小老" and n == 2 and cell[1] in SURNAMES:
        return True
    sur = 2 if cell[:2] in COMPOUND_SURNAMES else 1 if cell[0] in _SURNAMES else 0
    if not sur:
        return False
    rest = cell[sur:]
    if rest in TITLES or (rest.endswith(_TITLES) and n <= 4 and sur + 1 < n):
        return True
    # Alone in a name column, 可心 or 立新 is a given name: function-word first characters
    # (NOT_GIVEN_FIRST) are only refused when the cell is a common word.
    return 1 <= len(rest) <= 3 and cell[:2] not in STOP_WORDS and cell not in _NOT_NAMES


def recognize(text: str, out: list[Candidate], names: bool = True) -> None:
    """Append what the columns of tabular lines in the folded ``text`` say to ``out``."""
    types: dict[int, str] = {}
    sep_of_header = None
    line_start = 0
    length = len(text)
    while line_start <= length:
        line_end = text.find("\n", line_start)
        if line_end == -1:
            line_end = length
        line = text[line_start:line_end]
        sep = "\t" if "\t" in line else "," if "," in line else None
        if sep is not None:
            cells = _cells(text, line_start, line_end, sep)
            if _is_header(text, cells):
                types = {i: kind for i, (a, b) in enumerate(cells)
                         if (kind := column_type(text[a:b]))}
                sep_of_header = sep
            elif types and sep == sep_of_header:
                _typed_cells(text, cells, types, out, names)
        line_start = line_end + 1


def _typed_cells(text: str, cells: list[tuple[int, int]], types: dict[int, str],
                 out: list[Candidate], names: bool) -> None:
    for i, (a, b) in enumerate(cells):
        kind = types.get(i)
        if kind is None or a >= b:
            continue
        cell = text[a:b]
        if kind == "person_name":
            if names and is_cell_name(cell):
                out.append((a, b, "person_name"))
        elif kind == "bank_card":
            digits = cell.replace(" ", "").replace("-", "")
            if digits.isdigit() and 16 <= len(digits) <= 19 and luhn.is_valid(digits):
                out.append((a, b, "bank_card"))
        elif kind == "id_card":
            value = cell.replace(" ", "")
            if numbers.is_id18(value) or numbers.is_id15(value):
                out.append((a, b, "id_card"))
