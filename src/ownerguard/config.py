"""Where OwnerGuard keeps things, and how it finds its database and master key.

``OWNERGUARD_HOME`` (default ``./.ownerguard``) holds ``settings.toml``, the embedded SQLite
database ``ownerguard.db``, the master key file ``master.key`` (0600) and ``reports/`` (reject
reports: row, column, reason — never values). ``OWNERGUARD_DATABASE_URL`` (or ``database_url`` in
the settings file) selects PostgreSQL: ``postgresql+psycopg://user@host/db``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

SETTINGS_FILE = "settings.toml"


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    debug: bool = False
    # [contact] section: SMS and number-broker providers (services.contact); empty = the
    # development outbox and the built-in alias pool.
    contact: dict = field(default_factory=dict)
    # [quotas] section: role = [reveals per hour, reveals per day], overriding domain.staff.
    quotas: dict = field(default_factory=dict)
    # [purposes.CODE] and [grants]: a deployment's own purposes and grant lines.
    purposes: dict = field(default_factory=dict)
    grants: dict = field(default_factory=dict)
    # [rights] section: working_days = 15 (L17 deadline for owners' rights requests).
    rights: dict = field(default_factory=dict)
    # [retention] section: <category>_days overrides (domain.retention; legal minimums enforced).
    retention: dict = field(default_factory=dict)
    # [security] section: argon2_time_cost, argon2_memory_kib, argon2_parallelism (staff
    # password hashing; vault.passwords).
    security: dict = field(default_factory=dict)

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def key_file(self) -> Path:
        return self.home / "master.key"


def home_from_env(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env.get("OWNERGUARD_HOME") or ".ownerguard").absolute()


def load_settings(home: Path | None = None, environ: Mapping[str, str] | None = None
                  ) -> Settings:
    env = os.environ if environ is None else environ
    home = (home or home_from_env(env)).absolute()
    doc: dict = {}
    path = home / SETTINGS_FILE
    if path.exists():
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    url = env.get("OWNERGUARD_DATABASE_URL") or doc.get("database_url") \
        or f"sqlite:///{home / 'ownerguard.db'}"
    return Settings(home=home, database_url=url, debug=bool(doc.get("debug", False)),
                    contact=dict(doc.get("contact", {})),
                    quotas={k: tuple(v) for k, v in doc.get("quotas", {}).items()},
                    purposes=dict(doc.get("purposes", {})), grants=dict(doc.get("grants", {})),
                    rights=dict(doc.get("rights", {})),
                    retention=dict(doc.get("retention", {})),
                    security=dict(doc.get("security", {})))


def write_default_settings(home: Path) -> Path:
    path = home / SETTINGS_FILE
    if not path.exists():
        path.write_text(
            "# OwnerGuard settings. Environment variables override these.\n"
            "# database_url = \"postgresql+psycopg://ownerguard@127.0.0.1/ownerguard\"\n"
            "debug = false\n", encoding="utf-8")
    return path
