"""Write approved bulk exports as watermarked xlsx files; trace a leaked copy back to its export.

An export is personal data leaving the gate in bulk (L8): once it is on someone's laptop the only
remaining control is that a leaked copy names who took it. So every export carries the same export
id in several places, each surviving a different kind of copy:

- document properties (core and custom ``ownerguard_*``): the file itself, also after a re-save
  by Excel or WPS; not a copy-paste;
- print header and footer: the file itself and every printed page (and a scan of one);
- banner in row 1, frozen with the header so it never scrolls away and repeated on every printed
  page: the file, a CSV re-save, a screenshot of the sheet window however far it is scrolled
  down, a copy that includes row 1;
- trailer row after the data: a copy taken from the header down to the end (Ctrl+Shift+End);
- sheet title ``导出 {export_id}``: the file, a screenshot that shows the sheet tabs;
- a zero-width tag in one cell of every data row: a copy-paste of any cells into a new sheet, a
  CSV or "Unicode text" re-save in UTF-8/UTF-16, pasted text — as long as the text is copied,
  not retyped.

The zero-width tag is what identifies an export when every visible mark was cut off. It is
``U+2060`` followed by 32 characters U+200B (bit 0) / U+200C (bit 1), appended to one non-empty
cell per data row. The 32 bits are the data row's index (its low 16 bits) and a 16-bit HMAC of
that index under the export's own secret. Carrying the row index makes a tag checkable on its
own, so a copy whose rows were sorted, filtered or partly deleted still matches (``match_tags``);
the HMAC means a tag matches a wrong export's secret with probability 2⁻¹⁶, so the caller can
rank every candidate export when the id itself was stripped. The tagged column changes from row
to row (chosen by the same HMAC) so that a copy of only some columns still carries tags, and it
avoids phone, ID-number, plate and date columns, whose values staff paste into dialers and forms.

What does not survive, stated plainly: a retyped copy, an OCR of the data cells, and a CSV saved
by Chinese Excel's default "CSV (逗号分隔)" (GBK has no zero-width characters: the tags turn into
"?"). Retyped copies are traced through other means — alias phone numbers and canary rows, added
by a later feature. Anyone who knows the scheme can strip the tags; the visible marks are there
to make people not try.

The file is written straight to its target path, never through a temporary file: openpyxl
normally spools each worksheet's XML — every value in it — to ``/tmp`` first, and a deleted
temporary file is still recoverable from the disk. The target is created exclusively with mode
0600 and removed again if writing fails half-way.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import html
import io
import os
import re
import secrets
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.packaging.custom import BoolProperty, StringProperty
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter
from python_calamine import CalamineWorkbook

EXPORT_ID_RE = re.compile(r"EX-\d{8}-[0-9A-F]{4}")
# Reading is lenient: OCR and retyping turn "-" into full-width or other dashes, add spaces and
# change case. Found ids are normalised to the canonical form above.
_FIND_ID_RE = re.compile(
    r"(?<![0-9A-Za-z])EX\s*[-‐‑‒–—－]\s*(\d{8})\s*[-‐‑‒–—－]\s*([0-9A-Fa-f]{4})(?![0-9A-Za-z])",
    re.IGNORECASE,
)

TAG_START = "\u2060"                    # WORD JOINER: frames a tag, so stray U+200B is not one
_BIT = ("\u200b", "\u200c")             # ZERO WIDTH SPACE = 0, ZERO WIDTH NON-JOINER = 1
TAG_BITS = 32
TAG_LEN = 1 + TAG_BITS
_TAG_RE = re.compile(TAG_START + "([\u200b\u200c]{%d})(?![\u200b\u200c])" % TAG_BITS)
# U+200D (ZERO WIDTH JOINER) is not ours and is left alone: it holds emoji sequences together,
# and WeChat nicknames in contact names carry them. U+FEFF is a stray BOM from pasted text.
_ZERO_WIDTH = "\u200b\u200c\u2060\ufeff"
_ZERO_WIDTH_TABLE = dict.fromkeys(map(ord, _ZERO_WIDTH))

_TAG_CONTEXT = b"ownerguard-export-row-tag|v1|"
_MAX_CELL = 32767                        # Excel's limit on characters in one cell
_MAX_HEADER_TEXT = 180                    # + codes and page numbers stays under Excel's 255
_MAX_ZIP_MEMBER = 256 * 1024 * 1024      # a leaked "xlsx" is untrusted: refuse zip bombs
_BANNER_PREFIX = "导出编号"

# Columns whose values are used verbatim (dialled, typed into forms, matched by lookups): they
# never get a tag, and they are formatted as text so Excel does not turn an 18-digit ID into
# 1.10101E+17 or drop a phone's leading "+86"/"0" when someone edits the cell.
_VERBATIM_KEYS = frozenset({"phone", "contact_phone", "id_number", "other_id", "plate",
                            "birth_date"})
_VERBATIM_HINTS = ("phone", "mobile", "tel", "id_number", "idcard", "plate", "date")

SOURCES = ("properties", "header", "banner", "sheet_name", "cells", "zero_width")


# ------------------------------------------------------------------------------------------------
# Data


@dataclass(frozen=True)
class ExportMeta:
    """What an approved export is; stored by the caller with ``secret`` so leaks can be traced."""

    export_id: str           # "EX-20261128-7F3A"; see ``new_export_id``
    requester: str           # staff username who asked for the export
    approver: str            # the DPO who approved it
    created_at: datetime     # timezone-aware: the watermark states the time unambiguously
    purpose: str             # purpose code (``domain.purposes``)
    purpose_label: str       # its Chinese label, printed as "仅限{purpose_label}使用"
    company: str
    masked: bool             # True when the export holds masked values only
    secret: bytes = field(repr=False)   # per-export secret; derives the row tags

    def __post_init__(self) -> None:
        if not EXPORT_ID_RE.fullmatch(self.export_id):
            raise ValueError("export_id must look like EX-20261128-7F3A")
        if self.created_at.tzinfo is None or self.created_at.utcoffset() is None:
            raise ValueError("created_at must be timezone-aware")
        if len(self.secret) < 16:
            raise ValueError("secret must be at least 16 random bytes")
        for name in ("requester", "approver", "purpose_label", "company"):
            value = getattr(self, name)
            if not value or ILLEGAL_CHARACTERS_RE.search(value) or {"\n", "\r"} & set(value):
                raise ValueError(f"{name} must be a non-empty single line")


@dataclass(frozen=True)
class ExportFile:
    path: Path
    sha256: str              # of the file as written; a leaked identical file matches it exactly
    rows: int                # data rows written


@dataclass
class WatermarkFinding:
    """What ``read_watermark`` found in a suspected leak.

    ``tags`` are (position, tag): position is the 0-based row of the sheet, CSV record or line of
    text where the tag was found (not the export's row — the tag itself carries that), or None.
    ``sources`` lists where anything was found, in the order of ``SOURCES``.
    """

    export_ids: set[str] = field(default_factory=set)
    tags: list[tuple[int | None, int]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def _add_source(self, source: str) -> None:
        if source not in self.sources:
            self.sources.append(source)
            self.sources.sort(key=SOURCES.index)

    def __bool__(self) -> bool:
        return bool(self.export_ids or self.tags)


def new_export_id(created_at: datetime) -> str:
    """A fresh id in the watermark's format (``created_at`` in Beijing time: the date people
    read); 4 hex digits are unique enough within one day."""
    return f"EX-{created_at:%Y%m%d}-{secrets.token_hex(2).upper()}"


# ------------------------------------------------------------------------------------------------
# Tags


def strip_zero_width(text: str) -> str:
    """Remove our zero-width characters, so a re-imported export carries no tags into the database.

    Importers call it on every cell: a tag left in a stored name would be copied into the next
    export and make that export's leak look like this one's.
    """
    return text.translate(_ZERO_WIDTH_TABLE)


def _digest(secret: bytes, row: int) -> bytes:
    return hmac.new(secret, _TAG_CONTEXT + str(row).encode(), hashlib.sha256).digest()


def row_tag(secret: bytes, row: int) -> int:
    """The 32-bit tag of data row ``row`` (0-based): row index low 16 bits ‖ 16-bit HMAC."""
    mac = int.from_bytes(_digest(secret, row)[:2], "big")
    return ((row & 0xFFFF) << 16) | mac


def _encode_tag(tag: int) -> str:
    return TAG_START + "".join(_BIT[(tag >> i) & 1] for i in range(TAG_BITS - 1, -1, -1))


def _decode_tags(text: str) -> list[int]:
    bits = {0x200B: "0", 0x200C: "1"}
    return [int(m.group(1).translate(bits), 2) for m in _TAG_RE.finditer(text)]


def match_tags(tags: Iterable[tuple[int | None, int]], secret: bytes, n_rows: int) -> float:
    """Fraction of ``tags`` that this export (``secret``, ``n_rows`` data rows) could have written.

    Positions are ignored: leaked copies are sorted, filtered and trimmed, and every tag names
    its own row. A wrong secret matches a tag with probability about 2⁻¹⁶ (per 65,536 rows), so
    the right export scores ≈ 1.0 and every other ≈ 0.0; 0.0 when there are no tags.
    """
    tags = list(tags)
    if not tags:
        return 0.0
    hits = 0
    for _, tag in tags:
        low, mac = tag >> 16, tag & 0xFFFF
        for row in range(low, n_rows, 0x10000):
            if int.from_bytes(_digest(secret, row)[:2], "big") == mac:
                hits += 1
                break
    return hits / len(tags)


def _is_verbatim(key: str) -> bool:
    k = key.lower()
    return k in _VERBATIM_KEYS or any(h in k for h in _VERBATIM_HINTS)


# ------------------------------------------------------------------------------------------------
# Writing


def _format_time(dt: datetime) -> str:
    offset = dt.strftime("%z")                       # "+0800"
    return f"{dt:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:]}"


def watermark_text(meta: ExportMeta) -> str:
    """The one line printed on every page and in the banner."""
    when = _format_time(meta.created_at)
    return (f"{_BANNER_PREFIX} {meta.export_id} · {meta.requester} · {when}"
            f" · 仅限{meta.purpose_label}使用，禁止外传")


def _banner_text(meta: ExportMeta) -> str:
    state = "数据已脱敏" if meta.masked else "含未脱敏明文个人信息，严格保密"
    return f"{watermark_text(meta)} · {state} · 审批人 {meta.approver} · {meta.company}"


def _clean(value: object) -> str:
    text = "" if value is None else str(value)
    return ILLEGAL_CHARACTERS_RE.sub("", strip_zero_width(text))


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class _InMemoryExcelWriter(ExcelWriter):
    """openpyxl's writer, with each worksheet's XML built in memory instead of a temp file.

    Mirrors ``ExcelWriter.write_worksheet`` of openpyxl 3.1 (non write-only workbooks); the test
    suite checks that no file appears in the temp directory, so a change upstream is noticed.
    """

    def write_worksheet(self, ws) -> None:  # noqa: ANN001 - openpyxl's own type
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        writer = WorksheetWriter(ws, out=io.BytesIO())
        writer.write()
        ws._rels = writer._rels
        self._archive.writestr(ws.path[1:], writer.read())
        self.manifest.append(ws)


def _build_workbook(columns: Sequence[tuple[str, str]], rows: Sequence[dict[str, str]],
                    meta: ExportMeta) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = f"导出 {meta.export_id}"
    n_cols = len(columns)
    last = get_column_letter(n_cols)
    mark = watermark_text(meta)
    when = _format_time(meta.created_at)

    # Document properties: survive a re-save, invisible unless someone looks at 文件 → 属性.
    props = wb.properties
    props.creator = f"{meta.requester}（OwnerGuard 导出 {meta.export_id}）"
    props.lastModifiedBy = meta.requester
    props.title = f"业主信息导出 {meta.export_id}"
    props.subject = f"仅限{meta.purpose_label}使用（{meta.purpose}）"
    props.keywords = f"{meta.export_id} {meta.requester} {when} OwnerGuard"
    props.description = _banner_text(meta)
    props.identifier = meta.export_id
    props.category = "OwnerGuard 导出"
    props.created = meta.created_at.astimezone(UTC).replace(tzinfo=None)
    for name, value in (("ownerguard_export_id", meta.export_id),
                        ("ownerguard_requester", meta.requester),
                        ("ownerguard_approver", meta.approver),
                        ("ownerguard_created_at", meta.created_at.isoformat()),
                        ("ownerguard_purpose", meta.purpose),
                        ("ownerguard_company", meta.company)):
        wb.custom_doc_props.append(StringProperty(name=name, value=value))
    wb.custom_doc_props.append(BoolProperty(name="ownerguard_masked", value=meta.masked))

    # Row 1: banner. Frozen with the header, so it is on screen (and in any screenshot) however
    # far the sheet is scrolled, and repeated on every printed page.
    ws.cell(row=1, column=1, value=_banner_text(meta))
    if n_cols > 1:
        ws.merge_cells(f"A1:{last}1")
    ws["A1"].font = Font(bold=True, color="C00000")
    ws["A1"].alignment = Alignment(wrap_text=True, vertical="center")

    # Row 2: header.
    header_fill = PatternFill("solid", fgColor="D9E1F2")
    for c, (_, label) in enumerate(columns, 1):
        cell = ws.cell(row=2, column=c, value=_clean(label))
        cell.font = Font(bold=True)
        cell.fill = header_fill

    # Data from row 3, every value a string in a text-formatted cell.
    keys = [key for key, _ in columns]
    taggable = [i for i, key in enumerate(keys) if not _is_verbatim(key)]
    widths = [_display_width(label) for _, label in columns]
    for r, record in enumerate(rows):
        values = [_clean(record.get(key)) for key in keys]
        target = _tag_column(meta.secret, r, values, taggable)
        if target is not None:
            values[target] += _encode_tag(row_tag(meta.secret, r))
        for c, value in enumerate(values, 1):
            cell = ws.cell(row=r + 3, column=c)
            if value:
                cell.value = value
                cell.data_type = "s"    # a value starting with "=" is text, never a formula
            cell.number_format = "@"
        if r < 2000:                    # widths from a sample: enough, and linear cost stays low
            for i, value in enumerate(values):
                widths[i] = max(widths[i], _display_width(strip_zero_width(value)))

    # Trailer: carries the id into copies taken "from the header to the end".
    end = len(rows) + 3
    ws.cell(row=end, column=1, value=f"以下无数据（共 {len(rows)} 行，导出编号 {meta.export_id}）")
    ws.cell(row=end, column=1).font = Font(italic=True, color="808080")

    for i, width in enumerate(widths, 1):
        dim = ws.column_dimensions[get_column_letter(i)]
        dim.width = max(8, min(width + 2, 60))
        dim.number_format = "@"         # cells typed in later stay text too

    # The banner wraps inside the merged row 1; give it enough lines to be read in full.
    span = sum(ws.column_dimensions[get_column_letter(i)].width for i in range(1, n_cols + 1))
    lines = -(-_display_width(_banner_text(meta)) // max(int(span) - 2, 1))
    ws.row_dimensions[1].height = max(2, lines) * 16

    ws.freeze_panes = "A3"
    if rows:
        ws.auto_filter.ref = f"A2:{last}{len(rows) + 2}"

    # Header and footer on every printed page. "&" starts a code in header text, so it becomes a
    # full-width "＆". Excel refuses a file whose header or footer exceeds 255 characters; the id
    # comes first in the text, so cutting a long purpose label or user name keeps what matters.
    hf = mark.replace("&", "＆")[:_MAX_HEADER_TEXT]
    for header in (ws.oddHeader, ws.evenHeader, ws.firstHeader):
        header.center.text = hf
        header.center.size = 9
    for footer in (ws.oddFooter, ws.evenFooter, ws.firstFooter):
        footer.center.text = hf
        footer.center.size = 9
        footer.right.text = "第 &P 页 / 共 &N 页"
    ws.print_title_rows = "1:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return wb


def _tag_column(secret: bytes, row: int, values: list[str], taggable: list[int]) -> int | None:
    """Which cell of ``row`` carries the tag: a keyed choice among non-empty free-text cells."""
    def fits(i: int) -> bool:
        return bool(values[i]) and len(values[i]) + TAG_LEN <= _MAX_CELL

    choices = [i for i in taggable if fits(i)] or [i for i in range(len(values)) if fits(i)]
    if not choices:
        return None                     # an all-empty row has nowhere to hide a tag
    pick = int.from_bytes(_digest(secret, row)[2:4], "big")
    return choices[pick % len(choices)]


def write_export(path: str | os.PathLike[str], columns: list[tuple[str, str]],
                 rows: list[dict[str, str]], meta: ExportMeta) -> ExportFile:
    """Write ``rows`` (values already masked or revealed by the gate) as a watermarked xlsx.

    ``columns`` are (row key, Chinese header) in sheet order. The file is created exclusively
    (an existing file is never overwritten: its recorded hash would stop matching) with mode 0600.
    """
    if not columns:
        raise ValueError("an export needs at least one column")
    target = Path(path)
    wb = _build_workbook(columns, rows, meta)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
                _InMemoryExcelWriter(wb, archive).save()
    except BaseException:
        target.unlink(missing_ok=True)  # never leave half an export of personal data behind
        raise
    digest = hashlib.sha256()
    with open(target, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return ExportFile(path=target, sha256=digest.hexdigest(), rows=len(rows))


# ------------------------------------------------------------------------------------------------
# Reading a suspected leak


def _find_ids(text: str) -> set[str]:
    return {f"EX-{m.group(1)}-{m.group(2).upper()}"
            for m in _FIND_ID_RE.finditer(strip_zero_width(text))}


def _scan_cell(finding: WatermarkFinding, text: str, position: int | None) -> None:
    ids = _find_ids(text)
    if ids:
        finding.export_ids |= ids
        banner = strip_zero_width(text).lstrip().startswith(_BANNER_PREFIX)
        finding._add_source("banner" if banner else "cells")
    tags = _decode_tags(text)
    if tags:
        finding.tags.extend((position, tag) for tag in tags)
        finding._add_source("zero_width")


def _scan_rows(finding: WatermarkFinding, rows: Iterable[Sequence[object]]) -> None:
    for position, row in enumerate(rows):
        for value in row:
            if isinstance(value, str) and value:
                _scan_cell(finding, value, position)


def _scan_text(finding: WatermarkFinding, text: str, *, as_csv: bool) -> None:
    if as_csv:
        first = text.split("\n", 1)[0]
        delimiter = "\t" if first.count("\t") > first.count(",") else ","
        _scan_rows(finding, csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    else:
        # Pasted cells are tab-separated lines; an id or tag never spans a tab or a line.
        _scan_rows(finding, ([line] for line in text.splitlines()))


def _decode_bytes(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):          # Excel's "Unicode 文本"
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")      # tags cannot survive GBK anyway


def _read_member(book: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    if info.file_size > _MAX_ZIP_MEMBER:
        return ""
    return book.read(info).decode("utf-8", errors="replace")


_HEADER_FOOTER_RE = re.compile(r"<(?:\w+:)?headerFooter\b.*?</(?:\w+:)?headerFooter>", re.DOTALL)


def _scan_xlsx_parts(finding: WatermarkFinding, path: Path) -> None:
    """Properties and print header/footer: parts calamine does not read."""
    try:
        book = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        return
    with book:
        for info in book.infolist():
            name = info.filename
            if name.startswith("docProps/") and name.endswith(".xml"):
                ids = _find_ids(html.unescape(_read_member(book, info)))
                if ids:
                    finding.export_ids |= ids
                    finding._add_source("properties")
            elif name.startswith("xl/worksheets/") and name.endswith(".xml"):
                for block in _HEADER_FOOTER_RE.findall(_read_member(book, info)):
                    ids = _find_ids(html.unescape(block))
                    if ids:
                        finding.export_ids |= ids
                        finding._add_source("header")


def _scan_workbook(finding: WatermarkFinding, path: Path) -> None:
    """Sheet names and every cell, through calamine (xlsx, xls, ods), whatever the file's suffix."""
    try:
        with open(path, "rb") as fh:
            book = CalamineWorkbook.from_filelike(fh)
        names = list(book.sheet_names)
        sheets = [book.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in names]
    except Exception:  # calamine raises its own types for every kind of broken file
        return
    for name in names:
        ids = _find_ids(name)
        if ids:
            finding.export_ids |= ids
            finding._add_source("sheet_name")
    for rows in sheets:
        _scan_rows(finding, rows)


def _looks_like_path(value: str) -> bool:
    return "\n" not in value and len(value) < 4096 and os.path.isfile(value)


def read_watermark(path_or_text: str | os.PathLike[str]) -> WatermarkFinding | None:
    """Find export ids and row tags in a suspected leak: an xlsx/xls/ods or CSV file, or text.

    A ``Path`` is always a file; a ``str`` is a file if it names one, else pasted text. Returns
    None when nothing at all was found.
    """
    finding = WatermarkFinding()
    if isinstance(path_or_text, str) and not _looks_like_path(path_or_text):
        _scan_text(finding, path_or_text, as_csv=False)
        return finding or None

    path = Path(path_or_text)
    with open(path, "rb") as fh:
        magic = fh.read(8)
    is_zip = magic.startswith(b"PK\x03\x04")
    is_ole = magic.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    if is_zip:
        _scan_xlsx_parts(finding, path)
    if is_zip or is_ole:
        _scan_workbook(finding, path)
    else:
        text = _decode_bytes(path.read_bytes())
        _scan_text(finding, text, as_csv=path.suffix.lower() in {".csv", ".tsv"})
    return finding or None

