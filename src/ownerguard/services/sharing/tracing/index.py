"""The lookups attribution needs, in bulk: aliases, canaries, name digests, rooms, shares.

Only pseudonymous tables and digests are read — share records, blind-index digests, room
structure — never a ciphertext, so tracing needs no data key and decrypts nothing. Every lookup
is one indexed ``IN`` query per chunk of values (statements built once: building a select costs
more than running it on SQLite).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.sql.elements import BindParameter

from ownerguard.services.sharing.tracing.leaked import room_key, unitless
from ownerguard.store.tables import (
    blind_index,
    buildings,
    companies,
    partners,
    persons,
    residencies,
    rooms,
    share_canaries,
    share_members,
    shares,
    units,
)

CHUNK = 2000
_IDS: BindParameter = bindparam("ids", expanding=True)

_MEMBERS_BY_ALIAS = select(share_members.c.alias, share_members.c.share_id,
                           share_members.c.person_id, share_members.c.row_no,
                           share_members.c.variant).where(share_members.c.alias.in_(_IDS))
_MEMBERS_BY_PERSON = select(share_members.c.share_id, share_members.c.person_id,
                            share_members.c.row_no, share_members.c.variant) \
    .where(share_members.c.person_id.in_(_IDS))
_CANARIES_BY_ALIAS = select(share_canaries.c.alias, share_canaries.c.share_id,
                            share_canaries.c.row_no).where(share_canaries.c.alias.in_(_IDS))
_CANARIES_BY_NAME = select(share_canaries.c.name_digest, share_canaries.c.share_id,
                           share_canaries.c.row_no) \
    .where(share_canaries.c.name_digest.in_(_IDS))
_NAMES = select(blind_index.c.digest, blind_index.c.person_id) \
    .where(blind_index.c.company_id == bindparam("company"), blind_index.c.kind == "name",
           blind_index.c.digest.in_(_IDS))
_ROOM_COLUMNS = (buildings.c.name.label("building"), units.c.name.label("unit"), rooms.c.number)
_HOMES_BY_PERSON = (
    select(residencies.c.person_id, *_ROOM_COLUMNS)
    .join(rooms, rooms.c.id == residencies.c.room_id)
    .join(buildings, buildings.c.id == rooms.c.building_id)
    .outerjoin(units, units.c.id == rooms.c.unit_id)
    .where(residencies.c.person_id.in_(_IDS)))
_RESIDENTS_BY_NUMBER = (
    select(residencies.c.person_id, *_ROOM_COLUMNS)
    .join(rooms, rooms.c.id == residencies.c.room_id)
    .join(buildings, buildings.c.id == rooms.c.building_id)
    .outerjoin(units, units.c.id == rooms.c.unit_id)
    .join(persons, persons.c.id == residencies.c.person_id)
    .where(rooms.c.number.in_(_IDS), persons.c.company_id == bindparam("company")))
_SHARES = (
    select(shares.c.id, shares.c.number, shares.c.company_id, shares.c.community_id,
           shares.c.partner_id, partners.c.name.label("partner_name"), shares.c.fields,
           shares.c.persons_count, shares.c.canaries_count)
    .join(partners, partners.c.id == shares.c.partner_id)
    .where(shares.c.id.in_(_IDS)))


def chunks(values: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _run(conn: Connection, stmt, values: Iterable, **params):
    values = list(values)
    for part in chunks(values):
        # fetchall: iterating a result fetches one row per call, several times slower
        yield from conn.execute(stmt, {"ids": list(part), **params}).fetchall()


# (share_id, person_id, row_no, variant): plain tuples, because tens of thousands are built per
# trace and a dataclass instance costs several times more.
Member = tuple[str, str, int, int]


def members_by_alias(conn: Connection, phones: Iterable[str]) -> dict[str, Member]:
    return {r[0]: tuple(r[1:]) for r in _run(conn, _MEMBERS_BY_ALIAS, set(phones))}


def members_by_person(conn: Connection, person_ids: Iterable[str]) -> dict[str, list[Member]]:
    out: dict[str, list[Member]] = defaultdict(list)
    for r in _run(conn, _MEMBERS_BY_PERSON, set(person_ids)):
        out[r[1]].append(tuple(r))
    return out


def canaries_by_alias(conn: Connection, phones: Iterable[str]) -> dict[str, tuple[str, int]]:
    return {r.alias: (r.share_id, r.row_no) for r in _run(conn, _CANARIES_BY_ALIAS, set(phones))}


def canaries_by_name(conn: Connection, digests: Iterable[str]) -> dict[str, list[tuple[str, int]]]:
    out: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for r in _run(conn, _CANARIES_BY_NAME, set(digests)):
        out[r.name_digest].append((r.share_id, r.row_no))
    return out


def company_ids(conn: Connection) -> list[str]:
    return [r.id for r in conn.execute(select(companies.c.id).order_by(companies.c.id))]


def persons_by_name(conn: Connection, company_id: str,
                    digests: Iterable[bytes]) -> dict[bytes, list[str]]:
    out: dict[bytes, list[str]] = defaultdict(list)
    for r in _run(conn, _NAMES, set(digests), company=company_id):
        out[bytes(r.digest)].append(r.person_id)
    return out


_ROOM_KEYS: dict[tuple[str, str | None, str], tuple[str, str]] = {}


def _keys_of(r) -> tuple[str, str]:
    """Canonical keys of a stored room, memoised: the same few thousand rooms recur."""
    parts = (r.building, r.unit, r.number)
    keys = _ROOM_KEYS.get(parts)
    if keys is None:
        if len(_ROOM_KEYS) > 200_000:
            _ROOM_KEYS.clear()
        key = room_key(*parts)
        keys = _ROOM_KEYS[parts] = (key, unitless(key))
    return keys


def room_keys_by_person(conn: Connection, person_ids: Iterable[str]) -> dict[str, set[str]]:
    """Each person's rooms as canonical keys, with and without the unit."""
    out: dict[str, set[str]] = defaultdict(set)
    for r in _run(conn, _HOMES_BY_PERSON, set(person_ids)):
        out[r.person_id].update(_keys_of(r))
    return out


