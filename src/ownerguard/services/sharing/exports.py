"""Bulk exports: request → approval by a DPO who is not the requester → watermarked xlsx.

Values are masked unless the requester's role may reveal them for the purpose and the purpose
needs no per-household work item (a bulk export can never cite one). Each export is recorded
with its file hash and a fingerprint secret, so a leaked copy — even cells pasted into a new
sheet — is traced back to the export, the requester and the approver (L24).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, select, update

from ownerguard import clock
from ownerguard.adapters.export_sheet import (
    ExportMeta,
    match_tags,
    new_export_id,
    read_watermark,
    write_export,
)
from ownerguard.domain.fields import CATALOGUE, field_label
from ownerguard.domain.model import new_id
from ownerguard.domain.purposes import PURPOSES
from ownerguard.errors import Conflict, Forbidden, Invalid, NotFound, Problem
from ownerguard.services.runtime import Runtime
from ownerguard.services.staff_access import access
from ownerguard.services.staff_access import accounts as staff_svc
from ownerguard.store.tables import companies, exports
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault.audit import AuditEvent, company_chain
from ownerguard.vault.policy import Level, Outcome
from ownerguard.vault.secrets import open_secret, seal_secret


class ExportError(Problem):
    """A refused export step (the API and the console catch it), raised as one of the kinds
    below."""


class ExportInvalid(ExportError, Invalid):
    pass


class ExportNotFound(ExportError, NotFound):
    pass


class ExportForbidden(ExportError, Forbidden):
    pass


class ExportConflict(ExportError, Conflict):
    pass


@dataclass(frozen=True)
class Export:
    id: str
    number: str
    requester: str
    purpose: str
    fields: tuple[str, ...]
    selection: dict
    status: str
    approver: str | None
    row_count: int | None
    file_sha256: str | None


def _row(r) -> Export:
    return Export(r.id, r.number, r.requester, r.purpose, tuple(r.fields.split(",")),
                  json.loads(r.selection), r.status, r.approver, r.row_count, r.file_sha256)


def request(rt: Runtime, uow: UnitOfWork, who: staff_svc.StaffRecord, *, purpose: str,
            fields: list[str], community_id: str, building_id: str | None = None) -> Export:
    if who.role == "sysadmin":
        raise ExportForbidden("export_not_permitted")
    if purpose not in PURPOSES or not fields or any(f not in CATALOGUE for f in fields):
        raise ExportInvalid("bad_request")
    ctx = access.staff_context(rt, uow, who, purpose=purpose)
    denied = [f for f in fields if rt.policy.decide(ctx, f).outcome is Outcome.DENIED]
    if denied:
        raise ExportForbidden("field_not_permitted", fields=[field_label(f) for f in denied])
    if ctx.scope is not None and (community_id, None) not in ctx.scope and \
            (community_id, building_id) not in ctx.scope:
        raise ExportForbidden("export_out_of_scope")
    number = new_export_id(clock.local_now())
    eid = new_id()
    secret = os.urandom(32)
    sealed = seal_secret(rt.keys, uow.conn, who.company_id, "exports", "secret_ct", eid,
                         secret.hex())
    selection = {"community_id": community_id, "building_id": building_id}
    uow.conn.execute(insert(exports).values(
        id=eid, number=number, company_id=who.company_id, requester=who.username,
        purpose=purpose, fields=",".join(fields), selection=json.dumps(selection),
        status="requested", secret_ct=sealed, created_at=clock.now()))
    _audit(rt, uow, who, "export_request", number, "requested")
    return get(uow, who.company_id, eid)


def get(uow: UnitOfWork, company_id: str, export_id: str) -> Export:
    r = uow.conn.execute(select(exports).where(exports.c.id == export_id,
                                               exports.c.company_id == company_id)).first()
    if r is None:
        raise ExportNotFound("export_not_found")
    return _row(r)


def list_exports(uow: UnitOfWork, company_id: str, *, requester: str | None = None
                 ) -> list[Export]:
    q = select(exports).where(exports.c.company_id == company_id)
    if requester:
        q = q.where(exports.c.requester == requester)
    return [_row(r) for r in uow.conn.execute(q.order_by(exports.c.created_at.desc()))]


def decide(rt: Runtime, uow: UnitOfWork, dpo: staff_svc.StaffRecord, export_id: str, *,
           approve: bool) -> Export:
    if dpo.role != "dpo":
        raise ExportForbidden("export_approval_not_permitted")
    item = get(uow, dpo.company_id, export_id)
    if item.requester == dpo.username:
        raise ExportForbidden("export_four_eyes")
    if item.status != "requested":
        raise ExportConflict("export_already_decided")
    status = "approved" if approve else "rejected"
    uow.conn.execute(update(exports).where(exports.c.id == export_id).values(
        status=status, approver=dpo.username, decided_at=clock.now()))
    _audit(rt, uow, dpo, "export_decide", item.number, status)
    return get(uow, dpo.company_id, export_id)


def export_dir(rt: Runtime) -> Path:
    d = rt.settings.home / "exports"
    d.mkdir(mode=0o700, exist_ok=True)
    return d


def generate(rt: Runtime, uow: UnitOfWork, who: staff_svc.StaffRecord, export_id: str,
             *, client: str = "") -> Path:
    """Write the approved export (once) and return its path; only the requester may."""
    item = get(uow, who.company_id, export_id)
    if item.requester != who.username:
        raise ExportForbidden("export_not_requester")
    if item.status not in ("approved", "done"):
        raise ExportConflict("export_not_approved")
    path = export_dir(rt) / f"{item.number}.xlsx"
    if item.status == "done":
        _audit(rt, uow, who, "export_download", item.number, "again")
        return path
    ctx = access.staff_context(rt, uow, who, purpose=item.purpose, client=client)
    sel = item.selection
    ids = access.residents_in_scope(uow, ctx)
    ids = _in_selection(uow, ids, sel["community_id"], sel.get("building_id"))
    purpose = PURPOSES[item.purpose]
    reveal = [f for f in item.fields if purpose.work_item is None
              and rt.policy.level(who.role, item.purpose, f) is Level.REVEAL]
    views = rt.gate.read(uow, ctx, ids, item.fields, reveal=reveal, action="export") \
        if ids else []
    rows = []
    for v in views:
        row = {}
        for f in item.fields:
            value = v.fields[f].value
            row[f] = "、".join(value) if isinstance(value, list) else (value or "")
        rows.append(row)
    masked = not any(s.outcome is Outcome.CLEAR for v in views for s in v.fields.values())
    company = uow.conn.execute(select(companies.c.name).where(
        companies.c.id == who.company_id)).scalar_one()
    meta = ExportMeta(export_id=item.number, requester=who.username,
                      approver=item.approver or "", created_at=clock.now(),
                      purpose=item.purpose, purpose_label=purpose.label_zh, company=company,
                      masked=masked, secret=_secret(rt, uow, who.company_id, item.id))
    written = write_export(path, [(f, CATALOGUE[f].label_zh) for f in item.fields], rows, meta)
    uow.conn.execute(update(exports).where(exports.c.id == item.id).values(
        status="done", file_sha256=written.sha256, row_count=written.rows))
    _audit(rt, uow, who, "export_generate", item.number, "clear" if not masked else "masked")
    return path


def _in_selection(uow: UnitOfWork, ids: list[str], community_id: str,
                  building_id: str | None) -> list[str]:
    from ownerguard.store.tables import residencies, rooms

    if not ids:
        return ids
    q = select(residencies.c.person_id).join(rooms, rooms.c.id == residencies.c.room_id).where(
        residencies.c.person_id.in_(ids), residencies.c.community_id == community_id)
    if building_id:
        q = q.where(rooms.c.building_id == building_id)
    keep = {r.person_id for r in uow.conn.execute(q)}
    return [i for i in ids if i in keep]


def _secret(rt: Runtime, uow: UnitOfWork, company_id: str, export_id: str) -> bytes:
    r = uow.conn.execute(select(exports.c.secret_ct).where(exports.c.id == export_id)).one()
    return bytes.fromhex(open_secret(rt.keys, uow.conn, company_id, "exports", "secret_ct",
                                     export_id, r.secret_ct))


@dataclass(frozen=True)
class TraceHit:
    number: str
    requester: str
    approver: str | None
    score: float
    evidence: list[str]


def trace(rt: Runtime, uow: UnitOfWork, company_id: str, source) -> list[TraceHit]:
    """Which export does a leaked file or pasted text come from? Best first."""
    finding = read_watermark(source)
    if finding is None:
        return []
    hits = []
    for r in uow.conn.execute(select(exports).where(exports.c.company_id == company_id,
                                                    exports.c.status == "done")):
        evidence, score = [], 0.0
        if r.number in finding.export_ids:
            evidence.append("export_id:" + ",".join(s for s in finding.sources
                                                    if s != "zero_width"))
            score = 1.0
        if finding.tags:
            share = match_tags(finding.tags, _secret(rt, uow, company_id, r.id),
                               r.row_count or 0)
            if share > 0.5:
                evidence.append(f"row_tags:{share:.2f}")
                score = max(score, share)
        if evidence:
            hits.append(TraceHit(r.number, r.requester, r.approver, round(score, 3), evidence))
    return sorted(hits, key=lambda h: -h.score)


def _audit(rt: Runtime, uow: UnitOfWork, who: staff_svc.StaffRecord, action: str,
           number: str, outcome: str) -> None:
    rt.audit.append(uow.conn, company_chain(who.company_id), who.company_id, [AuditEvent(
        actor=who.username, role=who.role, action=action, work_item=number, outcome=outcome,
        reason=action)])



