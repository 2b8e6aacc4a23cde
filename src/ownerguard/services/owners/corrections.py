"""Applying an approved correction (L13): new values re-sealed with the person's own data key,
the blind-index digests those values feed replaced, one ``correct`` audit entry naming the
fields (never a value).

Values arrive already normalised (``services.owners.rights`` runs ``domain.normalize`` when the
request is filed). Sealing goes through the person's ``PersonKey`` (the version it records is
the key's own) and the new digests come from ``vault.identity`` — the same builder the importer
uses — so a corrected person is found, and recognised by the next import, like any imported one.

Digests combine values (``phone_name``: primary phone + name; ``name_room``: name in each
room), so the values a correction does not bring are read through the gate with the decider's
context — the one place that decrypts, audited like any reveal.
"""

from __future__ import annotations

import json

from sqlalchemy import delete, select, update

from ownerguard.domain.fields import CATALOGUE, PERSON_FIELDS
from ownerguard.errors import Conflict, Forbidden, Invalid, Problem
from ownerguard.i18n import Label
from ownerguard.services.runtime import Runtime
from ownerguard.store.bulk import bulk_insert
from ownerguard.store.tables import blind_index, persons, residencies, rooms, vehicles
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault import identity
from ownerguard.vault.audit import AuditEvent, company_chain
from ownerguard.vault.gate import PersonNotFound
from ownerguard.vault.identity import Home, Identity
from ownerguard.vault.policy import AccessContext, Outcome
from ownerguard.vault.sealing import PersonKey

# The kinds a name or phone correction can change (an ID number is not corrected online).
_REINDEXED = ("name", "phone", "phone_last4", "phone_name", "name_room")


class CorrectionError(Problem):
    """An approved correction that cannot be written (rights requests pass it on), raised as
    one of the kinds below."""


class CorrectionInvalid(CorrectionError, Invalid):
    pass


class CorrectionForbidden(CorrectionError, Forbidden):
    pass


class CorrectionConflict(CorrectionError, Conflict):
    pass


def apply(rt: Runtime, uow: UnitOfWork, ctx: AccessContext, person_id: str,
          changes: dict[str, str]) -> tuple[str, ...]:
    """Write ``changes`` ({field: normalised new value}); returns the fields changed."""
    conn = uow.conn
    row = conn.execute(select(persons).where(persons.c.id == person_id)).first()
    if row is None or row.company_id != ctx.company_id:
        raise PersonNotFound("person_not_found")
    key = rt.keys.person_keys(conn, [person_id]).get(person_id)
    if key is None or row.state == "shredded":
        raise CorrectionConflict("shredded")
    # The other fields stay sealed under the row's version; a rotation moves them all at once.
    assert row.key_version == key.version, "person sealed under another key version"
    unknown = [f for f in changes if f not in CATALOGUE]
    if unknown:
        raise CorrectionInvalid("unknown_field")

    name, phones = changes.get("name"), None
    if "name" in changes or "phone" in changes:
        current = _current(rt, uow, ctx, person_id, need=[
            f for f in ("name", "phone") if f != "name" or "name" not in changes])
        name = changes.get("name", current.get("name"))
        phones = current.get("phones", [])
        if "phone" in changes:
            # The corrected number replaces the primary one; any others stay.
            phones = [changes["phone"]] + [p for p in phones[1:] if p != changes["phone"]]

    values: dict[str, str] = {f: changes[f] for f in ("name", "gender", "contact_name",
                                                      "contact_phone") if f in changes}
    if "phone" in changes and phones is not None:
        values["phone"] = json.dumps(phones, ensure_ascii=False)
    if values:
        conn.execute(update(persons).where(persons.c.id == person_id).values(**{
            f"{f}_ct": key.seal("persons", f"{f}_ct", person_id, v)
            for f, v in values.items() if f in PERSON_FIELDS}))

    if name is not None and phones is not None:
        _reindex(rt, uow, ctx, person_id, name, phones)
    if "plate" in changes:
        _plate(rt, uow, ctx, person_id, key, changes["plate"])

    changed = tuple(sorted(changes))
    rt.audit.append(conn, company_chain(ctx.company_id), ctx.company_id, [AuditEvent(
        actor=ctx.actor, role=ctx.role, action="correct", subject=person_id, fields=changed,
        purpose=ctx.purpose or "", outcome="done", reason="rights_request",
        client=ctx.client)])
    return changed


def _reindex(rt: Runtime, uow: UnitOfWork, ctx: AccessContext, person_id: str, name: str,
             phones: list[str]) -> None:
    """Replace every digest a name or phone feeds with what ``vault.identity`` computes for the
    corrected person, in every room they live in."""
    conn = uow.conn
    homes = [Home(h.community_id, h.room_key) for h in conn.execute(
        select(residencies.c.community_id, rooms.c.room_key)
        .join(rooms, rooms.c.id == residencies.c.room_id)
        .where(residencies.c.person_id == person_id))]
    has_id = conn.execute(select(blind_index.c.person_id).where(
        blind_index.c.person_id == person_id, blind_index.c.kind == "id_number")).first()
    digests = identity.index(rt.keys.indexer(conn, ctx.company_id),
                             Identity(name, phones, homes=homes, id_on_record=bool(has_id)),
                             kinds=_REINDEXED)
    conn.execute(delete(blind_index).where(blind_index.c.person_id == person_id,
                                           blind_index.c.kind.in_(_REINDEXED)))
    bulk_insert(conn, blind_index, [{"company_id": ctx.company_id, "person_id": person_id,
                                     "kind": kind, "digest": d}
                                    for kind, ds in digests.items() for d in ds])


def _current(rt: Runtime, uow: UnitOfWork, ctx: AccessContext, person_id: str,
             need: list[str]) -> dict:
    """The name and phone list a new digest needs but the correction does not bring, read
    through the gate."""
    if not need:
        return {}
    view = rt.gate.read(uow, ctx, [person_id], need, reveal=need, action="correct_read")[0]
    out: dict = {}
    for f in need:
        shown = view.fields[f]
        if shown.outcome is not Outcome.CLEAR:
            raise CorrectionForbidden("cannot_read", reason=Label("reason", shown.reason))
        if f == "phone":
            out["phones"] = list(shown.value or [])
        else:
            out[f] = shown.value
    return out


def _plate(rt: Runtime, uow: UnitOfWork, ctx: AccessContext, person_id: str, key: PersonKey,
           plate: str) -> None:
    conn = uow.conn
    cars = conn.execute(select(vehicles.c.id, vehicles.c.key_version).where(
        vehicles.c.person_id == person_id)).all()
    if len(cars) != 1:
        # Filing checks this too; a vehicle added or removed since then lands here.
        raise CorrectionConflict("plate_ambiguous")
    car = cars[0]
    # A per-person rotation re-seals a person's rows together, so the vehicle is under the
    # key's version; only the plate changes here.
    assert car.key_version == key.version, "vehicle sealed under another key version"
    conn.execute(update(vehicles).where(vehicles.c.id == car.id).values(
        plate_ct=key.seal("vehicles", "plate_ct", car.id, plate),
        plate_digest=rt.keys.indexer(conn, ctx.company_id).digest("plate", plate)))
