"""Importing owner sheets end to end: counts, idempotence, reject rules, and invariant 1 — after an
import no name, phone or ID number appears in any byte the system wrote."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook
from python_calamine import CalamineWorkbook
from sqlalchemy import MetaData, select, text
from typer.testing import CliRunner

from ownerguard.cli.main import app
from ownerguard.store.tables import audit_log
from ownerguard.vault.audit_verify import verify
from support.helpers import shows_refusal

# The subject is the database: these tests run on PostgreSQL too when it is configured.
pytestmark = pytest.mark.postgres

runner = CliRunner()

HC_HEADER = ["楼号", "单元", "房屋", "楼层", "总楼层", "电梯", "房屋类型", "户型", "建筑面积",
             "室内面积", "租金", "状态", "业主名称", "性别", "手机号", "身份证", "业主类型",
             "人员类型", "人员角色", "联系人", "联系人电话"]


def _cli_import(path: Path, *extra: str) -> tuple[int, dict]:
    result = runner.invoke(app, ["import", str(path), "--community", "翠湖苑", "--json", *extra])
    return result.exit_code, json.loads(result.stdout)


def _sheet_values(path: Path) -> list[str]:
    """Every name, phone and ID number in the sample sheet."""
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    header = rows[0]
    cols = [header.index(h) for h in ("业主名称", "手机号", "身份证", "联系人", "联系人电话")]
    values = set()
    for r in rows[1:]:
        for c in cols:
            v = str(r[c]).strip()
            if v and v not in ("None",):
                values.add(v[:-2] if v.endswith(".0") else v)
    return sorted(values)


def test_sample_sheet_imports(rt, home, sample_sheet):
    code, out = _cli_import(sample_sheet)
    assert code == 0, out
    assert out["imported"] is True and out["rejected"] == []
    assert out["persons"] > 200 and out["rooms"] > 100
    assert out["residencies"] == out["persons"] + 0 or out["residencies"] >= out["persons"]
    with rt.uow(read_only=True) as uow:
        assert verify(uow.conn).ok
        collects = uow.conn.execute(select(audit_log).where(
            audit_log.c.action == "collect")).all()
    assert len(collects) == out["persons"]


def test_reimport_adds_nothing(rt, home, sample_sheet):
    first = _cli_import(sample_sheet)[1]
    code, again = _cli_import(sample_sheet)
    assert code == 0
    assert (again["rooms"], again["persons"], again["residencies"], again["vehicles"]) == \
        (0, 0, 0, 0)
    assert first["persons"] > 0


def _write_xlsx(path: Path, rows: list[list]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "资产信息"
    ws.append(HC_HEADER)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def _hc(name="唐雨建", phone="18736925220", idn="42010619820801833X", room=101, role="业主",
        building="1栋"):
    return [building, "1单元", room, 1, 18, "有", "普通住宅", "三室两厅", 82.59, 70.3, 0,
            "已入住", name, "女", phone, idn, "个人", "个人", role, "", ""]


def test_bad_rows_rejected_with_row_numbers_and_nothing_stored(rt, home, tmp_path):
    path = _write_xlsx(tmp_path / "bad.xlsx", [
        _hc(),                                                   # row 2 fine
        _hc(name="", phone="13900000001", idn=""),                # row 3 no 业主名称
        _hc(name="李四", phone="1390000", idn=""),                 # row 4 short phone
        _hc(name="王五", phone="13900000003", idn="420106198208018331"),   # row 5 bad checksum
        _hc(name="赵六", phone="13900000004", idn=4.20106198208018e17),    # row 6 Excel number
        [None] * 21,                                             # row 7 blank
        _hc(name="钱七", phone="13900000005", idn="", building=""),        # row 8 no 楼号
        _hc(name="孙八", phone="13900000006", idn="", room=None),          # row 9 no 房屋
        _hc(name="周九", phone="13900000007", idn="42010619820801833X"),   # row 10 same ID
    ])
    code, out = _cli_import(path)
    assert code == 1 and out["imported"] is False
    assert (out["persons"], out["rooms"]) == (0, 0)
    by_row = {r["row"]: r for r in out["rejected"]}
    assert set(by_row) == {3, 4, 5, 6, 8, 9, 10}
    assert by_row[3]["column"] == "业主名称"
    assert by_row[4]["column"] == "手机号"
    assert by_row[5]["column"] == "身份证" and "校验" in by_row[5]["reason"]
    assert "科学计数" in by_row[6]["reason"]
    assert by_row[8]["column"] == "楼号" and by_row[9]["column"] == "房屋"
    assert "第2行" in by_row[10]["reason"]
    # Reasons say what to fix and never carry the value.
    text_out = json.dumps(out, ensure_ascii=False)
    for v in ("1390000", "420106198208018331", "42010619820801833X", "李四", "唐雨建"):
        assert v not in text_out
    report = Path(out["reject_report"])
    assert report.exists() and oct(report.stat().st_mode & 0o777) == "0o600"
    with open(report, encoding="utf-8-sig") as fh:
        lines = list(csv.reader(fh))
    assert [int(r[0]) for r in lines[1:]] == sorted(by_row)
    # Nothing stored: a later clean import still finds everything new.
    with rt.uow(read_only=True) as uow:
        assert uow.conn.execute(text("SELECT COUNT(*) FROM persons")).scalar_one() == 0


def test_skip_invalid_imports_the_rest(rt, home, tmp_path):
    path = _write_xlsx(tmp_path / "mixed.xlsx", [
        _hc(), _hc(name="李四", phone="1390000", idn="", room=102),
        _hc(name="王五", phone=13900000003, idn="", room=103)])    # phone stored as a number
    code, out = _cli_import(path, "--skip-invalid")
    assert code == 0 and out["imported"] is True
    assert out["persons"] == 2 and [r["row"] for r in out["rejected"]] == [3]


def test_identical_rows_merge_and_person_in_two_rooms(rt, home, tmp_path):
    path = _write_xlsx(tmp_path / "dups.xlsx", [_hc(), _hc(), _hc(room=102)])
    code, out = _cli_import(path)
    assert code == 0
    assert out["duplicates_merged"] == 1
    assert (out["persons"], out["rooms"], out["residencies"]) == (1, 2, 2)


def test_name_clash_with_stored_person_rejects_the_file(rt, home, tmp_path):
    _cli_import(_write_xlsx(tmp_path / "a.xlsx", [_hc()]))
    code, out = _cli_import(_write_xlsx(tmp_path / "b.xlsx", [
        _hc(name="冒名者", room=102), _hc(name="新人", phone="13900000009", idn="", room=103)]))
    assert code == 1 and out["imported"] is False
    assert [r["row"] for r in out["rejected"]] == [2]
    assert "冒名者" not in json.dumps(out, ensure_ascii=False)


def test_csv_any_column_order_english_headers(rt, home, tmp_path):
    path = tmp_path / "en.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["phone", "name", "room", "building", "role", "plate"])
        w.writerow(["+86 138-1234-5678", "张建国", "101", "2栋", "owner", "京A·12345"])
        w.writerow(["１３９ ００００ ０１１１", "李四", "101", "2栋", "租客", ""])
    code, out = _cli_import(path)
    assert code == 0, out
    assert (out["persons"], out["residencies"], out["vehicles"]) == (2, 2, 1)
    found = runner.invoke(app, ["persons", "search", "--phone", "13812345678", "--json"])
    views = json.loads(found.stdout)
    assert views[0]["fields"]["phone"]["value"] == ["138****5678"]
    assert views[0]["fields"]["rooms"]["value"] == ["2栋***"]


def test_missing_required_header_is_a_clear_error(rt, home, tmp_path):
    path = tmp_path / "nohead.csv"
    path.write_text("姓名,手机号\n张三,13812345678\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(path), "--community", "翠湖苑"])
    assert result.exit_code == 2
    assert "楼号" in result.output or shows_refusal(result.output, "missing_columns")
    assert "13812345678" not in result.output and "张三" not in result.output


# -- invariant 1 ---------------------------------------------------------------------------
def _all_files(root: Path):
    for p in root.rglob("*"):
        if p.is_file():
            yield p


def _needles(values: list[str]) -> list[tuple[str, bytes]]:
    out = []
    for v in values:
        for enc in ("utf-8", "utf-16-le"):
            out.append((v, v.encode(enc)))
    return out


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_no_plaintext_pii_on_disk_after_import(home, tmp_path, hc_sheet):
    """Run import, search, masked show and audit in a subprocess with its own TMPDIR and a log
    file, then look for every name, phone and ID of the sheet in every byte written."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "OWNERGUARD_HOME": str(home), "TMPDIR": str(scratch),
           "PYTHONDONTWRITEBYTECODE": "1"}
    log = tmp_path / "run.log"
    sample_sheet, first = hc_sheet.path, hc_sheet.owners[0]
    cmds = [["import", str(sample_sheet), "--community", "翠湖苑"],
            ["persons", "search", "--phone", first.phone],
            ["persons", "search", "--name", first.name],
            ["audit", "tail"], ["audit", "verify"]]
    with open(log, "wb") as fh:
        for cmd in cmds:
            subprocess.run([sys.executable, "-m", "ownerguard", *cmd], env=env, stdout=fh,
                           stderr=fh, check=True)
    values = _sheet_values(sample_sheet)
    assert len(values) > 400
    files = list(_all_files(home)) + list(_all_files(scratch)) + [log]
    assert any(f.name.endswith("-wal") or f.name.endswith(".db") for f in files)
    for f in files:
        data = f.read_bytes()
        for value, needle in _needles(values):
            assert needle not in data, f"{value[:1]}… found in {f.name}"


