"""A demo community of fictitious residents, stored exactly like a real import."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from ownerguard.services.registry.communities import (
    DEFAULT_COMPANY,
    get_or_create_community,
    get_or_create_company,
)
from ownerguard.services.registry.demo_data import community_name, generate_rows
from ownerguard.services.registry.importer import ImportCounts, Importer
from ownerguard.services.runtime import Runtime

DEMO_COMPANY = "示范物业服务有限公司"


DEMO_PASSWORD = "Demo-Password-2026"
DEMO_ROLES = ("front_desk", "steward", "guard", "technician", "finance", "manager", "dpo",
              "sysadmin", "committee_member")


@dataclass
class DemoResult:
    company: str
    community: str
    counts: ImportCounts
    logins: list[tuple[str, str, str | None]] = field(default_factory=list)  # user, role, TOTP


def create_demo(rt: Runtime, *, rooms: int = 300, community: str | None = None, seed: int = 0,
                actor: str, company: str = DEMO_COMPANY, with_staff: bool = True,
                progress: Callable[[int, int], None] | None = None) -> DemoResult:
    name = community or community_name(random.Random(seed))
    rows = list(generate_rows(rooms, seed=seed))
    with rt.uow() as uow:
        comp = get_or_create_company(uow, rt.keys, company)
        comm = get_or_create_community(uow, comp, name)
        counts = Importer(rt).run(uow, comp, comm, rows, actor=actor,
                                  progress=(lambda d: progress(d, len(rows))) if progress
                                  else None)
        logins = _demo_staff(rt, uow, comp.id, comm.id, actor) if with_staff else []
        uow.commit()
    return DemoResult(company, name, counts, logins)


def _demo_staff(rt: Runtime, uow, company_id: str, community_id: str, actor: str
                ) -> list[tuple[str, str, str | None]]:
    """One certified account per role (and one untrained steward), password DEMO_PASSWORD.
    Demo only: the accounts live in the demo company, whose name says so."""
    from ownerguard.services.staff_access import accounts as staff_svc

    out = []
    for role in (*DEMO_ROLES, "rookie"):
        username = f"demo_{role}"
        if staff_svc.get(uow, username=username):
            continue
        staff_svc.add_staff(rt, uow, company_id=company_id, username=username,
                            role="steward" if role == "rookie" else role,
                            scope=[(community_id, None)], password=DEMO_PASSWORD, actor=actor,
                            display_name=f"演示{role}")
        record = staff_svc.existing(uow, username=username)
        if role != "rookie":
            staff_svc.record_training(rt, uow, record, method="offline", actor=actor)
            staff_svc.record_nda(rt, uow, record, method="paper", actor=actor)
        out.append((username, record.role, staff_svc.totp_secret(rt, uow, record)))
    return out


__all__ = ["DemoResult", "create_demo", "DEFAULT_COMPANY", "DEMO_COMPANY", "DEMO_PASSWORD"]
