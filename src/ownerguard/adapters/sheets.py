"""Read an owner sheet (CSV, xlsx, xls) into validated ``PersonRow``s and row-numbered ``Reject``s.

The import rule is one row = one person in one room. Columns are found by their header (row 1) in
any order, in Chinese or English; unknown columns are ignored. Every refused row gets a reason that
says what to fix and the sheet's own row number (first data row = 2), and never the value itself:
reject lists are shown on screens and kept in logs, where a clear phone or ID would defeat masking
(L9) and the security measures around personal data (L8). Owners' corrections (L13) start here.

Layers: ``iter_records`` gives the raw cells keyed by canonical column; ``read_sheet`` parses,
validates and de-duplicates them. Both read the whole file first: 100k rows fit in memory easily,
and the total is needed for ``progress``.
"""

from __future__ import annotations

import csv
import gc
import io
import math
import operator
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TypeGuard, TypeVar

from python_calamine import CalamineWorkbook

from ownerguard.domain.model import ROLE_ALIASES, IdType, ResidencyRole
from ownerguard.domain.normalize import (
    InvalidValue,
    normalize_gender,
    normalize_id_number,
    normalize_name,
    normalize_other_id,
    normalize_phone,
    normalize_plate,
)
from ownerguard.domain.rows import PersonRow, Reject, RoomRow, VehicleRow
from ownerguard.errors import Invalid

# Header as written → canonical column key. Matching ignores case, spaces, "_", "-", "*" (a
# "required" mark) and a trailing "(单位)" note, so "Total Floors", "total_floors" and
# "建筑面积（㎡）" all match. The first Chinese header of each key is its label in messages.
HEADERS: dict[str, str] = {
    # HC property system, sheet 资产信息 (21 columns) ------------------------------------------
    "楼号": "building",
    "单元": "unit",
    "房屋": "room",
    "楼层": "floor",
    "总楼层": "total_floors",
    "电梯": "elevator",
    "房屋类型": "room_type",
    "户型": "layout",
    "建筑面积": "building_area",
    "室内面积": "indoor_area",
    "租金": "rent",
    "状态": "status",
    "业主名称": "name",
    "性别": "gender",
    "手机号": "phone",
    "身份证": "id_number",
    "业主类型": "owner_type",
    "人员类型": "person_type",
    "人员角色": "role",
    "联系人": "contact_name",
    "联系人电话": "contact_phone",
    # Our template adds --------------------------------------------------------------------------
    "证件类型": "id_type",
    "车牌号": "plate",
    "车辆品牌": "vehicle_brand",
    "车辆颜色": "vehicle_colour",
    "车位号": "parking_space",
    # Common Chinese variants --------------------------------------------------------------------
    "楼栋": "building",
    "楼栋号": "building",
    "单元号": "unit",
    "房号": "room",
    "房间号": "room",
    "房屋号": "room",
    "姓名": "name",
    "业主姓名": "name",
    "手机": "phone",
    "手机号码": "phone",
    "电话": "phone",
    "身份证号": "id_number",
    "身份证号码": "id_number",
    "证件号": "id_number",
    "证件号码": "id_number",
    "角色": "role",
    "车牌": "plate",
    "车牌号码": "plate",
    "车位": "parking_space",
    # English ------------------------------------------------------------------------------------
    "building": "building",
    "unit": "unit",
    "room": "room",
    "floor": "floor",
    "total_floors": "total_floors",
    "elevator": "elevator",
    "room_type": "room_type",
    "layout": "layout",
    "building_area": "building_area",
    "indoor_area": "indoor_area",
    "rent": "rent",
    "status": "status",
    "name": "name",
    "gender": "gender",
    "phone": "phone",
    "id_number": "id_number",
    "owner_type": "owner_type",
    "person_type": "person_type",
    "role": "role",
    "contact_name": "contact_name",
    "contact_phone": "contact_phone",
    "id_type": "id_type",
    "plate": "plate",
    "vehicle_brand": "vehicle_brand",
    "vehicle_colour": "vehicle_colour",
    "vehicle_color": "vehicle_colour",
    "parking_space": "parking_space",
}

