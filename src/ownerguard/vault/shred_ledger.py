"""The shred ledger: crypto-shreds remembered outside the database, so no copy of it resurrects.

A crypto-shred deletes a person's wrapped data key. A backup taken earlier still holds that key,
and so does a database file copied back by hand. The ledger is a file in the home,
``<home>/shred-ledger.jsonl``, that lists every shred (the pseudonymous person id and a time —
never a value); applying it to a database shreds again whoever it lists that still has a key.

File format: one JSON object per line, fsynced on append, under ``flock`` so several processes
can append. Line 1 is a header holding the ledger's id and its MAC key *wrapped by the master
key* (the same wrap as the ``system_keys`` row ``shred-ledger``, i.e. ``rt.keys.system_secret``):
the key travels with the ledger, so a database restored from before the ledger existed — which
has no such row — can still check it. Every line carries the previous line's MAC and its own
HMAC-SHA256, so changing, removing or reordering a line is detected; cutting lines off the end is
detected against the marker the database keeps (below) unless that database is older too.

Ordering (why "intent" then "done"): the line must be on disk *before* the shred commits, or a
crash after the commit loses it; but a line written before the commit may describe a shred that
then rolls back, and applying that would shred someone nobody shredded. So:

1. ``record_intent`` (called by ``persons.shred`` before it deletes anything) appends
   ``intent`` with a fresh entry id. If the append fails the shred fails.
2. When the connection returns to the pool — the transaction is over, committed or rolled
   back — a pool ``checkin`` listener looks at the person *on that same connection*: state
   ``shredded`` → append ``done``; otherwise the transaction rolled back → append ``void``.
3. An intent left without either (the process died between commit and check-in) is resolved
   by the next application against the live database: ``shredded`` there → ``done``. Otherwise
   it stays pending and is **never applied**: it is either a rolled-back shred or a shred whose
   database was replaced before anyone saw it commit, and only the first is common.

Only ``done`` entries are applied. ``done`` wins over ``void`` (a "done" is proof of a commit).

Applying (``apply``): for every ``done`` person still holding a key (or not marked shredded)
delete the key and blind-index rows, mark the person ``shredded`` and audit ``shred`` with reason
``shred_ledger``. ``restore`` applies it after every restore. ``open_runtime`` applies it only
when the ledger changed since the last application: the database keeps a marker (ledger id,
line count, byte size, last MAC, pending intents) as the ``system_keys`` row
``shred-ledger-mark`` (wrapped like any system secret, so key rotation re-wraps it), and startup
compares it with the file's size and last line — one small query and one read of the file's end.
A database copied back by hand carries an old marker, so the next start applies the ledger.

Several hosts on one PostgreSQL must share the home (or at least this file): a ledger on one host
only protects against restores that host sees.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, delete, event, insert, select

from ownerguard import clock
from ownerguard.errors import Conflict
from ownerguard.store.tables import person_keys, persons, system_keys
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault.audit import AuditLog
from ownerguard.vault.datakeys import DataKeys
from ownerguard.vault.gate import PersonNotFound
from ownerguard.vault.keys import KeyProblem, MasterKey
from ownerguard.vault.policy import AccessContext
from ownerguard.vault.shred import crypto_shred


class Runtime(Protocol):
    """What the ledger needs of the running service (``services.runtime.Runtime`` is one)."""

    settings: Any
    engine: Engine
    master: MasterKey
    keys: DataKeys
    audit: AuditLog
    adapters: dict

    def uow(self, *, read_only: bool = False) -> UnitOfWork: ...

LEDGER_FILE = "shred-ledger.jsonl"
FORMAT = "ownerguard-shred-ledger/1"
KEY_NAME = "shred-ledger"
MARK_NAME = "shred-ledger-mark"
ACTOR = "system:shred-ledger"
_INFO_KEY = "ownerguard_shred_intents"
_TAIL = 8192


class ShredLedgerError(Conflict):
    """The ledger was changed, cut short or cannot be checked: a code and line numbers, never
    a value (the command line catches it)."""


def ledger_path(home: Path) -> Path:
    return Path(home) / LEDGER_FILE


def _now() -> str:
    return clock.now().isoformat(timespec="microseconds")


def _canonical(rec: dict) -> bytes:
    return json.dumps({k: v for k, v in rec.items() if k != "mac"}, sort_keys=True,
                      ensure_ascii=True, separators=(",", ":")).encode()


def _mac(key: bytes, rec: dict) -> str:
    return hmac.new(key, _canonical(rec), hashlib.sha256).hexdigest()


def _key_context() -> bytes:
    return f"system|{KEY_NAME}".encode()   # the same context as DataKeys.system_secret


# -- reading --------------------------------------------------------------------------------
@dataclass
class LedgerState:
    ledger_id: str = ""
    lines: int = 0              # entries after the header
    size: int = 0               # bytes of complete lines
    last_mac: str = ""
    macs: list[str] = field(default_factory=list)   # macs[i] = MAC after i entries (0: header)
    intents: dict[str, tuple[str, str]] = field(default_factory=dict)  # entry → (person, co.)
    done: set[str] = field(default_factory=set)      # entry ids
    void: set[str] = field(default_factory=set)

    @property
    def pending(self) -> dict[str, tuple[str, str]]:
        return {e: v for e, v in self.intents.items() if e not in self.done and e not in self.void}

    def done_persons(self) -> dict[str, str]:
        return {self.intents[e][0]: self.intents[e][1] for e in self.done if e in self.intents}


def _complete_lines(data: bytes) -> list[bytes]:
    # A last line without its newline is a write torn by a crash. A torn intent means its shred
    # never ran (the write raised first); a torn done/void leaves the intent pending, resolved
    # later. Either way it is ignored here and cut off at the next append.
    return data.split(b"\n")[:-1]


def _header_key(master, header: dict, conn: Connection | None = None) -> bytes:
    """The MAC key: unwrapped from the header, or — if that master-key version is gone after a
    rotation — from the database's re-wrapped ``system_keys`` row, whichever checks the header."""
    candidates = []
    try:
        k = header["key"]
        candidates.append(master.unwrap(int(k["master_version"]), base64.b64decode(k["wrapped"]),
                                        _key_context()))
    except (KeyProblem, KeyError, ValueError):
        pass
    if conn is not None:
        row = conn.execute(select(system_keys).where(system_keys.c.name == KEY_NAME)).first()
        if row is not None:
            try:
                candidates.append(master.unwrap(row.master_version, row.wrapped, _key_context()))
            except KeyProblem:
                pass
    for key in candidates:
        if hmac.compare_digest(_mac(key, header), str(header.get("mac", ""))):
            return key
    raise ShredLedgerError("ledger_header_unchecked")


