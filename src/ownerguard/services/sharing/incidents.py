"""Security incidents and breach notices (L21, PIPL 57).

An incident opens from a leak attribution (a share package), an anomaly alert, or a report.
OwnerGuard works out who and what is affected, lets the DPO state the PIPL 57 items — which
data, the cause, the possible harm, the remedial measures, what owners can do themselves, and
whom to contact — and then notifies every affected owner (portal notice and SMS) and produces
the regulator report. Remediation steps are tracked until the incident is closed with a summary.

The assessment is free text the DPO writes and may name people, so it is a sealed note like any
other; the owners' notice shows it through the PII detector.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update

from ownerguard import clock
from ownerguard.adapters.documents import render
from ownerguard.domain.fields import CATALOGUE
from ownerguard.domain.legal import refs
from ownerguard.domain.model import new_id
from ownerguard.errors import Conflict, Forbidden, Invalid, NotFound, Problem
from ownerguard.i18n import Label, translate
from ownerguard.services.runtime import Runtime
from ownerguard.services.sharing import shares as shares_svc
from ownerguard.services.staff_access import freetext
from ownerguard.store.tables import (
    alerts,
    audit_log,
    companies,
    incident_actions,
    incident_persons,
    incidents,
    notes,
    share_members,
)
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault.policy import AccessContext

# Sources and the PIPL 57 items a notice must state (in order), with their labels in the
# source language: the catalogue's ``incident_source.<source>`` and ``pipl57.<item>``.
SOURCES = {s: translate(f"incident_source.{s}") for s in ("attribution", "anomaly", "report")}
ITEMS = tuple((k, translate(f"pipl57.{k}"))
              for k in ("data", "cause", "harm", "measures", "advice", "contact"))
DEFAULT_FIELDS = ("name", "phone", "rooms")


class IncidentError(Problem):
    """A refused incident step (the third-party API catches it), raised as one of the kinds
    below."""


class IncidentInvalid(IncidentError, Invalid):
    pass


class IncidentNotFound(IncidentError, NotFound):
    pass


class IncidentForbidden(IncidentError, Forbidden):
    pass


class IncidentConflict(IncidentError, Conflict):
    pass


@dataclass(frozen=True)
class Incident:
    id: str
    number: str
    company_id: str
    source: str
    source_ref: str
    share_id: str | None
    status: str
    opened_at: datetime
    affected_persons: int
    affected_fields: tuple[str, ...]
    owners_notified_at: datetime | None
    regulator_report_at: datetime | None
    closed_at: datetime | None


def _row(r) -> Incident:
    return Incident(r.id, r.number, r.company_id, r.source, r.source_ref, r.share_id, r.status,
                    r.opened_at, r.affected_persons,
                    tuple(f for f in r.affected_fields.split(",") if f), r.owners_notified_at,
                    r.regulator_report_at, r.closed_at)


def _require_dpo(role: str) -> None:
    if role != "dpo":
        raise IncidentForbidden("incident_not_permitted")


def get(uow: UnitOfWork, company_id: str, key: str) -> Incident:
    col = incidents.c.number if key.startswith("IN-") else incidents.c.id
    row = uow.conn.execute(select(incidents).where(
        col == key, incidents.c.company_id == company_id)).first()
    if row is None:
        raise IncidentNotFound("incident_not_found")
    return _row(row)


def open_incident(rt: Runtime, uow: UnitOfWork, *, company_id: str, actor: str, role: str,
                  source: str, description: str, share_id: str | None = None,
                  alert_id: str | None = None, person_ids: list[str] | None = None,
                  fields: list[str] | None = None) -> Incident:
    """Open an incident and compute who and what it affects: every member of a leaked share
    package with the package's fields; the subject of an alert; or the persons reported."""
    _require_dpo(role)
    if source not in SOURCES:
        raise IncidentInvalid("bad_source")
    ref = ""
    affected: list[str] = list(person_ids or [])
    what = list(fields or [])
    if share_id:
        share = shares_svc.get(uow, company_id, share_id)
        ref = share.number
        affected += [r.person_id for r in uow.conn.execute(select(share_members.c.person_id)
                     .where(share_members.c.share_id == share.id))]
        what = what or list(share.fields)
        share_id = share.id
    if alert_id:
        row = uow.conn.execute(select(alerts).where(alerts.c.id == alert_id,
                                                    alerts.c.company_id == company_id)).first()
        if row is None:
            raise IncidentNotFound("alert_not_found")
        ref = ref or f"alert:{row.kind}"
        if row.subject:
            affected.append(row.subject)
        what = what or _fields_seen_by(uow, row.actor, row.subject)
    what = [f for f in dict.fromkeys(what or DEFAULT_FIELDS) if f in CATALOGUE]
    affected = sorted(set(affected))
    note_id = freetext.write_note(rt, uow, company_id=company_id, author=actor, role=role,
                                  kind="incident", text=json.dumps(
                                      {"description": description}, ensure_ascii=False))
    now = clock.now()
    iid = new_id()
    number = f"IN-{clock.local(now):%Y%m%d}-{os.urandom(2).hex().upper()}"
    uow.conn.execute(insert(incidents).values(
        id=iid, number=number, company_id=company_id, source=source, source_ref=ref,
        share_id=share_id, status="open", opened_by=actor, opened_at=now,
        affected_persons=len(affected), affected_fields=",".join(what), note_id=note_id))
    if affected:
        uow.conn.execute(insert(incident_persons), [
            {"incident_id": iid, "person_id": p, "fields": ",".join(what)} for p in affected])
    rt.audit.record(uow.conn, company_id, actor=actor, role=role,
                    action="incident_open", reason=number, outcome=source)
    return get(uow, company_id, iid)


