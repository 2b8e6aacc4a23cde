"""Finding owners and the person card: masked search results, the card, a purpose-bound
reveal, contacting the owner without seeing the number."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from ownerguard.adapters.contact import ContactError
from ownerguard.domain.fields import CATALOGUE
from ownerguard.domain.purposes import PURPOSES
from ownerguard.edge import status_of
from ownerguard.services.staff_access import access, contact_owner
from ownerguard.services.staff_access import work_items as work_items_svc
from ownerguard.vault.gate import PersonNotFound
from ownerguard.vault.policy import Outcome
from ownerguard.web.console.frame import ID, PREFIX, Console, ConsoleRoute, console, too_long
from ownerguard.web.render import is_htmx

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)


def _search_blocked(c: Console) -> str | None:
    if c.who.role == "sysadmin":
        return "sysadmin_no_search"
    if not c.purposes:
        return "no_purposes"
    return None


def _rows(views) -> list[dict]:
    return [{"id": v.person_id, "minor": v.is_minor, "state": v.state,
             "cells": [(f, v.fields[f]) for f in access.LIST_FIELDS if f in v.fields]}
            for v in views]


@router.get("/")
def home(request: Request) -> Response:
    with console(request) as c:
        blocked = _search_blocked(c)
        return c.done(c.page("search.html", blocked=blocked, purposes=c.purposes,
                             purpose=c.purpose_or_default(None), building="", room="",
                             searched=False, rows=[], page_no=1, has_more=False,
                             message=None))


@router.post("/search")
def search(request: Request, q: str = Form(""), building: str = Form(""),
           room: str = Form(""), purpose: str = Form(""), page: str = Form("1"),
           csrf: str | None = Form(None)) -> Response:
    with console(request, csrf=csrf, post=True) as c:
        blocked = _search_blocked(c)
        q, building, room = q.strip(), building.strip(), room.strip()
        chosen = c.purpose_or_default(purpose.strip() or None)
        page_no = int(page) if page.isdigit() and 0 < int(page) <= 10_000 else 1
        # The term is not put back into the page (it is a phone, ID number or name).
        context: dict[str, Any] = dict(blocked=blocked, purposes=c.purposes, purpose=chosen,
                       building=building, room=room, searched=True, rows=[], page_no=page_no,
                       has_more=False, message=None)
        template = "_results.html" if is_htmx(request) else "search.html"
        if blocked:
            return c.done(c.page(template, status=403, **context | {"message": blocked}))
        if too_long(q=(q, 40), b=(building, 40), r=(room, 40), p=(chosen, 40)):
            return c.page(template, status=422, **context | {"message": "too_long"})
        if not (q or building or room):
            return c.done(c.page(template, **context | {"message": "need_term"}))
        ctx = access.staff_context(c.rt, c.unit, c.who, purpose=chosen, client=c.client)
        result = access.list_persons(c.rt, c.unit, ctx, q=q or None, building=building or None,
                                     room=room or None, page=page_no)
        context.update(rows=_rows(result.views), has_more=result.has_more,
                       message=None if result.views else "no_results")
        return c.done(c.page(template, **context))




def _live_items(c: Console, kind: str | None) -> list[work_items_svc.WorkItem]:
    items = work_items_svc.list_items(c.unit, c.who.company_id, assignee=c.who.username,
                                      live_only=True)
    return [i for i in items if kind is None or i.kind == kind]


@router.get("/persons/{person_id}")
def person(request: Request, person_id: str, purpose: str | None = None) -> Response:
    with console(request) as c:
        blocked = _search_blocked(c)
        if blocked:
            return c.done(c.error(403, blocked))
        if not ID.match(person_id):
            return c.error(404, "no_such_person")
        if too_long(p=(purpose, 40)):
            return c.error(422, "too_long")
        purpose = c.purpose_or_default(purpose)
        ctx = access.staff_context(c.rt, c.unit, c.who, purpose=purpose, client=c.client)
        try:
            view = access.record(c.rt, c.unit, ctx, person_id)
        except PersonNotFound:
            return c.done(c.error(404, "no_such_person"))
        # Commit keeps the read's audit entries (and any anomaly alert), refused or not.
        shown = list(view.fields.values())
        if all(s.outcome is Outcome.DENIED for s in shown) and \
                any(s.reason in ("out_of_scope", "other_company") for s in shown):
            return c.done(c.error(403, shown[0].reason))
        spec = PURPOSES.get(purpose or "")
        need_kind = spec.work_item if spec else None
        revealable = [f for f in CATALOGUE
                      if c.rt.policy.level(c.who.role, purpose or "", f).name == "REVEAL"]
        return c.done(c.page(
            "person.html", view=view, person_id=person_id, purpose=purpose,
            purposes=c.purposes, fields=list(view.fields.items()), revealable=revealable,
            need_kind=need_kind, reveal_items=_live_items(c, need_kind),
            contact_items=_live_items(c, need_kind or "work_order"),
            emergency=purpose == "emergency"))


def _fragment(c: Console, template: str, full: str, *, status: int = 200, **context):
    """htmx gets the fragment; a browser without JS gets it inside a full page."""
    if is_htmx(c.request):
        return c.page(template, status=status, **context)
    return c.page(full, status=status, fragment=template, **context)


@router.post("/persons/{person_id}/reveal")
def reveal(request: Request, person_id: str, fields: list[str] = Form([]),
           purpose: str = Form(""), work_order: str = Form(""),
           emergency_reason: str = Form(""), csrf: str | None = Form(None)) -> Response:
    with console(request, csrf=csrf, post=True) as c:
        base: dict[str, Any] = dict(person_id=person_id, purpose=purpose, clear=[], refused=[],
                                    message=None)

        def answer(status: int = 200, **context):
            return _fragment(c, "_reveal.html", "action_result.html", status=status,
                             **base | context)

        blocked = _search_blocked(c)
        if blocked:
            c.unit.commit()
            return answer(403, message=blocked)
        if not ID.match(person_id):
            return answer(404, message="no_such_person")
        if too_long(p=(purpose, 40), w=(work_order, 40), e=(emergency_reason, 500)) or \
                len(fields) > 20:
            return answer(422, message="too_long")
        if not fields:
            return answer(422, message="choose_fields")
        reason_text = emergency_reason.strip() or None
        try:
            ctx = access.staff_context(c.rt, c.unit, c.who, purpose=purpose or None,
                                       work_item=work_order or None,
                                       emergency_reason=reason_text, client=c.client)
            view = access.reveal(c.rt, c.unit, ctx, person_id, fields,
                                 emergency_reason=reason_text)
        except PersonNotFound:
            return answer(404, message="no_such_person")
        except access.AccessError as exc:
            return answer(status_of(exc), message=exc.code)
        c.unit.commit()         # the audit entries (and any alert) are kept whatever the outcome
        clear = [(f, s.value) for f, s in view.fields.items() if s.outcome is Outcome.CLEAR]
        refused = [(f, s) for f, s in view.fields.items() if s.outcome is not Outcome.CLEAR]
        return answer(clear=clear, refused=refused)


@router.post("/persons/{person_id}/contact")
def contact(request: Request, person_id: str, channel: str = Form(""),
            work_order: str = Form(""), purpose: str = Form(""),
            csrf: str | None = Form(None)) -> Response:
    with console(request, csrf=csrf, post=True) as c:
        base = dict(person_id=person_id, purpose=purpose, result=None, message=None,
                    detail=None)

        def answer(status: int = 200, **context):
            return _fragment(c, "_contact.html", "action_result.html", status=status,
                             **base | context)

        blocked = _search_blocked(c)
        if blocked:
            c.unit.commit()
            return answer(403, message=blocked)
        if not ID.match(person_id):
            return answer(404, message="no_such_person")
        if too_long(p=(purpose, 40), w=(work_order, 40), ch=(channel, 10)):
            return answer(422, message="too_long")
        try:
            ctx = access.staff_context(c.rt, c.unit, c.who,
                                       purpose=c.purpose_or_default(purpose or None),
                                       work_item=work_order or None, client=c.client)
            result = contact_owner.contact(c.rt, c.unit, ctx, person_id, channel=channel)
        except PersonNotFound:
            return answer(404, message="no_such_person")
        except access.AccessError as exc:
            return answer(status_of(exc), message=exc.code)
        except contact_owner.ContactRefused as exc:
            c.unit.commit()     # the refusal was audited
            return answer(status_of(exc), message=exc.code)
        except ContactError as exc:
            c.unit.commit()     # the attempt was audited; the message holds no number
            return answer(status_of(exc), message="contact_failed", detail=c.t.error(exc))
        c.unit.commit()
        return answer(result=result)