REQUIRED_COLUMNS = ("building", "room", "name")

# Our import template: the HC layout plus ID type and vehicle columns.
TEMPLATE_COLUMNS: list[str] = [
    "楼号", "单元", "房屋", "楼层", "总楼层", "电梯", "房屋类型", "户型", "建筑面积", "室内面积",
    "租金", "状态", "业主名称", "性别", "手机号", "证件类型", "身份证", "业主类型", "人员类型",
    "人员角色", "联系人", "联系人电话", "车牌号", "车辆品牌", "车辆颜色", "车位号",
]
_TEXT_FORMAT_COLUMNS = {"手机号", "身份证", "联系人电话"}   # Excel must not turn them into numbers

ID_TYPES: dict[str, IdType] = {
    "身份证": IdType.RESIDENT_ID,
    "居民身份证": IdType.RESIDENT_ID,
    "护照": IdType.PASSPORT,
    "港澳通行证": IdType.HK_MACAO_PERMIT,
    "港澳居民来往内地通行证": IdType.HK_MACAO_PERMIT,
    "台胞证": IdType.TAIWAN_PERMIT,
    "台湾居民来往大陆通行证": IdType.TAIWAN_PERMIT,
    "外国人永久居留证": IdType.FOREIGN_PERMANENT,
    "外国人永久居留身份证": IdType.FOREIGN_PERMANENT,
    "其他": IdType.OTHER,
    **{t.value: t for t in IdType},
}

T = TypeVar("T")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u2060\ufeff]")
_PROGRESS_EVERY = 1000
_EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"}
_CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
_PREFERRED_SHEET = "资产信息"


class SheetError(Invalid, ValueError):
    """The file as a whole cannot be read (type, encoding, header): a code, no values (the
    console, the command line and the scan catch it)."""


@dataclass
class SheetResult:
    rows: list[PersonRow] = field(default_factory=list)
    rejected: list[Reject] = field(default_factory=list)   # one per refused row, in row order
    blank_rows: int = 0
    duplicates_merged: int = 0
    total_rows: int = 0          # data rows below the header, blank ones included


# ---------------------------------------------------------------------------------------------
# Header


_HEADER_NOTE = re.compile(r"\([^()]*\)$")       # "建筑面积(㎡)": a unit or a hint, not the name
_HEADER_NOISE = re.compile(r"[\s_\-*]+")


def _header_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _HEADER_NOTE.sub("", text.strip())
    return _HEADER_NOISE.sub("", text)


_HEADER_LOOKUP: dict[str, str] = {_header_key(name): key for name, key in HEADERS.items()}
_LABELS: dict[str, str] = {}
for _name, _key in HEADERS.items():
    _LABELS.setdefault(_key, _name)
_LOOKS_LIKE_DATA = re.compile(r"\d{5}")


@dataclass(frozen=True)
class _Table:
    headers: list[str]                       # row 1 as written
    columns: dict[str, int]                  # canonical key → column index
    rows: Sequence[Sequence[object]]         # data rows; rows[i] is the sheet's row i + 2

    def header_of(self, key: str) -> str:
        return self.headers[self.columns[key]]