def _fields_seen_by(uow: UnitOfWork, actor: str, subject: str) -> list[str]:
    """The fields an actor was shown of that person, from the audit log."""
    seen: list[str] = []
    for r in uow.conn.execute(select(audit_log.c.fields).where(
            audit_log.c.actor == actor, audit_log.c.subject == subject,
            audit_log.c.outcome.in_(("clear", "masked")))):
        seen += [f for f in r.fields.split(",") if f]
    return list(dict.fromkeys(seen))


def assess(rt: Runtime, uow: UnitOfWork, *, company_id: str, actor: str, role: str,
           incident_id: str, cause: str, harm: str, measures: str, advice: str,
           contact: str) -> Incident:
    """The PIPL 57 statement, needed before anyone is notified."""
    _require_dpo(role)
    item = get(uow, company_id, incident_id)
    given = {"cause": cause, "harm": harm, "measures": measures, "advice": advice,
             "contact": contact}
    missing = [Label("pipl57", key) for key, _ in ITEMS
               if key != "data" and not (given[key] or "").strip()]
    if missing:
        raise IncidentInvalid("notice_incomplete", items=missing)
    description = _statement(rt, uow, item).get("description", "")
    note_id = freetext.write_note(rt, uow, company_id=company_id, author=actor, role=role,
                                  kind="incident", text=json.dumps(
                                      {"description": description, **given},
                                      ensure_ascii=False))
    uow.conn.execute(update(incidents).where(incidents.c.id == item.id).values(note_id=note_id))
    rt.audit.record(uow.conn, company_id, actor=actor, role=role,
                    action="incident_assess", reason=item.number, outcome="stated")
    return get(uow, company_id, item.id)


def _statement(rt: Runtime, uow: UnitOfWork, item: Incident, *, ctx: AccessContext | None = None
               ) -> dict:
    row = uow.conn.execute(select(notes.c.id, notes.c.text_ct).join(
        incidents, incidents.c.note_id == notes.c.id).where(incidents.c.id == item.id)).first()
    if row is None:
        return {}
    ctx = ctx or AccessContext(actor="system", role="dpo", company_id=item.company_id,
                               purpose="oversight", scope=None, certified=True)
    shown = rt.gate.read_text(uow, ctx, table="notes", column="text_ct", row_id=row.id,
                              sealed=row.text_ct, reveal=ctx.role == "dpo")
    try:
        return json.loads(shown.text or "")
    except (TypeError, ValueError):
        return {}


