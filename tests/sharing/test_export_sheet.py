"""Watermarked exports: every kind of copy a leaker makes still names the export, or says why not.

No database here: ``write_export`` takes rows the gate has already masked or revealed.
"""

from __future__ import annotations

import csv
import os
import random
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from ownerguard.adapters import export_sheet
from ownerguard.adapters.export_sheet import (
    ExportMeta,
    _decode_tags,
    _encode_tag,
    match_tags,
    read_watermark,
    row_tag,
    strip_zero_width,
    write_export,
)

CST = timezone(timedelta(hours=8))
SECRET = bytes(range(32))
WRONG = bytes(range(1, 33))
EXPORT_ID = "EX-20261128-7F3A"
N = 300
ZW = set("\u200b\u200c\u2060\ufeff")

COLUMNS = [
    ("name", "姓名"),
    ("phone", "手机号"),
    ("room", "房屋"),
    ("id_number", "证件号码"),
    ("note", "备注"),
]


def _meta(masked: bool = True, secret: bytes = SECRET) -> ExportMeta:
    return ExportMeta(
        export_id=EXPORT_ID, requester="zhangsan", approver="dpo_li",
        created_at=datetime(2026, 11, 28, 14, 3, tzinfo=CST), purpose="billing",
        purpose_label="催缴物业费", company="示例物业", masked=masked, secret=secret,
    )


def _rows(n: int = N) -> list[dict[str, str]]:
    return [
        {
            "name": f"张{i}",
            "phone": f"138****{i:04d}",
            "room": f"1-{i % 7 + 1}-{i:04d}",
            "id_number": "1101**********123X",
            "note": "" if i % 3 else f"备注{i}",
        }
        for i in range(n)
    ]


@pytest.fixture
def export(tmp_path: Path):
    return write_export(tmp_path / "export.xlsx", COLUMNS, _rows(), _meta())


def _grid(path: Path) -> list[list[object]]:
    book = CalamineWorkbook.from_path(str(path))
    return book.get_sheet_by_index(0).to_python(skip_empty_area=False)


def _data_grid(path: Path) -> list[list[str]]:
    """Header and data rows only: what a leaker selects to paste into a new sheet."""
    grid = _grid(path)
    return [[str(v) for v in row] for row in grid[1:N + 2]]


# -- the file itself -----------------------------------------------------------------------------


def test_round_trip_finds_the_id_everywhere(export):
    finding = read_watermark(export.path)
    assert finding is not None
    assert finding.export_ids == {EXPORT_ID}
    for source in ("properties", "header", "banner", "sheet_name", "cells", "zero_width"):
        assert source in finding.sources
    assert len(finding.tags) == N                     # every row has something to tag
    assert match_tags(finding.tags, SECRET, N) == 1.0
    assert match_tags(finding.tags, WRONG, N) < 0.2
    # A str naming the file is read as the file, not as text.
    assert read_watermark(str(export.path)).sources == finding.sources


def test_export_file_record(export):
    import hashlib

    assert export.rows == N
    assert export.sha256 == hashlib.sha256(export.path.read_bytes()).hexdigest()
    assert export.path.stat().st_mode & 0o777 == 0o600


def test_opens_with_calamine_and_values_are_intact(export):
    book = CalamineWorkbook.from_path(str(export.path))
    assert book.sheet_names == [f"导出 {EXPORT_ID}"]
    grid = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    assert grid[0][0].startswith(f"导出编号 {EXPORT_ID} · zhangsan · 2026-11-28 14:03 +08:00")
    assert "仅限催缴物业费使用，禁止外传" in grid[0][0]
    assert grid[1] == [label for _, label in COLUMNS]
    for row, expected in zip(grid[2:N + 2], _rows()):
        assert [strip_zero_width(str(v)) for v in row] == [expected[k] for k, _ in COLUMNS]
        # Phone and ID cells are used verbatim: never tagged, always text.
        assert row[1] == expected["phone"] and row[3] == expected["id_number"]
    assert EXPORT_ID in grid[N + 2][0] and grid[N + 2][0].startswith("以下无数据")


def test_sheet_layout(export):
    wb = openpyxl.load_workbook(export.path)
    ws = wb.active
    assert ws.title == f"导出 {EXPORT_ID}"
    assert ws.freeze_panes == "A3"
    assert ws.print_title_rows == "$1:$2"
    assert EXPORT_ID in ws.oddHeader.center.text and "zhangsan" in ws.oddFooter.center.text
    assert "仅限催缴物业费使用，禁止外传" in ws.oddHeader.center.text
    assert ws["B3"].number_format == "@" and ws["D3"].number_format == "@"
    assert ws.column_dimensions["D"].width >= 18      # an 18-character ID fits
    props = wb.properties
    for value in (props.creator, props.title, props.keywords, props.description):
        assert EXPORT_ID in value
    assert "zhangsan" in props.creator and "2026-11-28 14:03" in props.keywords
    custom = {p.name: p.value for p in wb.custom_doc_props}
    assert custom["ownerguard_export_id"] == EXPORT_ID
    assert custom["ownerguard_requester"] == "zhangsan"


