"""Bulk exports requested by staff (four-eyes approval, watermarked file)."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from ownerguard.domain.fields import CATALOGUE
from ownerguard.edge import status_of
from ownerguard.services.registry import communities as registry
from ownerguard.services.sharing import exports
from ownerguard.services.staff_access import access
from ownerguard.web.console.frame import (
    ID,
    PREFIX,
    XLSX,
    Console,
    ConsoleRoute,
    console,
    redirect,
    too_long,
)
from ownerguard.web.render import finish

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)


def _communities_in_scope(c: Console) -> list[tuple[str, str]]:
    """(value, label) for the export form: ``community`` or ``community|building``."""
    names = {comm.id: comm.name for comp, comm in registry.list_communities(c.unit)
             if comp.id == c.who.company_id}
    if access.company_wide(c.who.role):
        return sorted(((cid, name) for cid, name in names.items()), key=lambda x: x[1])
    out = []
    for cid, bid in sorted(c.who.scope, key=lambda s: (s[0], s[1] or "")):
        if cid in names:
            label = names[cid] + ("" if bid is None else c.t("building_limited"))
            out.append((cid if bid is None else f"{cid}|{bid}", label))
    return out


def _exports_page(c: Console, *, status: int = 200, error: str | None = None,
                  form: dict | None = None) -> HTMLResponse:
    mine = exports.list_exports(c.unit, c.who.company_id, requester=c.who.username)
    return c.page("exports.html", status=status, mine=mine, error=error,
                  purposes=c.purposes, communities=_communities_in_scope(c),
                  all_fields=list(CATALOGUE),
                  form=form or {"purpose": c.purpose_or_default(None), "fields": [],
                                "community": ""})


@router.get("/exports")
def exports_page(request: Request) -> Response:
    with console(request) as c:
        return c.done(_exports_page(c))


@router.post("/exports")
def request_export(request: Request, purpose: str = Form(""), fields: list[str] = Form([]),
                   community: str = Form(""), csrf: str | None = Form(None)) -> Response:
    with console(request, csrf=csrf, post=True) as c:
        form = {"purpose": purpose, "fields": fields, "community": community}
        if too_long(p=(purpose, 40), c=(community, 90)) or len(fields) > 20:
            return _exports_page(c, status=422, error=c.t("too_long"), form=form)
        community_id, _, building_id = community.partition("|")
        try:
            item = exports.request(c.rt, c.unit, c.who, purpose=purpose, fields=fields,
                                   community_id=community_id, building_id=building_id or None)
        except exports.ExportError as exc:
            c.unit.rollback()
            return _exports_page(c, status=status_of(exc),
                                 error=c.t.error(exc), form=form)
        c.unit.commit()
        return redirect(request, f"{PREFIX}/exports", msg="export_requested", n=item.number)


@router.post("/exports/{export_id}/download")
def download_export(request: Request, export_id: str,
                    csrf: str | None = Form(None)) -> Response:
    with console(request, csrf=csrf, post=True) as c:
        if not ID.match(export_id):
            return c.error(404, "not_found", c.t("export_none"))
        try:
            item = exports.get(c.unit, c.who.company_id, export_id)
            path = exports.generate(c.rt, c.unit, c.who, export_id, client=c.client)
        except exports.ExportError as exc:
            c.unit.rollback()
            return c.error(status_of(exc), exc.code, c.t.error(exc))
        c.unit.commit()
        return finish(request, FileResponse(path, media_type=XLSX,
                                            filename=f"业主信息导出-{item.number}.xlsx"))
