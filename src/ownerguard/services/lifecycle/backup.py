"""Backups: one tar file with a consistent database snapshot, a signed manifest and settings.

Never the master key: an archive holds only ciphertexts, wrapped keys and digests, and is useless
without the master key kept offline (``docs/backup.md``).

Members:
- ``database/ownerguard.db`` — SQLite, copied with the online backup API from the live WAL
  database (other writers may go on), switched to a self-contained rollback journal;
  ``database/ownerguard.pgdump`` — PostgreSQL, ``pg_dump --format=custom`` of the runtime's
  schema only, taken in the same exported snapshot the manifest's counts were read in;
- ``settings.toml`` — the home's settings (no secrets, no personal data);
- ``manifest.json`` — format, time, backend, schema revision, row counts, audit chain heads,
  master-key versions needed, SHA-256 of every other member, and an HMAC over itself whose key is
  wrapped by the master key, so an edited manifest is detected by whoever holds the key.

Temporary files (the snapshot before it goes into the tar, a dump being checked) live in a 0700
directory inside the home and are removed; they hold the same ciphertext as the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import (
    Connection,
    LargeBinary,
    Table,
    create_engine,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

from ownerguard import clock
from ownerguard.config import SETTINGS_FILE
from ownerguard.errors import Conflict, Invalid, Problem, Unavailable
from ownerguard.i18n import translate
from ownerguard.store import migrate
from ownerguard.store.db import is_sqlite
from ownerguard.store.tables import audit_heads, audit_log, company_keys, person_keys, system_keys
from ownerguard.vault import shred_ledger
from ownerguard.vault.audit import AuditEvent
from ownerguard.vault.audit_verify import verify as verify_audit
from ownerguard.vault.datakeys import company_key_context
from ownerguard.vault.keys import KeyUnavailable, MasterKey, UnwrapFailed

if TYPE_CHECKING:
    from ownerguard.services.runtime import Runtime

FORMAT = "ownerguard-backup/1"
MANIFEST = "manifest.json"
DB_SQLITE = "database/ownerguard.db"
DB_PG = "database/ownerguard.pgdump"
SETTINGS = SETTINGS_FILE
NOTE = ("The master key is NOT in this archive. Without it the data in here cannot be read by "
        "anyone: if the master key is lost, there is no recovery. 本备份不含主密钥；主密钥丢失则数据"
        "无法恢复（设计如此）。")

Progress = Callable[[str, int, int | None], None]


class BackupError(Problem):
    """A backup, check or restore that cannot go ahead (the command line catches it), raised
    as one of the kinds below."""


class BackupInvalid(BackupError, Invalid):
    pass


class BackupConflict(BackupError, Conflict):
    pass


class BackupUnavailable(BackupError, Unavailable):
    pass


class NeedsConfirmation(BackupConflict):
    """A restore over existing data without ``--yes``."""


def _noop(stage: str, done: int, total: int | None) -> None:
    pass


# -- helpers ---------------------------------------------------------------------------------
@contextmanager
def private_tmp(home: Path) -> Iterator[Path]:
    """A 0700 directory inside the home (never /tmp: it holds database pages), removed after."""
    path = Path(tempfile.mkdtemp(prefix=".backup-", dir=home))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _canonical(doc: dict) -> bytes:
    return json.dumps({k: v for k, v in doc.items() if k != "mac"}, sort_keys=True,
                      ensure_ascii=True, separators=(",", ":")).encode()


def _manifest_context(backup_id: str) -> bytes:
    return f"backup-manifest|{backup_id}".encode()


def describe(conn: Connection) -> dict:
    """Counts, chain heads, revision and master-key versions of the database behind ``conn``."""
    names = sorted(n for n in inspect(conn).get_table_names() if n != "alembic_version")
    counts = {n: conn.execute(text(f'SELECT COUNT(*) FROM "{n}"')).scalar_one() for n in names}
    heads = {r.chain: {"seq": r.seq, "hash": r.hash} for r in conn.execute(select(audit_heads))}
    revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    versions: set[int] = set()
    for t in (person_keys, company_keys, system_keys):
        versions |= {v for (v,) in conn.execute(select(t.c.master_version).distinct())}
    return {"row_counts": counts, "audit_heads": heads, "alembic_revision": revision,
            "master_key_versions": sorted(versions)}


def _sqlite_file(url: str) -> Path:
    database = make_url(url).database
    assert database is not None, "a SQLite URL names its file"
    return Path(database)


def _pg_env(url: str) -> dict[str, str]:
    """libpq environment for pg_dump/pg_restore: the password never goes on a command line."""
    u = make_url(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    for var, value in (("PGHOST", u.host), ("PGPORT", u.port), ("PGUSER", u.username),
                       ("PGPASSWORD", u.password), ("PGDATABASE", u.database),
                       ("PGSSLMODE", u.query.get("sslmode"))):
        if value:
            env[var] = str(value)
    return env


def _pg_tool(name: str) -> str:
    path = shutil.which(name) or f"/usr/bin/{name}"
    if not Path(path).exists():
        raise BackupUnavailable("pg_tool_missing", tool=name)
    return path


def _run(cmd: list[str], env: dict[str, str], what: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, env=env, capture_output=True)
    if proc.returncode != 0:
        # pg tools report object names and SQL, not row data; keep the last lines only.
        msg = proc.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise BackupUnavailable("pg_tool_failed", tool=what, detail=" | ".join(msg))
    return proc


def _current_schema(conn: Connection) -> str:
    return conn.execute(text("SELECT current_schema()")).scalar_one()


# -- create ----------------------------------------------------------------------------------
def create_backup(rt: Runtime, out: Path, *, progress: Progress = _noop,
                  actor: str = "system") -> dict:
    """Write the archive to ``out`` (mode 0600, written beside it and renamed when complete)."""
    out = Path(out).absolute()
    if out.exists():
        raise BackupConflict("backup_exists", path=str(out))
    home = rt.settings.home
    backend = "sqlite" if is_sqlite(rt.settings.database_url) else "postgresql"
    with private_tmp(home) as tmp:
        progress("snapshot", 0, None)
        if backend == "sqlite":
            member, dump = DB_SQLITE, tmp / "ownerguard.db"
            info = _sqlite_snapshot(_sqlite_file(rt.settings.database_url), dump)
        else:
            member, dump = DB_PG, tmp / "ownerguard.pgdump"
            info = _pg_snapshot(rt, dump)
        progress("snapshot", 1, 1)
        files = {member: dump}
        if (home / SETTINGS).exists():
            files[SETTINGS] = home / SETTINGS
        backup_id = str(uuid.uuid4())
        manifest = {"format": FORMAT, "backup_id": backup_id,
                    "created_at": clock.now().isoformat(timespec="seconds"),
                    "backend": backend, "database_member": member, **info,
                    "master_key_included": False, "note": NOTE,
                    "shred_ledger": "not included: the live ledger of the home restoring this "
                                    "archive is applied after every restore",
                    "members": {name: _sha256(path) for name, path in files.items()}}
        key = os.urandom(32)
        version, wrapped = rt.master.wrap(key, _manifest_context(backup_id))
        manifest["manifest_key"] = {"master_version": version,
                                    "wrapped": base64.b64encode(wrapped).decode()}
        manifest["mac"] = hmac.new(key, _canonical(manifest), hashlib.sha256).hexdigest()
        _write_tar(out, manifest, files, progress)
    with rt.uow() as uow:
        rt.audit.append(uow.conn, "system", "", [AuditEvent(
            actor=actor, role="operator", action="backup_create", outcome="done",
            reason=f"backup:{backup_id}")])
        uow.commit()
    return manifest


def _sqlite_snapshot(live: Path, dest: Path) -> dict:
    src = sqlite3.connect(live, timeout=30)
    dst = sqlite3.connect(dest)
    try:
        # One step (pages=-1): a single read transaction, so the copy is one consistent
        # snapshot; WAL lets writers continue meanwhile instead of restarting the copy.
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")   # one self-contained file, no -wal beside
    finally:
        src.close()
        dst.close()
    engine = create_engine(f"sqlite:///{dest}")
    try:
        with engine.connect() as conn:
            return describe(conn)
    finally:
        engine.dispose()


def _pg_snapshot(rt: Runtime, dest: Path) -> dict:
    with rt.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            schema = _current_schema(conn)
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            info = describe(conn)
            # Uncompressed: ciphertext does not shrink, and a plain dump lets the tests (and an
            # auditor) check that no clear value is in it.
            _run([_pg_tool("pg_dump"), "--format=custom", "--compress=0", "--no-owner",
                  "--no-privileges", f'--schema="{schema}"', f"--snapshot={snapshot}",
                  f"--file={dest}"], _pg_env(rt.settings.database_url), "pg_dump")
    return {**info, "schema": schema}


def _write_tar(out: Path, manifest: dict, files: dict[str, Path], progress: Progress) -> None:
    partial = out.with_name(out.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as tar:
            body = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            _add(tar, MANIFEST, len(body), io.BytesIO(body))
            for i, (name, path) in enumerate(files.items(), 1):
                with open(path, "rb") as f:
                    _add(tar, name, path.stat().st_size, f)
                progress("write", i, len(files))
            tar.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.chmod(partial, 0o600)
        os.replace(partial, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _add(tar: tarfile.TarFile, name: str, size: int, fileobj) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(time.time())
    tar.addfile(info, fileobj)


# -- verify ----------------------------------------------------------------------------------
@dataclass
class Finding:
    """One thing wrong with an archive: a stable ``code``, the member it concerns, and the
    words (the catalogue's ``finding.<text or code>``, with ``member`` and ``params``)."""

    code: str
    member: str
    params: dict = field(default_factory=dict)
    text: str = ""

    def message(self, lang: str | None = None) -> str:
        return translate(f"finding.{self.text or self.code}", lang, member=self.member,
                         **self.params)

    def as_json(self) -> dict:
        return {"code": self.code, "member": self.member, "zh": self.message("zh_CN"),
                "en": self.message("en")}


@dataclass
class VerifyReport:
    findings: list[Finding] = field(default_factory=list)
    manifest: dict = field(default_factory=dict)
    missing_key_versions: list[int] = field(default_factory=list)
    audit_entries: int = 0
    audit_chains: int = 0

    @property
    def ok(self) -> bool:
        return not self.findings

    def add(self, code: str, member: str, *, text: str = "", **params: object) -> None:
        self.findings.append(Finding(code, member, params, text))

    def as_json(self) -> dict:
        m = self.manifest
        return {"ok": self.ok, "findings": [f.as_json() for f in self.findings],
                "backup_id": m.get("backup_id"), "created_at": m.get("created_at"),
                "backend": m.get("backend"), "alembic_revision": m.get("alembic_revision"),
                "row_counts": m.get("row_counts"),
                "master_key_versions": m.get("master_key_versions"),
                "missing_key_versions": self.missing_key_versions,
                "audit": {"entries": self.audit_entries, "chains": self.audit_chains}}


def verify_backup(path: Path, master: MasterKey, home: Path) -> VerifyReport:
    with private_tmp(home) as tmp:
        report, _ = _check_archive(Path(path), master, tmp)
    return report


def _check_archive(path: Path, master: MasterKey, tmp: Path) -> tuple[VerifyReport, Path | None]:
    """Check everything; return the report and the extracted database dump (inside ``tmp``)."""
    report = VerifyReport()
    try:
        tar = tarfile.open(path, mode="r:")
    except (OSError, tarfile.TarError):
        report.add("archive_unreadable", path.name)
        return report, None
    with tar:
        members = {m.name: m for m in tar.getmembers() if m.isfile()}
        manifest = _read_manifest(tar, members, report)
        if manifest is None:
            return report, None
        report.manifest = manifest
        _check_manifest_mac(manifest, master, report)
        listed = manifest.get("members", {})
        for name in sorted(set(members) - set(listed) - {MANIFEST}):
            report.add("unexpected_member", name)
        extracted: dict[str, Path] = {}
        for i, (name, digest) in enumerate(sorted(listed.items())):
            if name not in members:
                report.add("member_missing", name)
                continue
            dest = tmp / f"member-{i}"
            member = tar.extractfile(members[name])
            if member is None:                  # not a regular file: refuse it like a gap
                report.add("member_missing", name)
                continue
            with member as src, open(dest, "wb") as f:
                shutil.copyfileobj(src, f, 1 << 20)
            if _sha256(dest) != digest:
                report.add("member_hash", name)
            extracted[name] = dest
    db_member = manifest.get("database_member", "")
    dump = extracted.get(db_member)
    if dump is None or not report.ok:
        return report, dump
    engine = _open_dump(manifest, dump, tmp, report)
    if engine is None:
        return report, dump
    try:
        with engine.connect() as conn:
            _check_company_keys(conn, master, manifest, report)
            result = verify_audit(conn)
            report.audit_entries, report.audit_chains = result.entries, result.chains
            if not result.ok:
                report.add("audit_broken", db_member, first_bad=str(result.first_bad))
            heads = {r.chain: {"seq": r.seq, "hash": r.hash}
                     for r in conn.execute(select(audit_heads))}
            if heads != manifest.get("audit_heads"):
                report.add("audit_heads", db_member)
    finally:
        engine.dispose()
    return report, dump


def _read_manifest(tar: tarfile.TarFile, members: dict, report: VerifyReport) -> dict | None:
    if MANIFEST not in members:
        report.add("manifest_missing", MANIFEST)
        return None
    try:
        member = tar.extractfile(members[MANIFEST])
        if member is None:
            raise ValueError("the manifest is not a regular file")
        with member as f:
            manifest = json.loads(f.read())
    except ValueError:
        report.add("manifest_invalid", MANIFEST)
        return None
    if manifest.get("format") != FORMAT:
        report.add("manifest_format", MANIFEST, format=str(manifest.get("format"))[:60])
        return None
    return manifest


def _missing(report: VerifyReport, version: int) -> None:
    if version not in report.missing_key_versions:
        report.missing_key_versions.append(version)
        report.missing_key_versions.sort()


def _check_manifest_mac(manifest: dict, master: MasterKey, report: VerifyReport) -> None:
    for v in manifest.get("master_key_versions", []):
        if v not in master.versions():
            _missing(report, v)
    try:
        mk = manifest["manifest_key"]
        key = master.unwrap(int(mk["master_version"]), base64.b64decode(mk["wrapped"]),
                            _manifest_context(manifest["backup_id"]))
    except KeyUnavailable:
        _missing(report, int(manifest["manifest_key"]["master_version"]))
        report.add("master_key_missing", MANIFEST, text="manifest_key_missing",
                   version=manifest["manifest_key"]["master_version"])
        return
    except (UnwrapFailed, KeyError, ValueError):
        report.add("master_key_wrong", MANIFEST, text="manifest_key_wrong")
        return
    if not hmac.compare_digest(hmac.new(key, _canonical(manifest), hashlib.sha256).hexdigest(),
                               str(manifest.get("mac", ""))):
        report.add("manifest_changed", MANIFEST)


def _check_company_keys(conn: Connection, master: MasterKey, manifest: dict,
                        report: VerifyReport) -> None:
    member = manifest["database_member"]
    wrong = set()
    for row in conn.execute(select(company_keys)):
        try:
            master.unwrap(row.master_version, row.wrapped, company_key_context(row.company_id))
        except KeyUnavailable:
            _missing(report, row.master_version)
        except UnwrapFailed:
            wrong.add(row.master_version)
    if report.missing_key_versions:
        vs = ", ".join(str(v) for v in report.missing_key_versions)
        report.add("master_key_missing", member, versions=vs)
    if wrong:
        vs = ", ".join(str(v) for v in sorted(wrong))
        report.add("master_key_wrong", member, versions=vs)


def _open_dump(manifest: dict, dump: Path, tmp: Path, report: VerifyReport):
    member = manifest["database_member"]
    if manifest.get("backend") == "sqlite":
        try:
            con = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
            try:
                ok = con.execute("PRAGMA quick_check").fetchone()[0]
            finally:
                con.close()
        except sqlite3.DatabaseError:
            ok = "not a database"
        if ok != "ok":
            report.add("dump_unreadable", member)
            return None
        engine = create_engine(f"sqlite:///{dump}")
        with engine.connect() as conn:
            counts = describe(conn)["row_counts"]
        if counts != manifest.get("row_counts"):
            diff = sorted(k for k in set(counts) | set(manifest.get("row_counts", {}))
                          if counts.get(k) != manifest.get("row_counts", {}).get(k))
            report.add("row_counts", member, tables=", ".join(diff))
        return engine
    try:
        _run([_pg_tool("pg_restore"), "--list", str(dump)], dict(os.environ), "pg_restore --list")
        return _pg_tables_in_memory(dump, manifest, report)
    except BackupError:
        report.add("dump_unreadable", member, text="pg_dump_unreadable")
        return None


_COPY_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}