@pytest.mark.parametrize(("masked", "stated", "absent"), [(True, "已脱敏", "明文"),
                                                          (False, "明文", "已脱敏")])
def test_banner_states_masked_or_clear(tmp_path, masked, stated, absent):
    out = write_export(tmp_path / "e.xlsx", COLUMNS, _rows(3), _meta(masked=masked))
    banner = _grid(out.path)[0][0]
    assert stated in banner and absent not in banner
    assert "审批人 dpo_li" in banner


def test_formula_like_values_stay_text(tmp_path):
    rows = [{"name": "=HYPERLINK(\"http://x\",\"点我\")", "phone": "+8613800138000",
             "room": "0101", "id_number": "110101199003071234", "note": "@SUM(1)"}]
    out = write_export(tmp_path / "e.xlsx", COLUMNS, rows, _meta())
    wb = openpyxl.load_workbook(out.path)
    assert all(c.data_type != "f" for c in wb.active[3])
    values = [strip_zero_width(str(v)) for v in _grid(out.path)[2]]
    assert values == [rows[0][k] for k, _ in COLUMNS]


# -- copies --------------------------------------------------------------------------------------


def test_copy_of_data_cells_into_a_new_workbook(export, tmp_path):
    copy = openpyxl.Workbook()
    for row in _data_grid(export.path):
        copy.active.append(row)
    copy.save(tmp_path / "copy.xlsx")

    finding = read_watermark(tmp_path / "copy.xlsx")
    assert finding.export_ids == set()                 # banner, trailer, properties all gone
    assert finding.sources == ["zero_width"]
    assert len(finding.tags) == N
    assert match_tags(finding.tags, SECRET, N) == pytest.approx(1.0)
    assert match_tags(finding.tags, WRONG, N) < 0.2


