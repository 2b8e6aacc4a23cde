"""The owner portal (业主门户) under ``/owner``: sign-in, my data, access log, consents
(``pages``), one inquiry with its timeline and dossier (``inquiry``), rights requests and
copies (``rights``); cookies and CSRF (``session``)."""

from __future__ import annotations

from fastapi import APIRouter

from ownerguard.web.portal import inquiry, pages, rights

router = APIRouter()
for _module in (pages, inquiry, rights):
    router.include_router(_module.router)
