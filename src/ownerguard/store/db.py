"""Engines for the two supported databases.

SQLite (embedded, one community or a small company): WAL for concurrent readers, foreign keys on,
``secure_delete`` so freed pages holding old ciphertext or a deleted data key are zeroed,
temporary tables and sorts kept in memory so nothing spills to a temp file.

PostgreSQL (production, many stateless app processes): psycopg 3, plain connection pool.
"""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str, *, echo: bool = False) -> Engine:
    if is_sqlite(url):
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - exercised by every test
        # Take over transaction control from the sqlite3 module (SQLAlchemy's documented
        # recipe) so that BEGIN is issued by us, below.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA secure_delete=ON",
            "PRAGMA temp_store=MEMORY",
            "PRAGMA synchronous=NORMAL",
            "PRAGMA busy_timeout=30000",
        ):
            cur.execute(pragma)
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # pragma: no cover - exercised by every test
        # IMMEDIATE takes the write lock up front: almost every unit of work writes (each read
        # of personal data appends audit entries), and a deferred transaction that later needs
        # the lock fails with SQLITE_BUSY instead of waiting.
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")
