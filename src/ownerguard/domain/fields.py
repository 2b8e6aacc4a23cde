"""The field catalogue: every personal field OwnerGuard holds, declared once (L1, L2, L6, L9).

The policy (``vault.policy``), the masking at the gate, the owner's "my data" page and the docs
all read this one table. A field that is not listed here cannot be stored or read.

``purposes`` is the minimisation rule (L2): the purposes that may use the field at all. A role's
policy can narrow it further, never widen it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ownerguard.i18n import Label


class Sensitivity(str, enum.Enum):
    PERSONAL = "personal"        # 一般个人信息
    SENSITIVE = "sensitive"      # 敏感个人信息 (PIPL 28): whereabouts, minors' data, finance
    HIGH_RISK = "high_risk"      # ID numbers: encrypted, hidden by default whatever the class (L6)


class Category(str, enum.Enum):
    IDENTITY = "identity"        # 身份信息
    CONTACT = "contact"          # 联系方式
    ADDRESS = "address"          # 住址/房屋
    VEHICLE = "vehicle"          # 车辆
    HOUSEHOLD = "household"      # 家庭成员关系


_ALL_SERVICE = ("record_keeping", "rights_request", "legal_request")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label_zh: str
    label_en: str
    category: Category
    sensitivity: Sensitivity
    mask: str                    # a key of ``vault.masking.MASKERS``
    purposes: tuple[str, ...]    # purposes that may use it (L2)
    encrypted: bool = True       # stored encrypted under the person's data key


CATALOGUE: dict[str, FieldSpec] = {
    f.name: f
    for f in (
        FieldSpec("name", "姓名", "name", Category.IDENTITY, Sensitivity.PERSONAL, "name",
                  _ALL_SERVICE + ("billing", "repair", "visitor", "delivery", "renovation",
                                  "parking", "emergency", "owners_assembly", "breach_notice")),
        FieldSpec("gender", "性别", "gender", Category.IDENTITY, Sensitivity.PERSONAL, "redact",
                  _ALL_SERVICE),
        FieldSpec("phone", "手机号", "phone", Category.CONTACT, Sensitivity.PERSONAL, "phone",
                  _ALL_SERVICE + ("billing", "repair", "visitor", "delivery", "renovation",
                                  "parking", "emergency", "owners_assembly", "breach_notice")),
        FieldSpec("id_type", "证件类型", "ID type", Category.IDENTITY, Sensitivity.PERSONAL,
                  "redact", _ALL_SERVICE + ("owners_assembly",)),
        # Not needed to pay a fee, fix a tap or take a parcel (L2); 业主大会 checks voting rights.
        FieldSpec("id_number", "证件号码", "ID number", Category.IDENTITY, Sensitivity.HIGH_RISK,
                  "id_number", _ALL_SERVICE + ("owners_assembly",)),
        FieldSpec("birth_date", "出生日期", "birth date", Category.IDENTITY, Sensitivity.PERSONAL,
                  "birth_date", _ALL_SERVICE),
        FieldSpec("contact_name", "联系人", "contact name", Category.CONTACT,
                  Sensitivity.PERSONAL, "name", _ALL_SERVICE + ("emergency", "repair")),
        FieldSpec("contact_phone", "联系人电话", "contact phone", Category.CONTACT,
                  Sensitivity.PERSONAL, "phone", _ALL_SERVICE + ("emergency", "repair")),
        # Which rooms a person lives in. Room structure is kept in clear (a room is a place);
        # linking it to a person is personal, so the gate decides it like any other field.
        FieldSpec("rooms", "房屋", "rooms", Category.ADDRESS, Sensitivity.PERSONAL, "room",
                  _ALL_SERVICE + ("billing", "repair", "visitor", "delivery", "renovation",
                                  "parking", "emergency", "owners_assembly", "breach_notice"),
                  encrypted=False),
        FieldSpec("plate", "车牌号", "licence plate", Category.VEHICLE, Sensitivity.PERSONAL,
                  "plate", _ALL_SERVICE + ("parking", "visitor")),
        FieldSpec("vehicle_brand", "车辆品牌", "vehicle brand", Category.VEHICLE,
                  Sensitivity.PERSONAL, "redact", _ALL_SERVICE + ("parking",)),
        FieldSpec("vehicle_colour", "车辆颜色", "vehicle colour", Category.VEHICLE,
                  Sensitivity.PERSONAL, "redact", _ALL_SERVICE + ("parking",)),
    )
}

# Fields held on the person row (encrypted) versus on the vehicle row.
PERSON_FIELDS = ("name", "gender", "phone", "id_type", "id_number", "birth_date",
                 "contact_name", "contact_phone")
VEHICLE_FIELDS = ("plate", "vehicle_brand", "vehicle_colour")


def field_label(name: str) -> Label:
    """A field as a message parameter: the catalogue's ``field.<name>`` if it has one, else the
    field's own zh/en labels, else the name."""
    spec = CATALOGUE.get(name)
    return Label("field", name, (spec.label_zh, spec.label_en) if spec else None)
