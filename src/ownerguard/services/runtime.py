"""Wiring: settings → engine, master key, data keys, policy, audit log, gate.

One ``Runtime`` per process. It holds no request state, so any number of stateless app processes
can share one PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, text

from ownerguard import detect
from ownerguard.config import Settings, load_settings
from ownerguard.domain.purposes import purpose_from_settings, register_purpose
from ownerguard.store.db import make_engine
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault.audit import AuditLog
from ownerguard.vault.datakeys import DataKeys
from ownerguard.vault.gate import Gate
from ownerguard.vault.grants import GRANTS, WRITE_ONLY_ROLES, with_extra
from ownerguard.vault.keys import MasterKey, load_master_key
from ownerguard.vault.passwords import Passwords
from ownerguard.vault.policy import Policy


def default_policy(settings: Settings | None = None) -> Policy:
    """The built-in grants, plus the deployment's own purposes and grant lines."""
    if settings is None or not (settings.purposes or settings.grants):
        return Policy(GRANTS, known_roles=WRITE_ONLY_ROLES)
    for code, doc in settings.purposes.items():
        register_purpose(*purpose_from_settings(code, doc))
    return Policy(with_extra(settings.grants), known_roles=WRITE_ONLY_ROLES)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    master: MasterKey
    keys: DataKeys
    policy: Policy
    audit: AuditLog
    gate: Gate
    passwords: Passwords
    # Adapters built lazily once per process and runtime (e.g. the number broker).
    adapters: dict = field(default_factory=dict)

    def uow(self, *, read_only: bool = False) -> UnitOfWork:
        return UnitOfWork(self.engine, read_only=read_only)

    def close(self) -> None:
        self.engine.dispose()

    def health(self) -> dict[str, str]:
        """Liveness and readiness: the database answers and the master key is loaded."""
        checks = {"database": "ok", "master_key": "ok"}
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            checks["database"] = "unavailable"
        try:
            self.master.current_version()
        except Exception:
            checks["master_key"] = "unavailable"
        return checks


def open_runtime(home: Path | None = None, *, settings: Settings | None = None,
                 master: MasterKey | None = None) -> Runtime:
    settings = settings or load_settings(home)
    master = master or load_master_key(settings.home)
    engine = make_engine(settings.database_url)
    keys = DataKeys(master)
    policy = default_policy(settings)
    audit = AuditLog()
    rt = Runtime(settings, engine, master, keys, policy, audit,
                 Gate(keys, policy, audit, mask_text=detect.mask_text),
                 Passwords.from_settings(settings.security))
    # Shreds recorded outside the database win over any older copy of it put back in place.
    from ownerguard.vault.shred_ledger import on_open
    on_open(rt)
    return rt
