"""Notices (L25): check a draft for personal data before publishing; an arrears notice that
names no one."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from ownerguard.services.registry import communities as registry
from ownerguard.services.registry.rooms import rooms_by_label
from ownerguard.services.staff_access import access, notices
from ownerguard.web.console.frame import ID, PREFIX, Console, ConsoleRoute, console, too_long
from ownerguard.web.render import is_htmx

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)


MAX_DRAFT = 20_000
MAX_ROOM_LINES = 2_000
MAX_UNKNOWN_SHOWN = 50


def _notice_scope(c: Console) -> dict[str, tuple[str, set[str] | None]]:
    """community id → (name, buildings allowed or None for the whole community): the staff
    member's scope within their company; the DPO's is the whole company."""
    names = {comm.id: comm.name for comp, comm in registry.list_communities(c.unit)
             if comp.id == c.who.company_id}
    if access.company_wide(c.who.role):
        return {cid: (name, None) for cid, name in names.items()}
    out: dict[str, tuple[str, set[str] | None]] = {}
    for cid, bid in c.who.scope:
        if cid not in names:
            continue
        _, allowed = out.get(cid, (names[cid], set()))
        if bid is None or allowed is None:
            out[cid] = (names[cid], None)
        else:
            out[cid] = (names[cid], allowed | {bid})
    return out


def _check_view(c: Console, text: str) -> dict:
    result = notices.check(text)
    return {"ok": result.ok, "html": result.html, "masked": result.masked,
            "findings": [{"type": f["type"], "label": c.t.pii(f["type"]),
                          "start": f["start"] + 1, "end": f["end"]}
                         for f in result.findings]}


def _notices_page(c: Console, *, status: int = 200, **context) -> HTMLResponse:
    scope = _notice_scope(c)
    communities = sorted(((cid, name + ("" if allowed is None else c.t("building_limited")))
                          for cid, (name, allowed) in scope.items()), key=lambda x: x[1])
    base = dict(communities=communities, max_draft=MAX_DRAFT, check=None, check_error=None,
                arrears=None, arrears_error=None, unknown_lines=[], unknown_more=0,
                form={"community": "", "period": ""}, fragment=None,
                get_path=f"{PREFIX}/notices")
    template = "notices.html"
    if is_htmx(c.request) and context.get("fragment"):
        template = context["fragment"]
    return c.page(template, status=status, **base | context)


@router.get("/notices")
def notices_page(request: Request) -> Response:
    with console(request) as c:
        return c.done(_notices_page(c))


@router.post("/notices/check")
def check_notice(request: Request, text: str = Form(""),
                 csrf: str | None = Form(None)) -> Response:
    """Highlight personal data in a draft. Nothing is stored: the draft is only in this
    response (the highlighted copy is the user's own text, shown back to them)."""
    with console(request, csrf=csrf, post=True) as c:
        frag = "_notice_check.html"
        if len(text) > MAX_DRAFT:
            return c.done(_notices_page(c, status=422, fragment=frag,
                                        check_error=c.t("draft_too_long", n=MAX_DRAFT)))
        if not text.strip():
            return c.done(_notices_page(c, status=422, fragment=frag,
                                        check_error=c.t("draft_empty")))
        return c.done(_notices_page(c, fragment=frag, check=_check_view(c, text)))


@router.post("/notices/arrears")
def arrears_notice(request: Request, community: str = Form(""), rooms: str = Form(""),
                   period: str = Form(""), csrf: str | None = Form(None)) -> Response:
    with console(request, csrf=csrf, post=True) as c:
        period = period.strip()
        form = {"community": community if ID.match(community) else "",
                "period": period[:40]}

        def fail(status: int, message: str, **extra) -> Response:
            return c.done(_notices_page(c, status=status, fragment="_arrears.html", form=form,
                                        arrears_error=message, **extra))

        if too_long(c_=(community, 40), p=(period, 40), r=(rooms, MAX_DRAFT)):
            return fail(422, c.t("too_long"))
        scope = _notice_scope(c)
        if community not in scope:
            return fail(403, c.t("community_out_of_scope"))
        if not period:
            return fail(422, c.t("period_required"))
        lines = rooms.splitlines()
        if len(lines) > MAX_ROOM_LINES:
            return fail(422, c.t("room_lines_too_many", n=MAX_ROOM_LINES))
        if not any(line.strip() for line in lines):
            return fail(422, c.t("rooms_required"))
        room_ids, unknown = rooms_by_label(c.unit, community, lines,
                                           buildings_allowed=scope[community][1])
        if unknown:
            # Reported by line number only: the labels are not echoed.
            return fail(422, c.t("rooms_unknown", n=len(unknown)),
                        unknown_lines=unknown[:MAX_UNKNOWN_SHOWN],
                        unknown_more=max(0, len(unknown) - MAX_UNKNOWN_SHOWN))
        try:
            text = notices.arrears_notice(c.unit, company_id=c.who.company_id,
                                          community_id=community, room_ids=room_ids,
                                          period=period)
        except LookupError:
            return fail(404, c.t("no_such_community"))
        return c.done(_notices_page(c, fragment="_arrears.html", form=form,
                                    arrears={"text": text, "rooms": len(room_ids),
                                             "check": _check_view(c, text)}))
