"""The DPO's desk: the audit log, alerts, export approvals."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from ownerguard import clock
from ownerguard.edge import status_of
from ownerguard.services.oversight import alerts as alerts_svc
from ownerguard.services.oversight import audit_query
from ownerguard.services.sharing import exports
from ownerguard.services.staff_access import access
from ownerguard.web.console.frame import (
    AUDIT_SHOWN,
    ID,
    PREFIX,
    Console,
    ConsoleRoute,
    console,
    redirect,
    too_long,
)

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)


def _audit_entries(c: Console, person_id: str | None, actor: str | None,
                   since: str | None) -> list[dict]:
    """The company's audit entries, newest first, filtered. Entries hold ids and codes only."""
    return audit_query.search(c.unit, c.who.company_id, person_id=person_id, actor=actor,
                              since=since, limit=AUDIT_SHOWN)


@router.get("/dpo/audit")
def dpo_audit(request: Request, person_id: str = "", actor: str = "",
              since: str = "") -> Response:
    with console(request, roles=("dpo",)) as c:
        person_id, actor, since = person_id.strip(), actor.strip(), since.strip()
        error = None
        since_iso = None
        if too_long(p=(person_id, 40), a=(actor, 120), s=(since, 40)):
            error, person_id, actor, since = "too_long", "", "", ""
        if since:
            try:
                day = date.fromisoformat(since)
                since_iso = clock.iso(clock.start_of_day(day))
            except ValueError:
                error = "bad_since"
        entries = [] if error else _audit_entries(c, person_id or None, actor or None,
                                                  since_iso)
        return c.done(c.page("dpo_audit.html", status=422 if error else 200, entries=entries,
                      person_id=person_id, actor=actor, since=since, error=error,
                      shown=AUDIT_SHOWN))


def _alerts_page(c: Console, status_filter: str, *, status: int = 200,
                 error: str | None = None) -> HTMLResponse:
    items = alerts_svc.list_alerts(c.unit, c.who.company_id, status=status_filter)
    ctx = access.staff_context(c.rt, c.unit, c.who, purpose="oversight", client=c.client)
    notes = {a.id: alerts_svc.note(c.rt, c.unit, ctx, a.id)
             for a in items if a.kind == "break_glass"}
    return c.page("dpo_alerts.html", status=status, alerts=items, notes=notes,
                  status_filter=status_filter, resolutions=alerts_svc.RESOLUTIONS, error=error)


@router.get("/dpo/alerts")
def dpo_alerts(request: Request, status: str = "open") -> Response:
    with console(request, roles=("dpo",)) as c:
        return c.done(_alerts_page(c, "reviewed" if status == "reviewed" else "open"))


@router.post("/dpo/alerts/{alert_id}/review")
def dpo_review(request: Request, alert_id: str, resolution: str = Form(""),
               csrf: str | None = Form(None)) -> Response:
    with console(request, csrf=csrf, post=True, roles=("dpo",)) as c:
        if not ID.match(alert_id):
            return c.error(404, "alert_not_found")
        try:
            alerts_svc.review(c.rt, c.unit, company_id=c.who.company_id, alert_id=alert_id,
                              reviewer=c.who.username, resolution=resolution)
        except ValueError:
            c.unit.rollback()
            return c.error(422, "invalid_request")
        except LookupError:
            c.unit.rollback()
            return c.error(404, "alert_not_found")
        c.unit.commit()
        return redirect(request, f"{PREFIX}/dpo/alerts", msg="alert_reviewed")


def _dpo_exports_page(c: Console, *, status: int = 200, error: str | None = None
                      ) -> HTMLResponse:
    items = exports.list_exports(c.unit, c.who.company_id)
    waiting = [e for e in items if e.status == "requested"]
    decided = [e for e in items if e.status != "requested"][:20]
    return c.page("dpo_exports.html", status=status, waiting=waiting, decided=decided,
                  error=error, username=c.who.username)


@router.get("/dpo/exports")
def dpo_exports(request: Request) -> Response:
    with console(request, roles=("dpo",)) as c:
        return c.done(_dpo_exports_page(c))


@router.post("/dpo/exports/{export_id}/decide")
def dpo_decide(request: Request, export_id: str, decision: str = Form(""),
               csrf: str | None = Form(None)) -> Response:
    with console(request, csrf=csrf, post=True, roles=("dpo",)) as c:
        if decision not in ("approve", "reject") or not ID.match(export_id):
            return c.error(422, "invalid_request")
        try:
            item = exports.decide(c.rt, c.unit, c.who, export_id, approve=decision == "approve")
        except exports.ExportError as exc:
            c.unit.rollback()
            return _dpo_exports_page(c, status=status_of(exc), error=c.t.error(exc))
        c.unit.commit()
        return redirect(request, f"{PREFIX}/dpo/exports", msg="export_decided",
                         n=item.number)


__all__ = ["router", "ConsoleRoute", "PREFIX"]
