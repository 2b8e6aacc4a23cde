"""``ownerguard bench``: throughput of the foundation, each figure beside a baseline from the
same run (the machine is noisy; ratios travel, absolute numbers do not).

Works in a throw-away home under a temporary directory, on synthetic residents only
(``services.demo_data``); the CSV it imports is fictitious and deleted afterwards.
"""

from __future__ import annotations

import json
import os
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ownerguard.adapters.sheets import read_sheet
from ownerguard.config import Settings
from ownerguard.services.home import migrate_database
from ownerguard.services.registry.communities import get_or_create_community, get_or_create_company
from ownerguard.services.registry.demo_data import generate_csv
from ownerguard.services.registry.importer import Importer
from ownerguard.services.runtime import Runtime, open_runtime
from ownerguard.vault.audit import AuditEvent
from ownerguard.vault.audit_verify import verify
from ownerguard.vault.keys import KeyFile
from ownerguard.vault.policy import ALL_COMMUNITIES, AccessContext

ROWS_PER_ROOM = 2.2   # what generate_rows yields on average (owners, family, tenants)


def _database_url(home: Path, name: str) -> str:
    """SQLite in the throw-away home, or — with ``OWNERGUARD_BENCH_DATABASE_URL`` — a fresh
    schema on that PostgreSQL server (dropped again by ``_drop_schemas``)."""
    pg = os.environ.get("OWNERGUARD_BENCH_DATABASE_URL")
    if not pg:
        return f"sqlite:///{home / 'ownerguard.db'}"
    from sqlalchemy import create_engine, text

    schema = f"og_bench_{name}_{os.getpid()}"
    admin = create_engine(pg)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    admin.dispose()
    _SCHEMAS.append(schema)
    return f"{pg}{'&' if '?' in pg else '?'}options=-csearch_path%3D{schema}"


_SCHEMAS: list[str] = []


def _drop_schemas() -> None:
    if not _SCHEMAS:
        return
    from sqlalchemy import create_engine, text

    admin = create_engine(os.environ["OWNERGUARD_BENCH_DATABASE_URL"])
    with admin.begin() as conn:
        for schema in _SCHEMAS:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    admin.dispose()
    _SCHEMAS.clear()


def _runtime(root: Path, name: str) -> Runtime:
    home = root / name
    home.mkdir()
    KeyFile(home / "master.key").create()
    settings = Settings(home=home, database_url=_database_url(home, name))
    migrate_database(settings)
    return open_runtime(settings=settings)


def _import(rt: Runtime, csv_path: Path, secure: bool) -> tuple[float, int, str, str]:
    """Seconds for read + validate + store, the row count, company and community ids."""
    t0 = time.perf_counter()
    sheet = read_sheet(csv_path)
    with rt.uow() as uow:
        comp = get_or_create_company(uow, rt.keys, "基准物业")
        comm = get_or_create_community(uow, comp, "基准小区")
        Importer(rt, secure=secure).run(uow, comp, comm, sheet.rows, actor="bench")
        uow.commit()
    return time.perf_counter() - t0, len(sheet.rows), comp.id, comm.id


def _reveals(rt: Runtime, company_id: str, seconds: float = 2.0) -> float:
    from sqlalchemy import select

    from ownerguard.store.tables import persons

    with rt.uow(read_only=True) as uow:
        ids = [r.id for r in uow.conn.execute(select(persons.c.id).limit(5000))]
    ctx = AccessContext(actor="bench", role="operator", company_id=company_id,
                        purpose="record_keeping", scope=ALL_COMMUNITIES, certified=True)
    done = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        with rt.uow() as uow:
            rt.gate.read(uow, ctx, [ids[done % len(ids)]], ("phone",), reveal=("phone",))
            uow.commit()
        done += 1
    return done / (time.perf_counter() - t0)


def _grow_audit(rt: Runtime, entries: int) -> None:
    event = AuditEvent(actor="bench", role="operator", action="read", subject="x" * 36,
                       fields=("name", "phone"), purpose="billing", outcome="masked",
                       reason="masked_by_default", client="127.0.0.1")
    with rt.uow() as uow:
        for start in range(0, entries, 10_000):
            rt.audit.append(uow.conn, f"bench-chain-{start // 100_000}", "co",
                            [event] * min(10_000, entries - start))
        uow.commit()


def _verify_rate(rt: Runtime) -> tuple[float, int]:
    with rt.uow(read_only=True) as uow:
        t0 = time.perf_counter()
        result = verify(uow.conn)
        elapsed = time.perf_counter() - t0
    assert result.ok, str(result.first_bad)
    return result.entries / elapsed, result.entries


def _policy_us(rt: Runtime, n: int = 200_000) -> float:
    ctx = AccessContext(actor="bench", role="operator", company_id="co",
                        purpose="billing", scope=ALL_COMMUNITIES, certified=True)
    decide = rt.policy.decide
    t0 = time.perf_counter()
    for _ in range(n):
        decide(ctx, "phone", reveal=True)
    return (time.perf_counter() - t0) / n * 1e6


def _dict_lookup_us(n: int = 200_000) -> float:
    """Baseline for the policy figure: the cheapest decision imaginable, one dict lookup."""
    table = {("operator", "billing", "phone"): 1}
    t0 = time.perf_counter()
    for _ in range(n):
        table.get(("operator", "billing", "phone"))
    return (time.perf_counter() - t0) / n * 1e6


