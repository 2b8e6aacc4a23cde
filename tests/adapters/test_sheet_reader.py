"""services.sheet_reader: owner sheets (HC 资产信息 layout, our template, CSV) → PersonRow / Reject.

Invariant under test: bad input gets a clear error that says what to fix, with the sheet's own row
numbers (header = row 1), and no reason ever repeats a personal value (L8, L9).
"""

from __future__ import annotations

import csv
import random
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from ownerguard.adapters.sheets import (
    HEADERS,
    TEMPLATE_COLUMNS,
    SheetError,
    SheetResult,
    iter_records,
    read_sheet,
    write_template,
)
from ownerguard.domain.model import IdType, ResidencyRole
from ownerguard.domain.rows import VehicleRow

HC_HEADERS = ["楼号", "单元", "房屋", "楼层", "总楼层", "电梯", "房屋类型", "户型", "建筑面积", "室内面积",
              "租金", "状态", "业主名称", "性别", "手机号", "身份证", "业主类型", "人员类型", "人员角色",
              "联系人", "联系人电话"]
_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def make_id(region: int = 110105, born: date = date(1980, 5, 17), sequence: int = 123) -> str:
    body = f"{region}{born:%Y%m%d}{sequence:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS)) % 11]


ID_M = make_id(sequence=123)        # odd sequence: 男
ID_F = make_id(sequence=124)        # even sequence: 女
ID_3 = make_id(region=420106, born=date(1991, 2, 3), sequence=5)


def person(**values) -> dict:
    """A valid row in our template's columns, overridden by ``values``."""
    base = {"楼号": "1栋", "单元": "1单元", "房屋": "101", "业主名称": "张建国", "手机号": "13812345678",
            "身份证": ID_M}
    base.update(values)
    return base


def write_xlsx(path: Path, headers: list, rows: list, sheet: str = "资产信息") -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(headers)
    for row in rows:
        ws.append([row.get(h) for h in headers] if isinstance(row, dict) else row)
    book.save(path)
    return path


def write_csv(path: Path, headers: list, rows: list, encoding: str = "utf-8", delimiter: str = ",") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        w = csv.writer(f, delimiter=delimiter)
        w.writerow(headers)
        for row in rows:
            w.writerow([row.get(h, "") for h in headers] if isinstance(row, dict) else row)
    return path


def sheet_of(tmp_path: Path, rows: list[dict], kind: str = "xlsx") -> SheetResult:
    headers = list(dict.fromkeys(h for row in rows for h in row)) or ["楼号", "房屋", "业主名称"]
    for required in ("楼号", "房屋", "业主名称"):
        if required not in headers:
            headers.append(required)
    if kind == "xlsx":
        return read_sheet(write_xlsx(tmp_path / "s.xlsx", headers, rows))
    return read_sheet(write_csv(tmp_path / "s.csv", headers, rows))


def only_reject(result: SheetResult):
    assert not result.rows and len(result.rejected) == 1, result
    return result.rejected[0]


def assert_counts_add_up(result: SheetResult) -> None:
    rejected_rows = {r.row for r in result.rejected}
    assert len(rejected_rows) == len(result.rejected)          # one reject per refused row
    assert (len(result.rows) + len(result.rejected) + result.blank_rows + result.duplicates_merged
            == result.total_rows)


# --- an HC 资产信息 sheet (generated: support.hc_sheet) -------------------------------------

def test_hc_sheet_parses_without_rejects(hc_sheet):
    result = read_sheet(hc_sheet.path)
    n = len(hc_sheet.residents)
    assert result.rejected == []
    assert (len(result.rows), result.total_rows, result.blank_rows, result.duplicates_merged) == (n, n, 0, 0)
    assert [p.row for p in result.rows] == list(range(2, n + 2))
    assert_counts_add_up(result)