def _copy_field(raw: str):
    """One field of PostgreSQL's COPY text format."""
    if raw == "\\N":
        return None
    if "\\" not in raw:
        return raw
    out, i = [], 0
    while i < len(raw):
        c = raw[i]
        if c == "\\" and i + 1 < len(raw):
            n = raw[i + 1]
            if n in _COPY_ESCAPES:
                out.append(_COPY_ESCAPES[n])
                i += 2
                continue
            if n.isdigit():
                j = i + 1
                while j < len(raw) and j < i + 4 and raw[j] in "01234567":
                    j += 1
                out.append(chr(int(raw[i + 1:j], 8)))
                i = j
                continue
            out.append(n)
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _pg_tables_in_memory(dump: Path, manifest: dict, report: VerifyReport):
    """The tables the checks need (audit log, heads, company keys), read out of the custom
    dump into an in-memory SQLite: a PostgreSQL archive is checked without a PostgreSQL."""
    wanted = (audit_log, audit_heads, company_keys)
    proc = _run([_pg_tool("pg_restore"), "--data-only", *(f"--table={t.name}" for t in wanted),
                 "--file=-", str(dump)], dict(os.environ), "pg_restore")
    engine = create_engine("sqlite://", poolclass=StaticPool)
    by_name = {t.name: t for t in wanted}
    with engine.begin() as conn:
        for t in wanted:
            t.create(conn)
        table: Table | None = None
        cols: list[str] = []
        rows: list[dict] = []
        for line in proc.stdout.decode().split("\n"):
            if table is None:
                if line.startswith("COPY "):
                    name = line.split()[1].split(".")[-1].strip('"')
                    if name in by_name:
                        table = by_name[name]
                        cols = [c.strip().strip('"') for c in
                                line[line.index("(") + 1:line.index(")")].split(",")]
                        rows = []
                continue
            if line == "\\.":
                if rows:
                    conn.execute(insert(table), rows)
                table = None
                continue
            row = {}
            for c, raw in zip(cols, line.split("\t")):
                v = _copy_field(raw)
                col = table.c[c]
                if v is not None and isinstance(col.type, LargeBinary):
                    v = bytes.fromhex(v[2:])
                elif v is not None and col.type.python_type is int:
                    v = int(v)
                row[c] = v
            rows.append(row)
    counts = {}
    with engine.connect() as conn:
        for t in wanted:
            counts[t.name] = conn.execute(select(func.count()).select_from(t)).scalar_one()
    expected = manifest.get("row_counts", {})
    diff = sorted(k for k in counts if counts[k] != expected.get(k))
    if diff:
        report.add("row_counts", manifest["database_member"], tables=diff)
    return engine


