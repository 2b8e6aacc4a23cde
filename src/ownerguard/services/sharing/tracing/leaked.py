"""Read a leaked copy — xlsx, CSV or pasted text — and pull out what attribution can match.

A leak arrives in any shape: our package as downloaded, re-saved by Excel, columns dropped or
shuffled, headers renamed or gone, rows pasted into a chat. So nothing here trusts headers: each
cell is classified by what it looks like (a mobile number, a room label, a 2–4 character name
starting with a common surname, 男/女, an ID number). Raw texts of phones and rooms are kept next
to their normalised values, because *how* they are written is part of the package fingerprint.

Nothing read here is logged or put into an exception: a leak is personal data too.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

from ownerguard.adapters.export_sheet import strip_zero_width
from ownerguard.adapters.sheets import HEADERS
from ownerguard.detect.namedata import EXTENDED_SURNAMES, STOP_WORDS, SURNAMES
from ownerguard.errors import Invalid
from ownerguard.vault.blind import normalise
from ownerguard.vault.masking.name import COMPOUND_SURNAMES

_EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
_MAX_ZIP_MEMBER = 256 * 1024 * 1024     # an untrusted "xlsx": refuse zip bombs before parsing
_DELIMITERS = ("\t", ",", "，", ";", "|")

# An 11-digit mobile with an optional +86/0086/86 and at most one space or dash between digits
# ("171 1234 5678", "171-1234-5678"); not inside a longer run of digits (an ID number).
_MOBILE = re.compile(r"(?<![0-9])(?:(?:\+|00)?86[-\s]?)?(1[3-9](?:[-\s]?[0-9]){9})(?![0-9])")
_ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])")
# Room labels: "翠湖苑1栋1单元101室", "1栋-1单元-101", "1号楼302"; and the bare "1-1-101".
_ROOM = re.compile(r"([0-9A-Za-z]{1,4})(?:号楼|栋|幢|座|楼|#)[-\s]*(?:([0-9A-Za-z]{1,3})单元[-\s]*)?"
                   r"([0-9]{1,5})(?:室|号)?(?![0-9])")
_ROOM_DASHED = re.compile(r"([0-9]{1,3})-(?:([0-9]{1,2})-)?([0-9]{3,4})")
_BUILDING_ONLY = re.compile(r"([0-9A-Za-z]{1,4})(?:号楼|栋|幢|座|楼|#)?")
_UNIT_ONLY = re.compile(r"([0-9]{1,2})(?:单元)?")
_NUMBER_ONLY = re.compile(r"([0-9]{3,4})(?:室|号)?")
_DIGIT = re.compile(r"[0-9]")
_NON_DIGITS = re.compile(r"[^0-9]")
_CJK_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}|[\u4e00-\u9fff]{1,6}·[\u4e00-\u9fff]{1,8}")
_NOT_NAMES = frozenset(HEADERS) | frozenset(STOP_WORDS) | frozenset(
    "业主 租户 家属 住户 房主 户主 本人 配偶 子女 父母 已婚 未婚 正常 空置 入住 自住 出租 合计 备注 "
    "男性 女性 先生 女士 小姐 电话 地址 单元 房间 楼栋 联系 小区 物业 快递 驿站".split())
_SURNAMES = SURNAMES | EXTENDED_SURNAMES


@dataclass
class LeakRow:
    """What one leaked row holds, normalised for matching. ``raw`` keeps, per field, the texts as
    written (aligned with ``phones`` and ``rooms``) for the format fingerprint."""

    index: int                                   # 0-based position in the leak
    phones: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    rooms: list[str] = field(default_factory=list)       # canonical keys "1|1|101" / "5||302"
    raw: dict[str, list[str]] = field(default_factory=dict)
    fields: set[str] = field(default_factory=set)        # catalogue fields seen in this row

    @property
    def empty(self) -> bool:
        return not (self.phones or self.names or self.rooms)


# ------------------------------------------------------------------------------------------------
# Reading


class LeakReadError(Invalid, ValueError):
    """The leak could not be read; the code names the problem, never the content (the command
    line catches ValueError)."""


def read_leak(data: bytes | str, filename: str = "") -> list[list[str]]:
    """Rows of cell texts from an xlsx/xls (all sheets, in order), a CSV in UTF-8 or GBK with any
    common delimiter, or pasted text. Zero-width characters (our export tags) are removed."""
    if isinstance(data, bytes):
        suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
        if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0") \
                or f".{suffix}" in _EXCEL_SUFFIXES:
            return [[strip_zero_width(c).strip() for c in row] for row in _excel_rows(data)]
        data = _decode(data)
    # One pass over the whole text is much cheaper than one per cell.
    return [[c.strip() for c in row] for row in _text_rows(strip_zero_width(data))]


def _excel_rows(data: bytes) -> list[list[str]]:
    from python_calamine import CalamineWorkbook

    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as book:
                if any(info.file_size > _MAX_ZIP_MEMBER for info in book.infolist()):
                    raise LeakReadError("leak_too_large")
        except zipfile.BadZipFile:
            raise LeakReadError("excel_damaged") from None
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        out: list[list[str]] = []
        for name in workbook.sheet_names:
            out.extend([_cell(c) for c in row]
                       for row in workbook.get_sheet_by_name(name).to_python())
        return out
    except LeakReadError:
        raise
    except Exception as exc:  # calamine has its own exception types for every broken file
        raise LeakReadError("excel_unreadable", cause=type(exc).__name__) from None


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))           # a phone typed as a number comes back as 13812345678.0
    return str(value)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def _text_rows(text: str) -> list[list[str]]:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    delimiter = _delimiter(lines[:50])
    if delimiter in ("\t", ",") and all(delimiter in ln for ln in lines):
        # A regular CSV: let the csv module handle quoted cells (with delimiters or line breaks).
        return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
                if any(c.strip() for c in row)]
    out: list[list[str]] = []
    for line in lines:
        # A line without the delimiter was pasted from somewhere else: split it on spaces.
        if delimiter is None or delimiter not in line:
            out.append(_split_spaces(line))
        elif delimiter in ("\t", ","):
            out.extend(csv.reader([line], delimiter=delimiter))
        else:
            out.append(line.split(delimiter))
    return out


def _delimiter(lines: list[str]) -> str | None:
    """The delimiter found on most lines (at least half of them); None for space-separated text."""
    best, best_lines = None, 0
    for d in _DELIMITERS:
        hits = sum(1 for ln in lines if d in ln)
        if hits > best_lines:
            best, best_lines = d, hits
    return best if lines and best_lines * 2 >= len(lines) else None


_GROUPS = re.compile(r"(?:\+?86\s)?1[0-9]{2}\s[0-9]{4}\s[0-9]{4}(?![0-9])")


def _split_spaces(line: str) -> list[str]:
    """Split pasted text on whitespace but keep a spaced phone ("171 1234 5678") in one cell."""
    folded = unicodedata.normalize("NFKC", line)
    if len(folded) != len(line):
        line = folded
    out: list[str] = []
    pos = 0
    for m in _GROUPS.finditer(line):
        out.extend(line[pos:m.start()].split())
        out.append(m.group())
        pos = m.end()
    out.extend(line[pos:].split())
    return out


# ------------------------------------------------------------------------------------------------
# Extraction


def room_key(building: str, unit: str | None, number: str) -> str:
    """Canonical room key "1|1|101": building and unit without their words, number without 室.
    Used for leaked labels and for our own rooms alike."""
    b = re.sub(r"(?:号楼|栋|幢|座|楼|#)$", "", unicodedata.normalize("NFKC", building).strip())
    u = unicodedata.normalize("NFKC", unit or "").strip()
    u = u[:-2] if u.endswith("单元") else u
    n = re.sub(r"(?:室|号)$", "", unicodedata.normalize("NFKC", number).strip())
    return f"{b.upper()}|{u.upper()}|{n.upper()}"


def unitless(key: str) -> str:
    """"1|1|101" → "1||101": what a label written without its unit can still be matched on."""
    b, _u, n = key.split("|")
    return f"{b}||{n}"


def extract(rows: list[list[str]]) -> list[LeakRow]:
    """One ``LeakRow`` per input row (header rows simply come out empty)."""
    return [_extract_row(i, cells) for i, cells in enumerate(rows)]


def _extract_row(index: int, cells: list[str]) -> LeakRow:
    row = LeakRow(index)
    loose: list[str] = []          # cells that may be parts of a room split over columns
    for raw in cells:
        if not raw:
            continue
        text = (raw if raw.isascii() else unicodedata.normalize("NFKC", raw)).strip()
        if _DIGIT.search(text) is not None:       # only digits can make a phone, ID or room
            if _phones(row, text):
                row.fields.add("phone")
                continue
            if _ID_NUMBER.search(text):
                row.fields.add("id_number")
                continue
            if _room(row, text):
                continue
            loose.append(text)
            continue
        if text in ("男", "女"):
            row.fields.add("gender")
            continue
        name = _name(text)
        if name:
            row.names.append(name)
            row.fields.add("name")
            continue
        loose.append(text)
    if not row.rooms and len(loose) >= 2:
        _split_room(row, loose)
    return row


_MOBILE_SECOND = frozenset("3456789")


def _phones(row: LeakRow, text: str) -> bool:
    # Fast path: the cell is one phone in one of our formats (most cells of a leaked package).
    if len(text) <= 13:
        digits = text.replace(" ", "").replace("-", "")
        if len(digits) == 11 and digits.isdigit() and digits[0] == "1" \
                and digits[1] in _MOBILE_SECOND:
            row.phones.append(digits)
            row.raw.setdefault("phone", []).append(text)
            return True
    if len(text) < 11:
        return False
    found = False
    for m in _MOBILE.finditer(text):
        row.phones.append(_NON_DIGITS.sub("", m.group(1)))
        row.raw.setdefault("phone", []).append(m.group().strip())
        found = True
    return found


def _room(row: LeakRow, text: str) -> bool:
    m = _ROOM.search(text)
    if m is None:
        m = _ROOM_DASHED.fullmatch(text)
    if m is None:
        return False
    # The groups already leave out 栋/单元/室; the text is NFKC-folded.
    row.rooms.append(f"{m.group(1).upper()}|{m.group(2) or ''}|{m.group(3)}")
    row.raw.setdefault("rooms", []).append(text)
    row.fields.add("rooms")
    return True


def _split_room(row: LeakRow, loose: list[str]) -> None:
    """Building, unit and number in columns of their own (楼号 | 单元 | 房屋), in that order."""
    for i in range(len(loose) - 1):
        b = _BUILDING_ONLY.fullmatch(loose[i])
        if not b or not re.search(r"(?:号楼|栋|幢|座|楼|#)$", loose[i]):
            continue
        rest = loose[i + 1:i + 3]
        unit = _UNIT_ONLY.fullmatch(rest[0]) if len(rest) == 2 else None
        number = _NUMBER_ONLY.fullmatch(rest[1] if unit else rest[0])
        if number:
            row.rooms.append(room_key(b.group(1), unit.group(1) if unit else "", number.group(1)))
            row.fields.add("rooms")
            return


def _name(text: str) -> str | None:
    """A cell that is a whole Chinese name: 2–4 CJK characters from a common (or compound)
    surname, or a minority name with a middle dot; not a header or an everyday word."""
    # text is NFKC-folded already; the common short name needs no further normalising
    name = text if len(text) <= 4 and text.isalpha() else normalise("name", text)
    if not _CJK_NAME.fullmatch(name) or name in _NOT_NAMES:
        return None
    if "·" in name or name[:2] in COMPOUND_SURNAMES or name[0] in _SURNAMES:
        return name
    return None
