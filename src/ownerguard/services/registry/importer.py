"""Importing owner sheets: rows → rooms, persons (encrypted), residencies, vehicles.

One transaction per file (all or nothing). Persons are matched by blind index — ID number, else
phone with name, else name within the room — so importing the same file twice adds nothing and nothing is
ever decrypted to compare. Every new person gets its own data key and a ``collect`` audit entry
(the owner's access feed starts there); the file as a whole gets an ``import`` entry.

Existing persons are never modified by an import: a matched row adds only the residency or
vehicle that is new. Changing a stored value is a correction, which goes through the gate.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import insert, select

from ownerguard import clock
from ownerguard.domain.model import Community, Company, age_on, new_id
from ownerguard.domain.rows import PersonRow, Reject, RoomRow
from ownerguard.errors import Invalid
from ownerguard.services.runtime import Runtime
from ownerguard.store.bulk import bulk_insert
from ownerguard.store.tables import (
    blind_index,
    buildings,
    imports,
    person_keys,
    persons,
    residencies,
    rooms,
    units,
    vehicles,
)
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault import identity
from ownerguard.vault.audit import AuditEvent
from ownerguard.vault.blind import BlindIndexer
from ownerguard.vault.identity import ROOM_KEY_SEP, Home, Identity
from ownerguard.vault.sealing import PersonKey


def _index_rows(indexer: BlindIndexer, company_id: str, pid: str,
                digests: dict[str, list[bytes]]) -> list[dict]:
    return [{"company_id": company_id, "person_id": pid, "kind": kind, "digest": d}
            for kind, ds in digests.items() for d in ds]


@dataclass
class ImportCounts:
    rooms: int = 0
    persons: int = 0
    residencies: int = 0
    vehicles: int = 0
    duplicates_merged: int = 0
    rejected: list[Reject] = field(default_factory=list)

    def as_json(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if k != "rejected"}
        d["rejected"] = [{"row": r.row, "column": r.column, "code": r.code,
                          "reason": r.reason} for r in self.rejected]
        return d


def minor_on(birth: date | None, today: date) -> bool:
    return birth is not None and age_on(birth, today) < 18


@dataclass
class _NewPerson:
    id: str
    first: PersonRow
    phones: list[str]
    homes: list[Home]


class Importer:
    """``secure=False`` exists for the benchmark's baseline only (same work without encryption,
    blind indexes or audit); no command or endpoint can reach it."""

    def __init__(self, rt: Runtime, *, secure: bool = True):
        self.rt = rt
        self.secure = secure

    def run(self, uow: UnitOfWork, company: Company, community: Community,
            rows: Iterable[PersonRow], *, actor: str, role: str = "importer",
            source_sha256: str = "", progress: Callable[[int], None] | None = None
            ) -> ImportCounts:
        conn = uow.conn
        rows = list(rows)
        counts = ImportCounts()
        indexer = self.rt.keys.indexer(conn, company.id) if self.secure else None
        room_ids = self._rooms(uow, community, rows, counts)

        # 1. Who is already known? One query per kind over all digests of the file.
        person_digest = {r.row: self._person_digest(indexer, r) for r in rows}
        known = self._known_persons(uow, company.id, set(person_digest.values()))
        known_names = self._name_digests(uow, set(known.values()))

        # 2. Plan persons, residencies and vehicles.
        new_persons: dict[bytes, _NewPerson] = {}
        row_person: dict[int, str] = {}
        for r in rows:
            key = person_digest[r.row]
            pid = known.get(key)
            if pid is not None:
                if indexer and known_names.get(pid) != indexer.digest("name", r.name):
                    counts.rejected.append(Reject(r.row, "业主名称",
                                                  Invalid("id_name_conflict_stored")))
                    continue
            else:
                plan = new_persons.get(key)
                if plan is None:
                    plan = new_persons[key] = _NewPerson(new_id(), r, [], [])
                if r.phone and r.phone not in plan.phones:
                    plan.phones.append(r.phone)
                home = Home(community.id, ROOM_KEY_SEP.join(r.room.key))
                if home not in plan.homes:
                    plan.homes.append(home)
                pid = plan.id
            row_person[r.row] = pid
        if counts.rejected:
            return counts

        existing_res = self._existing_residencies(uow, community.id)
        existing_veh = self._existing_vehicles(uow, set(known.values()))
        existing_last4 = self._existing_digests(uow, set(known.values()), "phone_last4")
        today = clock.today()
        now = clock.now()

        person_rows, key_rows, index_rows, res_rows, veh_rows = [], [], [], [], []
        events: list[AuditEvent] = []
        keys: dict[str, PersonKey] = {}
        for plan in new_persons.values():
            p, pid = plan.first, plan.id
            pkey: PersonKey | None = None
            if self.secure:
                pkey, key_row = self.rt.keys.new_person_key(pid, company.id)
                key_rows.append(key_row)
                keys[pid] = pkey
            person_rows.append(self._person_row(pid, company.id, p, plan.phones, pkey, now,
                                                minor_on(p.birth_date, today)))
            if indexer:
                index_rows.extend(_index_rows(indexer, company.id, pid, identity.index(
                    indexer, Identity(p.name, plan.phones, p.id_number, plan.homes))))
                events.append(AuditEvent(
                    actor=actor, role=role, action="collect", subject=pid,
                    fields=tuple(sorted(self._present_fields(p, plan.phones))),
                    purpose="record_keeping", outcome="stored", reason="import"))
            counts.persons += 1
        new_ids = {plan.id for plan in new_persons.values()}

        for n, r in enumerate(rows, 1):
            pid = row_person[r.row]
            room_id = room_ids[r.room.key]
            res_key = (pid, room_id, r.role.value)
            if res_key not in existing_res:
                existing_res.add(res_key)
                res_rows.append({"id": new_id(), "person_id": pid, "room_id": room_id,
                                 "community_id": community.id, "role": r.role.value,
                                 "start_date": None, "end_date": None})
                counts.residencies += 1
            if indexer and pid not in new_ids and r.phone:
                # A known person seen in this community: findable by the last four digits
                # here too.
                for d in identity.index(indexer, Identity(r.name, [r.phone], homes=[
                        Home(community.id, "")]), kinds=("phone_last4",))["phone_last4"]:
                    if (pid, d) not in existing_last4:
                        existing_last4.add((pid, d))
                        index_rows.append({"company_id": company.id, "person_id": pid,
                                           "kind": "phone_last4", "digest": d})
            if r.vehicle:
                vrow = self._vehicle_row(uow, pid, room_id, community.id, r, indexer,
                                         keys, existing_veh)
                if vrow is not None:
                    veh_rows.append(vrow)
                    counts.vehicles += 1
            if progress and n % 1000 == 0:
                progress(n)

        for table, batch in ((persons, person_rows), (person_keys, key_rows),
                             (blind_index, index_rows), (residencies, res_rows),
                             (vehicles, veh_rows)):
            bulk_insert(conn, table, batch)
        if self.secure:
            import_id = new_id()
            summary = {k: v for k, v in counts.as_json().items() if k != "rejected"}
            conn.execute(insert(imports).values(
                id=import_id, community_id=community.id, actor=actor,
                file_sha256=source_sha256, created_at=now, summary=json.dumps(summary)))
            events.append(AuditEvent(actor=actor, role=role, action="import",
                                     purpose="record_keeping", outcome="stored",
                                     reason="import", work_item=f"import:{import_id}"))
            self.rt.audit.append(conn, community.id, company.id, events)
        if progress:
            progress(len(rows))
        return counts

    # -- rooms ---------------------------------------------------------------------------
    def _rooms(self, uow: UnitOfWork, community: Community, rows: list[PersonRow],
               counts: ImportCounts) -> dict[tuple[str, str, str], str]:
        conn = uow.conn
        building_ids = {r.name: r.id for r in conn.execute(
            select(buildings.c.id, buildings.c.name)
            .where(buildings.c.community_id == community.id))}
        unit_ids = {(r.building_id, r.name): r.id for r in conn.execute(
            select(units.c.id, units.c.building_id, units.c.name)
            .where(units.c.community_id == community.id))}
        room_ids = {tuple(r.room_key.split(ROOM_KEY_SEP)): r.id for r in conn.execute(
            select(rooms.c.id, rooms.c.room_key).where(rooms.c.community_id == community.id))}
        new_b, new_u, new_r = [], [], []
        for row in rows:
            room: RoomRow = row.room
            if room.key in room_ids:
                continue
            bid = building_ids.get(room.building)
            if bid is None:
                bid = building_ids[room.building] = new_id()
                new_b.append({"id": bid, "community_id": community.id, "name": room.building})
            uid = None
            if room.unit:
                uid = unit_ids.get((bid, room.unit))
                if uid is None:
                    uid = unit_ids[(bid, room.unit)] = new_id()
                    new_u.append({"id": uid, "community_id": community.id, "building_id": bid,
                                  "name": room.unit})
            rid = room_ids[room.key] = new_id()
            new_r.append({
                "id": rid, "community_id": community.id, "building_id": bid, "unit_id": uid,
                "room_key": ROOM_KEY_SEP.join(room.key), "number": room.number,
                "floor": room.floor, "total_floors": room.total_floors,
                "elevator": room.elevator, "room_type": room.room_type, "layout": room.layout,
                "building_area": room.building_area, "indoor_area": room.indoor_area,
                "rent": room.rent, "status": room.status})
        for table, batch in ((buildings, new_b), (units, new_u), (rooms, new_r)):
            bulk_insert(conn, table, batch)
        counts.rooms = len(new_r)
        return room_ids

    # -- persons -------------------------------------------------------------------------
    @staticmethod
    def _person_digest(indexer: BlindIndexer | None, r: PersonRow) -> bytes:
        kind, value = r.person_key
        if indexer is None:  # benchmark baseline: an unkeyed stand-in with the same shape
            return hashlib.blake2b(f"{kind}|{value}".encode(), digest_size=16).digest()
        return identity.recognition_digest(indexer, "id_number" if kind == "id" else kind,
                                           value)

    @staticmethod
    def _known_persons(uow: UnitOfWork, company_id: str, digests: set[bytes]
                       ) -> dict[bytes, str]:
        out: dict[bytes, str] = {}
        ds = list(digests)
        q = select(blind_index.c.digest, blind_index.c.person_id).where(
            blind_index.c.company_id == company_id,
            blind_index.c.kind.in_(("id_number", "phone_name", "name_room")))
        for start in range(0, len(ds), 900):
            for r in uow.conn.execute(q.where(blind_index.c.digest.in_(ds[start:start + 900]))):
                out.setdefault(r.digest, r.person_id)
        return out

    @staticmethod
    def _existing_digests(uow: UnitOfWork, person_ids: set[str], kind: str
                          ) -> set[tuple[str, bytes]]:
        out: set[tuple[str, bytes]] = set()
        ids = list(person_ids)
        for start in range(0, len(ids), 900):
            out.update((r.person_id, r.digest) for r in uow.conn.execute(
                select(blind_index.c.person_id, blind_index.c.digest)
                .where(blind_index.c.kind == kind,
                       blind_index.c.person_id.in_(ids[start:start + 900]))))
        return out

    def _name_digests(self, uow: UnitOfWork, person_ids: set[str]) -> dict[str, bytes]:
        return {pid: d for pid, d in self._existing_digests(uow, person_ids, "name")}

    @staticmethod
    def _present_fields(p: PersonRow, phones: list[str]) -> list[str]:
        present = ["name"]
        for name, value in (("gender", p.gender), ("phone", phones), ("id_type", p.id_type),
                            ("id_number", p.id_number), ("birth_date", p.birth_date),
                            ("contact_name", p.contact_name),
                            ("contact_phone", p.contact_phone), ("rooms", True)):
            if value:
                present.append(name)
        if p.vehicle:
            present.append("plate")
        return present

    @staticmethod
    def _person_row(pid: str, company_id: str, p: PersonRow, phones: list[str],
                    key: PersonKey | None, now: datetime, is_minor: bool) -> dict:
        values = {
            "name": p.name, "gender": p.gender,
            "phone": json.dumps(phones, ensure_ascii=False) if phones else None,
            "id_type": p.id_type, "id_number": p.id_number,
            "birth_date": p.birth_date.isoformat() if p.birth_date else None,
            "contact_name": p.contact_name, "contact_phone": p.contact_phone,
        }
        row = {"id": pid, "company_id": company_id, "key_version": key.version if key else 1,
               "is_minor": is_minor, "id_legacy15": p.id_legacy15, "state": "active",
               "created_at": now}
        for name, value in values.items():
            col = f"{name}_ct"
            if key is None:
                row[col] = value.encode() if value is not None else None
            else:
                row[col] = key.seal("persons", col, pid, value)
        return row

    # -- vehicles ------------------------------------------------------------------------
    @staticmethod
    def _existing_vehicles(uow: UnitOfWork, person_ids: set[str]) -> set[tuple[str, bytes]]:
        out: set[tuple[str, bytes]] = set()
        ids = list(person_ids)
        for start in range(0, len(ids), 900):
            out.update((r.person_id, r.plate_digest) for r in uow.conn.execute(
                select(vehicles.c.person_id, vehicles.c.plate_digest)
                .where(vehicles.c.person_id.in_(ids[start:start + 900]))))
        return out

    def _vehicle_row(self, uow: UnitOfWork, pid: str, room_id: str, community_id: str,
                     r: PersonRow, indexer: BlindIndexer | None, keys: dict[str, PersonKey],
                     existing: set[tuple[str, bytes]]) -> dict | None:
        v = r.vehicle
        assert v is not None
        digest = indexer.digest("plate", v.plate) if indexer else \
            hashlib.blake2b(v.plate.encode(), digest_size=16).digest()
        if (pid, digest) in existing:
            return None
        existing.add((pid, digest))
        key = keys.get(pid)
        if key is None and self.secure:
            # An already-stored person gets a new vehicle: sealed under their current key,
            # whatever version it has reached, and recorded with that version.
            key = keys[pid] = self.rt.keys.person_keys(uow.conn, [pid])[pid]
        vid = new_id()

        def sealed(col: str, value: str | None) -> bytes | None:
            if key is None:
                return value.encode() if value is not None else None
            return key.seal("vehicles", col, vid, value)

        return {"id": vid, "person_id": pid, "room_id": room_id, "community_id": community_id,
                "key_version": key.version if key else 1, "plate_ct": sealed("plate_ct", v.plate),
                "brand_ct": sealed("brand_ct", v.brand),
                "colour_ct": sealed("colour_ct", v.colour),
                "plate_digest": digest, "parking_space": v.parking_space}

    @staticmethod
    def _existing_residencies(uow: UnitOfWork, community_id: str) -> set[tuple[str, str, str]]:
        return {(r.person_id, r.room_id, r.role) for r in uow.conn.execute(
            select(residencies.c.person_id, residencies.c.room_id, residencies.c.role)
            .where(residencies.c.community_id == community_id))}


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
