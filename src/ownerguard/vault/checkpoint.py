"""Signed audit checkpoints: the chain heads at one moment, signed with the deployment's Ed25519
key, kept *outside* the system by the owners' committee (业委会).

A hash chain only proves an entry was not changed *unless* someone rewrites everything after it
and the head too — anyone with database access can. A checkpoint the committee holds pins each
chain's hash at a seq; the log can only still match it if nothing up to that seq changed.

Checkpoint JSON (``ownerguard-checkpoint/1``)::

    {"format", "created_at", "deployment", "chains": [{"chain", "seq", "hash"}, …],
     "entries", "heads_sha256", "public_key", "signature"}

``heads_sha256`` is SHA-256 over the canonical JSON of ``chains`` (sorted by chain), and the
Ed25519 signature is over the canonical JSON (sorted keys, no whitespace, ASCII) of every other
field except ``signature``. Binding the heads through their digest is what lets the *digest
form* — the same JSON without ``chains``, small enough for one QR code however many
communities there are — carry a signature that checks on its own.

This module is the in-app side; ``tools/verify_checkpoint.py`` mirrors it without importing
OwnerGuard (a test keeps the two in agreement).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import Connection, func, select

from ownerguard.store.tables import audit_heads, audit_log
from ownerguard.vault.audit import genesis_hash
from ownerguard.vault.audit_verify import VerifyResult
from ownerguard.vault.audit_verify import verify as verify_chains

FORMAT = "ownerguard-checkpoint/1"
_SIGNED = ("format", "created_at", "deployment", "entries", "heads_sha256", "public_key")


def signing_key_from_seed(seed: bytes) -> Ed25519PrivateKey:
    """The deployment's signing key: its 32-byte system secret is the Ed25519 seed."""
    return Ed25519PrivateKey.from_private_bytes(seed)


def canonical(obj: object) -> bytes:
    """Sorted keys, no whitespace, ASCII only: one byte string per value, in any language."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def heads_digest(chains: list[dict]) -> str:
    ordered = sorted(({"chain": c["chain"], "seq": c["seq"], "hash": c["hash"]} for c in chains),
                     key=lambda c: c["chain"])
    return hashlib.sha256(canonical(ordered)).hexdigest()


def public_key_hex(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return pub.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def fingerprint(public_hex: str) -> str:
    """96 bits of SHA-256 of the raw key, in groups of four: short enough to read aloud and
    write in the committee's minutes, long enough that no one can make a key to match it."""
    d = hashlib.sha256(bytes.fromhex(public_hex)).hexdigest()[:24]
    return "-".join(d[i:i + 4] for i in range(0, 24, 4))


def sign(key: Ed25519PrivateKey, *, created_at: str, deployment: str, chains: list[dict],
         entries: int) -> dict:
    chains = sorted(({"chain": c["chain"], "seq": int(c["seq"]), "hash": c["hash"]}
                     for c in chains), key=lambda c: c["chain"])
    cp = {"format": FORMAT, "created_at": created_at, "deployment": deployment,
          "chains": chains, "entries": int(entries), "heads_sha256": heads_digest(chains),
          "public_key": public_key_hex(key)}
    cp["signature"] = key.sign(canonical({k: cp[k] for k in _SIGNED})).hex()
    return cp


def digest_form(cp: dict) -> dict:
    return {k: v for k, v in cp.items() if k != "chains"}


@dataclass
class CheckpointProblem:
    chain: str          # "" when the checkpoint itself is at fault
    seq: int | None
    kind: str           # forged | rewritten | truncated | broken
    what: str

    def __str__(self) -> str:
        where = f"chain {self.chain} seq {self.seq}" if self.chain else "checkpoint"
        return f"{where}: {self.what}"

    def as_dict(self) -> dict:
        return {"chain": self.chain, "seq": self.seq, "kind": self.kind, "problem": self.what}


