"""The rights-request pages of the owner portal (权利申请, L11–L16): file a request (access,
copy, portability, correction, deletion, restriction, explanation), follow it, and download
the copy of one's data (JSON for portability, xlsx).

Calls ``services.rights.file/mine/detail/copy_of``; requests are the session's own (the
service answers "not found" for anything else). Requests on behalf of a minor or a deceased
person are filed through the API for now.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from ownerguard.domain import rights as rights_domain
from ownerguard.edge import status_of
from ownerguard.services.owners import rights as rights_svc
from ownerguard.web.portal.pages import (
    PREFIX,
    Owner,
    OwnerRoute,
    _redirect,
    local_time,
    owner,
    pick,
    user_error,
)
from ownerguard.web.render import finish

router = APIRouter(prefix=PREFIX, route_class=OwnerRoute, include_in_schema=False)
_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
MEDIA = {"json": "application/json",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _kinds(o: Owner) -> list[tuple[str, str]]:
    return [(code, pick(o.lang, (k.label_zh, k.label_en)))
            for code, k in rights_domain.KINDS.items()]


def _editable(o: Owner) -> list[tuple[str, str]]:
    return [(f, o.t.field(f)) for f in rights_domain.EDITABLE]


def _status(o: Owner, code: str) -> str:
    pair = rights_domain.STATUS.get(code)
    return pick(o.lang, pair) if pair else code


def _row(o: Owner, r) -> dict:
    kinds = dict(_kinds(o))
    text = rights_domain.outcome_text(r.outcome)
    return {"id": r.id, "number": r.number, "kind": kinds.get(r.kind, r.kind),
            "kind_code": r.kind, "status": _status(o, r.status), "status_code": r.status,
            "filed": local_time(r.created_at), "due": r.due.isoformat(),
            "due_estimated": r.due_estimated, "outcome": pick(o.lang, text) if text else "",
            "downloadable": r.kind in rights_domain.DOWNLOADABLE and r.status == "done"
            and r.person_id is not None}


def _list_page(o: Owner, *, status: int = 200, error: str | None = None, kind: str = "",
               text: str = "", field: str = "", value: str = "") -> Response:
    rows = [_row(o, r) for r in rights_svc.mine(o.unit, o.session)]
    return o.page("rights.html", status=status, requests=rows, kinds=_kinds(o),
                  editable=_editable(o), kind=kind, text=text, field=field, value=value,
                  error=error, get_path=f"{PREFIX}/rights")


@router.get("/rights")
def rights(request: Request) -> Response:
    with owner(request) as o:
        return o.done(_list_page(o))


@router.post("/rights")
def file_request(request: Request, kind: str = Form(""), text: str = Form(""),
                 field: str = Form(""), value: str = Form(""),
                 csrf: str | None = Form(None)) -> Response:
    with owner(request, post=True, csrf=csrf) as o:
        kind, field = kind.strip()[:20], field.strip()[:40]
        if len(text) > 4000 or len(value) > 200:
            return o.done(_list_page(o, status=422, error=o.t("too_long"), kind=kind))
        corrections = {field: value} if kind == "correction" and field else None
        if kind == "correction" and not (field and value.strip()):
            return o.done(_list_page(o, status=422, error=o.t("ow_rq_need_correction"),
                                     kind=kind, text=text, field=field, value=value))
        svc = rights_svc
        try:
            item = svc.file(o.rt, o.unit, o.session, kind=kind, text=text.strip(),
                            corrections=corrections, client=o.client)
        except svc.RightsError as exc:
            o.unit.commit()
            return _list_page(o, status=status_of(exc),
                              error=user_error(o.lang, exc), kind=kind, text=text,
                              field=field, value=value)
        o.unit.commit()
        return _redirect(request, f"{PREFIX}/rights/{item.id}", msg="ow_rq_filed",
                         n=item.number)


@router.get("/rights/{request_id}")
def rights_request(request: Request, request_id: str) -> Response:
    with owner(request) as o:
        if not _ID.match(request_id):
            return o.done(o.error(404, o.t("ow_no_person")))
        svc = rights_svc
        try:
            d = svc.detail(o.rt, o.unit, o.session, request_id, client=o.client)
        except svc.RightsError as exc:
            o.unit.commit()
            return o.error(status_of(exc), user_error(o.lang, exc))
        explanation = d.get("explanation") or {}
        return o.done(o.page("rights_request.html", rq=_row(o, d["request"]),
                             reason=d.get("reason"), explanation=explanation.get("text"),
                             get_path=f"{PREFIX}/rights/{request_id}"))


@router.get("/rights/{request_id}/copy")
def download_copy(request: Request, request_id: str, format: str = "json") -> Response:
    """The copy of my data, built in memory; the read is audited (``self_copy``)."""
    with owner(request) as o:
        if not _ID.match(request_id) or format not in MEDIA:
            return o.done(o.error(404, o.t("ow_no_person")))
        svc = rights_svc
        try:
            data = svc.copy_of(o.rt, o.unit, o.session, request_id, format, client=o.client)
        except svc.RightsError as exc:
            o.unit.commit()
            return o.error(status_of(exc), user_error(o.lang, exc))
        o.unit.commit()
        return finish(request, Response(data, media_type=MEDIA[format], headers={
            "Content-Disposition":
                f'attachment; filename="my-data-{request_id[:8]}.{format}"'}))
