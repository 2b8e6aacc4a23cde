"""Finding and showing persons. Search uses blind indexes only; showing goes through the gate."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ownerguard.domain.fields import CATALOGUE
from ownerguard.errors import Invalid
from ownerguard.services.runtime import Runtime
from ownerguard.store.tables import blind_index, persons, residencies, rooms
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault.audit import AuditEvent, company_chain
from ownerguard.vault.gate import PersonView
from ownerguard.vault.policy import AccessContext

SEARCH_KINDS = ("phone", "id_number", "name", "room")
DEFAULT_FIELDS = ("name", "gender", "phone", "id_type", "id_number", "birth_date", "rooms",
                  "contact_name", "contact_phone", "plate")
SEARCH_LIMIT = 200


class PersonsInvalid(Invalid, ValueError):
    """A search or a field list that cannot be done as asked (the command line catches
    ValueError)."""


@dataclass(frozen=True)
class SearchTerm:
    kind: str   # phone | phone_last4 | id_number | name | room
    value: str  # what the user typed; never logged, never stored


def search(rt: Runtime, uow: UnitOfWork, ctx: AccessContext, term: SearchTerm,
           *, community_id: str | None = None) -> list[str]:
    """Person ids matching ``term`` within the actor's company (and community, if given).

    The search itself is audited (kind only, never the value): a run of searches by phone is
    how someone checks a leaked list against the register.
    """
    conn = uow.conn
    if term.kind == "room":
        ids = _search_room(uow, ctx.company_id, term.value, community_id)
    else:
        kind = term.kind
        value = term.value.strip()
        if kind == "phone" and len("".join(c for c in value if c.isdigit())) == 4:
            kind = "phone_last4"   # the four last digits, scoped to one community
        indexer = rt.keys.indexer(conn, ctx.company_id)
        q = select(blind_index.c.person_id).where(blind_index.c.company_id == ctx.company_id,
                                                  blind_index.c.kind == kind)
        if kind == "phone_last4":
            if community_id is None:
                raise PersonsInvalid("last4_needs_community")
            q = q.where(blind_index.c.digest == indexer.query(kind, value, community_id))
        else:
            q = q.where(blind_index.c.digest == indexer.query(kind, value))
        ids = list(dict.fromkeys(r.person_id for r in conn.execute(q)))
        if community_id is not None:
            ids = _in_community(uow, ids, community_id)
    if ctx.scope is not None:
        ids = _in_scope(uow, ids, ctx.scope)
    rt.audit.append(conn, community_id or company_chain(ctx.company_id), ctx.company_id, [
        AuditEvent(actor=ctx.actor, role=ctx.role, action="search", fields=(term.kind,),
                   purpose=ctx.purpose or "",
                   work_item=ctx.work_item.id if ctx.work_item else "",
                   outcome="found" if ids else "none", reason=f"matches:{len(ids)}",
                   client=ctx.client)])
    return ids[:SEARCH_LIMIT]


def _search_room(uow: UnitOfWork, company_id: str, label: str, community_id: str | None
                 ) -> list[str]:
    """Room search by the parts typed: "1栋 1单元 101", "1-1-101" or "101"."""
    parts = [p for p in label.replace("-", " ").replace("/", " ").split() if p]
    if not parts:
        return []
    q = select(residencies.c.person_id, rooms.c.room_key).join(
        rooms, rooms.c.id == residencies.c.room_id)
    if community_id:
        q = q.where(rooms.c.community_id == community_id)
    q = q.where(rooms.c.number == parts[-1])
    out = []
    for r in uow.conn.execute(q):
        key = r.room_key.split("\x1f")
        if all(any(p == k or k.startswith(p) for k in key) for p in parts[:-1]):
            out.append(r.person_id)
    return _company_filter(uow, list(dict.fromkeys(out)), company_id)


def _company_filter(uow: UnitOfWork, ids: list[str], company_id: str) -> list[str]:
    if not ids:
        return ids
    keep = {r.id for r in uow.conn.execute(select(persons.c.id).where(
        persons.c.id.in_(ids), persons.c.company_id == company_id))}
    return [i for i in ids if i in keep]


def _in_community(uow: UnitOfWork, ids: list[str], community_id: str) -> list[str]:
    if not ids:
        return ids
    keep = {r.person_id for r in uow.conn.execute(select(residencies.c.person_id).where(
        residencies.c.person_id.in_(ids), residencies.c.community_id == community_id))}
    return [i for i in ids if i in keep]


def _in_scope(uow: UnitOfWork, ids: list[str],
              scope: frozenset[tuple[str, str | None]]) -> list[str]:
    """Keep the persons living in a (community, building) of the scope: a search must not
    even confirm that someone outside it exists."""
    if not ids or not scope:
        return []
    keep = set()
    for r in uow.conn.execute(
            select(residencies.c.person_id, residencies.c.community_id, rooms.c.building_id)
            .join(rooms, rooms.c.id == residencies.c.room_id)
            .where(residencies.c.person_id.in_(ids))):
        if (r.community_id, None) in scope or (r.community_id, r.building_id) in scope:
            keep.add(r.person_id)
    return [i for i in ids if i in keep]


def show(rt: Runtime, uow: UnitOfWork, ctx: AccessContext, person_ids: list[str],
         fields: tuple[str, ...] = DEFAULT_FIELDS, reveal: tuple[str, ...] = ()
         ) -> list[PersonView]:
    unknown = [f for f in (*fields, *reveal) if f not in CATALOGUE]
    if unknown:
        raise PersonsInvalid("unknown_field")
    fields = tuple(dict.fromkeys((*fields, *reveal)))
    return rt.gate.read(uow, ctx, person_ids, fields, reveal=reveal,
                        action="reveal" if reveal else "read")

