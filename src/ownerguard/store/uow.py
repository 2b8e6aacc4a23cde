"""Unit of work: one transaction, owned here, shared by the services and the gate.

Services receive a ``UnitOfWork`` and never commit themselves; the entrypoint (CLI command,
API request) opens one, calls a service and commits. Audit entries appended by the gate live in
the same transaction as the read they record, so a read whose audit cannot be written is rolled
back with it.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine


class UnitOfWork:
    def __init__(self, engine: Engine, *, read_only: bool = False):
        self._engine = engine
        self._read_only = read_only
        self.conn: Connection | None = None
        self._committed = False

    def __enter__(self) -> "UnitOfWork":
        conn = self._engine.connect()
        if self._read_only and conn.dialect.name == "sqlite":
            conn = conn.execution_options(sqlite_begin="DEFERRED")
        self.conn = conn
        self._tx = conn.begin()
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
            assert self.conn is not None
            self.conn.close()
            self.conn = None

    @property
    def dialect(self) -> str:
        assert self.conn is not None
        return self.conn.dialect.name