def test_hc_sheet_first_row_in_detail(hc_sheet):
    first, want = read_sheet(hc_sheet.path).rows[0], hc_sheet.residents[0]
    room = first.room
    assert (room.building, room.unit, room.number, room.floor, room.total_floors) == \
        (want.building, want.unit, want.room, want.floor, 20)
    assert (room.elevator, room.room_type, room.layout, room.status) == (True, "普通住宅", "三室两厅", "已入住")
    assert (room.building_area, room.indoor_area, room.rent) == (Decimal("89.5"), Decimal("76.3"), Decimal(0))
    assert str(room.building_area) == "89.5"             # no binary-float tail
    assert (first.name, first.role, first.phone) == (want.name, ResidencyRole.OWNER, want.phone)
    assert (first.id_type, first.id_number) == ("resident_id", want.id_number)
    assert first.birth_date == date(int(want.id_number[6:10]), int(want.id_number[10:12]),
                                    int(want.id_number[12:14]))
    assert first.gender == want.gender                   # as written, even where the ID says otherwise
    assert (first.owner_type, first.person_type, first.contact_name, first.vehicle) == ("个人", "个人", None, None)


def test_hc_sheet_roles_ids_and_rooms(hc_sheet):
    rows = read_sheet(hc_sheet.path).rows
    owners = len(hc_sheet.owners)
    assert sum(p.role is ResidencyRole.OWNER for p in rows) == owners == 200
    assert sum(p.role is ResidencyRole.FAMILY for p in rows) == len(hc_sheet.residents) - owners
    with_id = [p for p in rows if p.id_number]
    assert len(with_id) == owners and all(p.birth_date and not p.id_legacy15 for p in with_id)
    family = [p for p in rows if p.role is ResidencyRole.FAMILY]
    assert family and all(p.id_number is None and p.id_type is None and p.room.layout is None for p in family)
    assert len({p.room.key for p in rows}) == 200
    assert all(p.room.number.isdigit() for p in rows)     # 101.0 → "101"


def test_progress_is_reported(hc_sheet):
    calls = []
    read_sheet(hc_sheet.path, progress=lambda done, total: calls.append((done, total)))
    n = len(hc_sheet.residents)
    assert calls == [(0, n), (n, n)]


# --- headers -----------------------------------------------------------------------------------

def test_shuffled_english_headers(tmp_path):
    english = {"楼号": "Building", "单元": "unit", "房屋": "ROOM", "楼层": "floor", "总楼层": "Total Floors",
               "电梯": "elevator", "业主名称": "name", "性别": "Gender", "手机号": "phone",
               "身份证": "id_number", "人员角色": "role", "联系人电话": "contact_phone",
               "车牌号": "plate", "车位号": "parking space", "证件类型": "ID_Type"}
    values = {"楼号": "2栋", "单元": "", "房屋": 202, "楼层": 2, "总楼层": 6, "电梯": "无", "业主名称": "李梅",
              "性别": "", "手机号": 13912345678, "身份证": ID_F, "人员角色": "tenant",
              "联系人电话": "010-87654321", "车牌号": "沪A·12345", "车位号": "B-12", "证件类型": "resident_id"}
    order = list(english)
    random.Random(7).shuffle(order)
    path = write_xlsx(tmp_path / "en.xlsx", [english[h] for h in order], [[values[h] for h in order]])
    (p,) = read_sheet(path).rows
    assert (p.room.building, p.room.unit, p.room.number, p.room.floor, p.room.total_floors) == ("2栋", None, "202", 2, 6)
    assert (p.room.elevator, p.name, p.role, p.phone, p.contact_phone) == (False, "李梅", ResidencyRole.TENANT,
                                                                           "13912345678", "010-87654321")
    assert (p.id_number, p.gender) == (ID_F, "女")       # gender derived from the ID
    assert p.vehicle == VehicleRow("沪A12345", None, None, "B-12")


def test_header_spelling_variants(tmp_path):
    headers = ["*业主名称", " 楼 号 ", "房号", "建筑面积（㎡）", "手机号码", "身份证号码", "备注"]
    path = write_csv(tmp_path / "v.csv", headers, [["王五", "3栋", "301", "88.5", "13812345678", ID_M, "随便写"]])
    (p,) = read_sheet(path).rows
    assert (p.name, p.room.building, p.room.number, p.room.building_area) == ("王五", "3栋", "301", Decimal("88.5"))


