"""The inquiry page of the owner portal: the timeline (my letter, the company's answers, the
owners' committee's replies), 接受答复, 提交业委会, and 下载投诉材料 (the regulator dossier).

Calls ``services.inquiries.detail/accept/escalate`` and ``services.dossier.build``; each checks
that the inquiry is the session's own (anything else is "not found").
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from ownerguard.edge import status_of
from ownerguard.services.owners import dossier as dossier_svc
from ownerguard.services.owners import inquiries as inquiries_svc
from ownerguard.web.portal.pages import (
    PREFIX,
    Owner,
    OwnerRoute,
    _label,
    _redirect,
    local_time,
    owner,
    user_error,
)
from ownerguard.web.render import finish

router = APIRouter(prefix=PREFIX, route_class=OwnerRoute, include_in_schema=False)
_KEY = re.compile(r"^(IQ-\d{8}-[0-9A-F]{1,8}|[A-Za-z0-9_-]{1,40})$")
_FILE = re.compile(r"[^A-Za-z0-9._-]")
_STAFF_REF = re.compile(r"(员工[0-9a-f]{6,})")


def _by(o: Owner, event: dict) -> str:
    if o.lang != "en":
        return event["by"]
    if event["role"] == "owner":
        return o.t("ow_you")
    if event["role"] == "system":
        return o.t("ow_system")
    ref = _STAFF_REF.search(event["by"] or "")
    role = o.t.role(event["role"])
    return f"{role} (staff {ref.group(1)[2:]})" if ref else role


def _view(o: Owner, d: dict) -> dict:
    t = o.t
    en = o.lang == "en"
    return {
        "id": d["id"], "number": d["number"],
        "kind": _label(t, "ow_iq_kind_", d["kind"]) if en else d["kind_label"],
        "status": _label(t, "ow_iq_status_", d["status"]), "status_code": d["status"],
        "filed": local_time(d["filed"]), "due": d["due"],
        "due_estimated": d["due_estimated"], "overdue": d["overdue"],
        "entry": d.get("audit_entry") or "",
        "timeline": [{"at": local_time(e["at"]), "kind": e["kind"],
                      "label": _label(t, "ow_ev_", e["kind"]) if en else e["label"],
                      "by": _by(o, e), "text": e["text"]} for e in d["timeline"]],
        "can_accept": d.get("can_accept", False), "can_escalate": d.get("can_escalate", False),
        "can_download_dossier": d.get("can_download_dossier", False),
    }


def _page(o: Owner, key: str, *, status: int = 200, error: str | None = None) -> Response:
    try:
        d = inquiries_svc.detail(o.rt, o.unit, o.session, key, client=o.client)
    except inquiries_svc.InquiryError as exc:
        o.unit.commit()
        return o.error(status_of(exc), user_error(o.lang, exc))
    o.unit.commit()         # the owner's read of their own letters is audited
    return o.page("inquiry.html", status=status, iq=_view(o, d), error=error,
                  get_path=f"{PREFIX}/inquiries/{d['id']}")


def _checked(o: Owner, key: str) -> Response | None:
    if not _KEY.match(key):
        return o.error(404, o.t("ow_no_person"))
    return None


@router.get("/inquiries/{key}")
def inquiry(request: Request, key: str) -> Response:
    with owner(request) as o:
        refused = _checked(o, key)
        if refused:
            return o.done(refused)
        return _page(o, key)


@router.post("/inquiries/{key}/accept")
def accept(request: Request, key: str, csrf: str | None = Form(None)) -> Response:
    """接受答复: the owner is satisfied; the inquiry is closed."""
    with owner(request, post=True, csrf=csrf) as o:
        refused = _checked(o, key)
        if refused:
            return o.done(refused)
        try:
            item = inquiries_svc.accept(o.rt, o.unit, o.session, key)
        except inquiries_svc.InquiryError as exc:
            if exc.kind == "not_found":
                return o.done(o.error(404, user_error(o.lang, exc)))
            return _page(o, key, status=422, error=user_error(o.lang, exc))
        o.unit.commit()
        return _redirect(request, f"{PREFIX}/inquiries/{item.id}", msg="ow_iq_accepted",
                         n=item.number)


@router.post("/inquiries/{key}/escalate")
def escalate(request: Request, key: str, text: str = Form(""),
             csrf: str | None = Form(None)) -> Response:
    """提交业委会: after an unsatisfying answer, or when the deadline passed unanswered."""
    with owner(request, post=True, csrf=csrf) as o:
        refused = _checked(o, key)
        if refused:
            return o.done(refused)
        if len(text) > 4000:
            return _page(o, key, status=422, error=o.t("too_long"))
        try:
            item = inquiries_svc.escalate(o.rt, o.unit, o.session, key, text=text.strip())
        except inquiries_svc.InquiryError as exc:
            if exc.kind == "not_found":
                return o.done(o.error(404, user_error(o.lang, exc)))
            return _page(o, key, status=422, error=user_error(o.lang, exc))
        o.unit.commit()
        return _redirect(request, f"{PREFIX}/inquiries/{item.id}", msg="ow_iq_escalated",
                         n=item.number)


@router.get("/inquiries/{key}/dossier")
def dossier(request: Request, key: str) -> Response:
    """下载投诉材料: a zip (PDF and the rest) built in memory for the owner's own inquiry."""
    with owner(request) as o:
        refused = _checked(o, key)
        if refused:
            return o.done(refused)
        try:
            name, data = dossier_svc.build(o.rt, o.unit, o.session, key, client=o.client)
        except inquiries_svc.InquiryError as exc:
            if exc.kind == "not_found":
                return o.done(o.error(404, user_error(o.lang, exc)))
            return _page(o, key, status=422, error=user_error(o.lang, exc))
        o.unit.commit()         # generating it is audited; hand it out only once committed
        safe = _FILE.sub("_", name) or "dossier.zip"
        return finish(request, Response(data, media_type="application/zip", headers={
            "Content-Disposition": f'attachment; filename="{safe}"'}))