def _map_columns(cells: Sequence[object]) -> tuple[list[str], dict[str, int]]:
    """Header cells → (headers as text, key → index). Raises SheetError for an unusable header."""
    if any(_is_number(c) or (isinstance(c, str) and _LOOKS_LIKE_DATA.search(c)) for c in cells):
        # Listing these cells would put personal values into the message.
        raise SheetError("header_looks_like_data")
    headers = [_cell_str(c) for c in cells]
    columns: dict[str, int] = {}
    clashes: dict[str, list[str]] = {}
    for index, header in enumerate(headers):
        key = _HEADER_LOOKUP.get(_header_key(header)) if header else None
        if key is None:
            continue
        if key in columns:
            clashes.setdefault(key, [headers[columns[key]]]).append(header)
        else:
            columns[key] = index
    if clashes:
        same = "；".join("、".join(names) for names in clashes.values())
        raise SheetError("duplicate_columns", columns=same)
    missing = [_LABELS[key] for key in REQUIRED_COLUMNS if key not in columns]
    if missing:
        found = "、".join(h for h in headers if h) or "—"
        raise SheetError("missing_columns", missing="、".join(missing), found=found)
    return headers, columns


def _cell_str(cell: object) -> str:
    return cell.strip() if isinstance(cell, str) else ("" if cell is None else str(cell))


# ---------------------------------------------------------------------------------------------
# Files


def read_grid(path: Path) -> list[list[object]]:
    """The first sheet (or 资产信息) as rows of cells, header included, nothing interpreted."""
    if not path.is_file():
        raise SheetError("file_not_found")
    suffix = path.suffix.lower()
    if suffix in _EXCEL_SUFFIXES:
        return _excel_grid(path)
    if suffix in _CSV_SUFFIXES:
        return _csv_grid(path)
    if not suffix:
        raise SheetError("file_no_extension")
    raise SheetError("file_type_unsupported", suffix=suffix)


def _load(path: Path) -> _Table:
    grid = read_grid(path)
    if not grid:
        raise SheetError("file_empty")
    headers, columns = _map_columns(grid[0])
    return _Table(headers, columns, grid[1:])


def _excel_grid(path: Path) -> list[list[object]]:
    try:
        book = CalamineWorkbook.from_path(str(path))
        names = book.sheet_names
        if not names:
            return []
        name = _PREFERRED_SHEET if _PREFERRED_SHEET in names else names[0]
        # skip_empty_area=False keeps the sheet's own row numbers when row 1 or column A is empty.
        return [list(r) for r in
                book.get_sheet_by_name(name).to_python(skip_empty_area=False)]
    except Exception as exc:  # calamine raises its own types for every kind of broken file
        raise SheetError("excel_unreadable", cause=type(exc).__name__) from None


def _csv_grid(path: Path) -> list[list[object]]:
    text = _decode(path.read_bytes())
    first_line = text[: text.find("\n")] if "\n" in text else text
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    return [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030: what Excel "save as CSV" writes on Chinese Windows."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SheetError("csv_encoding")


# ---------------------------------------------------------------------------------------------
# Raw records


def _is_blank(cells: Sequence[object]) -> bool:
    for cell in cells:
        if cell is None or cell == "" or (isinstance(cell, str) and cell.isspace()):
            continue
        return False
    return True


def _records(table: _Table) -> Iterator[tuple[int, dict[str, object] | None]]:
    """(row number, raw cells by key), or None for a blank row."""
    items = list(table.columns.items())
    width = max(table.columns.values()) + 1
    for offset, cells in enumerate(table.rows):
        if _is_blank(cells):
            yield offset + 2, None
            continue
        if len(cells) < width:               # short CSV lines
            cells = list(cells) + [""] * (width - len(cells))
        yield offset + 2, {key: cells[index] for key, index in items}


def iter_records(path: str | Path) -> Iterator[tuple[int, dict[str, object]]]:
    """Yield (sheet row number, {canonical key: raw cell}) for each non-blank data row."""
    for row, record in _records(_load(Path(path))):
        if record is not None:
            yield row, record


# ---------------------------------------------------------------------------------------------
# Cell parsing


class _Rejected(Invalid):
    """A refused cell: the code says what to fix, ``key`` names the column (never the value)."""

    def __init__(self, code: str, key: str, /, **params: object) -> None:
        super().__init__(code, **params)
        self.key = key


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _text(value: object) -> str | None:
    """A cell as clean text, or None when blank. Excel's 101.0 becomes "101"."""
    if isinstance(value, str):
        if value.isascii():
            return value.strip() or None
        # Zero-width characters: an export's row tags (services.export_sheet) must not travel
        # back into the register when a sheet made from an export is imported.
        return _ZERO_WIDTH.sub("", unicodedata.normalize("NFKC", value)).strip() or None
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, date):               # datetime too: it is a date subclass
        return value.isoformat()
    return str(value)


