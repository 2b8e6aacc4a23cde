"""An owner sheet in HC 小区管理系统's 21-column 资产信息 layout, generated for the test that uses it.

Deterministic (fixed seed): every run writes the same people. Owners carry checksum-valid ID
numbers and mobiles; family members share the room and have no ID, as in HC's own exports; room
numbers, floors and phones are written as Excel numbers (``101.0``), the way HC writes them.
The tests need not rely on a file outside the repository.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from faker import Faker
from openpyxl import Workbook
from stdnum.cn import ric

HC_HEADERS = ["楼号", "单元", "房屋", "楼层", "总楼层", "电梯", "房屋类型", "户型", "建筑面积", "室内面积",
              "租金", "状态", "业主名称", "性别", "手机号", "身份证", "业主类型", "人员类型", "人员角色",
              "联系人", "联系人电话"]
REGIONS = (110105, 310104, 440305, 330106, 510107, 420106)
MOBILE_PREFIXES = ("138", "139", "150", "152", "158", "177", "186", "187", "189", "199")


@dataclass(frozen=True)
class Resident:
    row: int
    building: str
    unit: str
    room: str
    floor: int
    name: str
    gender: str
    phone: str
    id_number: str | None
    role: str


@dataclass(frozen=True)
class HcSheet:
    path: Path
    residents: list[Resident]

    @property
    def owners(self) -> list[Resident]:
        return [r for r in self.residents if r.role == "业主"]

    def values(self) -> list[str]:
        """Every personal value in the sheet (names, phones, ID numbers)."""
        out = set()
        for r in self.residents:
            out.update(v for v in (r.name, r.phone, r.id_number) if v)
        return sorted(out)


def make_id(rng: random.Random, born: date) -> str:
    body = f"{rng.choice(REGIONS)}{born:%Y%m%d}{rng.randint(0, 999):03d}"
    return body + ric.calc_check_digit(body + "0")     # the argument includes a check digit


def write_hc_sheet(path: Path, *, rooms: int = 200, seed: int = 2026) -> HcSheet:
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    used_names: set[str] = set()
    used_phones: set[str] = set()

    def name() -> str:
        while True:
            candidate = fake.name()
            if candidate not in used_names:
                used_names.add(candidate)
                return candidate

    def phone() -> str:
        while True:
            candidate = rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 10**8 - 1):08d}"
            if candidate not in used_phones:
                used_phones.add(candidate)
                return candidate

    book = Workbook()
    ws = book.active
    ws.title = "资产信息"
    ws.append(HC_HEADERS)
    residents: list[Resident] = []
    row = 1
    for n in range(rooms):
        building, unit = f"{n // 40 + 1}栋", f"{n // 20 % 2 + 1}单元"
        floor = n % 20 // 2 + 1
        number = floor * 100 + n % 2 + 1
        household = 1 + (rng.random() < 0.3) + (rng.random() < 0.05)
        for member in range(household):
            row += 1
            owner = member == 0
            born = date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 50))
            person = Resident(row, building, unit, str(number), floor, name(),
                              rng.choice("男女"), phone(),
                              make_id(rng, born) if owner else None,
                              "业主" if owner else "家属")
            residents.append(person)
            ws.append([building, unit, float(number), float(floor), 20.0, "有", "普通住宅",
                       "三室两厅" if owner else None, 89.5, 76.3, 0.0, "已入住", person.name,
                       person.gender, float(person.phone), person.id_number or "",
                       "个人", "个人", person.role, None, None])
    book.save(path)
    return HcSheet(path, residents)
