"""Pure domain model: the shapes OwnerGuard works with, free of storage and crypto.

Company (物业公司) → Community (小区/项目) → Building (楼栋) → Unit (单元, optional) → Room (房屋).
Person ↔ Room through Residency; Vehicle belongs to a Person (and optionally a Room).
Identifiers are UUID strings created by the application, so a row's id is known before it is
written: the encryption binds every ciphertext to it (see ``vault.crypto``), and a sharded
PostgreSQL (Citus, distributed by community) never needs a global sequence.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


def new_id() -> str:
    """A random (version 4) UUID in its usual text form.

    Built from ``os.urandom`` directly: ``uuid.uuid4()`` costs four times as much, and an import
    makes three ids per sheet row."""
    h = os.urandom(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


class ResidencyRole(str, enum.Enum):
    """A person's relation to a room. Sheet spellings are mapped in ``ROLE_ALIASES``."""

    OWNER = "owner"          # 业主
    CO_OWNER = "co_owner"    # 共有人
    TENANT = "tenant"        # 租户
    FAMILY = "family"        # 家属 / 家庭成员

    @property
    def label_zh(self) -> str:
        return {"owner": "业主", "co_owner": "共有人", "tenant": "租户", "family": "家属"}[self.value]


ROLE_ALIASES: dict[str, ResidencyRole] = {
    "业主": ResidencyRole.OWNER,
    "产权人": ResidencyRole.OWNER,
    "owner": ResidencyRole.OWNER,
    "共有人": ResidencyRole.CO_OWNER,
    "共同业主": ResidencyRole.CO_OWNER,
    "co_owner": ResidencyRole.CO_OWNER,
    "租户": ResidencyRole.TENANT,
    "租客": ResidencyRole.TENANT,
    "tenant": ResidencyRole.TENANT,
    "家属": ResidencyRole.FAMILY,
    "家庭成员": ResidencyRole.FAMILY,
    "family": ResidencyRole.FAMILY,
}


class IdType(str, enum.Enum):
    RESIDENT_ID = "resident_id"      # 居民身份证 (18 digits, or 15-digit legacy)
    PASSPORT = "passport"            # 护照
    HK_MACAO_PERMIT = "hk_macao"     # 港澳居民来往内地通行证
    TAIWAN_PERMIT = "taiwan"         # 台湾居民来往大陆通行证
    FOREIGN_PERMANENT = "foreign_pr" # 外国人永久居留身份证
    OTHER = "other"


class Gender(str, enum.Enum):
    MALE = "男"
    FEMALE = "女"


@dataclass(frozen=True)
class Company:
    id: str
    name: str


@dataclass(frozen=True)
class Community:
    id: str
    company_id: str
    name: str


@dataclass(frozen=True)
class Building:
    id: str
    community_id: str
    name: str


@dataclass(frozen=True)
class Unit:
    id: str
    building_id: str
    name: str


@dataclass(frozen=True)
class Room:
    """A room is a place, not a person: its attributes are kept in clear.

    Who lives there is the personal part, and that lives in ``Residency`` (pseudonymous ids)
    and the encrypted person record.
    """

    id: str
    community_id: str
    building_id: str
    unit_id: str | None
    number: str
    floor: int | None = None
    total_floors: int | None = None
    elevator: bool | None = None
    room_type: str | None = None      # 房屋类型: 普通住宅, 商铺, 车位 ...
    layout: str | None = None         # 户型: 三室两厅
    building_area: Decimal | None = None
    indoor_area: Decimal | None = None
    rent: Decimal | None = None
    status: str | None = None         # 状态: 已入住, 空置, 装修中 ...


@dataclass
class PersonData:
    """The personal values of one person, in clear. Only ever held in memory.

    Every attribute here is declared in ``domain.fields.CATALOGUE``; the store keeps each one
    encrypted under the person's own data key.
    """

    name: str
    gender: str | None = None
    phones: list[str] = field(default_factory=list)
    id_type: str | None = None
    id_number: str | None = None
    birth_date: date | None = None
    contact_name: str | None = None
    contact_phone: str | None = None

    @property
    def phone(self) -> str | None:
        return self.phones[0] if self.phones else None


@dataclass(frozen=True)
class Residency:
    id: str
    person_id: str
    room_id: str
    role: ResidencyRole
    start: date | None = None
    end: date | None = None


@dataclass
class VehicleData:
    plate: str
    brand: str | None = None
    colour: str | None = None
    parking_space: str | None = None


def age_on(birth: date, today: date) -> int:
    """Completed years: minors are under 18; under 14 a guardian consents for them (PIPL 31)."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
