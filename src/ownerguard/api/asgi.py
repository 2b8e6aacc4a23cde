"""ASGI entry for running several worker processes (``uvicorn ownerguard.api.asgi:app
--workers N``): each process opens its own runtime from ``OWNERGUARD_HOME``."""

from __future__ import annotations

from ownerguard.services.runtime import open_runtime
from ownerguard.api.app import create_app

app = create_app(open_runtime())