def test_sorted_partial_copy_of_some_columns_still_matches(export, tmp_path):
    data = _data_grid(export.path)[1:]
    random.Random(7).shuffle(data)
    copy = openpyxl.Workbook()
    for row in data[:120]:
        copy.active.append([row[0], row[4]])           # names and notes only, rows shuffled
    copy.save(tmp_path / "copy.xlsx")

    finding = read_watermark(tmp_path / "copy.xlsx")
    assert len(finding.tags) >= 60                     # the tag moves between free-text columns
    assert match_tags(finding.tags, SECRET, N) == pytest.approx(1.0)
    assert match_tags(finding.tags, WRONG, N) < 0.2


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "utf-16"])
def test_csv_resave(export, tmp_path, encoding):
    grid = [[str(v) for v in row] for row in _grid(export.path)]   # the whole sheet, banner too
    out = tmp_path / "resaved.csv"
    with open(out, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(grid)

    finding = read_watermark(out)
    assert finding.export_ids == {EXPORT_ID}
    assert {"banner", "cells", "zero_width"} <= set(finding.sources)
    assert match_tags(finding.tags, SECRET, N) == pytest.approx(1.0)
    assert match_tags(finding.tags, WRONG, N) < 0.2


def test_csv_of_data_cells_only(export, tmp_path):
    out = tmp_path / "data.csv"
    with open(out, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(_data_grid(export.path))
    finding = read_watermark(out)
    assert finding.sources == ["zero_width"]
    assert finding.tags[0][0] == 1                     # CSV record 1: the first data row
    assert match_tags(finding.tags, SECRET, N) == pytest.approx(1.0)
    assert match_tags(finding.tags, WRONG, N) < 0.2


def test_gbk_csv_loses_the_tags_but_not_the_banner(export, tmp_path):
    """Chinese Excel's default CSV is GBK: zero-width characters become "?" (documented limit)."""
    grid = [[str(v) for v in row] for row in _grid(export.path)]
    out = tmp_path / "gbk.csv"
    with open(out, "w", encoding="gbk", errors="replace", newline="") as fh:
        csv.writer(fh).writerows(grid)
    finding = read_watermark(out)
    assert finding.export_ids == {EXPORT_ID}
    assert finding.tags == []


def test_pasted_text(export):
    data = _data_grid(export.path)
    pasted = "\n".join("\t".join(row) for row in data[40:90])
    finding = read_watermark(pasted)
    assert finding.sources == ["zero_width"]
    assert match_tags(finding.tags, SECRET, N) == pytest.approx(1.0)
    assert match_tags(finding.tags, WRONG, N) < 0.2


def test_pasted_or_ocr_text_with_the_banner():
    finding = read_watermark("导出编号 ex－20261128－7f3a · zhangsan · 仅限催缴物业费使用\n张三\t138****0000")
    assert finding.export_ids == {EXPORT_ID}
    assert finding.sources == ["banner"]
    assert read_watermark("见附件 EX-20261128-7F3A 第3页").sources == ["cells"]


def test_nothing_found_is_none(tmp_path):
    assert read_watermark("张三\t138****0000\n李四\t139****1111") is None
    clean = tmp_path / "clean.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "手机号"])
    wb.save(clean)
    assert read_watermark(clean) is None


# -- tags ----------------------------------------------------------------------------------------


def test_strip_zero_width_removes_every_tag(export):
    for row, expected in zip(_grid(export.path)[2:N + 2], _rows()):
        cleaned = [strip_zero_width(str(v)) for v in row]
        assert not any(ZW & set(value) for value in cleaned)
        assert cleaned == [expected[k] for k, _ in COLUMNS]
    names = (strip_zero_width(str(row[0])) for row in _grid(export.path)[2:N + 2])
    assert read_watermark("\n".join(names)) is None


def test_zero_width_joiner_in_emoji_is_kept():
    family = "王\U0001F468\u200d\U0001F469\u200d\U0001F467"
    assert strip_zero_width(family) == family


def test_foreign_tags_in_the_input_are_not_exported(tmp_path):
    """A value re-imported from an earlier export must not make this export look like that one."""
    rows = _rows(20)
    for i, row in enumerate(rows):
        row["name"] += _encode_tag(row_tag(WRONG, i))
        row["note"] = "x\u200b\u200c"
    out = write_export(tmp_path / "e.xlsx", COLUMNS, rows, _meta())
    finding = read_watermark(out.path)
    assert len(finding.tags) == 20
    assert match_tags(finding.tags, SECRET, 20) == 1.0
    assert match_tags(finding.tags, WRONG, 20) == 0.0


def test_tags_beyond_65536_rows_match():
    tags = [(None, row_tag(SECRET, r)) for r in (0, 65535, 65536, 70000, 99999)]
    assert match_tags(tags, SECRET, 100_000) == 1.0
    assert match_tags(tags, WRONG, 100_000) < 0.2
    assert match_tags(tags, SECRET, 65_536) == pytest.approx(2 / 5)   # rows it never had
    assert match_tags([], SECRET, 10) == 0.0


def test_wrong_secret_rarely_matches():
    tags = [(None, row_tag(SECRET, r)) for r in range(5000)]
    assert match_tags(tags, WRONG, 5000) < 0.01


@given(st.text(max_size=40), st.integers(min_value=0, max_value=2**32 - 1))
def test_tag_encoding_round_trips(text, tag):
    text = strip_zero_width(text)
    assert _decode_tags(text + _encode_tag(tag)) == [tag]
    assert strip_zero_width(text + _encode_tag(tag)) == text


# -- writing safely ------------------------------------------------------------------------------


def test_no_temp_files_and_nothing_but_the_target(tmp_path, monkeypatch):
    spool = tmp_path / "tmp"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    write_export(out_dir / "e.xlsx", COLUMNS, _rows(), _meta())
    assert list(spool.iterdir()) == []                 # openpyxl would spool sheet XML here
    assert [p.name for p in out_dir.iterdir()] == ["e.xlsx"]


def test_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    def boom(self, ws):
        raise RuntimeError("disk full")

    monkeypatch.setattr(export_sheet._InMemoryExcelWriter, "write_worksheet", boom)
    with pytest.raises(RuntimeError):
        write_export(tmp_path / "e.xlsx", COLUMNS, _rows(3), _meta())
    assert list(tmp_path.iterdir()) == []


def test_existing_file_is_not_overwritten(tmp_path):
    target = tmp_path / "e.xlsx"
    target.write_bytes(b"earlier export")
    with pytest.raises(FileExistsError):
        write_export(target, COLUMNS, _rows(3), _meta())
    assert target.read_bytes() == b"earlier export"


def test_meta_is_validated():
    with pytest.raises(ValueError):
        ExportMeta("EX-2026-1", "a", "b", datetime.now(CST), "billing", "催缴", "c", True, SECRET)
    with pytest.raises(ValueError):
        ExportMeta(EXPORT_ID, "a", "b", datetime(2026, 11, 28), "billing", "催缴", "c", True, SECRET)
    with pytest.raises(ValueError):
        ExportMeta(EXPORT_ID, "a", "b", datetime.now(CST), "billing", "催缴", "c", True, b"short")
    assert "secret" not in repr(_meta())              # the secret never lands in a log line


def test_new_export_id_has_the_watermark_format():
    new_id = export_sheet.new_export_id(datetime(2026, 11, 28, tzinfo=CST))
    assert export_sheet.EXPORT_ID_RE.fullmatch(new_id) and new_id.startswith("EX-20261128-")


def test_header_footer_stays_within_excel_limits(tmp_path):
    meta = ExportMeta(EXPORT_ID, "a&b" * 40, "dpo", datetime.now(CST), "billing", "催缴" * 60,
                      "c", True, SECRET)
    out = write_export(tmp_path / "e.xlsx", COLUMNS, _rows(2), meta)
    ws = openpyxl.load_workbook(out.path).active
    for part in (ws.oddHeader.center.text, ws.oddFooter.center.text):
        assert len(part) <= 200 and part.startswith(f"导出编号 {EXPORT_ID}") and "&" not in part
    assert os.path.getsize(out.path) > 0
