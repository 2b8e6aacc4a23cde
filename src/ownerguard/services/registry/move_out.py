"""Move-out (L14: the contract ended): end the residency, and let retention schedule deletion.

Nothing is deleted here. Ending the residency sets its ``end_date``; a person with no current
residency left becomes due for purge ``moved_out_days`` after their last residency ended, and
the daily retention run (or ``ownerguard retention run``) purges them then. Moving back in
before that — a new residency — simply takes them off the list.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_, select, update

from ownerguard.domain.retention import rules_from_settings
from ownerguard.errors import Conflict, Invalid, NotFound, Problem
from ownerguard.services.registry.rooms import find_room
from ownerguard.services.runtime import Runtime
from ownerguard.store.tables import persons, residencies, rooms
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault.audit import AuditEvent


class MoveOutError(Problem):
    """A refused move-out (the residencies API catches it), raised as one of the kinds below."""


class MoveOutNotFound(MoveOutError, NotFound):
    pass


class MoveOutConflict(MoveOutError, Conflict):
    pass


class MoveOutInvalid(MoveOutError, Invalid):
    pass


@dataclass(frozen=True)
class MovedOut:
    residency_id: str
    person_id: str
    end_date: date
    # When the person has no other current residency: the day retention purges them.
    purge_due: date | None


def _current(today: date):
    return or_(residencies.c.end_date.is_(None), residencies.c.end_date > today)


def move_out(rt: Runtime, uow: UnitOfWork, residency_id: str, *, company_id: str, actor: str,
             role: str, on: date, client: str = "",
             scope: Collection[tuple[str, str | None]] | None = None) -> MovedOut:
    """End one residency. ``scope`` (community, building or None) limits it to the actor's
    communities and buildings; out of scope looks the same as absent, so the answer never
    confirms who lives where."""
    conn = uow.conn
    row = conn.execute(select(residencies, persons.c.company_id, rooms.c.building_id)
                       .join(persons, persons.c.id == residencies.c.person_id)
                       .join(rooms, rooms.c.id == residencies.c.room_id)
                       .where(residencies.c.id == residency_id)).first()
    in_scope = scope is None or (row is not None and (
        (row.community_id, None) in scope or (row.community_id, row.building_id) in scope))
    if row is None or row.company_id != company_id or not in_scope:
        raise MoveOutNotFound("residency_not_found")
    if row.end_date is not None and row.end_date <= on:
        raise MoveOutConflict("already_ended")
    if row.start_date is not None and on < row.start_date:
        raise MoveOutInvalid("before_start")
    conn.execute(update(residencies).where(residencies.c.id == residency_id)
                 .values(end_date=on))
    still = conn.execute(select(residencies.c.id).where(
        residencies.c.person_id == row.person_id, residencies.c.id != residency_id,
        _current(on))).first()
    due = None
    if still is None:
        last = max([on] + [r.end_date for r in conn.execute(select(residencies.c.end_date).where(
            residencies.c.person_id == row.person_id, residencies.c.end_date.is_not(None)))])
        days = rules_from_settings(rt.settings.retention)["moved_out"].days or 0
        due = last + timedelta(days=days)
    rt.audit.append(conn, row.community_id, company_id, [AuditEvent(
        actor=actor, role=role, action="move_out", subject=row.person_id,
        fields=("rooms",), purpose="record_keeping", outcome="done",
        reason=f"purge_due:{due.isoformat()}" if due else "other_residency", client=client)])
    return MovedOut(residency_id, row.person_id, on, due)


def move_out_room(rt: Runtime, uow: UnitOfWork, *, company_id: str, community_id: str,
                  room_label: str, actor: str, role: str, on: date, person_id: str | None = None,
                  client: str = "") -> list[MovedOut]:
    """End every current residency in one room (the household moves out), or one person's."""
    if not room_label.strip():
        raise MoveOutInvalid("bad_room")
    room_id = find_room(uow, community_id, room_label)
    if room_id is None:
        raise MoveOutNotFound("room_not_found")
    q = select(residencies.c.id).where(residencies.c.room_id == room_id, _current(on))
    if person_id:
        q = q.where(residencies.c.person_id == person_id)
    ids = [r.id for r in uow.conn.execute(q.order_by(residencies.c.id))]
    if not ids:
        raise MoveOutNotFound("no_residents")
    return [move_out(rt, uow, rid, company_id=company_id, actor=actor, role=role, on=on,
                     client=client) for rid in ids]