# -- restore ---------------------------------------------------------------------------------
@dataclass
class RestoreResult:
    manifest: dict
    row_counts: dict
    audit_entries: int
    ledger: shred_ledger.ApplyResult


def has_data(rt: Runtime) -> bool:
    with rt.engine.connect() as conn:
        names = set(inspect(conn).get_table_names())
        for t in ("companies", "persons", "audit_log"):
            if t in names and conn.execute(text(f'SELECT 1 FROM "{t}" LIMIT 1')).first():
                return True
    return False


def restore_backup(rt: Runtime, path: Path, *, yes: bool = False,
                   progress: Progress = _noop, actor: str = "system") -> RestoreResult:
    """Check the archive, replace the database with it, check the audit chains on the result,
    then re-apply the shred ledger. Refuses over existing data unless ``yes``."""
    backend = "sqlite" if is_sqlite(rt.settings.database_url) else "postgresql"
    with private_tmp(rt.settings.home) as tmp:
        progress("verify", 0, None)
        report, dump = _check_archive(Path(path), rt.master, tmp)
        if not report.ok:
            f = report.findings[0]
            raise BackupInvalid("backup_does_not_verify", member=f.member, finding=f)
        assert dump is not None                 # an archive that verifies has its database
        manifest = report.manifest
        if manifest["backend"] != backend:
            raise BackupConflict("backup_backend_mismatch", backup=manifest["backend"],
                                 current=backend)
        _check_revision(manifest.get("alembic_revision"))
        if has_data(rt):
            if not yes:
                raise NeedsConfirmation("restore_needs_confirmation")
            # Shreds committed in the database about to be replaced are confirmed in the ledger
            # now, while the evidence (state 'shredded') still exists.
            if shred_ledger.ledger_path(rt.settings.home).exists():
                with rt.uow() as uow:
                    shred_ledger.apply(rt, uow.conn)
                    uow.commit()
        progress("restore", 0, None)
        replace = _restore_sqlite if backend == "sqlite" else _restore_pg
        with replace(rt, dump, manifest, tmp):
            migrate.upgrade(rt.engine)     # an older archive comes up to the current schema
            progress("audit", 0, None)
            with rt.uow(read_only=True) as uow:
                result = verify_audit(uow.conn)
            if not result.ok:
                raise BackupConflict("restore_audit_broken", first_bad=str(result.first_bad))
            progress("ledger", 0, None)
            with rt.uow() as uow:
                applied = shred_ledger.apply(rt, uow.conn)
                rt.audit.append(uow.conn, "system", "", [AuditEvent(
                    actor=actor, role="operator", action="backup_restore", outcome="done",
                    reason=f"backup:{manifest['backup_id']}")])
                uow.commit()
    # Keys cached from the replaced database must not outlive it.
    for cache in ("_indexers", "_sealers", "_system"):
        getattr(rt.keys, cache, {}).clear()
    with rt.engine.connect() as conn:
        counts = describe(conn)["row_counts"]
    return RestoreResult(manifest, counts, result.entries, applied)