def notify_owners(rt: Runtime, uow: UnitOfWork, *, company_id: str, actor: str, role: str,
                  incident_id: str, client: str = "") -> dict[str, int]:
    """Portal notice for every affected person, and an SMS to each one with a phone. The
    phone is read by the system (purpose breach_notice, audited) and never shown."""
    from ownerguard.services.staff_access.contact_owner import sms_sender

    _require_dpo(role)
    item = get(uow, company_id, incident_id)
    statement = _statement(rt, uow, item)
    if not all((statement.get(k) or "").strip() for k, _ in ITEMS if k != "data"):
        raise IncidentConflict("not_assessed")
    pending = [r.person_id for r in uow.conn.execute(select(incident_persons.c.person_id).where(
        incident_persons.c.incident_id == item.id, incident_persons.c.notified_at.is_(None)))]
    ctx = AccessContext(actor=actor, role="dpo", company_id=company_id,
                        purpose="breach_notice", scope=None, certified=True, client=client)
    company = uow.conn.execute(select(companies.c.name).where(
        companies.c.id == company_id)).scalar_one()
    sent = 0
    if pending:
        sender = sms_sender(rt)
        for view in rt.gate.read(uow, ctx, pending, ("phone",), reveal=("phone",),
                                 action="breach_notice"):
            phones = view.fields["phone"].value or []
            if phones:
                sender.send(phones[0], "breach_notice", {
                    "company": company[:20], "incident": item.number,
                    "callback": "物业服务中心"}, to_ref=view.person_id)
                sent += 1
        uow.conn.execute(update(incident_persons).where(
            incident_persons.c.incident_id == item.id,
            incident_persons.c.notified_at.is_(None)).values(notified_at=clock.now()))
    uow.conn.execute(update(incidents).where(incidents.c.id == item.id).values(
        status="notified", owners_notified_at=clock.now()))
    rt.audit.record(uow.conn, company_id, actor=actor, role=role,
                    action="incident_notify", reason=item.number, outcome=f"sms:{sent}")
    return {"notified": len(pending), "sms": sent}


def for_owner(rt: Runtime, uow: UnitOfWork, person_ids: list[str], ctx: AccessContext
              ) -> list[dict]:
    """The notices an owner sees in the portal: every notified incident that affected them,
    with the PIPL 57 items (free text through the detector's masking)."""
    if not person_ids:
        return []
    rows = uow.conn.execute(select(incidents, incident_persons.c.fields.label("mine")).join(
        incident_persons, incident_persons.c.incident_id == incidents.c.id).where(
        incident_persons.c.person_id.in_(person_ids),
        incident_persons.c.notified_at.is_not(None))
        .order_by(incidents.c.opened_at.desc())).all()
    out = []
    for r in rows:
        item = _row(r)
        owner_ctx = AccessContext.for_owner(ctx.actor, item.company_id, ctx.client)
        statement = _statement(rt, uow, item, ctx=owner_ctx)
        out.append({"number": item.number,
                    "opened": clock.local(item.opened_at)
                    .isoformat(timespec="seconds"),
                    "data": [CATALOGUE[f].label_zh for f in r.mine.split(",") if f in CATALOGUE],
                    **{k: statement.get(k, "") for k, _ in ITEMS if k != "data"}})
    return out


def regulator_report(rt: Runtime, uow: UnitOfWork, *, company_id: str, actor: str, role: str,
                     incident_id: str) -> tuple[str, bytes]:
    """The report to the authorities (PIPL 57): every item, the counts, the timeline of
    remediation; no names — the authority asks for the list separately if it needs it."""
    _require_dpo(role)
    item = get(uow, company_id, incident_id)
    statement = _statement(rt, uow, item)
    company = uow.conn.execute(select(companies.c.name).where(
        companies.c.id == company_id)).scalar_one()
    notified = uow.conn.execute(select(incident_persons.c.person_id).where(
        incident_persons.c.incident_id == item.id,
        incident_persons.c.notified_at.is_not(None))).all()
    html = render.html(
        "breach_report.html", incident=item, company=company,
        source=SOURCES.get(item.source, item.source),
        fields=[CATALOGUE[f].label_zh for f in item.affected_fields if f in CATALOGUE],
        items=[(label, statement.get(key, "") if key != "data" else
                "、".join(CATALOGUE[f].label_zh for f in item.affected_fields if f in CATALOGUE))
               for key, label in ITEMS],
        description=statement.get("description", ""), notified=len(notified),
        actions=actions(rt, uow, company_id, item.id),
        legal=refs("L21", "L8", "L24"),
        opened=clock.local(item.opened_at).isoformat(timespec="seconds"),
        generated=clock.local_now().isoformat(timespec="seconds"))
    pdf = render.pdf(html)
    uow.conn.execute(update(incidents).where(incidents.c.id == item.id).values(
        regulator_report_at=clock.now()))
    rt.audit.record(uow.conn, company_id, actor=actor, role=role,
                    action="incident_report", reason=item.number, outcome="pdf")
    return f"{item.number}-report.pdf", pdf