def _present(value: object) -> bool:
    return not (value is None or value == "" or (isinstance(value, str) and value.isspace()))


_FLOOR_SUFFIX = re.compile(r"(?:层|楼|f)$", re.IGNORECASE)
_INTEGER = re.compile(r"[+-]?\d+")


def _integer(key: str, value: object, minimum: int | None = None) -> int | None:
    if not _present(value):
        return None
    if _is_number(value) and float(value).is_integer():
        number = int(value)
    elif isinstance(value, str) and value.isdecimal():
        number = int(value)                     # the common CSV case, without regex
    else:
        text = _FLOOR_SUFFIX.sub("", _text(value) or "")
        if not _INTEGER.fullmatch(text):
            raise _Rejected("cell_not_integer", key, column=_LABELS[key])
        number = int(text)
    if minimum is not None and number < minimum:
        raise _Rejected("cell_below_minimum", key, column=_LABELS[key], min=minimum)
    return number


_UNIT_SUFFIX = re.compile(r"(?:m2|平方米|平米|平|元/月|元)$", re.IGNORECASE)


def _decimal(key: str, value: object) -> Decimal | None:
    if not _present(value):
        return None
    number = _to_decimal(value)
    if number is None or not number.is_finite():
        raise _Rejected("cell_not_number", key, column=_LABELS[key])
    if number < 0:
        raise _Rejected("cell_negative", key, column=_LABELS[key])
    return number


def _to_decimal(value: object) -> Decimal | None:
    if isinstance(value, float):
        # repr is the shortest exact spelling: 82.59 stays 82.59, not 82.5900000000000034…
        return Decimal(repr(value)) if math.isfinite(value) else None
    if _is_number(value):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return Decimal(value)               # the common CSV case: a plain number
        except InvalidOperation:
            pass
    text = _UNIT_SUFFIX.sub("", (_text(value) or "").replace(",", "")).strip()
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


_YES = {"有", "是", "y", "yes", "true", "1", "有电梯"}
_NO = {"无", "否", "没有", "n", "no", "false", "0", "无电梯"}


def _elevator(value: object) -> bool | None:
    if not _present(value):
        return None
    if isinstance(value, bool):
        return value
    text = (_text(value) or "").casefold()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise _Rejected("elevator_invalid", "elevator")


_ROLES = {alias.casefold(): role for alias, role in ROLE_ALIASES.items()}
_ROLE_CHOICES = "、".join(alias for alias in ROLE_ALIASES if not alias.isascii())


def _role(value: object) -> ResidencyRole:
    text = _text(value)
    if text is None:
        return ResidencyRole.OWNER
    role = _ROLES.get(text.casefold())
    if role is None:
        raise _Rejected("role_invalid", "role", choices=_ROLE_CHOICES)
    return role


_ID_TYPE_CHOICES = "、".join(name for name in ID_TYPES if not name.isascii())


def _id_type(value: object) -> IdType:
    text = _text(value)
    if text is None:
        return IdType.RESIDENT_ID
    id_type = ID_TYPES.get(text.casefold())
    if id_type is None:
        raise _Rejected("id_type_invalid", "id_type", choices=_ID_TYPE_CHOICES)
    return id_type


def _checked(key: str, normalize: Callable[[object], T], value: object) -> T:
    """Run a domain normaliser; its refusal (never the value) becomes the row's reason."""
    try:
        return normalize(value)
    except InvalidValue as exc:
        raise _Rejected(exc.code, key, **exc.params) from None