@dataclass
class CheckpointReport:
    form: str = "full"              # full | digest
    created_at: str = ""
    deployment: str = ""
    fingerprint: str = ""
    chains: int = 0
    entries_at_checkpoint: int = 0
    audit: VerifyResult | None = None
    problems: list[CheckpointProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {"ok": self.ok, "form": self.form, "created_at": self.created_at,
                "deployment": self.deployment, "fingerprint": self.fingerprint,
                "chains": self.chains, "entries_at_checkpoint": self.entries_at_checkpoint,
                "entries_now": self.audit.entries if self.audit else None,
                "problems": [p.as_dict() for p in self.problems]}


def check_signature(cp: dict, trusted_public_hex: str | None, deployment: str | None,
                    report: CheckpointReport) -> None:
    """Structure, signature, heads digest, and — unless ``None`` — the key and deployment we
    trust. Adds ``forged`` problems to ``report``."""
    def forged(what: str) -> None:
        report.problems.append(CheckpointProblem("", None, "forged", what))

    if not isinstance(cp, dict) or cp.get("format") != FORMAT:
        return forged(f"not an {FORMAT} document")
    missing = [k for k in _SIGNED + ("signature",) if k not in cp]
    if missing:
        return forged(f"fields missing: {', '.join(missing)}")
    report.form = "full" if "chains" in cp else "digest"
    report.created_at, report.deployment = str(cp["created_at"]), str(cp["deployment"])
    report.entries_at_checkpoint = cp["entries"] if isinstance(cp["entries"], int) else 0
    try:
        pub = Ed25519PublicKey.from_public_bytes(bytes.fromhex(cp["public_key"]))
        report.fingerprint = fingerprint(cp["public_key"])
        pub.verify(bytes.fromhex(cp["signature"]), canonical({k: cp[k] for k in _SIGNED}))
    except (ValueError, TypeError, InvalidSignature):
        return forged("signature does not verify: the checkpoint was edited or not signed by "
                      "its key")
    if "chains" in cp:
        try:
            ok = heads_digest(cp["chains"]) == cp["heads_sha256"]
        except (KeyError, TypeError):
            ok = False
        if not ok:
            return forged("chain heads do not match the signed digest: the list was edited")
        report.chains = len(cp["chains"])
    if trusted_public_hex is not None and cp["public_key"] != trusted_public_hex.lower():
        forged(f"signed by key {report.fingerprint}, not this deployment's key "
               f"{fingerprint(trusted_public_hex)}")
    elif deployment is not None and cp["deployment"] != deployment:
        forged(f"made by deployment {cp['deployment']}, this is {deployment}")


def compare_heads(cp_chains: list[dict], hash_at, chain_end) -> list[CheckpointProblem]:
    """For each chain in the checkpoint: the entry at its seq must still have its hash.
    ``hash_at(chain, seq)`` → hash or None; ``chain_end(chain)`` → the chain's last seq now.
    Combined with a full recomputation of the chain (done by the caller), a matching hash at
    ``seq`` proves every entry up to it is the one signed, and that the chain now extends it."""
    problems = []
    for c in sorted(cp_chains, key=lambda c: c["chain"]):
        chain, seq = c["chain"], int(c["seq"])
        now = hash_at(chain, seq) if seq > 0 else genesis_hash(chain)
        end = chain_end(chain)
        if now is None and end < seq:
            problems.append(CheckpointProblem(chain, seq, "truncated", (
                f"the checkpoint has seq {seq} but the chain now ends at seq {end}: "
                "entries were removed")))
        elif now is None:
            problems.append(CheckpointProblem(chain, seq, "truncated",
                                              f"entry seq {seq} is missing"))
        elif now != c["hash"]:
            problems.append(CheckpointProblem(chain, seq, "rewritten", (
                f"entry seq {seq} no longer has the checkpoint's hash: the log up to seq "
                f"{seq} was rewritten after the checkpoint")))
    return problems


def verify_checkpoint(conn: Connection, cp: dict, *, trusted_public_hex: str | None,
                      deployment: str | None) -> CheckpointReport:
    """Check ``cp`` against the live log: signature and key, every chain recomputed from
    genesis (``audit_verify``), and each checkpointed head still in place."""
    report = CheckpointReport()
    check_signature(cp, trusted_public_hex, deployment, report)
    # Recompute the chains whatever the checkpoint says: a broken log is reported either way.
    report.audit = verify_chains(conn, stop_at_first=False)
    report.problems.extend(CheckpointProblem(p.chain, p.seq, "broken", p.what)
                           for p in report.audit.problems)
    if any(p.kind == "forged" for p in report.problems):
        return report
    ends = {r.chain: r.seq for r in conn.execute(select(audit_heads.c.chain, audit_heads.c.seq))}
    # The head row can be edited too; the log's own last seq is the fact.
    last = dict(conn.execute(select(audit_log.c.chain, func.max(audit_log.c.seq))
                             .group_by(audit_log.c.chain)).all())

    def chain_end(chain: str) -> int:
        return min(ends.get(chain, 0), last.get(chain) or 0)

    def hash_at(chain: str, seq: int) -> str | None:
        return conn.execute(select(audit_log.c.hash).where(
            audit_log.c.chain == chain, audit_log.c.seq == seq)).scalar()

    if "chains" in cp:
        report.problems.extend(compare_heads(cp["chains"], hash_at, chain_end))
    else:
        report.problems.extend(_compare_digest(conn, cp, report))
    return report


def _compare_digest(conn: Connection, cp: dict, report: CheckpointReport) -> list:
    """Digest form: rebuild the heads as they were at ``created_at`` (each chain's last entry
    stamped at or before it; creation makes that exact) and compare the digest."""
    q = (select(audit_log.c.chain, func.max(audit_log.c.seq).label("seq"))
         .where(audit_log.c.ts <= cp["created_at"]).group_by(audit_log.c.chain))
    chains = []
    for r in conn.execute(q).all():
        h = conn.execute(select(audit_log.c.hash).where(audit_log.c.chain == r.chain,
                                                        audit_log.c.seq == r.seq)).scalar()
        chains.append({"chain": r.chain, "seq": r.seq, "hash": h})
    report.chains = len(chains)
    if heads_digest(chains) == cp["heads_sha256"]:
        return []
    return [CheckpointProblem("*", None, "rewritten", (
        "the log's heads at the checkpoint's time do not match its digest: a chain was "
        "rewritten or truncated since (verify with the full JSON to name the chain)"))]