def _check_revision(revision: str | None) -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate._config())
    try:
        known = revision is not None and script.get_revision(revision) is not None
    except Exception:
        known = False
    if not known:
        raise BackupConflict("backup_schema_unknown", revision=str(revision))


@contextmanager
def _restore_sqlite(rt: Runtime, dump: Path, manifest: dict, tmp: Path):
    """Copy the archive's database into the live file with the backup API (it writes through
    SQLite's own locking, so a running reader is never handed a half-written file). The live
    database is first copied aside; any failure before the end copies it back."""
    live = _sqlite_file(rt.settings.database_url)
    aside = tmp / "pre-restore.db"
    rt.engine.dispose()
    _copy_sqlite(live, aside)
    try:
        _copy_sqlite(dump, live)
        rt.engine.dispose()
        yield
    except BaseException:
        rt.engine.dispose()
        _copy_sqlite(aside, live)
        raise
    finally:
        rt.engine.dispose()


def _copy_sqlite(src_path: Path, dst_path: Path) -> None:
    src = sqlite3.connect(src_path, timeout=30)
    dst = sqlite3.connect(dst_path, timeout=30)
    try:
        src.backup(dst)
        if dst.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
            # Old frames in the WAL may hold pages of the replaced database: fold them in now.
            dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        src.close()
        dst.close()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _schema_exists(conn: Connection, name: str) -> bool:
    return conn.execute(text("SELECT 1 FROM pg_namespace WHERE nspname = :n"),
                        {"n": name}).first() is not None


