"""Applying an approved correction (L13): new values re-sealed with the person's own data key,
the blind-index digests those values feed replaced, one ``correct`` audit entry naming the
fields (never a value).

Values arrive already normalised (``services.rights`` runs ``domain.normalize`` when the
request is filed). Sealing uses ``vault.crypto.seal`` with the same associated data as the
importer (``persons|<column>|<row>|<key version>``) and digests use the company's
``BlindIndexer`` exactly as the importer computes them, so a corrected person is found — and
recognised by the next import — like any imported one. The importer's ``_index_rows`` is not
called: it builds a new person's whole index from a sheet row, whereas a correction replaces
only the kinds a changed field feeds.

Where a digest combines two values (``phone_name``: primary phone + name) and only one of them
changes, the other is read through the gate with the decider's context — the one place that
decrypts, audited like any reveal.
"""

from __future__ import annotations

import json

from sqlalchemy import delete, select, update

from ownerguard.domain.fields import CATALOGUE, PERSON_FIELDS
from ownerguard.store.bulk import bulk_insert
from ownerguard.store.tables import blind_index, persons, residencies, rooms, vehicles
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault.audit import AuditEvent
from ownerguard.vault.crypto import seal
from ownerguard.vault.gate import PersonNotFound
from ownerguard.vault.policy import AccessContext, Outcome
from ownerguard.errors import UserError
from ownerguard.services.runtime import Runtime

ROOM_KEY_SEP = "\x1f"   # as in services.importer: the room key inside name_room digests


class CorrectionError(UserError):
    pass


def apply(rt: Runtime, uow: UnitOfWork, ctx: AccessContext, person_id: str,
          changes: dict[str, str]) -> tuple[str, ...]:
    """Write ``changes`` ({field: normalised new value}); returns the fields changed."""
    conn = uow.conn
    row = conn.execute(select(persons).where(persons.c.id == person_id)).first()
    if row is None or row.company_id != ctx.company_id:
        raise PersonNotFound(f"no person with id {person_id}")
    cipher = rt.keys.person_ciphers(conn, [person_id]).get(person_id)
    if cipher is None or row.state == "shredded":
        raise CorrectionError("shredded", "该人员信息已销毁，无法更正", "the data was shredded")
    unknown = [f for f in changes if f not in CATALOGUE]
    if unknown:
        raise CorrectionError("not_editable", "该项不能在线更正", "field cannot be corrected")

    indexer = rt.keys.indexer(conn, ctx.company_id)
    kinds = {r.kind for r in conn.execute(select(blind_index.c.kind).where(
        blind_index.c.person_id == person_id))}
    current = _current(rt, uow, ctx, person_id, changes, "phone_name" in kinds)

    values: dict[str, str] = {}
    name = changes.get("name", current.get("name"))
    phones = current.get("phones", [])
    if "phone" in changes:
        # The corrected number replaces the primary one; any others stay.
        phones = [changes["phone"]] + [p for p in phones[1:] if p != changes["phone"]]
        values["phone"] = json.dumps(phones, ensure_ascii=False)
    for f in ("name", "gender", "contact_name", "contact_phone"):
        if f in changes:
            values[f] = changes[f]
    if values:
        conn.execute(update(persons).where(persons.c.id == person_id).values(**{
            f"{f}_ct": seal(cipher, "persons", f"{f}_ct", person_id, row.key_version, v)
            for f, v in values.items() if f in PERSON_FIELDS}))

    homes = conn.execute(select(residencies.c.community_id, rooms.c.room_key)
                         .join(rooms, rooms.c.id == residencies.c.room_id)
                         .where(residencies.c.person_id == person_id)).all()
    replace: dict[str, list[bytes]] = {}
    if "name" in changes:
        replace["name"] = [indexer.digest("name", name)]
        if "name_room" in kinds:
            # Every room the person lives in: the next import of any of them recognises them.
            replace["name_room"] = sorted({indexer.digest("name_room", name + ROOM_KEY_SEP
                                                          + h.room_key) for h in homes})
    if "phone" in changes:
        replace["phone"] = [indexer.digest("phone", p) for p in phones]
        replace["phone_last4"] = sorted({indexer.digest("phone_last4", p[-4:], h.community_id)
                                         for p in phones for h in homes})
    if "phone_name" in kinds and ("name" in changes or "phone" in changes) and phones:
        replace["phone_name"] = [indexer.digest("phone_name", phones[0] + ROOM_KEY_SEP + name)]
    for kind, digests in replace.items():
        conn.execute(delete(blind_index).where(blind_index.c.person_id == person_id,
                                               blind_index.c.kind == kind))
        bulk_insert(conn, blind_index, [{"company_id": ctx.company_id, "person_id": person_id,
                                         "kind": kind, "digest": d} for d in digests])
    if "plate" in changes:
        _plate(rt, uow, ctx, person_id, cipher, changes["plate"])

    changed = tuple(sorted(changes))
    rt.audit.append(conn, f"company:{ctx.company_id}", ctx.company_id, [AuditEvent(
        actor=ctx.actor, role=ctx.role, action="correct", subject=person_id, fields=changed,
        purpose=ctx.purpose or "", outcome="done", reason="rights_request",
        client=ctx.client)])
    return changed


def _current(rt: Runtime, uow: UnitOfWork, ctx: AccessContext, person_id: str,
             changes: dict[str, str], has_phone_name: bool) -> dict:
    """The values a new digest needs but the correction does not bring, read through the gate:
    the phone list when the primary number changes (others are kept), the name or phone that
    pairs with a changed one in ``phone_name``."""
    need = []
    if "phone" in changes:
        need.append("phone")
    if has_phone_name and "name" in changes and "phone" not in need:
        need.append("phone")
    if has_phone_name and "phone" in changes and "name" not in changes:
        need.append("name")
    if not need:
        return {}
    view = rt.gate.read(uow, ctx, [person_id], need, reveal=need, action="correct_read")[0]
    out: dict = {}
    for f in need:
        shown = view.fields[f]
        if shown.outcome is not Outcome.CLEAR:
            raise CorrectionError("cannot_read",
                                  "无法读取现有信息以完成更正，请由个人信息保护负责人处理",
                                  f"cannot read the current value ({shown.reason}); "
                                  "ask the DPO to decide")
        if f == "phone":
            out["phones"] = list(shown.value or [])
        else:
            out[f] = shown.value
    return out


def _plate(rt: Runtime, uow: UnitOfWork, ctx: AccessContext, person_id: str, cipher,
           plate: str) -> None:
    conn = uow.conn
    cars = conn.execute(select(vehicles.c.id, vehicles.c.key_version).where(
        vehicles.c.person_id == person_id)).all()
    if len(cars) != 1:
        # Filing checks this too; a vehicle added or removed since then lands here.
        raise CorrectionError("plate_ambiguous", "登记车辆不是一辆，请到物业服务中心更正车牌",
                              "not exactly one vehicle on record; correct it at the office")
    car = cars[0]
    conn.execute(update(vehicles).where(vehicles.c.id == car.id).values(
        plate_ct=seal(cipher, "vehicles", "plate_ct", car.id, car.key_version, plate),
        plate_digest=rt.keys.indexer(conn, ctx.company_id).digest("plate", plate)))