def add_action(rt: Runtime, uow: UnitOfWork, *, company_id: str, actor: str, role: str,
               incident_id: str, text: str) -> str:
    _require_dpo(role)
    item = get(uow, company_id, incident_id)
    if item.status == "closed":
        raise IncidentConflict("incident_closed")
    note_id = freetext.write_note(rt, uow, company_id=company_id, author=actor, role=role,
                                  kind="incident_action", text=text)
    aid = new_id()
    uow.conn.execute(insert(incident_actions).values(
        id=aid, incident_id=item.id, at=clock.now(), actor=actor, kind="remediation",
        note_id=note_id))
    rt.audit.record(uow.conn, company_id, actor=actor, role=role,
                    action="incident_action", reason=item.number, outcome="added")
    return aid


def complete_action(rt: Runtime, uow: UnitOfWork, *, company_id: str, actor: str, role: str,
                    incident_id: str, action_id: str) -> None:
    _require_dpo(role)
    item = get(uow, company_id, incident_id)
    done = uow.conn.execute(update(incident_actions).where(
        incident_actions.c.id == action_id, incident_actions.c.incident_id == item.id,
        incident_actions.c.done_at.is_(None)).values(done_at=clock.now())).rowcount
    if not done:
        raise IncidentNotFound("action_not_found")
    rt.audit.record(uow.conn, company_id, actor=actor, role=role,
                    action="incident_action", reason=item.number, outcome="done")


def actions(rt: Runtime, uow: UnitOfWork, company_id: str, incident_id: str) -> list[dict]:
    ctx = AccessContext(actor="system", role="dpo", company_id=company_id, purpose="oversight",
                        scope=None, certified=True)
    out = []
    for r in uow.conn.execute(select(incident_actions, notes.c.text_ct).join(
            notes, notes.c.id == incident_actions.c.note_id).where(
            incident_actions.c.incident_id == incident_id).order_by(incident_actions.c.at)):
        text = rt.gate.read_text(uow, ctx, table="notes", column="text_ct", row_id=r.note_id,
                                 sealed=r.text_ct, reveal=True).value
        out.append({"id": r.id, "text": text,
                    "at": clock.local(r.at).isoformat(timespec="seconds"),
                    "done": r.done_at is not None})
    return out


def close(rt: Runtime, uow: UnitOfWork, *, company_id: str, actor: str, role: str,
          incident_id: str, summary: str) -> Incident:
    _require_dpo(role)
    item = get(uow, company_id, incident_id)
    if item.status == "closed":
        raise IncidentConflict("incident_closed")
    if item.affected_persons and item.owners_notified_at is None:
        raise IncidentConflict("not_notified")
    if any(not a["done"] for a in actions(rt, uow, company_id, item.id)):
        raise IncidentConflict("actions_open")
    if not summary.strip():
        raise IncidentInvalid("closing_summary_required")
    note_id = freetext.write_note(rt, uow, company_id=company_id, author=actor, role=role,
                                  kind="incident_summary", text=summary)
    uow.conn.execute(update(incidents).where(incidents.c.id == item.id).values(
        status="closed", closed_at=clock.now(), summary_note_id=note_id))
    rt.audit.record(uow.conn, company_id, actor=actor, role=role,
                    action="incident_close", reason=item.number, outcome="closed")
    return get(uow, company_id, item.id)


def list_incidents(uow: UnitOfWork, company_id: str) -> list[Incident]:
    return [_row(r) for r in uow.conn.execute(select(incidents).where(
        incidents.c.company_id == company_id).order_by(incidents.c.opened_at.desc()))]