@contextmanager
def _restore_pg(rt: Runtime, dump: Path, manifest: dict, tmp: Path):
    """Rename the live schema aside, pg_restore the archive's schema, rename it into place; on
    failure drop the half-restored schema and rename the old one back. The old schema is dropped
    only once everything passed (it holds keys the ledger may have to shred)."""
    original = manifest["schema"]
    with rt.engine.connect() as conn:
        target = _current_schema(conn)
        if original != target and _schema_exists(conn, original):
            raise BackupConflict("restore_schema_exists", original=original, target=target)
    aside = f"{target[:40]}_pre_restore_{uuid.uuid4().hex[:8]}"
    rt.engine.dispose()
    admin = create_engine(_admin_url(rt.settings.database_url))
    try:
        with admin.begin() as conn:
            conn.execute(text(f"ALTER SCHEMA {_quote(target)} RENAME TO {_quote(aside)}"))
        try:
            _run([_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
                  "--single-transaction",
                  f"--dbname={make_url(rt.settings.database_url).database}", str(dump)],
                 _pg_env(rt.settings.database_url), "pg_restore")
            if original != target:
                with admin.begin() as conn:
                    conn.execute(text(f"ALTER SCHEMA {_quote(original)} RENAME TO "
                                      f"{_quote(target)}"))
            rt.engine.dispose()
            yield
        except BaseException:
            rt.engine.dispose()
            with admin.begin() as conn:
                for name in {original, target}:
                    if name != aside:
                        conn.execute(text(f"DROP SCHEMA IF EXISTS {_quote(name)} CASCADE"))
                conn.execute(text(f"ALTER SCHEMA {_quote(aside)} RENAME TO {_quote(target)}"))
            raise
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {_quote(aside)} CASCADE"))
    finally:
        admin.dispose()
        rt.engine.dispose()


def _admin_url(url: str) -> str:
    """The same database without the schema option: renaming and dropping schemas must not
    depend on a search_path that names one of them."""
    u = make_url(url)
    return u.set(query={k: v for k, v in u.query.items() if k != "options"}) \
        .render_as_string(hide_password=False)
