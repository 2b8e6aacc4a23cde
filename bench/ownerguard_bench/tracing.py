"""Benchmark: a 10,000-row leaked sheet against 1,000 recorded share packages.

``run(rt, packages=1000, rows=10000)`` records ``packages`` shares of one community in ``rt``'s
database (bulk inserts straight into the tables: synthetic person ids with name digests and
residencies, no encrypted values — tracing never reads them), renders one package of ``rows``
members as the partner received it, and times, from the CSV bytes, ``read_leak`` + ``extract``
(the baseline: the least any tracer must do) and ``read_leak`` + ``extract`` + ``trace``.
A second case shuffles the rows and drops the phone column (names and rooms only).

``python -m ownerguard_bench.tracing [--packages N] [--rows N]`` runs it in a throw-away home.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from ownerguard.detect.namedata import GIVEN_CHARS, SURNAMES
from ownerguard.services.sharing.tracing.attribute import trace
from ownerguard.services.sharing.tracing.canaries import make_canaries
from ownerguard.services.sharing.tracing.leaked import extract, read_leak
from ownerguard.services.sharing.tracing.variants import render, row_order, variant_of
from ownerguard.store.bulk import bulk_insert
from ownerguard.store.tables import (
    agreements,
    blind_index,
    buildings,
    partners,
    persons,
    residencies,
    rooms,
    share_canaries,
    share_members,
    shares,
    units,
)
from ownerguard.vault.blind import normalise

GOAL_SECONDS = 1.0
CANARIES_PER_PACKAGE = 3
_UNITS, _FLOORS, _DOORS = 2, 18, 4


def _uid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _names(rng: random.Random, n: int) -> list[str]:
    surnames, given = sorted(SURNAMES), sorted(GIVEN_CHARS)
    return [rng.choice(surnames) + "".join(rng.choice(given) for _ in range(rng.choice((1, 2, 2))))
            for _ in range(n)]


def _community(conn, rt, rng, population: int) -> tuple[str, str, dict[str, tuple[str, str]]]:
    """Company, community and ``population`` residents: person id → (name, room label)."""
    from ownerguard.services.registry.communities import (
        get_or_create_community,
        get_or_create_company,
    )

    company = get_or_create_company(_Uow(conn), rt.keys, f"溯源基准物业-{rng.getrandbits(32):08x}")
    community = get_or_create_community(_Uow(conn), company, "溯源基准小区")
    indexer = rt.keys.indexer(conn, company.id)
    per_building = _UNITS * _FLOORS * _DOORS
    n_buildings = math.ceil(population / 2 / per_building)
    b_rows, u_rows, r_rows, labels = [], [], [], []
    for b in range(1, n_buildings + 1):
        bid = _uid(rng)
        b_rows.append({"id": bid, "community_id": community.id, "name": f"{b}栋"})
        for u in range(1, _UNITS + 1):
            uid = _uid(rng)
            u_rows.append({"id": uid, "community_id": community.id, "building_id": bid,
                           "name": f"{u}单元"})
            for f in range(1, _FLOORS + 1):
                for d in range(1, _DOORS + 1):
                    number = f"{f}{d:02d}"
                    rid = _uid(rng)
                    r_rows.append({"id": rid, "community_id": community.id, "building_id": bid,
                                   "unit_id": uid, "number": number, "floor": f,
                                   "room_key": f"{b}栋\x1f{u}单元\x1f{number}"})
                    labels.append((rid, f"{b}栋{u}单元{number}"))
    now = datetime.now(UTC)
    people: dict[str, tuple[str, str]] = {}
    p_rows, i_rows, res_rows = [], [], []
    for name in _names(rng, population):
        pid = _uid(rng)
        rid, label = labels[rng.randrange(len(labels))]
        people[pid] = (name, label)
        p_rows.append({"id": pid, "company_id": company.id, "key_version": 1, "is_minor": False,
                       "id_legacy15": False, "state": "active", "created_at": now})
        i_rows.append({"company_id": company.id, "person_id": pid, "kind": "name",
                       "digest": indexer.digest("name", name)})
        res_rows.append({"id": _uid(rng), "person_id": pid, "room_id": rid,
                         "community_id": community.id, "role": "owner"})
    for table, data in ((buildings, b_rows), (units, u_rows), (rooms, r_rows),
                        (persons, p_rows), (blind_index, i_rows), (residencies, res_rows)):
        bulk_insert(conn, table, data)
    return company.id, community.id, people


class _Uow:
    """The registry helpers take a unit of work; here we already hold its connection."""

    def __init__(self, conn):
        self.conn = conn


def _record(conn, rt, rng, company_id: str, community_id: str, people, packages: int,
            rows: int) -> tuple[str, list[list[str]], int]:
    """``packages`` shares; the one at a random position has ``rows`` members and is returned
    rendered (header + rows) as the partner received it."""
    now = datetime.now(UTC)
    indexer = rt.keys.indexer(conn, company_id)
    pids = list(people)
    n_partners = max(1, packages // 10)
    partner_rows, agreement_rows = [], []
    for i in range(n_partners):
        pid, aid = _uid(rng), _uid(rng)
        partner_rows.append({"id": pid, "company_id": company_id, "name": f"合作方{i:04d}",
                             "kind": "courier", "relationship": "provision", "status": "active",
                             "created_at": now, "created_by": "bench"})
        agreement_rows.append({
            "id": aid, "company_id": company_id, "partner_id": pid, "purposes": "delivery",
            "fields": "name,phone,rooms", "retention_days": 90, "deletion_duty": "删除",
            "sub_entrusting": False, "signed_on": date.today() - timedelta(days=30),
            "expires_on": date.today() + timedelta(days=300),
            "document_sha256": hashlib.sha256(pid.encode()).hexdigest(),
            "created_at": now, "created_by": "bench"})
    bulk_insert(conn, partners, partner_rows)
    bulk_insert(conn, agreements, agreement_rows)

    target = rng.randrange(packages)
    sizes = [rows if i == target else
             min(len(pids), int(math.exp(rng.uniform(math.log(20), math.log(3000)))))
             for i in range(packages)]
    total = sum(sizes) + packages * CANARIES_PER_PACKAGE
    aliases = iter(rng.sample(range(10**8), total))
    taken = {label for _name, label in people.values()}
    building_names = sorted({label.split("栋")[0] + "栋" for label in taken})
    share_rows, member_rows, canary_rows = [], [], []
    leak: list[list[str]] = [["姓名", "手机号", "房号"]]
    target_id = ""
    for i, size in enumerate(sizes):
        sid, k = _uid(rng), i % n_partners
        share_rows.append({
            "id": sid, "number": f"SH-BENCH-{i:05d}", "company_id": company_id,
            "community_id": community_id, "partner_id": partner_rows[k]["id"],
            "agreement_id": agreement_rows[k]["id"], "purpose": "delivery",
            "fields": "name,phone,rooms", "clear_fields": "name,phone,rooms", "status": "approved",
            "requested_by": "bench", "requested_at": now, "expires_at": now + timedelta(days=30),
            "persons_count": size, "canaries_count": CANARIES_PER_PACKAGE, "downloads": 0})
        members = rng.sample(pids, size)
        if i != target:   # only the leaked package needs a real fingerprint; the rest are noise
            for row_no, pid in enumerate(members, start=1):
                member_rows.append({"share_id": sid, "person_id": pid, "row_no": row_no,
                                    "alias": f"171{next(aliases):08d}",
                                    "variant": rng.randrange(12)})
            for c in range(CANARIES_PER_PACKAGE):
                canary_rows.append({"id": _uid(rng), "share_id": sid, "row_no": size + c + 1,
                                    "alias": f"171{next(aliases):08d}",
                                    "name_digest": f"{rng.getrandbits(128):032x}",
                                    "values_ct": b"bench"})
            continue
        target_id = sid
        seed = hashlib.sha256(sid.encode()).digest()
        canaries = make_canaries(seed, CANARIES_PER_PACKAGE, buildings=building_names,
                                 taken_rooms=taken)
        for row_no, idx in enumerate(row_order(seed, size + len(canaries)), start=1):
            alias = f"171{next(aliases):08d}"
            if idx < size:
                pid = members[idx]
                name, label = people[pid]
                variant = variant_of(seed, pid)
                member_rows.append({"share_id": sid, "person_id": pid, "row_no": row_no,
                                    "alias": alias, "variant": variant})
            else:
                c = canaries[idx - size]
                name, label, variant = c.name, c.room_label, 0
                canary_rows.append({
                    "id": _uid(rng), "share_id": sid, "row_no": row_no, "alias": alias,
                    "name_digest": indexer.digest("canary_name", normalise("name", name)).hex(),
                    "values_ct": b"bench"})
            leak.append([name, render("phone", alias, variant), render("rooms", label, variant)])
    bulk_insert(conn, shares, share_rows)
    bulk_insert(conn, share_members, member_rows)
    bulk_insert(conn, share_canaries, canary_rows)
    return target_id, leak, len(member_rows)


def _csv(rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(r) for r in rows).encode()


def _time(fn, repeat: int = 3) -> tuple[list[float], list[float], object]:
    """Wall and CPU seconds of each run. CPU time is reported too because on a shared, loaded
    machine wall time mostly measures waiting for a core (all the work here is in-process)."""
    times, cpu, result = [], [], None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return times, cpu, result


def _case(rt, data: bytes, target_id: str) -> dict:
    base, base_cpu, _ = _time(lambda: extract(read_leak(data, "leak.csv")))

    def end_to_end():
        with rt.uow(read_only=True) as uow:
            return trace(uow.conn, rt.keys, extract(read_leak(data, "leak.csv")), limit=5)

    times, cpu, suspects = _time(end_to_end)
    top = suspects[0] if suspects else None
    median = statistics.median
    return {
        "trace_s": round(median(times), 3),
        "trace_cold_s": round(times[0], 3),
        "trace_cpu_s": round(median(cpu), 3),
        "read_extract_s": round(median(base), 3),
        "read_extract_cpu_s": round(median(base_cpu), 3),
        "trace_vs_read_ratio": round(median(times) / median(base), 2),
        "trace_vs_read_cpu_ratio": round(median(cpu) / median(base_cpu), 2),
        "top_correct": bool(top and top.share_id == target_id),
        "top_score": top.score if top else 0.0,
        "runner_up_score": suspects[1].score if len(suspects) > 1 else 0.0,
        "evidence": [(e["kind"], e["weight"]) for e in top.evidence] if top else [],
    }


def run(rt, *, packages: int = 1000, rows: int = 10_000, seed: int = 1,
        population: int | None = None) -> dict:
    """Build the packages in ``rt``'s database and time tracing a ``rows``-row leak of one.
    The community has ``population`` residents (default: 20,000, or twice ``rows``)."""
    rng = random.Random(seed)
    population = population or max(2 * rows, 20_000)
    t0 = time.perf_counter()
    with rt.uow() as uow:
        company_id, community_id, people = _community(uow.conn, rt, rng, population)
        target_id, leak, members = _record(uow.conn, rt, rng, company_id, community_id, people,
                                           packages, rows)
        uow.commit()
    build_s = time.perf_counter() - t0
    body = leak[1:]
    random.Random(seed + 1).shuffle(body)
    whole = _case(rt, _csv(leak), target_id)
    no_phone = _case(rt, _csv([[r[0], r[2]] for r in [leak[0]] + body]), target_id)
    return {
        "database": rt.engine.dialect.name,
        "packages": packages,
        "package_members": members,
        "population": population,
        "leak_rows": rows,
        "build_s": round(build_s, 1),
        **whole,
        "shuffled_no_phone": no_phone,
        "goal": {"trace_s_max": GOAL_SECONDS, "top_correct": True},
    }


def run_standalone(packages: int = 1000, rows: int = 10_000) -> dict:
    """``run`` in a throw-away home (SQLite), for the command line."""
    from ownerguard.config import Settings
    from ownerguard.services.home import migrate_database
    from ownerguard.services.runtime import open_runtime
    from ownerguard.vault.keys import KeyFile

    with tempfile.TemporaryDirectory(prefix="ownerguard-leak-bench-") as tmp:
        home = Path(tmp)
        KeyFile(home / "master.key").create()
        settings = Settings(home=home, database_url=f"sqlite:///{home / 'ownerguard.db'}")
        migrate_database(settings)
        rt = open_runtime(settings=settings)
        try:
            return run(rt, packages=packages, rows=rows)
        finally:
            rt.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="leak tracing benchmark")
    parser.add_argument("--packages", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args(argv)
    print(json.dumps(run_standalone(args.packages, args.rows), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
