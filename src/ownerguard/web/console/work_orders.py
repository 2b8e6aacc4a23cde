"""Work orders (报修), visit records and renovation applications: list, create, comments
(sealed free text), state changes."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from ownerguard import clock
from ownerguard.edge import status_of
from ownerguard.errors import Problem
from ownerguard.services.staff_access import access, freetext
from ownerguard.services.staff_access import work_items as work_items_svc
from ownerguard.web.console.frame import (
    NUMBER,
    PREFIX,
    Console,
    ConsoleRoute,
    console,
    redirect,
    too_long,
)

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)


def _work_orders_page(c: Console, *, mine: bool, status: int = 200,
                      error: str | None = None, form: dict | None = None) -> HTMLResponse:
    items = work_items_svc.list_items(c.unit, c.who.company_id,
                                      communities=c.who.communities,
                                      assignee=c.who.username if mine else None)
    return c.page("work_orders.html", status=status, items=items, mine=mine, error=error,
                  form=form or {"room_id": "", "kind": "work_order", "category": "维修",
                                "assignee": ""},
                  kinds=list(work_items_svc.KINDS), can_create=c.who.role in work_items_svc.CREATORS,
                  can_assign=c.who.role in work_items_svc.ASSIGNERS, username=c.who.username)


@router.get("/work-orders")
def work_orders(request: Request, mine: str = "1") -> Response:
    with console(request) as c:
        return c.done(_work_orders_page(c, mine=mine != "0"))


@router.post("/work-orders")
def create_work_order(request: Request, room_id: str = Form(""), kind: str = Form("work_order"),
                      category: str = Form("维修"), assignee: str = Form(""),
                      csrf: str | None = Form(None)) -> Response:
    with console(request, csrf=csrf, post=True) as c:
        form = {"room_id": room_id.strip(), "kind": kind, "category": category.strip() or "维修",
                "assignee": assignee.strip()}
        if not form["room_id"]:
            return _work_orders_page(c, mine=False, status=422, error=c.t("wo_room_required"),
                                     form=form)
        if too_long(r=(form["room_id"], 40), k=(kind, 20), cat=(form["category"], 40),
                     a=(form["assignee"], 80)):
            return _work_orders_page(c, mine=False, status=422, error=c.t("too_long"),
                                     form=form)
        try:
            item = work_items_svc.open_item(c.rt, c.unit, c.who, room_id=form["room_id"],
                                            kind=kind, category=form["category"],
                                            assignee=form["assignee"] or None)
        except Problem as exc:
            c.unit.rollback()
            return _work_orders_page(c, mine=False, status=status_of(exc),
                                     error=c.t.error(exc), form=form)
        c.unit.commit()
        return redirect(request, f"{PREFIX}/work-orders", mine="0", msg="wo_created",
                         n=item.number)


def _work_order_in_scope(c: Console, number: str) -> work_items_svc.WorkItem | None:
    """The company's work item ``number`` if it is in the staff member's scope (else None:
    out of scope answers like missing, as in the REST API)."""
    if not NUMBER.match(number):
        return None
    try:
        return work_items_svc.visible(c.unit, c.who, number)
    except work_items_svc.WorkItemNotFound:
        return None


def _local_time(value: datetime) -> str:
    return clock.local(value).strftime("%Y-%m-%d %H:%M")


def _work_order_page(c: Console, item: work_items_svc.WorkItem, *, reveal: bool = False,
                     status: int = 200, error: str | None = None) -> HTMLResponse:
    """One work order and its comments. Comment texts come through the gate: masked (every
    finding of the detector) unless the DPO asked for the original; each read is audited."""
    ctx = access.staff_context(c.rt, c.unit, c.who, purpose=None, client=c.client)
    views = freetext.read_notes(c.rt, c.unit, ctx, work_item_id=item.id,
                                work_item_number=item.number, reveal=reveal)
    comments = [{"author": v.author, "at": _local_time(v.created_at), "text": v.text,
                 "original": v.outcome == "clear", "types": v.finding_types} for v in views]
    return c.page("work_order.html", status=status, item=item, comments=comments,
                  revealed=reveal, error=error, max_comment=freetext.MAX_TEXT,
                  get_path=f"{PREFIX}/work-orders/{item.number}",
                  can_reveal=c.who.role == "dpo" and bool(views))


@router.get("/work-orders/{number}")
def work_order(request: Request, number: str) -> Response:
    with console(request) as c:
        item = _work_order_in_scope(c, number)
        if item is None:
            return c.error(404, "wo_not_found")
        return c.done(_work_order_page(c, item))


@router.post("/work-orders/{number}/comments")
def add_comment(request: Request, number: str, text: str = Form(""),
                csrf: str | None = Form(None)) -> Response:
    with console(request, csrf=csrf, post=True) as c:
        item = _work_order_in_scope(c, number)
        if item is None:
            return c.error(404, "wo_not_found")
        # The text is never put back into the page: it may hold a phone number or a name.
        if not text.strip():
            return c.done(_work_order_page(c, item, status=422, error=c.t("comment_empty")))
        if len(text.strip()) > freetext.MAX_TEXT:
            return c.done(_work_order_page(c, item, status=422, error=c.t(
                "comment_too_long", n=freetext.MAX_TEXT)))
        try:
            freetext.write_note(c.rt, c.unit, company_id=c.who.company_id,
                                author=c.who.username, role=c.who.role,
                                kind="work_order_comment", text=text,
                                community_id=item.community_id, work_item_id=item.id,
                                work_item_number=item.number)
        except freetext.TextError:
            c.unit.rollback()
            return c.done(_work_order_page(c, item, status=422,
                                           error=c.t("invalid_request")))
        c.unit.commit()
        return redirect(request, f"{PREFIX}/work-orders/{item.number}",
                         msg="wo_comment_added", n=item.number)


@router.post("/work-orders/{number}/comments/reveal")
def reveal_comments(request: Request, number: str, csrf: str | None = Form(None)) -> Response:
    """The DPO reads the comments as written (audited as a clear read of each)."""
    with console(request, csrf=csrf, post=True, roles=("dpo",)) as c:
        item = _work_order_in_scope(c, number)
        if item is None:
            return c.error(404, "wo_not_found")
        return c.done(_work_order_page(c, item, reveal=True))


@router.post("/work-orders/{number}/{action}")
def work_order_action(request: Request, number: str, action: str,
                      assignee: str = Form(""), csrf: str | None = Form(None)) -> Response:
    with console(request, csrf=csrf, post=True) as c:
        status = {"assign": "assigned", "done": "done", "close": "closed"}.get(action)
        if status is None or not NUMBER.match(number):
            return c.error(404, "wo_not_found")
        item = _work_order_in_scope(c, number)
        if item is None:
            return c.error(404, "wo_not_found")
        if too_long(a=(assignee, 80)):
            return c.error(422, "too_long")
        try:
            work_items_svc.move(c.rt, c.unit, c.who, item, status,
                                assignee=assignee.strip() or None)
        except Problem as exc:
            c.unit.rollback()
            return c.error(status_of(exc), exc.code, c.t.error(exc))
        c.unit.commit()
        return redirect(request, f"{PREFIX}/work-orders", mine="0", msg="wo_updated",
                         n=number)