def _http(rt: Runtime, company_id: str, community_id: str, seconds: float) -> dict:
    """Sign a certified steward in and load the HTTP endpoints (see ``bench_http``)."""
    import pyotp
    from sqlalchemy import select

    from ownerguard.services.staff_access import accounts as staff_svc
    from ownerguard.services.staff_access import auth
    from ownerguard.store.tables import persons
    from ownerguard_bench import http as bench_http

    url = rt.settings.database_url
    (rt.settings.home / "settings.toml").write_text(
        (f"database_url = {json.dumps(url)}\n" if not url.startswith("sqlite") else "")
        + "[quotas]\nsteward = [100000000, 100000000]\n", encoding="utf-8")
    with rt.uow() as uow:
        staff_svc.add_staff(rt, uow, company_id=company_id, username="bench_steward",
                            role="steward", scope=[(community_id, None)],
                            password="bench-Password-1", actor="bench")
        who = staff_svc.get(uow, username="bench_steward")
        staff_svc.record_training(rt, uow, who, method="offline", actor="bench")
        staff_svc.record_nda(rt, uow, who, method="paper", actor="bench")
        code = pyotp.TOTP(staff_svc.totp_secret(rt, uow, who)).now()
        session = auth.login(rt, uow, "bench_steward", "bench-Password-1", code,
                             client="bench", kind="api")
        person = uow.conn.execute(select(persons.c.id).limit(1)).scalar_one()
        uow.commit()
    return bench_http.run(rt.settings.home, session.token, person, seconds)


def _detection(seconds: float = 3.0) -> dict:
    """The PII detector: precision/recall/F1 per type on the labelled sets, and speed against
    Presidio configured with the same recognizers (when presidio-analyzer is installed:
    ``pip install -e '.[bench]'``)."""
    from ownerguard.detect import evaluate
    from ownerguard.detect.evaluate import DEFAULT_EVAL, load
    from ownerguard_bench.detect import benchmark, chunks

    if not DEFAULT_EVAL.exists():
        return {"detect": "bench/eval/pii_eval.jsonl not found (run from a source checkout)"}
    texts = [r["text"] for r in load(DEFAULT_EVAL)]
    out: dict = {"detect_eval": evaluate(DEFAULT_EVAL)}
    heldout = DEFAULT_EVAL.with_name("heldout.jsonl")
    if heldout.exists():
        out["detect_heldout_micro"] = evaluate(heldout)["micro"]
    try:
        out["detect_speed"] = benchmark(chunks(texts, 100), seconds=seconds)
    except Exception as exc:        # presidio missing or needing a model: say so, no numbers
        from ownerguard.detect import find
        from ownerguard_bench.detect import texts_per_second

        out["detect_speed"] = {"texts_per_s": round(texts_per_second(find, chunks(texts, 100),
                                                                     seconds)),
                               "presidio": f"unavailable: {exc}"}
    return out


def run_bench(rows: int = 20_000, log: Callable[[str], None] | None = None,
              http_seconds: float = 5.0, leak_packages: int = 1000) -> dict:
    say = log or (lambda _msg: None)
    with tempfile.TemporaryDirectory(prefix="ownerguard-bench-") as tmp:
        root = Path(tmp)
        os.chmod(root, 0o700)
        csv_path = root / "synthetic.csv"
        generate_csv(csv_path, max(1, int(rows / ROWS_PER_ROOM)), seed=1)
        say(f"导入 import: {csv_path.stat().st_size // 1024} KiB synthetic CSV")
        plain_rt, secure_rt = _runtime(root, "plain"), _runtime(root, "secure")
        try:
            plain_s, n_rows, _, _ = _import(plain_rt, csv_path, secure=False)
            secure_s, _, company_id, community_id = _import(secure_rt, csv_path, secure=True)
            say("明文查看 reveals …")
            reveal_rate = _reveals(secure_rt, company_id)
            http = {}
            if http_seconds > 0:
                say("HTTP 压测 HTTP load (2 workers, 32 clients) …")
                http = _http(secure_rt, company_id, community_id, http_seconds)
            _grow_audit(secure_rt, 300_000)
            say("校验审计链 audit verify …")
            verify_rate, entries = _verify_rate(secure_rt)
            policy_us = _policy_us(secure_rt)
            lookup_us = _dict_lookup_us()
            say("个人信息识别 PII detection …")
            detection = _detection()
            leak = {}
            if leak_packages > 0:
                from ownerguard_bench import tracing as leak_bench

                say(f"泄露溯源 leak tracing ({leak_packages} packages, 10,000-row leak) …")
                leak_rt = _runtime(root, "leak")
                try:
                    leak = {"leak_trace": leak_bench.run(leak_rt, packages=leak_packages)}
                finally:
                    leak_rt.close()
        finally:
            plain_rt.close()
            secure_rt.close()
            _drop_schemas()
        csv_path.unlink()
    return {
        "database": "postgresql" if os.environ.get("OWNERGUARD_BENCH_DATABASE_URL")
        else "sqlite",
        "rows": n_rows,
        "import_rows_per_s": round(n_rows / secure_s),
        "import_plain_rows_per_s": round(n_rows / plain_s),
        "import_overhead_ratio": round(secure_s / plain_s, 2),
        "reveal_per_s": round(reveal_rate),
        "audit_verify_per_s": round(verify_rate),
        "audit_entries_verified": entries,
        "policy_decision_us": round(policy_us, 3),
        "policy_vs_dict_lookup_ratio": round(policy_us / lookup_us, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        **http,
        **detection,
        **leak,
        "goals": {"import_rows_per_s": 30_000, "import_overhead_ratio_max": 2.5,
                  "reveal_per_s": 5_000, "audit_verify_per_s": 700_000,
                  "policy_decision_us_max": 10, "http_req_per_s": 1000, "http_p99_ms_max": 50,
                  "http_vs_baseline_max": 1.3, "detect_texts_per_s": 20_000,
                  "detect_speedup_vs_presidio": 15, "detect_f1_structured": 0.95,
                  "detect_f1_names_addresses": 0.85, "leak_trace_seconds_max": 1.0},
    }