def _optional(key: str, normalize: Callable[[object], T], value: object) -> T | None:
    return _checked(key, normalize, value) if _present(value) else None


def _required(key: str, value: object) -> str:
    text = _text(value)
    if text is None:
        raise _Rejected("cell_missing", key, column=_LABELS[key])
    return text


def _vehicle(rec: dict[str, object]) -> VehicleRow | None:
    brand = _text(rec.get("vehicle_brand"))
    colour = _text(rec.get("vehicle_colour"))
    space = _text(rec.get("parking_space"))
    plate = rec.get("plate")
    if not _present(plate):
        if brand or colour or space:
            raise _Rejected("vehicle_without_plate", "plate")
        return None
    return VehicleRow(_checked("plate", normalize_plate, plate), brand, colour, space)


def _parse_room(rec: dict[str, object]) -> RoomRow:
    get = rec.get
    return RoomRow(
        building=_required("building", get("building")),
        unit=_text(get("unit")),
        number=_required("room", get("room")),
        floor=_integer("floor", get("floor")),
        total_floors=_integer("total_floors", get("total_floors"), minimum=1),
        elevator=_elevator(get("elevator")),
        room_type=_text(get("room_type")),
        layout=_text(get("layout")),
        building_area=_decimal("building_area", get("building_area")),
        indoor_area=_decimal("indoor_area", get("indoor_area")),
        rent=_decimal("rent", get("rent")),
        status=_text(get("status")),
    )


_ROOM_KEYS = ("building", "unit", "room", "floor", "total_floors", "elevator", "room_type", "layout",
              "building_area", "indoor_area", "rent", "status")


def _person(row: int, rec: dict[str, object], room: Callable[[dict[str, object]], RoomRow]) -> PersonRow:
    """One raw record → PersonRow, or _Rejected naming the first column at fault."""
    get = rec.get
    name = get("name")
    if not _present(name):
        raise _Rejected("cell_missing", "name", column=_LABELS["name"])
    name = _checked("name", normalize_name, name)
    room_row = room(rec)
    gender = _checked("gender", normalize_gender, get("gender"))
    phone = _optional("phone", normalize_phone, get("phone"))
    contact_phone = _optional("contact_phone", normalize_phone, get("contact_phone"))
    contact_name = _optional("contact_name", normalize_name, get("contact_name"))

    id_type = id_number = birth_date = None
    legacy15 = False
    raw_id = get("id_number")
    if _present(raw_id):
        id_type = _id_type(get("id_type"))
        if id_type is IdType.RESIDENT_ID:
            parsed = _checked("id_number", normalize_id_number, raw_id)
            id_number, legacy15, birth_date = parsed.number, parsed.legacy15, parsed.birth_date
            gender = gender or parsed.gender
        else:
            id_number = _checked("id_number", normalize_other_id, raw_id)

    return PersonRow(
        row=row,
        room=room_row,
        name=name,
        role=_role(get("role")),
        gender=gender,
        phone=phone,
        id_type=id_type.value if id_type else None,
        id_number=id_number,
        id_legacy15=legacy15,
        birth_date=birth_date,
        owner_type=_text(get("owner_type")),
        person_type=_text(get("person_type")),
        contact_name=contact_name,
        contact_phone=contact_phone,
        vehicle=_vehicle(rec),
    )


# ---------------------------------------------------------------------------------------------
# Sheet

# Only an ID number names exactly one person; a phone may be shared (see PersonRow.person_key).
_KEY_COLUMN = {"id": "id_number"}
# Every parsed field except the row number and the room: rooms are interned and compared by id,
# which saves hashing a 12-field dataclass on every row.
_identity = operator.attrgetter(*(f.name for f in fields(PersonRow) if f.name not in ("row", "room")))


