"""The free-text guard: repair notes, work-order comments and announcements are sealed whole
with the company key and read back through the gate with every detected finding masked.

Free text is where a phone number or a neighbour's name slips in; treating every such field as
personal data is simpler and safer than trusting people not to type them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from ownerguard import clock, detect
from ownerguard.domain.model import new_id
from ownerguard.errors import Invalid
from ownerguard.services.runtime import Runtime
from ownerguard.store.tables import notes
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault.audit import AuditEvent, company_chain
from ownerguard.vault.policy import AccessContext
from ownerguard.vault.sealing import seal_company

MAX_TEXT = 4000


class TextError(Invalid):
    """Free text that cannot be stored as given (the API and the console catch it)."""


@dataclass(frozen=True)
class NoteView:
    id: str
    kind: str
    author: str
    created_at: datetime
    text: str | None      # masked unless the DPO revealed it; None when denied
    outcome: str
    finding_types: tuple[str, ...]


def write_note(rt: Runtime, uow: UnitOfWork, *, company_id: str, author: str, role: str,
               kind: str, text: str, community_id: str | None = None,
               work_item_id: str | None = None, work_item_number: str = "") -> str:
    text = text.strip()
    if not text:
        raise TextError("text_empty")
    if len(text) > MAX_TEXT:
        raise TextError("text_too_long", max=MAX_TEXT)
    spans = detect.find(text)
    nid = new_id()
    uow.conn.execute(insert(notes).values(
        id=nid, company_id=company_id, community_id=community_id, work_item_id=work_item_id,
        kind=kind, author=author, created_at=clock.now(),
        text_ct=seal_company(rt.keys, uow.conn, company_id, "notes", "text_ct", nid, text),
        findings=json.dumps([{"type": s.type, "start": s.start, "end": s.end}
                             for s in spans])))
    rt.audit.append(uow.conn, community_id or company_chain(company_id), company_id, [AuditEvent(
        actor=author, role=role, action="note_write", fields=tuple(sorted({s.type
                                                                           for s in spans})),
        work_item=work_item_number, outcome="stored", reason=kind)])
    return nid


def read_notes(rt: Runtime, uow: UnitOfWork, ctx: AccessContext, *, work_item_id: str,
               work_item_number: str = "", reveal: bool = False) -> list[NoteView]:
    out = []
    for r in uow.conn.execute(select(notes).where(
            notes.c.work_item_id == work_item_id, notes.c.company_id == ctx.company_id)
            .order_by(notes.c.created_at)):
        shown = rt.gate.read_text(uow, ctx, table="notes", column="text_ct", row_id=r.id,
                                  sealed=r.text_ct, reveal=reveal,
                                  work_item=work_item_number)
        types = tuple(sorted({f["type"] for f in json.loads(r.findings)}))
        out.append(NoteView(r.id, r.kind, r.author, clock.aware(r.created_at), shown.text,
                            shown.outcome.value, types))
    return out