def read_ledger(master, path: Path, conn: Connection | None = None) -> LedgerState:
    """Read and check the whole ledger; raise ``ShredLedgerError`` naming the first bad line."""
    state = LedgerState()
    if not path.exists():
        return state
    lines = _complete_lines(path.read_bytes())
    if not lines:
        return state
    try:
        header = json.loads(lines[0])
    except ValueError:
        raise ShredLedgerError("ledger_line_damaged", line=1) from None
    if header.get("format") != FORMAT or header.get("type") != "header":
        raise ShredLedgerError("not_a_ledger", file=path.name)
    key = _header_key(master, header, conn)
    state.ledger_id = header["ledger"]
    prev = header["mac"]
    state.macs.append(prev)
    size = len(lines[0]) + 1
    for number, raw in enumerate(lines[1:], start=2):
        size += len(raw) + 1
        try:
            rec = json.loads(raw)
        except ValueError:
            raise ShredLedgerError("ledger_line_damaged", line=number) from None
        if rec.get("prev") != prev or rec.get("n") != number - 1:
            raise ShredLedgerError("ledger_line_reordered", line=number)
        if not hmac.compare_digest(_mac(key, rec), str(rec.get("mac", ""))):
            raise ShredLedgerError("ledger_line_changed", line=number)
        kind, entry = rec.get("type"), rec.get("entry")
        if kind == "intent":
            state.intents[entry] = (rec["person"], rec.get("company", ""))
        elif kind == "done":
            state.done.add(entry)
        elif kind == "void":
            state.void.add(entry)
        prev = rec["mac"]
        state.macs.append(prev)
    state.lines, state.size, state.last_mac = len(lines) - 1, size, prev
    return state


def _has_header(path: Path) -> bool:
    # A crash while the header was being written leaves an empty or torn first line; no intent
    # can follow it (they are appended after a complete header), so the file may be made anew.
    with open(path, "rb") as f:
        return f.readline().endswith(b"\n")


def _tail(path: Path) -> tuple[str, int, int, str]:
    """(ledger id, entry count, size of complete lines, last MAC) from the file's two ends —
    what startup compares with the marker, without reading the whole ledger."""
    with open(path, "rb") as f:
        header = json.loads(f.readline())
        size = os.fstat(f.fileno()).st_size
        f.seek(max(0, size - _TAIL))
        chunk = f.read()
    end = chunk.rfind(b"\n")
    size -= len(chunk) - end - 1          # ignore a torn last line
    last = chunk[:end].rsplit(b"\n", 1)[-1]
    rec = json.loads(last)
    return header["ledger"], int(rec.get("n", 0)), size, rec["mac"]


