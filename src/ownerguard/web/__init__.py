"""The staff console (员工工作台): server-rendered pages under ``/console``.

``install(app)`` is all an application needs to call: it adds the console's routes and serves
``web/static`` (htmx, the stylesheet) under ``/static``.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from ownerguard.web import console, portal
from ownerguard.web.render import STATIC


def install(app: FastAPI) -> None:
    """Mount the console on ``app``: routes under ``/console``, files under ``/static``.
    Calling it twice does nothing the second time."""
    if getattr(app.state, "console_installed", False):
        return
    app.include_router(console.router)
    app.include_router(portal.router)       # the owner portal under /owner
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    app.state.console_installed = True


__all__ = ["install"]
