"""Staff reading personal data: the context a signed-in staff member acts in, masked lists,
records and purpose-bound reveals, each followed by quota and anomaly checks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, and_, false, or_, select

from ownerguard import clock
from ownerguard.domain.fields import CATALOGUE
from ownerguard.domain.purposes import PURPOSES
from ownerguard.domain.staff import COMPANY_WIDE_ROLES, ROLES
from ownerguard.errors import Forbidden, Invalid, Problem
from ownerguard.services.registry import persons as persons_svc
from ownerguard.services.runtime import Runtime
from ownerguard.services.staff_access import accounts as staff_svc
from ownerguard.services.staff_access import anomalies
from ownerguard.services.staff_access import work_items as work_items_svc
from ownerguard.store.tables import buildings, residencies, rooms, units
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault.alarms import raise_alarm
from ownerguard.vault.gate import PersonView
from ownerguard.vault.policy import ALL_COMMUNITIES, AccessContext, Outcome

PAGE = 50
LIST_FIELDS = ("name", "phone", "rooms")
_DIGITS = re.compile(r"\d+")


class AccessError(Problem):
    """A staff request refused before any data is touched; ``code`` is a policy reason (the
    API and the console catch it). Raised as one of the kinds below."""


class AccessForbidden(AccessError, Forbidden):
    pass


class AccessInvalid(AccessError, Invalid):
    pass


def company_wide(role: str) -> bool:
    return role in COMPANY_WIDE_ROLES


def staff_context(rt: Runtime, uow: UnitOfWork, who: staff_svc.StaffRecord, *,
                  purpose: str | None = None, work_item: str | None = None,
                  emergency_reason: str | None = None, client: str = "") -> AccessContext:
    role = ROLES.get(who.role)
    purpose = purpose or (role.default_purpose if role else None)
    certified = who.kind == "service" or staff_svc.certification(uow, who.id).certified
    blocked = None
    if role is not None:
        per_hour, per_day = rt.settings.quotas.get(
            who.role, (role.reveals_per_hour, role.reveals_per_day))
        now = clock.now()
        hour, day = anomalies.reveals_since(uow, who.username, now - timedelta(hours=1),
                                            now - timedelta(days=1))
        if hour >= per_hour or day >= per_day:
            blocked = "quota_exceeded"
    ref = None
    if work_item:
        item = work_items_svc.get(uow, work_item, who.company_id)
        if item is None:
            raise AccessForbidden("work_item_required")
        ref = item.ref
    return AccessContext(
        actor=who.username, role=who.role, company_id=who.company_id, purpose=purpose,
        scope=ALL_COMMUNITIES if company_wide(who.role) else who.scope, work_item=ref,
        certified=certified, reveal_blocked=blocked,
        emergency_reason=bool(emergency_reason and len(emergency_reason.strip()) >= 5),
        client=client)


@dataclass
class Page:
    views: list[PersonView]
    page: int
    has_more: bool


def list_persons(rt: Runtime, uow: UnitOfWork, ctx: AccessContext, *, q: str | None = None,
                 building: str | None = None, room: str | None = None, page: int = 1) -> Page:
    """A masked page of persons in the actor's scope, filtered by a search term (phone, last
    four digits, ID number or exact name) and/or building and room."""
    page = max(1, page)
    if q:
        ids = _search(rt, uow, ctx, q.strip())
        if building or room:
            ids = _filter_rooms(uow, ids, building, room)
        has_more = len(ids) > page * PAGE
        chunk = ids[(page - 1) * PAGE: page * PAGE]
    elif building or room:
        ids = _filter_rooms(uow, residents_in_scope(uow, ctx), building, room)
        has_more = len(ids) > page * PAGE
        chunk = ids[(page - 1) * PAGE: page * PAGE]
    else:
        # The plain list pages in the database: a community has tens of thousands of
        # residents and a page shows fifty.
        chunk = residents_in_scope(uow, ctx, limit=PAGE + 1, offset=(page - 1) * PAGE)
        has_more = len(chunk) > PAGE
        chunk = chunk[:PAGE]
    views = rt.gate.read(uow, ctx, chunk, LIST_FIELDS, action="list") if chunk else []
    anomalies.check(rt, uow, ctx, views)
    return Page(views, page, has_more)


def _search(rt: Runtime, uow: UnitOfWork, ctx: AccessContext, q: str) -> list[str]:
    digits = "".join(_DIGITS.findall(q))
    if len(digits) == 4 and len(q.replace(" ", "")) <= 5:
        found: list[str] = []
        for community in _scope_communities(uow, ctx):
            found += persons_svc.search(rt, uow, ctx, persons_svc.SearchTerm("phone", digits),
                                        community_id=community)
        return list(dict.fromkeys(found))
    if len(digits) == 11 and digits.startswith("1"):
        term = persons_svc.SearchTerm("phone", digits)
    elif len(q) in (15, 18) and q[:-1].isdigit():
        term = persons_svc.SearchTerm("id_number", q)
    else:
        term = persons_svc.SearchTerm("name", q)
    return persons_svc.search(rt, uow, ctx, term)


def _scope_communities(uow: UnitOfWork, ctx: AccessContext) -> list[str]:
    if ctx.scope is ALL_COMMUNITIES:
        from ownerguard.store.tables import communities

        return [r.id for r in uow.conn.execute(select(communities.c.id).where(
            communities.c.company_id == ctx.company_id))]
    return sorted({c for c, _ in ctx.scope})


def residents_in_scope(uow: UnitOfWork, ctx: AccessContext, *, limit: int | None = None,
                       offset: int = 0) -> list[str]:
    """Persons living in the actor's scope, in room order (a person with two rooms once)."""
    q = (select(residencies.c.person_id)
         .join(rooms, rooms.c.id == residencies.c.room_id)
         .where(_scope_filter(uow, ctx))
         .order_by(rooms.c.community_id, rooms.c.room_key, residencies.c.role,
                   residencies.c.person_id))
    if limit is not None:
        q = q.limit(limit).offset(offset)
    return list(dict.fromkeys(r.person_id for r in uow.conn.execute(q)))


