"""The compliance self-audit report (L23; 《个人信息保护合规审计管理办法》): one document that
shows, for a period, whether the company did what the law and its own rules ask — drawn from the
records every other part of OwnerGuard keeps. Numbers only: the report names no resident.

Sections: staff with access and their training/NDA status; reveals by role and purpose and by
week; anomalies and how they were judged; exports and shares; partners, agreements and impact
assessments; consent coverage; rights requests and inquiries with deadline compliance;
incidents; retention backlog; key age; audit-chain verification and signed checkpoints.
Charts are inline SVG, so the HTML and the PDF need nothing from outside.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from ownerguard import clock
from ownerguard.adapters.documents import render
from ownerguard.domain.consent import consent_items
from ownerguard.domain.purposes import PURPOSES
from ownerguard.domain.staff import ROLES
from ownerguard.errors import Invalid
from ownerguard.services.runtime import Runtime
from ownerguard.services.staff_access import accounts as staff_svc
from ownerguard.store.tables import (
    agreements,
    alerts,
    audit_log,
    companies,
    consents,
    exports,
    impact_assessments,
    incidents,
    inquiries,
    partners,
    person_keys,
    persons,
    rights_requests,
    shares,
    staff,
)
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault.audit_verify import verify

REVEAL_ACTIONS = ("reveal", "read", "export", "provide", "contact", "self_access")


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return clock.start_of_day(start), clock.start_of_day(end + timedelta(days=1))


def gather(rt: Runtime, uow: UnitOfWork, company_id: str, start: date, end: date) -> dict:
    """Every figure of the report, as plain data (the JSON form of the report)."""
    lo, hi = _bounds(start, end)
    c = uow.conn
    company = c.execute(select(companies.c.name).where(companies.c.id == company_id)).scalar_one()
    return {
        "company": company, "from": start.isoformat(), "to": end.isoformat(),
        "generated": clock.local_now().isoformat(timespec="seconds"),
        "staff": _staff(rt, uow, company_id),
        "reveals": _reveals(uow, company_id, lo, hi),
        "anomalies": _anomalies(uow, company_id, lo, hi),
        "exports": _by(c, exports, exports.c.status, company_id, exports.c.created_at, lo, hi),
        "shares": _by(c, shares, shares.c.status, company_id, shares.c.requested_at, lo, hi),
        "partners": _partners(uow, company_id),
        "consent": _consent(uow, company_id),
        "rights": _deadlines(uow, rights_requests, company_id, lo, hi,
                             done=rights_requests.c.decided_at),
        "inquiries": _deadlines(uow, inquiries, company_id, lo, hi,
                                done=inquiries.c.answered_at),
        "incidents": _incidents(uow, company_id, lo, hi),
        "retention": _retention(rt, uow),
        "keys": _keys(rt, uow, company_id),
        "audit": _audit(rt, uow),
    }


def _staff(rt: Runtime, uow: UnitOfWork, company_id: str) -> dict:
    rows = uow.conn.execute(select(staff).where(staff.c.company_id == company_id,
                                                staff.c.disabled.is_(False))).all()
    by_role: dict[str, dict] = defaultdict(lambda: {"accounts": 0, "certified": 0, "totp": 0,
                                                    "can_reveal": False})
    for r in rows:
        entry = by_role[r.role]
        entry["accounts"] += 1
        entry["certified"] += staff_svc.certification(uow, r.id).certified
        entry["totp"] += r.totp_ct is not None
        entry["can_reveal"] = staff_svc.can_reveal(rt, r.role)
    return {ROLES[k].label_zh if k in ROLES else k: v for k, v in sorted(by_role.items())}


def _reveals(uow: UnitOfWork, company_id: str, lo: datetime, hi: datetime) -> dict:
    rows = uow.conn.execute(select(audit_log.c.role, audit_log.c.purpose, audit_log.c.ts,
                                   audit_log.c.outcome).where(
        audit_log.c.company_id == company_id, audit_log.c.action.in_(REVEAL_ACTIONS),
        audit_log.c.ts >= clock.iso(lo), audit_log.c.ts < clock.iso(hi))).all()
    clear = [r for r in rows if r.outcome == "clear"]
    by_role = Counter(ROLES[r.role].label_zh if r.role in ROLES else r.role for r in clear)
    by_purpose = Counter(PURPOSES[r.purpose].label_zh if r.purpose in PURPOSES else r.purpose
                         for r in clear)
    by_week: Counter = Counter()
    for r in clear:
        day = clock.local_date(datetime.fromisoformat(r.ts))
        by_week[(day - timedelta(days=day.weekday())).isoformat()] += 1
    return {"reads": len(rows), "clear": len(clear),
            "denied": sum(r.outcome == "denied" for r in rows),
            "by_role": dict(by_role.most_common()), "by_purpose": dict(by_purpose.most_common()),
            "by_week": dict(sorted(by_week.items()))}


def _anomalies(uow: UnitOfWork, company_id: str, lo: datetime, hi: datetime) -> dict:
    rows = uow.conn.execute(select(alerts.c.kind, alerts.c.status, alerts.c.resolution).where(
        alerts.c.company_id == company_id, alerts.c.created_at >= lo,
        alerts.c.created_at < hi)).all()
    return {"total": len(rows), "by_kind": dict(Counter(r.kind for r in rows).most_common()),
            "open": sum(r.status == "open" for r in rows),
            "outcomes": dict(Counter(r.resolution or "未复核" for r in rows).most_common())}


def _by(conn, table, col, company_id: str, when, lo: datetime, hi: datetime) -> dict:
    rows = conn.execute(select(col, func.count()).where(
        table.c.company_id == company_id, when >= lo, when < hi).group_by(col)).all()
    return {"total": sum(n for _, n in rows), "by_status": {s: n for s, n in rows}}


def _partners(uow: UnitOfWork, company_id: str) -> dict:
    today = clock.today()
    out = []
    for p in uow.conn.execute(select(partners).where(partners.c.company_id == company_id)
                              .order_by(partners.c.name)):
        latest = uow.conn.execute(select(agreements.c.expires_on).where(
            agreements.c.partner_id == p.id).order_by(agreements.c.expires_on.desc())
            .limit(1)).scalar()
        assessed = uow.conn.execute(select(func.count()).select_from(impact_assessments).where(
            impact_assessments.c.partner_id == p.id)).scalar_one()
        status = "无协议" if latest is None else "已到期" if latest < today else \
            "30天内到期" if latest <= today + timedelta(days=30) else "有效"
        out.append({"name": p.name, "relationship": p.relationship, "agreement": status,
                    "expires": latest.isoformat() if latest else "", "assessments": assessed})
    return {"partners": out}


def _consent(uow: UnitOfWork, company_id: str) -> dict:
    population = uow.conn.execute(select(func.count()).select_from(persons).where(
        persons.c.company_id == company_id, persons.c.state == "active")).scalar_one()
    latest: dict[tuple[str, str, str], bool] = {}
    for r in uow.conn.execute(select(consents.c.person_id, consents.c.kind, consents.c.target,
                                     consents.c.granted).where(
            consents.c.company_id == company_id).order_by(consents.c.at, consents.c.id)):
        latest[(r.person_id, r.kind, r.target)] = r.granted
    granted = Counter((k, t) for (_, k, t), g in latest.items() if g)
    withdrawn = Counter((k, t) for (_, k, t), g in latest.items() if not g)
    items = [{"item": i.label_zh, "granted": granted[(i.kind, i.target)],
              "withdrawn": withdrawn[(i.kind, i.target)],
              "share": round(granted[(i.kind, i.target)] / population, 3) if population else 0}
             for i in consent_items()]
    recipients = sum(n for (k, _), n in granted.items() if k == "recipient")
    return {"population": population, "items": items, "recipient_grants": recipients}


def _deadlines(uow: UnitOfWork, table, company_id: str, lo: datetime, hi: datetime, *,
               done) -> dict:
    rows = uow.conn.execute(select(table.c.status, table.c.due_date, done.label("done")).where(
        table.c.company_id == company_id, table.c.created_at >= lo,
        table.c.created_at < hi)).all()
    today = clock.today()
    on_time = late = open_overdue = 0
    for r in rows:
        if r.done is not None:
            answered_on = clock.local_date(r.done)
            on_time += answered_on <= r.due_date
            late += answered_on > r.due_date
        elif today > r.due_date:
            open_overdue += 1
    answered = on_time + late
    return {"total": len(rows), "by_status": dict(Counter(r.status for r in rows)),
            "on_time": on_time, "late": late, "open_overdue": open_overdue,
            "on_time_rate": round(on_time / answered, 3) if answered else None}


def _incidents(uow: UnitOfWork, company_id: str, lo: datetime, hi: datetime) -> dict:
    rows = uow.conn.execute(select(incidents).where(
        incidents.c.company_id == company_id, incidents.c.opened_at >= lo,
        incidents.c.opened_at < hi)).all()
    return {"total": len(rows), "affected_persons": sum(r.affected_persons for r in rows),
            "notified": sum(r.owners_notified_at is not None for r in rows),
            "reported": sum(r.regulator_report_at is not None for r in rows),
            "closed": sum(r.status == "closed" for r in rows)}


def _retention(rt: Runtime, uow: UnitOfWork) -> dict:
    """What is overdue for purge right now, per category (a dry run of the retention job)."""
    try:
        from ownerguard.services.lifecycle import retention
    except ImportError:       # a build without the retention module reports nothing
        return {"available": False}
    return {"available": True, "due": retention.plan(rt, uow)}


def _keys(rt: Runtime, uow: UnitOfWork, company_id: str) -> dict:
    versions: dict[int, int] = dict(uow.conn.execute(select(person_keys.c.master_version, func.count()).where(
        person_keys.c.company_id == company_id).group_by(person_keys.c.master_version)).all())
    key_file = rt.settings.key_file
    age = None
    if Path(key_file).exists():
        age = (clock.now() - datetime.fromtimestamp(Path(key_file).stat().st_mtime,
                                                    tz=clock.now().tzinfo)).days
    return {"person_keys_by_master_version": {str(k): v for k, v in versions.items()},
            "key_file_age_days": age}


def _audit(rt: Runtime, uow: UnitOfWork) -> dict:
    result = verify(uow.conn)
    directory = rt.settings.home / "checkpoints"
    files = sorted(directory.glob("*.json")) if directory.exists() else []
    last = None
    if files:
        try:
            last = json.loads(files[-1].read_text()).get("created_at")
        except (OSError, ValueError):
            last = None
    return {"ok": result.ok, "entries": result.entries, "chains": result.chains,
            "first_problem": None if result.ok else str(result.first_bad),
            "checkpoints": len(files), "last_checkpoint": last}


# -- rendering --------------------------------------------------------------------------------

def bar_chart(data: dict[str, int], *, width: int = 520, bar: int = 16) -> str:
    """A horizontal bar chart as inline SVG (labels are role/purpose names, never people)."""
    if not data:
        return ""
    from html import escape

    top = max(data.values()) or 1
    label_w = 130
    rows = []
    for i, (label, value) in enumerate(data.items()):
        y = i * (bar + 6)
        w = int((width - label_w - 60) * value / top)
        rows.append(f'<text x="{label_w - 6}" y="{y + bar - 4}" text-anchor="end" '
                    f'font-size="10">{escape(str(label))}</text>'
                    f'<rect x="{label_w}" y="{y}" width="{max(w, 1)}" height="{bar}" '
                    f'fill="#3b6ea8"/><text x="{label_w + w + 4}" y="{y + bar - 4}" '
                    f'font-size="10">{value}</text>')
    height = len(data) * (bar + 6)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img">{"".join(rows)}</svg>')


def html(data: dict) -> str:
    charts = {"by_role": bar_chart(data["reveals"]["by_role"]),
              "by_purpose": bar_chart(data["reveals"]["by_purpose"]),
              "by_week": bar_chart(data["reveals"]["by_week"])}
    return render.html("compliance_report.html", d=data, charts=charts)


class ReportInvalid(Invalid, ValueError):
    """A report that cannot be built as asked (the command line catches ValueError)."""


def build(rt: Runtime, uow: UnitOfWork, company_id: str, start: date, end: date,
          fmt: str = "pdf") -> bytes:
    if end < start:
        raise ReportInvalid("report_end_before_start")
    data = gather(rt, uow, company_id, start, end)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=1).encode()
    document = html(data)
    return document.encode() if fmt == "html" else render.pdf(document)