# -- appending ------------------------------------------------------------------------------
def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _create(rt: Runtime, conn: Connection, path: Path) -> None:
    secret = rt.keys.system_secret(conn, KEY_NAME)
    row = conn.execute(select(system_keys).where(system_keys.c.name == KEY_NAME)).first()
    assert row is not None             # system_secret just made it
    header = {"type": "header", "format": FORMAT, "ledger": str(uuid.uuid4()),
              "created_at": _now(), "key": {"master_version": row.master_version,
                                            "wrapped": base64.b64encode(row.wrapped).decode()},
              "prev": ""}
    header["mac"] = _mac(secret, header)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return                      # another process made it first; we use theirs
    try:
        os.write(fd, json.dumps(header, sort_keys=True).encode() + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    _fsync_dir(path.parent)


def _key_for(rt: Runtime, conn: Connection | None, path: Path) -> bytes:
    cache = rt.adapters.setdefault("shred_ledger_keys", {})
    with open(path, "rb") as f:
        header = json.loads(f.readline())
    key = cache.get(header["ledger"])
    if key is None:
        key = cache.setdefault(header["ledger"], _header_key(rt.master, header, conn))
    return key


def _append(rt: Runtime, path: Path, conn: Connection | None, kind: str, entry: str,
            person: str, company: str) -> None:
    key = _key_for(rt, conn, path)
    fd = os.open(path, os.O_RDWR | os.O_APPEND)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        os.lseek(fd, max(0, size - _TAIL), os.SEEK_SET)
        chunk = os.read(fd, _TAIL + 1)
        end = chunk.rfind(b"\n")
        if end != len(chunk) - 1:       # a torn line from a crash: cut it off first
            os.ftruncate(fd, size - (len(chunk) - end - 1))
        last = json.loads(chunk[:end].rsplit(b"\n", 1)[-1])
        rec = {"type": kind, "n": int(last.get("n", 0)) + 1, "entry": entry, "person": person,
               "company": company, "ts": _now(), "prev": last["mac"]}
        rec["mac"] = _mac(key, rec)
        os.write(fd, json.dumps(rec, sort_keys=True).encode() + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)                     # also releases the lock


def record_intent(rt: Runtime, conn: Connection, person_id: str, company_id: str) -> None:
    """Before a shred deletes anything: write ``intent`` (fsynced) and remember it on the
    connection, so the pool check-in confirms or voids it once the transaction is over."""
    path = ledger_path(rt.settings.home)
    if path.exists() and not _has_header(path):
        path.unlink()
    if not path.exists():
        _create(rt, conn, path)
    entry = str(uuid.uuid4())
    _append(rt, path, conn, "intent", entry, person_id, company_id)
    conn.info.setdefault(_INFO_KEY, []).append((entry, person_id, company_id))


def _on_checkin(rt: Runtime):
    def checkin(dbapi_conn, record) -> None:
        intents = record.info.pop(_INFO_KEY, None)
        if not intents or dbapi_conn is None:
            return              # left pending; the next application resolves it
        path = ledger_path(rt.settings.home)
        try:
            sqlite = rt.engine.dialect.name == "sqlite"
            cur = dbapi_conn.cursor()
            for entry, person, company in intents:
                cur.execute("SELECT state FROM persons WHERE id = " + ("?" if sqlite else "%s"),
                            (person,))
                row = cur.fetchone()
                kind = "done" if row is not None and row[0] == "shredded" else "void"
                _append(rt, path, None, kind, entry, person, company)
            cur.close()
            if not sqlite:
                dbapi_conn.rollback()    # leave no transaction open on a pooled connection
        except Exception:   # never break the pool: the intent stays pending and is resolved
            pass            # (or left unapplied) by the next application
    return checkin


# -- applying ------------------------------------------------------------------------------
@dataclass
class ApplyResult:
    shredded: list[str] = field(default_factory=list)   # person ids shredded again
    confirmed: int = 0          # pending intents found committed in this database
    pending: int = 0            # intents that stay unapplied
    entries: int = 0


def _read_mark(rt: Runtime, conn: Connection) -> dict | None:
    row = conn.execute(select(system_keys).where(system_keys.c.name == MARK_NAME)).first()
    if row is None:
        return None
    try:
        return json.loads(rt.master.unwrap(row.master_version, row.wrapped,
                                           f"system|{MARK_NAME}".encode()))
    except KeyProblem:
        return None              # unreadable marker: treat as "never applied"


def _write_mark(rt: Runtime, conn: Connection, state: LedgerState) -> None:
    doc = {"ledger": state.ledger_id, "lines": state.lines, "size": state.size,
           "mac": state.last_mac, "pending": len(state.pending)}
    version, wrapped = rt.master.wrap(json.dumps(doc, sort_keys=True).encode(),
                                      f"system|{MARK_NAME}".encode())
    conn.execute(delete(system_keys).where(system_keys.c.name == MARK_NAME))
    conn.execute(insert(system_keys).values(name=MARK_NAME, master_version=version,
                                            wrapped=wrapped))


def _chunks(items: list[str], n: int = 500):
    for i in range(0, len(items), n):
        yield items[i:i + n]


def apply(rt: Runtime, conn: Connection, *, resolve: bool = True) -> ApplyResult:
    """Shred again, in the caller's transaction, every ``done`` person that still has a key.

    ``resolve``: first confirm pending intents that this database shows committed (pass False
    for a database that is known to be older than the ledger, e.g. just restored)."""
    path = ledger_path(rt.settings.home)
    result = ApplyResult()
    state = read_ledger(rt.master, path, conn)
    if not state.ledger_id:
        return result
    mark = _read_mark(rt, conn)
    if mark and mark.get("ledger") == state.ledger_id:
        n = int(mark.get("lines", 0))
        if n > state.lines or state.macs[n] != mark.get("mac"):
            raise ShredLedgerError("ledger_behind_database", entry=n)
    if resolve and state.pending:
        pending = state.pending
        ids = sorted({p for p, _ in pending.values()})
        shredded = set()
        for chunk in _chunks(ids):
            shredded |= {r.id for r in conn.execute(select(persons.c.id).where(
                persons.c.id.in_(chunk), persons.c.state == "shredded"))}
        for entry, (person, company) in pending.items():
            if person in shredded:
                _append(rt, path, conn, "done", entry, person, company)
                result.confirmed += 1
        if result.confirmed:
            state = read_ledger(rt.master, path, conn)
    targets = state.done_persons()
    ids = sorted(targets)
    found: dict[str, str] = {}
    for chunk in _chunks(ids):
        keyed = {r.person_id for r in conn.execute(select(person_keys.c.person_id).where(
            person_keys.c.person_id.in_(chunk)))}
        for r in conn.execute(select(persons.c.id, persons.c.company_id, persons.c.state)
                              .where(persons.c.id.in_(chunk))):
            if r.id in keyed or r.state != "shredded":
                found[r.id] = r.company_id
    if found:
        _shred_again(rt, conn, found)
    _write_mark(rt, conn, state)
    result.shredded = sorted(found)
    result.pending = len(state.pending)
    result.entries = state.lines
    return result


def _shred_again(rt: Runtime, conn: Connection, found: dict[str, str]) -> None:
    crypto_shred(conn, rt.audit, found, actor=ACTOR, role="system", reason="shred_ledger")


def on_open(rt: Runtime) -> ApplyResult | None:
    """At ``open_runtime``: listen for shred check-ins, and apply the ledger if it changed
    since this database last saw it (cheap when it did not: one row, the file's two ends)."""
    event.listen(rt.engine, "checkin", _on_checkin(rt))
    path = ledger_path(rt.settings.home)
    if not path.exists() or not _has_header(path):
        return None
    ledger_id, lines, size, mac = _tail(path)
    with rt.uow(read_only=True) as uow:
        mark = _read_mark(rt, uow.conn)
    if mark == {"ledger": ledger_id, "lines": lines, "size": size, "mac": mac, "pending": 0}:
        return None
    with rt.uow() as uow:
        result = apply(rt, uow.conn)
        uow.commit()
    return result


def shred(rt: Runtime, uow: UnitOfWork, ctx: AccessContext, person_id: str) -> None:
    """Crypto-shred one person: delete their data key and every digest that could find them.

    Ciphertexts stay where they are (and in every backup) but are unreadable without the key.
    The audit chain is untouched: it never held a value, so it still verifies.
    """
    conn = uow.conn
    row = conn.execute(select(persons.c.company_id).where(persons.c.id == person_id)).first()
    if row is None or row.company_id != ctx.company_id:
        raise PersonNotFound("person_not_found")
    # On disk before anything is deleted, so no restored copy can bring the key back.
    record_intent(rt, conn, person_id, ctx.company_id)
    crypto_shred(conn, rt.audit, {person_id: ctx.company_id}, actor=ctx.actor, role=ctx.role,
                 reason="crypto_shredded", purpose=ctx.purpose or "", client=ctx.client)
