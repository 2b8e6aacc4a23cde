"""Unit of work: one transaction, owned here, shared by the services and the gate.

Services receive a ``UnitOfWork`` and never commit themselves; the entrypoint (CLI command,
API request) opens one, calls a service and commits. Audit entries appended by the gate live in
the same transaction as the read they record, so a read whose audit cannot be written is rolled
back with it.
"""

from __future__ import annotations

import threading
import weakref

from sqlalchemy import Connection, Engine

# SQLite has one writer at a time. Threads of one process that all BEGIN IMMEDIATE would wait
# in SQLite's busy handler, which sleeps in growing steps (up to 100 ms); queueing them on a
# lock of our own hands the database over as soon as the previous writer commits.
_writer_locks: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()
_locks_guard = threading.Lock()


def _writer_lock(engine: Engine) -> threading.Lock:
    with _locks_guard:
        lock = _writer_locks.get(engine)
        if lock is None:
            lock = _writer_locks[engine] = threading.Lock()
        return lock


class UnitOfWork:
    def __init__(self, engine: Engine, *, read_only: bool = False):
        self._engine = engine
        self._read_only = read_only
        self._conn: Connection | None = None
        self._committed = False
        self._lock: threading.Lock | None = None

    @property
    def conn(self) -> Connection:
        """The transaction's connection; only inside ``with``."""
        if self._conn is None:
            raise RuntimeError("the unit of work is not open (use it in a with block)")
        return self._conn

    def __enter__(self) -> UnitOfWork:
        self._lock = None
        if self._engine.dialect.name == "sqlite" and not self._read_only:
            self._lock = _writer_lock(self._engine)
            self._lock.acquire()
        try:
            conn = self._engine.connect()
            if self._read_only and conn.dialect.name == "sqlite":
                conn = conn.execution_options(sqlite_begin="DEFERRED")
            self._conn = conn
            self._tx = conn.begin()
        except BaseException:
            if self._lock is not None:
                self._lock.release()
            raise
        return self

    def commit(self) -> None:
        self._tx.commit()
        self._committed = True

    def rollback(self) -> None:
        if self._tx.is_active:
            self._tx.rollback()

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if not self._committed:
                self.rollback()
        finally:
            if self._conn is not None:
                self._conn.close()
            self._conn = None
            if self._lock is not None:
                self._lock.release()

    @property
    def dialect(self) -> str:
        return self.conn.dialect.name