def test_no_plaintext_pii_in_any_table(rt, home, sample_sheet, backend):
    """The same check against the database contents, for either backend."""
    assert _cli_import(sample_sheet)[0] == 0
    values = _sheet_values(sample_sheet)
    meta = MetaData()
    meta.reflect(rt.engine)
    with rt.engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(select(table)):
                blob = b"".join(v if isinstance(v, bytes) else str(v).encode() for v in row)
                for value, needle in _needles(values):
                    assert needle not in blob, f"{value[:1]}… in table {table.name}"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_no_plaintext_in_the_live_wal(rt, home, sample_sheet):
    """While connections are open the WAL still holds the freshly written pages: scan it too."""
    from ownerguard.services.registry.import_sheet import import_file

    report = import_file(rt, sample_sheet, community="翠湖苑", company="示范物业", actor="t")
    assert report.imported
    with rt.uow() as uow:   # keep a connection open so SQLite cannot checkpoint the WAL away
        wal = home / "ownerguard.db-wal"
        assert wal.exists() and wal.stat().st_size > 100_000
        data = wal.read_bytes() + (home / "ownerguard.db").read_bytes()
        for value, needle in _needles(_sheet_values(sample_sheet)):
            assert needle not in data, f"{value[:1]}… found in the WAL or database"
        uow.rollback()
