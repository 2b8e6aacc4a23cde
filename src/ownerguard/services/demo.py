"""A demo community of fictitious residents, stored exactly like a real import."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from .demo_data import community_name, generate_rows
from .importer import ImportCounts, Importer
from .registry import DEFAULT_COMPANY, get_or_create_community, get_or_create_company
from .runtime import Runtime

DEMO_COMPANY = "示范物业服务有限公司"


@dataclass
class DemoResult:
    company: str
    community: str
    counts: ImportCounts


def create_demo(rt: Runtime, *, rooms: int = 300, community: str | None = None, seed: int = 0,
                actor: str, company: str = DEMO_COMPANY,
                progress: Callable[[int, int], None] | None = None) -> DemoResult:
    name = community or community_name(random.Random(seed))
    rows = list(generate_rows(rooms, seed=seed))
    with rt.uow() as uow:
        comp = get_or_create_company(uow, rt.keys, company)
        comm = get_or_create_community(uow, comp, name)
        counts = Importer(rt).run(uow, comp, comm, rows, actor=actor,
                                  progress=(lambda d: progress(d, len(rows))) if progress
                                  else None)
        uow.commit()
    return DemoResult(company, name, counts)


__all__ = ["DemoResult", "create_demo", "DEFAULT_COMPANY"]
