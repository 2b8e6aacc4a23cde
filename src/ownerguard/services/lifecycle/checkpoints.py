"""Audit checkpoints as use cases: the signing key, creating, storing and listing checkpoints,
the periodic hook for the scheduler, and the audit-log export the committee verifies offline.

The Ed25519 key is a system secret (``system_keys``, wrapped by the master key): the sysadmin
never holds it in clear, and it survives backups and restores like every other secret. The
committee records the public key (or its fingerprint) once; a checkpoint signed by any other
key is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import event, exists, select, text

from ownerguard.errors import Conflict, Invalid
from ownerguard.store.tables import audit_heads, audit_log, system_keys
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault import checkpoint as cpv
from ownerguard.vault.audit import COLUMNS, AuditEvent, now_iso
from ownerguard.vault.audit_verify import verify as verify_chains

SIGNING_SECRET = "checkpoint-signing"
DEPLOYMENT_SECRET = "deployment-id"
EXPORT_FORMAT = "ownerguard-audit-export/1"
# One QR code holds ~2.9 kB at the lowest error correction, and dense codes scan badly from
# paper: above this the QR carries the digest form (same signature, no chain list).
QR_MAX_BYTES = 1200


class CheckpointError(Conflict):
    """The log does not verify: we refuse to sign a checkpoint over it (the command line
    catches it)."""


def signing_key(rt, conn):
    # The 32-byte system secret is the Ed25519 seed: one key per deployment, made on first use.
    return cpv.signing_key_from_seed(rt.keys.system_secret(conn, SIGNING_SECRET))


def deployment_id(rt, conn) -> str:
    # A stable, meaningless id: tells the committee which installation a checkpoint is from.
    seed = rt.keys.system_secret(conn, DEPLOYMENT_SECRET)
    return "og-" + hashlib.sha256(b"ownerguard-deployment|" + seed).hexdigest()[:16]


def identity(rt, conn, *, create: bool = True) -> dict | None:
    """The deployment id and public key; ``None`` when ``create`` is false and there is no key
    yet (so a read-only check never makes one)."""
    if not create and not conn.execute(select(exists().where(
            system_keys.c.name == SIGNING_SECRET))).scalar():
        return None
    pub = cpv.public_key_hex(signing_key(rt, conn))
    return {"deployment": deployment_id(rt, conn), "public_key": pub,
            "fingerprint": cpv.fingerprint(pub)}


def checkpoint_dir(rt) -> Path:
    d = rt.settings.home / "checkpoints"
    d.mkdir(mode=0o700, exist_ok=True)
    os.chmod(d, 0o700)
    return d


def write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(path, 0o600)


def create(rt, uow: UnitOfWork, *, actor: str = "system:checkpoint") -> dict:
    """Sign the current heads. Needs a writing unit of work (the key is made on first use and
    the creation is audited); the copy in ``<home>/checkpoints/`` is written when the caller
    commits, so a rolled-back checkpoint — signed perhaps by a key that was never stored —
    leaves no file behind."""
    conn = uow.conn
    if uow.dialect == "postgresql":
        # Hold off appenders (and other checkpoints) until we commit: in-flight appends finish
        # first, so the heads, the count and created_at describe one moment. SQLite's write
        # lock (BEGIN IMMEDIATE) already does this.
        conn.execute(text("LOCK TABLE audit_heads IN SHARE ROW EXCLUSIVE MODE"))
    key = signing_key(rt, conn)
    deployment = deployment_id(rt, conn)
    result = verify_chains(conn)
    if not result.ok:
        raise CheckpointError("checkpoint_audit_broken", first_bad=str(result.first_bad))
    chains = [{"chain": r.chain, "seq": r.seq, "hash": r.hash}
              for r in conn.execute(select(audit_heads)) if r.seq > 0]
    # Taken after the heads, under the lock: every entry in the checkpoint is stamped at or
    # before created_at and every later one after it — the digest form relies on that.
    created_at = now_iso()
    cp = cpv.sign(key, created_at=created_at, deployment=deployment, chains=chains,
                  entries=result.entries)
    while now_iso() <= created_at:     # our own audit entry must fall after the checkpoint
        pass
    cp_id = checkpoint_id(cp)
    rt.audit.append(conn, "system", "", [AuditEvent(
        actor=actor, role="system", action="checkpoint", work_item=cp_id, outcome="ok")])
    path = checkpoint_dir(rt) / f"checkpoint-{created_at[:19].replace(':', '')}-{cp_id[:8]}.json"
    data = json.dumps(cp, indent=1).encode()
    event.listen(conn, "commit", lambda _conn: write_private(path, data), once=True)
    return cp


def checkpoint_id(cp: dict) -> str:
    return hashlib.sha256(cpv.canonical(cp)).hexdigest()[:16]


def list_checkpoints(rt) -> list[dict]:
    """The copies kept in the home, newest first (summaries; no personal data in any)."""
    out = []
    for p in sorted(checkpoint_dir(rt).glob("checkpoint-*.json"), reverse=True):
        try:
            cp = json.loads(p.read_text())
        except (OSError, ValueError):
            continue
        out.append({"file": str(p), "created_at": cp.get("created_at"),
                    "deployment": cp.get("deployment"), "chains": len(cp.get("chains", [])),
                    "entries": cp.get("entries"), "id": checkpoint_id(cp),
                    "fingerprint": cpv.fingerprint(cp["public_key"])})
    out.sort(key=lambda r: r["created_at"] or "", reverse=True)
    return out


def maybe_create(rt, uow: UnitOfWork, every: timedelta = timedelta(days=1)) -> dict | None:
    """The scheduler's hook: sign a checkpoint when the newest in ``<home>/checkpoints/`` is
    older than ``every`` (or there is none). Returns the checkpoint or ``None``; the caller
    commits (the file appears on commit)."""
    latest = list_checkpoints(rt)
    if latest and latest[0]["created_at"]:
        last = datetime.fromisoformat(latest[0]["created_at"])
        if datetime.fromisoformat(now_iso()) - last < every:
            return None
    return create(rt, uow)


def qr_payload(cp: dict) -> tuple[str, str]:
    """The compact JSON if it fits one QR code comfortably, else the digest form."""
    full = cpv.canonical(cp).decode()
    if len(full) <= QR_MAX_BYTES:
        return full, "full"
    return cpv.canonical(cpv.digest_form(cp)).decode(), "digest"


def write_qr(cp: dict, path: Path) -> str:
    import segno

    payload, form = qr_payload(cp)
    qr = segno.make(payload, error="m" if len(payload) < 800 else "l", micro=False)
    kind = path.suffix.lower().lstrip(".")
    if kind not in ("png", "svg"):
        raise Invalid("qr_suffix")
    qr.save(str(path), kind=kind, scale=4, border=4)
    os.chmod(path, 0o600)
    return form


def export_log(rt, uow: UnitOfWork, out: Path, *, chains: list[str] | None = None,
               actor: str = "system") -> dict:
    """Write the audit log as JSON lines for the standalone verifier: a header line
    (format, deployment, heads), then one line per entry with every hashed column, the links
    and the hash. Entries hold pseudonymous ids, staff account names and client addresses —
    the file is 0600 and the export itself is audited."""
    conn = uow.conn
    ident = identity(rt, conn)
    assert ident is not None           # made on first use
    heads = [{"chain": r.chain, "seq": r.seq, "hash": r.hash}
             for r in conn.execute(select(audit_heads).order_by(audit_heads.c.chain))
             if chains is None or r.chain in chains]
    header = {"format": EXPORT_FORMAT, "exported_at": now_iso(),
              "deployment": ident["deployment"], "public_key": ident["public_key"],
              "chains": chains, "heads": heads}
    q = select(*(audit_log.c[c] for c in COLUMNS + ("prev_hash", "hash"))) \
        .order_by(audit_log.c.chain, audit_log.c.seq)
    if chains is not None:
        q = q.where(audit_log.c.chain.in_(chains))
    n = 0
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(json.dumps(header, ensure_ascii=False) + "\n")
        # On the statement, not the connection: a streaming cursor must not outlive it.
        for row in conn.execute(q.execution_options(yield_per=5000)):
            f.write(json.dumps(dict(row._mapping), ensure_ascii=False) + "\n")
            n += 1
    os.chmod(out, 0o600)
    rt.audit.append(conn, "system", "", [AuditEvent(
        actor=actor, role="operator", action="audit_export", outcome="ok",
        reason=f"entries={n}")])
    return {"file": str(out), "entries": n, "chains": len(heads)}