def _scope_filter(uow: UnitOfWork, ctx: AccessContext):
    communities = _scope_communities(uow, ctx)
    if ctx.scope is ALL_COMMUNITIES:
        return rooms.c.community_id.in_(communities)
    whole = [c for c, b in ctx.scope if b is None]
    parts: list[ColumnElement[bool]] = [rooms.c.community_id.in_(whole)] if whole else []
    parts += [and_(rooms.c.community_id == c, rooms.c.building_id == b)
              for c, b in ctx.scope if b is not None and c not in whole]
    return or_(*parts) if parts else false()


def _filter_rooms(uow: UnitOfWork, ids: list[str], building: str | None, room: str | None
                  ) -> list[str]:
    if not ids:
        return ids
    q = (select(residencies.c.person_id, buildings.c.name.label("b"), units.c.name.label("u"),
                rooms.c.number)
         .join(rooms, rooms.c.id == residencies.c.room_id)
         .join(buildings, buildings.c.id == rooms.c.building_id)
         .outerjoin(units, units.c.id == rooms.c.unit_id)
         .where(residencies.c.person_id.in_(ids)))
    keep = set()
    for r in uow.conn.execute(q):
        if building and r.b != building:
            continue
        if room and room not in (r.number, f"{r.u or ''}{r.number}"):
            continue
        keep.add(r.person_id)
    return [i for i in ids if i in keep]


def record(rt: Runtime, uow: UnitOfWork, ctx: AccessContext, person_id: str) -> PersonView:
    """The masked record: every catalogue field the purpose lets this role see."""
    fields = [f for f in CATALOGUE if rt.policy.decide(ctx, f).outcome is not Outcome.DENIED
              or f in LIST_FIELDS]
    view = rt.gate.read(uow, ctx, [person_id], fields)[0]
    anomalies.check(rt, uow, ctx, [view])
    return view


def reveal(rt: Runtime, uow: UnitOfWork, ctx: AccessContext, person_id: str,
           fields: list[str], *, emergency_reason: str | None = None) -> PersonView:
    unknown = [f for f in fields if f not in CATALOGUE]
    if unknown or not fields:
        raise AccessInvalid("unknown_field")
    if ctx.purpose not in PURPOSES:
        raise AccessInvalid("unknown_purpose")
    view = rt.gate.read(uow, ctx, [person_id], fields, reveal=fields, action="reveal")[0]
    anomalies.check(rt, uow, ctx, [view])
    if any(s.reason == "break_glass" for s in view.fields.values()):
        raise_alarm(uow.conn, rt.audit, rt.keys, company_id=ctx.company_id, kind="break_glass", severity="high",
                    actor=ctx.actor, subject=person_id,
                    detail="fields:" + ",".join(sorted(f for f, s in view.fields.items()
                                                       if s.outcome is Outcome.CLEAR)),
                    note=emergency_reason)
    return view