class _SheetParser:
    """Parses one sheet's records, reusing parsed rooms, and de-duplicates people.

    A room usually has several rows (owner, family, tenants): its cells are parsed once. Rooms are
    interned, so equal rooms are one object and row identity can compare them by ``id``.
    """

    def __init__(self, columns: dict[str, int]) -> None:
        self._room_cells = operator.itemgetter(*(k for k in _ROOM_KEYS if k in columns))
        self._rooms: dict[object, RoomRow] = {}        # raw room cells → parsed room
        self._interned: dict[RoomRow, RoomRow] = {}
        self._seen: set[tuple] = set()
        self._names: dict[tuple[str, str], tuple[str, int]] = {}

    def parse(self, row: int, rec: dict[str, object]) -> PersonRow | None:
        """The row's person; None for a repeat of an accepted row; _Rejected for a bad row."""
        person = _person(row, rec, self.room)
        identity = (id(person.room), *_identity(person))
        if identity in self._seen:
            return None
        self._check_name(person)      # before remembering the row: a refused row's copy is refused too
        self._seen.add(identity)
        return person

    def room(self, rec: dict[str, object]) -> RoomRow:
        cells = self._room_cells(rec)
        room = self._rooms.get(cells)
        if room is None:
            parsed = _parse_room(rec)
            room = self._rooms[cells] = self._interned.setdefault(parsed, parsed)
        return room

    def _check_name(self, person: PersonRow) -> None:
        key = person.person_key
        if key[0] not in _KEY_COLUMN:
            return
        first_name, first_row = self._names.setdefault(key, (person.name, person.row))
        if first_name != person.name:
            raise _Rejected("id_name_mismatch", _KEY_COLUMN[key[0]], row=first_row)


def read_sheet(path: str | Path, progress: Callable[[int, int], None] | None = None) -> SheetResult:
    """Read and validate a whole sheet. Raises SheetError if the file or its header is unusable.

    ``progress(done, total)`` is called before the first row, every 1000 rows and at the end.
    """
    table = _load(Path(path))
    total = len(table.rows)
    result = SheetResult(total_rows=total)
    parser = _SheetParser(table.columns)
    if progress is not None:
        progress(0, total)          # the total, before the first row
    with _gc_paused():
        for row, record in _records(table):
            if record is None:
                result.blank_rows += 1
            else:
                _accept(row, record, table, parser, result)
            if progress is not None and (row - 1) % _PROGRESS_EVERY == 0:
                progress(row - 1, total)
    if progress is not None and total % _PROGRESS_EVERY:
        progress(total, total)
    return result


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while rows are parsed.

    Each row leaves several small objects that live until the import ends, and none of them form
    cycles; the collector would rescan the growing heap again and again, about 30 % of the run on
    100k rows. Reference counting still frees everything as usual. Left alone if already paused.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _accept(row: int, record: dict[str, object], table: _Table, parser: _SheetParser,
            result: SheetResult) -> None:
    try:
        person = parser.parse(row, record)
    except _Rejected as exc:
        result.rejected.append(Reject(row, _column_name(table, exc.key),
                                      Invalid(exc.code, **exc.params)))
        return
    if person is None:
        result.duplicates_merged += 1
    else:
        result.rows.append(person)


def _column_name(table: _Table, key: str) -> str:
    """The header as the user wrote it, so they find the column; our label if it is absent."""
    return table.header_of(key) if key in table.columns else _LABELS[key]


# ---------------------------------------------------------------------------------------------
# Template


def write_template(path: str | Path) -> None:
    """Write an empty import template: header row only; phone and ID columns formatted as text,
    so Excel keeps all 18 digits of an ID and the leading 0 of a landline."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = _PREFERRED_SHEET
    sheet.append(TEMPLATE_COLUMNS)
    for index, header in enumerate(TEMPLATE_COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet[f"{letter}1"].font = Font(bold=True)
        sheet.column_dimensions[letter].width = 22 if header in _TEXT_FORMAT_COLUMNS else 12
        if header in _TEXT_FORMAT_COLUMNS:
            sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"
    book.save(Path(path))
