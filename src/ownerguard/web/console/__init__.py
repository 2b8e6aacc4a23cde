"""The staff console (员工工作台) under ``/console``: server-rendered pages, htmx for in-place
updates. One module per topic: ``signin``, ``search`` (owners and the person card),
``work_orders``, ``notices``, ``training``, ``exports``, ``oversight`` (the DPO's desk); the
request plumbing every page shares is ``frame``.

Thin like the REST API: each request opens one unit of work, authenticates the ``og_session``
cookie, checks the CSRF token on every POST, calls services (never tables) and commits
explicitly. URLs carry ids, codes and filters only — search terms travel in POST bodies, so no
phone number or name lands in a URL, a browser history or a proxy log.
"""

from __future__ import annotations

from fastapi import APIRouter

from ownerguard.web.console import (
    exports,
    notices,
    oversight,
    search,
    signin,
    training,
    work_orders,
)

router = APIRouter()
for _module in (signin, search, work_orders, notices, training, exports, oversight):
    router.include_router(_module.router)
