"""Creating and opening an OwnerGuard home (``ownerguard init``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ownerguard.config import Settings, load_settings, write_default_settings
from ownerguard.store import migrate
from ownerguard.store.db import is_sqlite, make_engine
from ownerguard.vault.keys import KeyFile


@dataclass
class InitResult:
    home: Path
    created_key: bool
    database_url_shown: str


def init_home(home: Path | None = None, *, environ: dict[str, str] | None = None) -> InitResult:
    settings = load_settings(home, environ)
    settings.home.mkdir(parents=True, exist_ok=True)
    os.chmod(settings.home, 0o700)
    write_default_settings(settings.home)
    env = os.environ if environ is None else environ
    created = False
    if not (env.get("OWNERGUARD_MASTER_KEY") or env.get("OWNERGUARD_KMS_PROVIDER")):
        key_file = KeyFile(settings.key_file)
        if not key_file.exists():
            key_file.create()
            created = True
        key_file.check_permissions()
    settings.reports_dir.mkdir(exist_ok=True)
    os.chmod(settings.reports_dir, 0o700)
    migrate_database(settings)
    return InitResult(settings.home, created, display_url(settings.database_url))


def migrate_database(settings: Settings) -> None:
    engine = make_engine(settings.database_url)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()


def display_url(url: str) -> str:
    """The database URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    if is_sqlite(url):
        return url
    return make_url(url).render_as_string(hide_password=True)