def residents_by_room_key(conn: Connection, company_id: str,
                          keys: Iterable[str]) -> dict[str, set[str]]:
    """Room key → persons living there, for the rooms of ``keys`` (rows with a room, no name)."""
    keys = set(keys)
    numbers = {k.rsplit("|", 1)[1] for k in keys}
    out: dict[str, set[str]] = defaultdict(set)
    for r in _run(conn, _RESIDENTS_BY_NUMBER, numbers, company=company_id):
        for key in _keys_of(r):
            if key in keys:
                out[key].add(r.person_id)
    return out


def share_meta(conn: Connection, share_ids: Iterable[str]) -> dict[str, Any]:
    return {r.id: r for r in _run(conn, _SHARES, set(share_ids))}


def all_share_fields(conn: Connection) -> list[tuple[str, frozenset[str]]]:
    """(company, fields) of every recorded share: how common a field set is (the field-subset
    evidence is only as strong as the set is rare)."""
    return [(r.company_id, split_fields(r.fields))
            for r in conn.execute(select(shares.c.company_id, shares.c.fields))]


def populations(conn: Connection) -> tuple[dict[str, int], dict[str, int]]:
    """Persons per community (through residencies) and per company: what a share is a part of."""
    by_community = {r.community_id: r.n for r in conn.execute(
        select(residencies.c.community_id,
               func.count(func.distinct(residencies.c.person_id)).label("n"))
        .group_by(residencies.c.community_id))}
    by_company = {r.company_id: r.n for r in conn.execute(
        select(persons.c.company_id, func.count().label("n")).group_by(persons.c.company_id))}
    return by_community, by_company


def split_fields(csv_text: str | None) -> frozenset[str]:
    return frozenset(f.strip() for f in (csv_text or "").split(",") if f.strip())
