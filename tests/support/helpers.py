"""Small builders shared by tests."""

from __future__ import annotations

from ownerguard.domain.model import ResidencyRole
from ownerguard.domain.rows import PersonRow, RoomRow, VehicleRow
from ownerguard.services.registry.communities import (
    get_or_create_community,
    get_or_create_company,
)
from ownerguard.services.registry.importer import Importer
from ownerguard.vault.policy import ALL_COMMUNITIES, AccessContext

ZHANG = dict(name="张建国", phone="13812345678", id_number="11010519491231002X")


def person_row(row: int = 2, *, name: str = "张建国", phone: str | None = "13812345678",
               id_number: str | None = "11010519491231002X", building: str = "1栋",
               unit: str | None = "1单元", number: str = "101",
               role: ResidencyRole = ResidencyRole.OWNER, plate: str | None = None,
               **extra) -> PersonRow:
    from datetime import date

    birth = None
    if id_number and len(id_number) == 18:
        birth = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    return PersonRow(row=row, room=RoomRow(building, unit, number), name=name, role=role,
                     gender=extra.pop("gender", "女"), phone=phone,
                     id_type="resident_id" if id_number else None, id_number=id_number,
                     birth_date=birth,
                     vehicle=VehicleRow(plate, "比亚迪", "白色", "B1-001") if plate else None,
                     **extra)


def store_rows(rt, rows, community: str = "翠湖苑", company: str = "示范物业"):
    with rt.uow() as uow:
        comp = get_or_create_company(uow, rt.keys, company)
        comm = get_or_create_community(uow, comp, community)
        counts = Importer(rt).run(uow, comp, comm, rows, actor="test:importer")
        uow.commit()
    return comp, comm, counts


def ctx(company_id: str, *, role: str = "operator", purpose: str | None = "record_keeping",
        scope=ALL_COMMUNITIES, work_item=None, certified=True, actor="test:alice",
        emergency_reason=False, reveal_blocked=None) -> AccessContext:
    return AccessContext(actor=actor, role=role, company_id=company_id, purpose=purpose,
                         scope=scope, work_item=work_item, certified=certified,
                         emergency_reason=emergency_reason, reveal_blocked=reveal_blocked,
                         client="127.0.0.1")


def shows_refusal(text: str, code: str, lang: str = "zh") -> bool:
    """A page or an answer says why, in the reader's language: the refusal's catalogue
    message (never the bare code)."""
    from ownerguard.errors import Problem

    message = Problem(code).message("en" if lang == "en" else "zh_CN")
    return message != code and message in text