def test_headers_document_every_english_alias():
    english = {"building", "unit", "room", "floor", "total_floors", "elevator", "room_type", "layout",
               "building_area", "indoor_area", "rent", "status", "name", "gender", "phone", "id_number",
               "owner_type", "person_type", "role", "contact_name", "contact_phone", "id_type", "plate",
               "vehicle_brand", "vehicle_colour", "parking_space"}
    assert english <= set(HEADERS) and {HEADERS[e] for e in english} == english
    assert all(HEADERS[h] for h in HC_HEADERS)


def test_missing_required_header_lists_missing_and_found(tmp_path):
    path = write_csv(tmp_path / "m.csv", ["楼号", "单元", "姓 名X", "手机号"], [["1栋", "1单元", "张三", "13812345678"]])
    with pytest.raises(SheetError) as info:
        read_sheet(path)
    assert info.value.code == "missing_columns"
    message = info.value.message()
    assert "表头缺少必填列：房屋、业主名称" in message
    assert "第1行中的列：楼号、单元、姓 名X、手机号" in message
    assert "张三" not in message and "13812345678" not in message


def test_a_header_row_that_is_data_is_refused_without_listing_it(tmp_path):
    path = write_xlsx(tmp_path / "d.xlsx", ["1栋", 101, "张三", "13812345678"], [])
    with pytest.raises(SheetError) as info:
        read_sheet(path)
    assert info.value.code == "header_looks_like_data" and not info.value.params
    assert "第1行应为表头" in info.value.message()


def test_two_columns_for_the_same_field_are_refused(tmp_path):
    path = write_csv(tmp_path / "dup.csv", ["楼号", "房屋", "业主名称", "手机号", "电话"], [])
    with pytest.raises(SheetError) as info:
        read_sheet(path)
    assert info.value.code == "duplicate_columns"
    assert "多列表示同一项（手机号、电话）" in info.value.message()


@pytest.mark.parametrize("name, content, code", [
    ("x.pdf", b"%PDF", "file_type_unsupported"),
    ("noext", b"a,b", "file_no_extension"),
    ("empty.csv", b"", "file_empty"),
    ("broken.xlsx", b"not a zip", "excel_unreadable"),
])
def test_unreadable_files(tmp_path, name, content, code):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SheetError) as info:
        read_sheet(path)
    assert info.value.code == code


def test_missing_file(tmp_path):
    with pytest.raises(SheetError) as info:
        read_sheet(tmp_path / "nope.xlsx")
    assert info.value.code == "file_not_found" and "nope" not in info.value.message()


# --- files and encodings -------------------------------------------------------------------------

@pytest.mark.parametrize("encoding, delimiter", [("utf-8", ","), ("utf-8-sig", ","), ("gb18030", ","),
                                                 ("utf-8", "\t"), ("gb18030", "\t")])
def test_csv_encodings_and_delimiters(tmp_path, encoding, delimiter):
    path = write_csv(tmp_path / "e.csv", ["楼号", "房屋", "业主名称", "人员角色"],
                     [["1栋", "101", "欧阳·娜娜", "共有人"]], encoding, delimiter)
    (p,) = read_sheet(path).rows
    assert (p.room.building, p.name, p.role) == ("1栋", "欧阳·娜娜", ResidencyRole.CO_OWNER)


