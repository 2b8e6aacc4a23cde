#!/usr/bin/env python3
"""业委会用的审计检查点独立校验工具 / standalone verifier of OwnerGuard audit checkpoints.

One file, Python 3.9+ standard library plus ``cryptography`` (``pip install cryptography``). It
imports nothing from OwnerGuard, so the owners' committee can run it on their own computer,
against the audit-log export the property company hands over.

Usage::

    python3 verify_checkpoint.py --checkpoint 检查点.json --log 审计日志.jsonl \\
        --public-key 3f2a-…-9c01  [--json]

- ``--checkpoint``: a checkpoint JSON the committee kept (``ownerguard checkpoint create``), or
  the text read from its QR code saved to a file (full or digest form: both are accepted).
- ``--log``: the export made by ``ownerguard audit export --out 审计日志.jsonl`` (JSON lines: a
  header line, then one line per audit entry).
- ``--public-key``: the key the committee recorded once (``ownerguard checkpoint public-key``):
  the 64-character hex key or its fingerprint (``xxxx-xxxx-xxxx-xxxx-xxxx-xxxx``). Required: a
  checkpoint that verifies under some other key proves nothing.

What it checks:

1. the checkpoint's Ed25519 signature, that its chain list matches the signed digest, and that
   it was signed by the recorded key;
2. every chain in the export, recomputed from its first entry exactly as OwnerGuard does
   (SHA-256 over the previous hash and the entry's columns joined by U+001F): sequence, links,
   hashes, and the heads in the export's header;
3. for every chain in the checkpoint, that the entry at the checkpoint's seq still carries the
   checkpoint's hash — so nothing up to it was changed, removed or rewritten — and that the
   chain now extends it.

Exit status: 0 all good; 1 a problem (printed with the chain and seq where it breaks:
rewritten, truncated, broken, or the checkpoint forged); 2 the files could not be read.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FORMAT = "ownerguard-checkpoint/1"
EXPORT_FORMAT = "ownerguard-audit-export/1"
SIGNED = ("format", "created_at", "deployment", "entries", "heads_sha256", "public_key")
# Mirrors ownerguard/vault/audit.py: the hashed columns, in order, and the separator.
COLUMNS = ("chain", "seq", "ts", "company_id", "actor", "role", "action", "subject", "fields",
           "purpose", "work_item", "outcome", "reason", "client")
SEP = "\x1f"
GENESIS_PREFIX = "ownerguard-audit-genesis|"


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def heads_digest(chains):
    ordered = sorted(({"chain": c["chain"], "seq": c["seq"], "hash": c["hash"]} for c in chains),
                     key=lambda c: c["chain"])
    return hashlib.sha256(canonical(ordered)).hexdigest()


def fingerprint(public_hex):
    d = hashlib.sha256(bytes.fromhex(public_hex)).hexdigest()[:24]
    return "-".join(d[i:i + 4] for i in range(0, 24, 4))


def genesis_hash(chain):
    return hashlib.sha256((GENESIS_PREFIX + chain).encode()).hexdigest()


def entry_hash(prev_hash, entry):
    # seq is written in decimal, every other column as the text stored.
    body = SEP.join([prev_hash] + [str(entry[c]) for c in COLUMNS])
    return hashlib.sha256(body.encode()).hexdigest()


def problem(chain, seq, kind, what):
    return {"chain": chain, "seq": seq, "kind": kind, "problem": what}


def check_signature(cp, trusted):
    """Problems with the checkpoint itself (``trusted``: hex key or fingerprint)."""
    def forged(what):
        return [problem("", None, "forged", what)]

    if not isinstance(cp, dict) or cp.get("format") != FORMAT:
        return forged("not an %s document" % FORMAT)
    missing = [k for k in SIGNED + ("signature",) if k not in cp]
    if missing:
        return forged("fields missing: " + ", ".join(missing))
    try:
        pub = Ed25519PublicKey.from_public_bytes(bytes.fromhex(cp["public_key"]))
        pub.verify(bytes.fromhex(cp["signature"]), canonical({k: cp[k] for k in SIGNED}))
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
    want = trusted.strip().lower()
    if want not in (cp["public_key"], fingerprint(cp["public_key"]),
                    fingerprint(cp["public_key"]).replace("-", "")):
        return forged("signed by key %s, not the recorded key %s"
                      % (fingerprint(cp["public_key"]), trusted))
    return []


def read_export(path):
    """(header, {chain: [entries in seq order]})."""
    chains = {}
    with open(path, encoding="utf-8") as f:
        header = json.loads(f.readline())
        if header.get("format") != EXPORT_FORMAT:
            raise ValueError("%s is not an %s file" % (path, EXPORT_FORMAT))
        for line in f:
            if line.strip():
                e = json.loads(line)
                chains.setdefault(e["chain"], []).append(e)
    for entries in chains.values():
        entries.sort(key=lambda e: e["seq"])
    return header, chains


def verify_chains(header, chains):
    """Recompute every chain as ``ownerguard audit verify`` does; the first problem per chain."""
    problems = []
    ends = {}
    for chain in sorted(chains):
        prev, expected = genesis_hash(chain), 0
        for e in chains[chain]:
            expected += 1
            if e["seq"] != expected:
                problems.append(problem(chain, e["seq"], "broken", (
                    "expected seq %d, found %d: an entry was deleted or the order changed"
                    % (expected, e["seq"]))))
                break
            if e["prev_hash"] != prev:
                problems.append(problem(chain, e["seq"], "broken", (
                    "previous-hash link broken: an entry before it was changed or removed")))
                break
            if entry_hash(prev, e) != e["hash"]:
                problems.append(problem(chain, e["seq"], "broken", (
                    "hash does not match its content: the entry was changed")))
                break
            prev = e["hash"]
        else:
            ends[chain] = (expected, prev)
    for h in header.get("heads", []):
        if h["chain"] in ends or h["chain"] not in chains:
            last_seq, last_hash = ends.get(h["chain"], (0, genesis_hash(h["chain"])))
            if (h["seq"], h["hash"]) != (last_seq, last_hash):
                problems.append(problem(h["chain"], last_seq + 1 if h["seq"] > last_seq
                                        else h["seq"], "broken", (
                    "head says seq %d but the chain ends at seq %d: entries at the end were "
                    "removed or the head was changed" % (h["seq"], last_seq))))
    return problems


def compare(cp, header, chains):
    if "chains" not in cp:
        return compare_digest(cp, chains)
    problems = []
    partial = header.get("chains")     # an export of some chains only
    for c in sorted(cp["chains"], key=lambda c: c["chain"]):
        chain, seq = c["chain"], int(c["seq"])
        if partial is not None and chain not in partial:
            continue
        entries = chains.get(chain, [])
        end = min(len(entries), max((e["seq"] for e in entries), default=0))
        at = next((e for e in entries if e["seq"] == seq), None)
        if at is None and end < seq:
            problems.append(problem(chain, seq, "truncated", (
                "the checkpoint has seq %d but the chain now ends at seq %d: entries were "
                "removed" % (seq, end))))
        elif at is None:
            problems.append(problem(chain, seq, "truncated", "entry seq %d is missing" % seq))
        elif at["hash"] != c["hash"]:
            problems.append(problem(chain, seq, "rewritten", (
                "entry seq %d no longer has the checkpoint's hash: the log up to seq %d was "
                "rewritten after the checkpoint" % (seq, seq))))
    return problems


def compare_digest(cp, chains):
    """Digest form: the heads at the checkpoint's time are each chain's last entry stamped at
    or before ``created_at`` (OwnerGuard makes that exact when it signs)."""
    heads = []
    for chain, entries in chains.items():
        before = [e for e in entries if e["ts"] <= cp["created_at"]]
        if before:
            heads.append({"chain": chain, "seq": before[-1]["seq"], "hash": before[-1]["hash"]})
    if heads_digest(heads) == cp["heads_sha256"]:
        return []
    return [problem("*", None, "rewritten", (
        "the log's heads at the checkpoint's time do not match its digest: a chain was "
        "rewritten or truncated since (verify with the full JSON to name the chain)"))]


def verify(cp, header, chains, trusted):
    problems = check_signature(cp, trusted)
    problems += verify_chains(header, chains)
    if not any(p["kind"] == "forged" for p in problems):
        if header.get("deployment") not in (None, cp["deployment"]):
            problems.insert(0, problem("", None, "forged", (
                "checkpoint is from deployment %s, the export from %s"
                % (cp["deployment"], header["deployment"]))))
        else:
            problems += compare(cp, header, chains)
    return {"ok": not problems, "form": "full" if "chains" in cp else "digest",
            "created_at": cp.get("created_at"), "deployment": cp.get("deployment"),
            "fingerprint": fingerprint(cp["public_key"]) if "public_key" in cp else None,
            "entries_at_checkpoint": cp.get("entries"),
            "entries_now": sum(len(v) for v in chains.values()), "problems": problems}


def main(argv=None):
    ap = argparse.ArgumentParser(description="Verify an OwnerGuard audit checkpoint against an "
                                 "audit-log export, without OwnerGuard.")
    ap.add_argument("--checkpoint", required=True, help="checkpoint JSON (full or digest form)")
    ap.add_argument("--log", required=True, help="export from `ownerguard audit export`")
    ap.add_argument("--public-key", required=True,
                    help="the recorded public key (hex) or its fingerprint")
    ap.add_argument("--json", action="store_true", help="machine-readable result")
    args = ap.parse_args(argv)
    try:
        with open(args.checkpoint, encoding="utf-8") as f:
            cp = json.load(f)
        header, chains = read_export(args.log)
    except (OSError, ValueError, KeyError) as exc:
        print("无法读取文件 / cannot read the files: %s" % exc, file=sys.stderr)
        return 2
    result = verify(cp, header, chains, args.public_key)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    elif result["ok"]:
        print("检查点校验通过 checkpoint verified: %s, deployment %s, key %s; %s entries then, "
              "%d now" % (result["created_at"], result["deployment"], result["fingerprint"],
                          result["entries_at_checkpoint"], result["entries_now"]))
    else:
        print("检查点校验失败 checkpoint verification FAILED:")
        for p in result["problems"]:
            where = "chain %s seq %s" % (p["chain"], p["seq"]) if p["chain"] else "checkpoint"
            print("  [%s] %s: %s" % (p["kind"], where, p["problem"]))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
