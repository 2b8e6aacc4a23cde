"""The regulator dossier (L18): what an owner takes to 12345, 网信 or 住建 when an inquiry
stays unresolved — the inquiry, its timeline, whether the company answered in time, the audit
extract about the owner (with entry hashes the company can be made to prove), the legal
references and where to go.

Only the owner gets it, for their own inquiry, once it was escalated or the deadline passed.
It is built in memory and streamed: a document full of personal data never lands on the
server's disk. Generating it is audited.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import datetime

from sqlalchemy import select

from ownerguard import clock
from ownerguard.adapters.documents import render
from ownerguard.domain.legal import COMPLAINT_CHANNELS, refs
from ownerguard.domain.purposes import PURPOSES
from ownerguard.domain.staff import role_label
from ownerguard.i18n import label, translate
from ownerguard.services.owners import inquiries
from ownerguard.services.owners.auth import OwnerSession
from ownerguard.services.owners.portal import staff_reference
from ownerguard.services.runtime import Runtime
from ownerguard.store.tables import audit_log, communities, companies, notes
from ownerguard.store.tables import inquiries as inquiry_rows
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault.policy import AccessContext

AUDIT_LIMIT = 300
LEGAL = ("L11", "L17", "L18", "L8", "L5", "L24", "L24c")
# Actions are named by the catalogue's ``audit_action.<action>`` (the dossier is in Chinese).


class DossierNotReady(inquiries.InquiryConflict):
    """Asked for before the inquiry was escalated or fell overdue (the portal catches it)."""


def build(rt: Runtime, uow: UnitOfWork, session: OwnerSession, inquiry_id: str, *,
          client: str = "") -> tuple[str, bytes]:
    """(file name, zip bytes) for the owner's own inquiry."""
    item = inquiries.own(uow, session, inquiry_id)
    if not (item.status == "escalated" or item.overdue()):
        raise DossierNotReady("not_ready")
    ctx = AccessContext.for_owner(session.actor, item.company_id, client)
    view = rt.gate.read(uow, ctx, [item.person_id], ("name", "rooms"), reveal=("name", "rooms"),
                        action="dossier")[0]
    note = uow.conn.execute(select(notes.c.id, notes.c.text_ct).join(
        inquiry_rows, inquiry_rows.c.note_id == notes.c.id).where(
        inquiry_rows.c.id == item.id)).one()
    letter = rt.gate.read_text(uow, ctx, table="notes", column="text_ct", row_id=note.id,
                               sealed=note.text_ct, reveal=True, subject=item.person_id,
                               own=True).value
    timeline = inquiries.timeline_for_owner(rt, uow, session, item, client=client)
    audit, truncated = _audit_extract(uow, item)
    answered = item.answered_at
    answered_on_time = None if answered is None else \
        clock.local_date(answered) <= item.due
    company = uow.conn.execute(select(companies.c.name).where(
        companies.c.id == item.company_id)).scalar_one()
    community = uow.conn.execute(select(communities.c.name).where(
        communities.c.id == item.community_id)).scalar() if item.community_id else None
    summary = inquiries.summary(item)
    generated = clock.local_now().isoformat(timespec="seconds")
    document = render.html(
        "dossier.html", inquiry=summary, generated=generated,
        complainant={"name": view.fields["name"].value, "rooms": view.fields["rooms"].value},
        company=company, community=community, letter=letter, timeline=timeline, audit=audit,
        audit_truncated=truncated, flagged=bool(item.audit_ref),
        answered_on_time=answered_on_time, legal=refs(*LEGAL),
        channels=[{"name": n, "how": h} for n, h in COMPLAINT_CHANNELS])
    files = {
        "dossier.pdf": render.pdf(document),
        "dossier.html": document.encode(),
        "timeline.json": json.dumps({"inquiry": summary, "timeline": timeline,
                                     "generated": generated}, ensure_ascii=False,
                                    indent=2).encode(),
        "audit-extract.csv": _csv(audit),
    }
    files["MANIFEST.txt"] = _manifest(item.number, generated, files)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    inquiries._event(rt, uow, item, session.actor, "owner", "dossier")
    return f"{item.number}-dossier.zip", buf.getvalue()


def _audit_extract(uow: UnitOfWork, item: inquiries.Inquiry) -> tuple[list[dict], bool]:
    """Every audit entry about the owner (newest first, capped), marking the flagged one."""
    rows = uow.conn.execute(select(audit_log).where(
        audit_log.c.subject == item.person_id, audit_log.c.action.not_in(("inquiry",)))
        .order_by(audit_log.c.id.desc()).limit(AUDIT_LIMIT + 1)).all()
    truncated = len(rows) > AUDIT_LIMIT
    out = []
    for r in rows[:AUDIT_LIMIT]:
        entry = f"{r.chain[:8]}#{r.seq}"
        out.append({
            "time": inquiries.local_time(datetime.fromisoformat(r.ts)), "role": r.role,
            "role_label": translate("owner_self") if r.role == "owner" else
            role_label(r.role).text(),
            "staff": "" if r.role == "owner" else staff_reference(r.company_id, r.actor),
            "action": label("audit_action", r.action), "purpose": r.purpose,
            "purpose_label": PURPOSES[r.purpose].label_zh if r.purpose in PURPOSES
            else r.purpose,
            "fields": [f for f in r.fields.split(",") if f], "outcome": r.outcome,
            "entry": entry, "hash": r.hash,
            "flagged": bool(item.audit_ref) and entry == item.audit_ref})
    return out, truncated


def _csv(audit: list[dict]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["time", "role", "staff", "action", "purpose", "fields", "outcome", "entry",
                "hash", "flagged"])
    for a in audit:
        w.writerow([a["time"], a["role"], a["staff"], a["action"], a["purpose"],
                    ";".join(a["fields"]), a["outcome"], a["entry"], a["hash"],
                    "yes" if a["flagged"] else ""])
    # BOM: Excel on Chinese Windows opens UTF-8 CSV correctly only with it.
    return ("\ufeff" + buf.getvalue()).encode()


def _manifest(number: str, generated: str, files: dict[str, bytes]) -> bytes:
    lines = [f"OwnerGuard dossier {number}", f"generated {generated}", ""]
    lines += [f"{hashlib.sha256(data).hexdigest()}  {name}" for name, data in files.items()]
    return ("\n".join(lines) + "\n").encode()