def test_short_csv_lines_are_padded(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("楼号,房屋,业主名称,手机号\n1栋,101,张三\n", encoding="utf-8")
    (p,) = read_sheet(path).rows
    assert p.phone is None


def test_the_sheet_named_zichan_xinxi_is_preferred(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["这是说明页"])
    ws = book.create_sheet("资产信息")
    ws.append(["楼号", "房屋", "业主名称"])
    ws.append(["1栋", 101, "张三"])
    book.save(tmp_path / "two.xlsx")
    assert [p.name for p in read_sheet(tmp_path / "two.xlsx").rows] == ["张三"]


def test_first_sheet_is_used_otherwise(tmp_path):
    path = write_xlsx(tmp_path / "o.xlsx", ["楼号", "房屋", "业主名称"], [["1栋", 101, "张三"]], sheet="Sheet1")
    assert read_sheet(path).rows[0].room.number == "101"


def test_excel_numbers_become_text_ints_and_decimals(tmp_path):
    row = person(房屋=1101.0, 楼层=11.0, 总楼层=33, 建筑面积=89.1, 室内面积=70, 租金=2500.5, 手机号=18736925220,
                 电梯="是")
    (p,) = sheet_of(tmp_path, [row]).rows
    assert (p.room.number, p.room.floor, p.room.total_floors) == ("1101", 11, 33)
    assert (p.room.building_area, p.room.indoor_area, p.room.rent) == (Decimal("89.1"), Decimal(70), Decimal("2500.5"))
    assert p.phone == "18736925220" and p.room.elevator is True


def test_id_stored_as_an_excel_number_is_refused_with_the_fix(tmp_path):
    rows = [person(), person(业主名称="李四", 手机号="13912345678", 身份证=float(ID_3))]
    result = sheet_of(tmp_path, rows)
    (reject,) = result.rejected
    assert (reject.row, reject.column) == (3, "身份证")
    assert reject.reason == "身份证号被 Excel 以科学计数法存储，后几位已丢失；请将该列设为文本格式后重新导出"


def test_scientific_notation_text_in_csv(tmp_path):
    reject = only_reject(sheet_of(tmp_path, [person(身份证="4.20106E+17")], "csv"))
    assert "科学计数法" in reject.reason


def test_text_cells_are_nfkc_and_stripped_but_not_invented(tmp_path):
    (p,) = sheet_of(tmp_path, [person(楼号=" １ ", 单元="", 房屋="Ａ-101 ", 状态=" 已入住 ")], "csv").rows
    assert (p.room.building, p.room.unit, p.room.number, p.room.status) == ("1", None, "A-101", "已入住")


# --- rules, each with its row number ------------------------------------------------------------

def test_blank_rows_are_skipped_counted_and_keep_row_numbers(tmp_path):
    rows = [person(), {}, {"楼号": "  ", "业主名称": "\u3000"}, person(房屋="102", 业主名称="李四", 手机号="13912345678",
                                                                     身份证=ID_F)]
    result = sheet_of(tmp_path, rows)
    assert [p.row for p in result.rows] == [2, 5] and result.blank_rows == 2 and result.total_rows == 4
    assert_counts_add_up(result)


@pytest.mark.parametrize("values, column, reason", [
    ({"业主名称": ""}, "业主名称", "缺少业主名称"),
    ({"楼号": None}, "楼号", "缺少楼号"),
    ({"房屋": "  "}, "房屋", "缺少房屋"),
])
def test_required_values(tmp_path, values, column, reason):
    result = sheet_of(tmp_path, [person(房屋="100", 身份证=ID_3, 手机号="13700000000", 业主名称="赵六"), person(**values)])
    reject = result.rejected[0]
    assert (reject.row, reject.column, reject.reason) == (3, column, reason)


@pytest.mark.parametrize("values, column, reason", [
    ({"手机号": "1381234567"}, "手机号", "手机号应为11位数字，当前为10位"),
    ({"手机号": "138-abc-5678"}, "手机号", "号码含有字母"),
    ({"联系人电话": "12345"}, "联系人电话", "手机号应为11位数字，当前为5位"),
    ({"身份证": ID_M[:-1] + ("0" if ID_M[-1] != "0" else "1")}, "身份证", "校验位不正确，请核对证件号"),
    ({"身份证": "11010519801317123X"}, "身份证", "出生日期"),
    ({"身份证": "1101051980"}, "身份证", "当前为10位"),
    ({"车牌号": "A12345"}, "车牌号", "省份简称"),
    ({"车辆品牌": "比亚迪"}, "车牌号", "缺少车牌号"),
    ({"业主名称": "123456"}, "业主名称", "不能全是数字"),
    ({"联系人": "0000"}, "联系人", "不能全是数字"),
    ({"性别": "未知"}, "性别", "性别应为 男 或 女"),
    ({"建筑面积": -3}, "建筑面积", "建筑面积不能为负数"),
    ({"室内面积": "大约90"}, "室内面积", "室内面积应为数字"),
    ({"租金": "-1"}, "租金", "租金不能为负数"),
    ({"楼层": "三楼"}, "楼层", "楼层应为整数"),
    ({"楼层": 2.5}, "楼层", "楼层应为整数"),
    ({"总楼层": 0}, "总楼层", "总楼层应不小于1"),
    ({"电梯": "也许"}, "电梯", "电梯应填写 有/无"),
    ({"人员角色": "保姆"}, "人员角色", "人员角色应为以下之一：业主、产权人、共有人、共同业主、租户、租客、家属、家庭成员"),
    ({"证件类型": "驾照"}, "证件类型", "证件类型应为以下之一：身份证、居民身份证、护照"),
    ({"证件类型": "护照", "身份证": "E1"}, "身份证", "证件号应为5-20位字母或数字"),
])
def test_bad_values_reject_the_row_with_a_reason(tmp_path, values, column, reason):
    result = sheet_of(tmp_path, [person(房屋="100", 身份证=ID_3, 手机号="13700000000", 业主名称="赵六"), person(**values)])
    assert len(result.rows) == 1
    (reject,) = result.rejected
    assert (reject.row, reject.column) == (3, column)
    assert reason in reject.reason


@pytest.mark.parametrize("value, expected", [("有", True), ("无", False), ("是", True), ("否", False),
                                             ("", None), (True, True), ("YES", True)])
def test_elevator(tmp_path, value, expected):
    (p,) = sheet_of(tmp_path, [person(电梯=value)]).rows
    assert p.room.elevator is expected


@pytest.mark.parametrize("value, role", [("", ResidencyRole.OWNER), ("业主", ResidencyRole.OWNER),
                                         ("产权人", ResidencyRole.OWNER), ("共同业主", ResidencyRole.CO_OWNER),
                                         ("租客", ResidencyRole.TENANT), ("家庭成员", ResidencyRole.FAMILY),
                                         ("Family", ResidencyRole.FAMILY), ("co_owner", ResidencyRole.CO_OWNER)])
def test_roles(tmp_path, value, role):
    (p,) = sheet_of(tmp_path, [person(人员角色=value)]).rows
    assert p.role is role


def test_areas_with_units_and_thousands_separators(tmp_path):
    (p,) = sheet_of(tmp_path, [person(建筑面积="89.50㎡", 室内面积="70平方米", 租金="1,200元")], "csv").rows
    assert (p.room.building_area, p.room.indoor_area, p.room.rent) == (Decimal("89.50"), Decimal(70), Decimal(1200))


@pytest.mark.parametrize("label, id_type", [("身份证", IdType.RESIDENT_ID), ("居民身份证", IdType.RESIDENT_ID),
                                            ("", IdType.RESIDENT_ID)])
def test_resident_id_types(tmp_path, label, id_type):
    (p,) = sheet_of(tmp_path, [person(证件类型=label)]).rows
    assert (p.id_type, p.id_number, p.birth_date, p.gender) == (id_type.value, ID_M, date(1980, 5, 17), "男")


@pytest.mark.parametrize("label, id_type, number", [
    ("护照", IdType.PASSPORT, "e 1234 5678"),
    ("港澳通行证", IdType.HK_MACAO_PERMIT, "H12345678"),
    ("台胞证", IdType.TAIWAN_PERMIT, "12345678"),
    ("外国人永久居留证", IdType.FOREIGN_PERMANENT, "USA123456789012"),
])
def test_other_id_types_skip_resident_id_checks(tmp_path, label, id_type, number):
    (p,) = sheet_of(tmp_path, [person(证件类型=label, 身份证=number, 性别="")], "csv").rows
    assert (p.id_type, p.id_number) == (id_type.value, number.replace(" ", "").upper())
    assert (p.birth_date, p.gender, p.id_legacy15) == (None, None, False)


def test_no_id_number_means_no_id_type(tmp_path):
    (p,) = sheet_of(tmp_path, [person(身份证="", 证件类型="护照")]).rows
    assert (p.id_type, p.id_number, p.birth_date) == (None, None, None)


def test_gender_written_wins_over_the_id(tmp_path):
    (p,) = sheet_of(tmp_path, [person(性别="女")]).rows
    assert p.gender == "女"


def test_legacy_15_digit_id(tmp_path):
    (p,) = sheet_of(tmp_path, [person(身份证="420106820801832")]).rows
    assert (p.id_legacy15, p.birth_date, p.gender) == (True, date(1982, 8, 1), "女")


def test_vehicle_columns(tmp_path):
    (p,) = sheet_of(tmp_path, [person(车牌号="粤b·d12345", 车辆品牌="比亚迪", 车辆颜色="白色", 车位号="B1-001")]).rows
    assert p.vehicle == VehicleRow("粤BD12345", "比亚迪", "白色", "B1-001")


def test_identical_rows_merge_even_when_spelled_differently(tmp_path):
    rows = [person(), person(手机号="138 1234 5678", 身份证=ID_M.lower() if ID_M[-1] == "X" else " " + ID_M),
            person(), person(房屋="102")]
    result = sheet_of(tmp_path, rows)
    assert [p.row for p in result.rows] == [2, 5] and result.duplicates_merged == 2
    assert_counts_add_up(result)


def test_same_person_in_two_rooms_is_two_rows(tmp_path):
    result = sheet_of(tmp_path, [person(), person(楼号="2栋")])
    assert len(result.rows) == 2 and not result.rejected


def test_same_id_different_name_rejects_the_later_row(tmp_path):
    rows = [person(), person(房屋="102", 业主名称="张建军", 手机号="13912345678"), person(房屋="102", 业主名称="张建军",
                                                                            手机号="13912345678")]
    result = sheet_of(tmp_path, rows)
    assert [p.row for p in result.rows] == [2]
    assert [(r.row, r.column, r.reason) for r in result.rejected] == [
        (3, "身份证", "与第2行证件号相同但姓名不同，请核对"),
        (4, "身份证", "与第2行证件号相同但姓名不同，请核对"),        # a refused row's copy is refused too
    ]
    assert_counts_add_up(result)


def test_same_phone_different_name_without_ids_are_two_people(tmp_path):
    """Family members often give one phone: without an ID, a shared phone is not one person."""
    rows = [person(身份证=""), person(身份证="", 房屋="102"), person(身份证="", 业主名称="李四")]
    result = sheet_of(tmp_path, rows)
    assert [p.row for p in result.rows] == [2, 3, 4] and not result.rejected
    keys = [p.person_key for p in result.rows]
    assert keys[0] == keys[1] != keys[2]


def test_progress_every_thousand_rows(tmp_path):
    rows = [person(房屋=str(1000 + i), 身份证="", 手机号=f"138{i:08d}") for i in range(2500)]
    path = write_csv(tmp_path / "p.csv", list(rows[0]), rows)
    calls = []
    result = read_sheet(path, progress=lambda done, total: calls.append((done, total)))
    assert len(result.rows) == 2500
    assert calls == [(0, 2500), (1000, 2500), (2000, 2500), (2500, 2500)]


def test_iter_records_gives_raw_cells_by_key(tmp_path):
    path = write_xlsx(tmp_path / "r.xlsx", ["楼号", "房屋", "业主名称", "未知列", "手机号"],
                      [["1栋", 101, "张三", "x", 13812345678], [], ["2栋", "202", " 李四 ", None, None]])
    assert list(iter_records(path)) == [
        (2, {"building": "1栋", "room": 101.0, "name": "张三", "phone": 13812345678.0}),
        (4, {"building": "2栋", "room": "202", "name": " 李四 ", "phone": ""}),
    ]


# --- no personal value in any reason (L8, L9) ----------------------------------------------------

def test_no_reason_ever_contains_a_personal_value(tmp_path):
    bad = [
        person(业主名称="", 手机号="13812345678"),
        person(业主名称="欧阳锋", 楼号=""),
        person(业主名称="黄药师", 房屋=""),
        person(业主名称="洪七公", 手机号="1381234567"),
        person(业主名称="段智兴", 手机号="138abc45678"),
        person(业主名称="王重阳", 手机号="010-1234567-89"),
        person(业主名称="周伯通", 手机号="+1 4155550100"),
        person(业主名称="郭靖", 联系人="黄蓉", 联系人电话="12812345678"),
        person(业主名称="杨过", 身份证=ID_M[:-1] + ("1" if ID_M[-1] == "0" else "0")),
        person(业主名称="小龙女", 身份证="11010519801317123X"),
        person(业主名称="李莫愁", 身份证="110105198005"),
        person(业主名称="陆无双", 身份证="4.20106E+17"),
        person(业主名称="程英", 身份证="1101051980051712X3"),
        person(业主名称="公孙绿萼", 证件类型="护照", 身份证="E-12"),
        person(业主名称="张无忌", 车牌号="A12345"),
        person(业主名称="赵敏", 车牌号="京A1234567"),
        person(业主名称="周芷若", 车牌号="京1234567"),
        person(业主名称="13912345678"),
        person(业主名称="谢逊", 联系人="20240101"),
        person(业主名称="殷素素", 性别="X"),
        person(业主名称="张翠山", 身份证=ID_F, 手机号="13700000001"),
        person(业主名称="张三丰", 身份证=ID_F, 手机号="13700000002"),          # same ID, other name
        person(业主名称="宋远桥", 身份证="", 手机号="13700000003"),
        person(业主名称="俞莲舟", 身份证="", 手机号="13700000003"),            # shares a phone: fine
    ]
    for kind in ("xlsx", "csv"):
        result = sheet_of(tmp_path, bad, kind)
        assert len(result.rejected) == len(bad) - 3, [r.reason for r in result.rejected]
        values = {str(v).strip() for row in bad for v in row.values() if len(str(v).strip()) > 1}
        values -= {"1栋", "1单元", "101", "护照"}          # room and document type are not personal
        for reject in result.rejected:
            leaked = [v for v in values if v in reject.reason or v in reject.column]
            assert not leaked, (reject.row, reject.reason, leaked)
            assert reject.reason and reject.column


# --- template --------------------------------------------------------------------------------------

def test_template_round_trips_and_formats_ids_as_text(tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(path)
    result = read_sheet(path)
    assert (result.rows, result.rejected, result.total_rows) == ([], [], 0)
    ws = openpyxl.load_workbook(path).active
    assert ws.title == "资产信息" and [c.value for c in ws[1]] == TEMPLATE_COLUMNS
    formats = {c.value: ws.column_dimensions[c.column_letter].number_format for c in ws[1]}
    assert {h for h, f in formats.items() if f == "@"} == {"手机号", "身份证", "联系人电话"}
    assert set(HC_HEADERS) <= set(TEMPLATE_COLUMNS)
    assert {HEADERS[h] for h in TEMPLATE_COLUMNS} == set(HEADERS.values())


def test_filled_template_reads_back(tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(path)
    book = openpyxl.load_workbook(path)
    ws = book.active
    values = person(证件类型="居民身份证", 车牌号="京AD12345", 车辆颜色="黑色", 人员角色="业主")
    ws.append([values.get(h) for h in TEMPLATE_COLUMNS])
    book.save(path)
    (p,) = read_sheet(path).rows
    assert (p.id_number, p.vehicle.plate, p.vehicle.colour) == (ID_M, "京AD12345", "黑色")


# --- speed (reported, not asserted) --------------------------------------------------------------

def test_zero_width_tags_of_an_export_do_not_travel_into_the_register(tmp_path):
    tagged = "张\u200b\u200c建\u2060国"
    result = sheet_of(tmp_path, [person(业主名称=tagged)])
    assert result.rows[0].name == "张建国"
