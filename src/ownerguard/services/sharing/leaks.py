"""Leak attribution as a use case (L24): a leaked sheet, pasted text or a phone number that
called an owner → the share packages it came from, ranked, with evidence. The engine is
``tracing``; this module reads the input, asks it, and audits that a trace was run (never what
the leak contained)."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import select

from ownerguard.domain.normalize import InvalidValue, normalize_phone
from ownerguard.services.runtime import Runtime
from ownerguard.store.tables import partners, share_canaries, share_members, shares
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault.audit import AuditEvent, company_chain


def trace_bytes(rt: Runtime, uow: UnitOfWork, data: bytes | str, *, filename: str = "",
                actor: str, company_id: str = "", limit: int = 10) -> dict:
    from ownerguard.services.sharing.tracing import attribute, leaked

    rows = leaked.extract(leaked.read_leak(data, filename))
    suspects = attribute.trace(uow.conn, rt.keys, rows, limit=limit)
    if company_id:
        # A DPO sees suspects among their own company's packages only.
        suspects = [s for s in suspects if _company_of(uow, s.share_id) == company_id]
    rt.audit.append(uow.conn, company_chain(company_id) if company_id else "system", company_id,
                    [AuditEvent(actor=actor, role="dpo" if company_id else "operator",
                                action="leak_trace", outcome=str(len(suspects)),
                                reason=f"rows:{len(rows)}")])
    return {"rows": len(rows), "suspects": [_suspect(s) for s in suspects]}


def _suspect(s) -> dict:
    d = asdict(s) if hasattr(s, "__dataclass_fields__") else dict(s)
    return {"partner": d.get("partner_name"), "partner_id": d.get("partner_id"),
            "share_id": d.get("share_id"), "share": d.get("share_number"),
            "score": round(float(d.get("score", 0.0)), 4), "evidence": d.get("evidence", [])}


def _company_of(uow: UnitOfWork, share_id: str) -> str | None:
    return uow.conn.execute(select(shares.c.company_id).where(shares.c.id == share_id)).scalar()


def alias_lookup(rt: Runtime, uow: UnitOfWork, raw_phone: str, *, actor: str,
                 company_id: str) -> dict:
    """A number that called or texted an owner: if it is one of our share aliases, which
    package (and partner) it was given to, and whether it is a canary."""
    try:
        phone = normalize_phone(raw_phone)
    except InvalidValue:
        return {"found": False, "reason": "not_a_phone"}
    hit = uow.conn.execute(select(share_members.c.share_id, share_members.c.row_no).where(
        share_members.c.alias == phone)).first()
    canary = False
    if hit is None:
        hit = uow.conn.execute(select(share_canaries.c.share_id, share_canaries.c.row_no).where(
            share_canaries.c.alias == phone)).first()
        canary = hit is not None
    out: dict = {"found": False}
    if hit is not None:
        row = uow.conn.execute(select(shares.c.number, shares.c.company_id, partners.c.name)
                               .join(partners, partners.c.id == shares.c.partner_id)
                               .where(shares.c.id == hit.share_id)).one()
        if row.company_id == company_id:
            out = {"found": True, "share": row.number, "partner": row.name, "row": hit.row_no,
                   "canary": canary}
    rt.audit.append(uow.conn, company_chain(company_id), company_id, [AuditEvent(
        actor=actor, role="dpo", action="leak_alias", outcome="hit" if out["found"] else "miss")])
    return out
