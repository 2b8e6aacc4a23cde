"""One validated sheet row: one person in one room (the import rule), values already normalised.

Produced by ``services.sheet_reader`` from CSV/xlsx files and by ``services.demo_data`` for demo
and benchmark communities; consumed by ``services.importer``. Lives only in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ownerguard.domain.model import ResidencyRole
from ownerguard.errors import Problem


@dataclass(frozen=True)
class RoomRow:
    building: str                 # 楼号, e.g. "1栋"
    unit: str | None              # 单元, e.g. "1单元"; None when the community has no units
    number: str                   # 房屋, e.g. "101" (an Excel 101.0 becomes "101")
    floor: int | None = None
    total_floors: int | None = None
    elevator: bool | None = None
    room_type: str | None = None
    layout: str | None = None
    building_area: Decimal | None = None
    indoor_area: Decimal | None = None
    rent: Decimal | None = None
    status: str | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        """Room key = (楼号, 单元, 房屋)."""
        return (self.building, self.unit or "", self.number)


@dataclass(frozen=True)
class VehicleRow:
    plate: str                    # normalised: upper case, no spaces or dots, e.g. "京AD12345"
    brand: str | None = None
    colour: str | None = None
    parking_space: str | None = None


@dataclass(frozen=True)
class PersonRow:
    row: int                      # the sheet's own row number (header = row 1)
    room: RoomRow
    name: str
    role: ResidencyRole
    gender: str | None = None     # "男" / "女"
    phone: str | None = None      # normalised: 11-digit mobile, or landline "010-12345678"
    id_type: str | None = None    # an ``IdType`` value; "resident_id" when an ID number is present
    id_number: str | None = None  # normalised: upper-case X, no spaces
    id_legacy15: bool = False     # a 15-digit legacy ID (accepted and flagged)
    birth_date: date | None = None  # derived from the ID number
    owner_type: str | None = None   # 业主类型: 个人 / 单位
    person_type: str | None = None  # 人员类型
    contact_name: str | None = None
    contact_phone: str | None = None
    vehicle: VehicleRow | None = None

    @property
    def person_key(self) -> tuple[str, str]:
        """Person key = ID number if present, else phone, else the name within the room.

        Without an ID the phone is combined with the name: family members commonly give one
        phone, and two people must not merge because they share it. Rows with the same phone
        and the same name are one person (in one room or several).
        """
        if self.id_number:
            return ("id", self.id_number)
        if self.phone:
            return ("phone_name", self.phone + "\x1f" + self.name)
        return ("name_room", self.name + "\x1f" + "\x1f".join(self.room.key))


@dataclass(frozen=True)
class Reject:
    row: int
    column: str
    problem: Problem              # says what to fix (a code); never contains the value itself

    @property
    def code(self) -> str:
        return self.problem.code

    def message(self, lang: str | None = None) -> str:
        return self.problem.message(lang)

    @property
    def reason(self) -> str:
        """What to fix, in the catalogue's source language (reports and the command line)."""
        return self.problem.message()
