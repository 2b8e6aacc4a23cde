"""Share packages: personal data handed to a partner, lawfully and traceably (L5, L10, L19, L24).

request → DPO approval (not the requester) → package. A request names a partner, a purpose and
fields; it is refused unless the partner has a signed, unexpired agreement covering that purpose
and those fields, and an impact assessment (L20) found the share acceptable. On approval the
members are fixed: only persons with a valid separate consent to this recipient and purpose
(provision, L5) — or, for entrusted processing (L19), the contract basis, plus the purpose's own
consent where the purpose rests on consent. Values go through the gate under role ``partner``
(masked unless the approval names them clear); phones never leave: each member gets an alias
number unique to this package.

Every package is traceable: aliases (alias → person, partner, package), canary households that
exist in this package only, a keyed row order and per-row formatting variants. ``tracing``
turns a leaked copy back into the package it came from.

Each member row is the provision record (who got whom, which fields, when, on what basis; kept
≥ 3 years, L10); owners see it in their portal. A person who withdraws consent or is shredded
drops out of every later delivery of a package, not only of later packages.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import func, insert, select, update

from ownerguard import clock
from ownerguard.domain.fields import CATALOGUE, field_label
from ownerguard.domain.model import new_id
from ownerguard.domain.purposes import PURPOSES, LegalBasis, purpose_label
from ownerguard.errors import Conflict, Forbidden, Invalid, NotFound, Problem, Unauthenticated
from ownerguard.services.runtime import Runtime
from ownerguard.services.sharing import partners as partners_svc
from ownerguard.services.staff_access import freetext
from ownerguard.store.tables import (
    buildings,
    communities,
    companies,
    partners,
    persons,
    residencies,
    rooms,
    share_canaries,
    share_members,
    shares,
    units,
)
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault import consents as consents_now
from ownerguard.vault.blind import normalise
from ownerguard.vault.consents import recipient_target
from ownerguard.vault.gate import RECIPIENT_PREFIX
from ownerguard.vault.policy import AccessContext, Level
from ownerguard.vault.secrets import open_secret, seal_secret

REQUESTER_ROLES = ("manager", "dpo")
DEFAULT_DAYS = 30
# Company virtual numbers reserved for share packages; every alias is used once, ever.
ALIAS_POOL = (17100000000, 17199999999)
PHONE = "phone"


class ShareError(Problem):
    """A refused share step (the third-party API catches it), raised as one of the kinds
    below."""


class ShareInvalid(ShareError, Invalid):
    pass


class ShareNotFound(ShareError, NotFound):
    pass


class ShareForbidden(ShareError, Forbidden):
    pass


class ShareConflict(ShareError, Conflict):
    pass


class ShareUnauthenticated(ShareError, Unauthenticated):
    pass


@dataclass(frozen=True)
class Share:
    id: str
    number: str
    company_id: str
    community_id: str | None
    partner_id: str
    agreement_id: str
    purpose: str
    fields: tuple[str, ...]
    clear_fields: tuple[str, ...]
    status: str
    requested_by: str
    decided_by: str | None
    expires_at: datetime
    persons_count: int
    canaries_count: int
    delivered_at: datetime | None
    revoked_at: datetime | None
    deletion_confirmed_at: datetime | None

    @property
    def live(self) -> bool:
        return self.status == "approved" and clock.aware(self.expires_at) > clock.now()


def _share(r) -> Share:
    return Share(r.id, r.number, r.company_id, r.community_id, r.partner_id, r.agreement_id,
                 r.purpose, tuple(f for f in r.fields.split(",") if f),
                 tuple(f for f in r.clear_fields.split(",") if f), r.status, r.requested_by,
                 r.decided_by, r.expires_at, r.persons_count, r.canaries_count, r.delivered_at,
                 r.revoked_at, r.deletion_confirmed_at)


def get(uow: UnitOfWork, company_id: str, key: str) -> Share:
    col = shares.c.number if key.startswith("SH-") else shares.c.id
    row = uow.conn.execute(select(shares).where(col == key,
                                                shares.c.company_id == company_id)).first()
    if row is None:
        raise ShareNotFound("share_not_found")
    return _share(row)


def list_shares(uow: UnitOfWork, company_id: str) -> list[Share]:
    return [_share(r) for r in uow.conn.execute(select(shares).where(
        shares.c.company_id == company_id).order_by(shares.c.requested_at.desc()))]


# -- request and approval ---------------------------------------------------------------------

def request(rt: Runtime, uow: UnitOfWork, *, company_id: str, actor: str, role: str,
            partner_id: str, purpose: str, fields: list[str], clear_fields: Sequence[str] = (),
            community_id: str | None = None, days: int = DEFAULT_DAYS,
            scope: frozenset[tuple[str, str | None]] | None = None) -> Share:
    """``scope`` is the requester's (community, building) pairs; ``None`` means the whole
    company (the DPO). A manager shares only a community they are responsible for."""
    if role not in REQUESTER_ROLES:
        raise ShareForbidden("share_request_not_permitted")
    if scope is not None and (community_id is None
                              or community_id not in {c for c, _ in scope}):
        raise ShareForbidden("share_out_of_scope")
    partner = partners_svc.get(uow, company_id, partner_id)
    fields = list(dict.fromkeys(fields))
    clear_fields = list(dict.fromkeys(clear_fields))
    agreement = _check(rt, uow, partner, purpose, fields, clear_fields)
    if not 1 <= days <= 365:
        raise ShareInvalid("bad_days", max=365)
    now = clock.now()
    end_of_agreement = datetime.combine(agreement.expires_on, time(23, 59, 59),
                                        tzinfo=clock.LOCAL)
    sid = new_id()
    number = f"SH-{clock.local(now):%Y%m%d}-{os.urandom(2).hex().upper()}"
    uow.conn.execute(insert(shares).values(
        id=sid, number=number, company_id=company_id, community_id=community_id,
        partner_id=partner.id, agreement_id=agreement.id,
        assessment_id=partners_svc.covering_assessment(uow, partner.id, purpose, tuple(fields)),
        purpose=purpose, fields=",".join(fields), clear_fields=",".join(clear_fields),
        status="requested", requested_by=actor, requested_at=now,
        expires_at=min(now + timedelta(days=days), end_of_agreement)))
    rt.audit.record(uow.conn, company_id, actor=actor, role=role,
                    action="share_request", reason=number, outcome="requested")
    return get(uow, company_id, sid)


def _check(rt: Runtime, uow: UnitOfWork, partner, purpose: str, fields: list[str],
           clear_fields: list[str]):
    """Every reason a share may not happen, in the words a DPO can act on."""
    if partner.status != "active":
        raise ShareConflict("partner_suspended")
    spec = PURPOSES.get(purpose)
    if spec is None:
        raise ShareInvalid("bad_purpose", purposes=[purpose or "—"])
    if spec.basis is LegalBasis.NONE:
        raise ShareInvalid("no_legal_basis", purpose=purpose_label(purpose))
    unknown = [f for f in fields if f not in CATALOGUE]
    if not fields or unknown:
        raise ShareInvalid("bad_field", fields=unknown or ["—"])
    needless = [f for f in fields if purpose not in CATALOGUE[f].purposes
                or (f != PHONE and rt.policy.level("partner", purpose, f) is Level.HIDDEN)]
    if needless:
        raise ShareInvalid("field_not_needed", purpose=purpose_label(purpose),
                           fields=[field_label(f) for f in needless])
    not_clear = [f for f in clear_fields if f not in fields or f == PHONE
                 or rt.policy.level("partner", purpose, f) is not Level.REVEAL]
    if not_clear:
        raise ShareInvalid("clear_not_permitted", fields=[field_label(f) for f in not_clear])
    agreements = partners_svc.agreements_of(uow, partner.id)
    if not agreements:
        raise ShareConflict("no_agreement")
    agreement = partners_svc.live_agreement(uow, partner.id, purpose)
    if agreement is None:
        if any(purpose in a.purposes for a in agreements):
            raise ShareConflict("agreement_expired")
        raise ShareConflict("purpose_not_in_agreement", purpose=purpose_label(purpose))
    outside = [f for f in fields if f not in agreement.fields]
    if outside:
        raise ShareConflict("fields_not_in_agreement", fields=[field_label(f) for f in outside])
    if partners_svc.covering_assessment(uow, partner.id, purpose, tuple(fields)) is None:
        raise ShareConflict("no_assessment")
    return agreement


def decide(rt: Runtime, uow: UnitOfWork, *, company_id: str, actor: str, role: str,
           share_id: str, approve: bool, note: str = "") -> Share:
    """A DPO who is not the requester approves (fixing the members, aliases and canaries) or
    rejects (with a written reason)."""
    if role != "dpo":
        raise ShareForbidden("share_approval_not_permitted")
    share = get(uow, company_id, share_id)
    if share.requested_by == actor:
        raise ShareForbidden("share_four_eyes")
    if share.status != "requested":
        raise ShareConflict("share_already_decided")
    if not approve and not note.strip():
        raise ShareInvalid("rejection_reason_required")
    note_id = freetext.write_note(rt, uow, company_id=company_id, author=actor, role=role,
                                  kind="share_decision", text=note) if note.strip() else None
    now = clock.now()
    if not approve:
        uow.conn.execute(update(shares).where(shares.c.id == share.id).values(
            status="rejected", decided_by=actor, decided_at=now, decision_note_id=note_id))
        rt.audit.record(uow.conn, company_id, actor=actor, role=role,
                        action="share_decide", reason=share.number, outcome="rejected")
        return get(uow, company_id, share.id)
    partner = partners_svc.get(uow, company_id, share.partner_id)
    # The agreement or the assessment may have lapsed since the request.
    _check(rt, uow, partner, share.purpose, list(share.fields), list(share.clear_fields))
    members = eligible(uow, share, partner.relationship)
    if not members:
        raise ShareConflict("nobody_eligible")
    seed = secrets.token_bytes(32)
    n_canaries = min(10, 2 + len(members) // 200)
    _fix_members(rt, uow, share, members, seed, n_canaries)
    uow.conn.execute(update(shares).where(shares.c.id == share.id).values(
        status="approved", decided_by=actor, decided_at=now, decision_note_id=note_id,
        persons_count=len(members), canaries_count=n_canaries,
        seed_ct=seal_secret(rt.keys, uow.conn, company_id, "shares", "seed_ct", share.id,
                            seed.hex())))
    rt.audit.record(uow.conn, company_id, actor=actor, role=role,
                    action="share_decide", reason=share.number, outcome="approved")
    return get(uow, company_id, share.id)


def eligible(uow: UnitOfWork, share: Share, relationship: str) -> list[str]:
    """Persons this package may carry, now: active (not shredded or restricted), living in the
    share's community (or the company), with the consent the relationship requires."""
    q = select(persons.c.id).distinct().join(
        residencies, residencies.c.person_id == persons.c.id).where(
        persons.c.company_id == share.company_id, persons.c.state == "active")
    if share.community_id:
        q = q.where(residencies.c.community_id == share.community_id)
    ids = sorted(r.id for r in uow.conn.execute(q))
    if relationship == "provision":
        return sorted(consents_now.granted(uow.conn, ids, "recipient",
                                           recipient_target(share.partner_id, share.purpose)))
    if PURPOSES[share.purpose].basis is LegalBasis.CONSENT:
        granted = consents_now.granted(uow.conn, ids, "purpose", share.purpose)
        return sorted(granted)
    return ids


def _fix_members(rt: Runtime, uow: UnitOfWork, share: Share, members: list[str], seed: bytes,
                 n_canaries: int) -> None:
    from ownerguard.services.sharing.tracing import canaries as canary_gen
    from ownerguard.services.sharing.tracing import variants

    labels, taken = _community_rooms(uow, share)
    fakes = canary_gen.make_canaries(seed, n_canaries, buildings=labels, taken_rooms=taken)
    with_phone = PHONE in share.fields
    aliases = iter(_allocate_aliases(uow, len(members) + len(fakes)) if with_phone else [])
    items = [("person", pid) for pid in members] + [("canary", c) for c in fakes]
    order = variants.row_order(seed, len(items))
    indexer = rt.keys.indexer(uow.conn, share.company_id)
    member_rows, canary_rows = [], []
    for row_no, index in enumerate(order, start=1):
        _kind, item = items[index]
        alias = next(aliases) if with_phone else None
        if isinstance(item, str):           # a member (its person id)
            member_rows.append({"share_id": share.id, "person_id": item, "row_no": row_no,
                                "alias": alias, "variant": variants.variant_of(seed, item)})
        else:                               # a canary
            cid = new_id()
            values = {"name": item.name, "gender": item.gender, "room": item.room_label,
                      "variant": variants.variant_of(seed, cid)}
            canary_rows.append({
                "id": cid, "share_id": share.id, "row_no": row_no, "alias": alias,
                "name_digest": indexer.digest("canary_name", normalise("name", item.name)).hex(),
                "values_ct": seal_secret(rt.keys, uow.conn, share.company_id, "share_canaries",
                                         "values_ct", cid, json.dumps(values,
                                                                      ensure_ascii=False))})
    if member_rows:
        uow.conn.execute(insert(share_members), member_rows)
    if canary_rows:
        uow.conn.execute(insert(share_canaries), canary_rows)


def _community_rooms(uow: UnitOfWork, share: Share) -> tuple[list[str], set[str]]:
    """Building names and the labels of rooms that exist ("1栋1单元101", as the gate labels
    them), so canaries live in plausible buildings at rooms no real household has."""
    q = select(buildings.c.name.label("building"), units.c.name.label("unit"),
               rooms.c.number).join(rooms, rooms.c.building_id == buildings.c.id).outerjoin(
        units, units.c.id == rooms.c.unit_id)
    if share.community_id:
        q = q.where(buildings.c.community_id == share.community_id)
    else:
        q = q.join(communities, communities.c.id == buildings.c.community_id).where(
            communities.c.company_id == share.company_id)
    rows = uow.conn.execute(q).all()
    return (sorted({r.building for r in rows}) or ["1栋"],
            {f"{r.building}{r.unit or ''}{r.number}" for r in rows})


def _allocate_aliases(uow: UnitOfWork, n: int) -> list[str]:
    """``n`` numbers from the share pool never used before (by a member or a canary)."""
    low, high = ALIAS_POOL
    chosen: list[str] = []
    while len(chosen) < n:
        want = (n - len(chosen)) * 2 + 8
        candidates = {str(low + secrets.randbelow(high - low + 1)) for _ in range(want)}
        candidates -= set(chosen)
        for table in (share_members, share_canaries):
            for start in range(0, len(candidates), 500):
                chunk = sorted(candidates)[start:start + 500]
                used = {r.alias for r in uow.conn.execute(select(table.c.alias).where(
                    table.c.alias.in_(chunk)))}
                candidates -= used
        chosen += sorted(candidates)[: n - len(chosen)]
    secrets.SystemRandom().shuffle(chosen)
    return chosen


# -- delivery ---------------------------------------------------------------------------------

def package(rt: Runtime, uow: UnitOfWork, share: Share, *, via: str, client: str = ""
            ) -> tuple[list[tuple[str, str]], list[dict[str, str]]]:
    """(columns, rows) of a live package, read through the gate as the partner. Members who
    withdrew consent or were shredded since approval are left out of this delivery."""
    from ownerguard.services.sharing.tracing import variants

    if share.status != "approved":
        raise ShareConflict("share_not_approved")
    if not share.live:
        raise ShareConflict("expired")
    partner = partners_svc.get(uow, share.company_id, share.partner_id)
    members = uow.conn.execute(select(share_members).where(
        share_members.c.share_id == share.id)).all()
    still = set(eligible(uow, share, partner.relationship))
    members = [m for m in members if m.person_id in still]
    read_fields = [f for f in share.fields if f != PHONE]
    prefix = RECIPIENT_PREFIX if partner.relationship == "provision" else "processor:"
    ctx = AccessContext(actor=f"{prefix}{partner.id}", role="partner",
                        company_id=share.company_id, purpose=share.purpose,
                        scope=frozenset({(share.community_id, None)}) if share.community_id
                        else None, certified=True, client=client[:80])
    views = {v.person_id: v for v in rt.gate.read(
        uow, ctx, [m.person_id for m in members], read_fields, reveal=share.clear_fields,
        action="provide")} if members and read_fields else {}
    rows: list[tuple[int, dict[str, str]]] = []
    for m in members:
        view = views.get(m.person_id)
        row = {}
        for f in share.fields:
            if f == PHONE:
                row[f] = variants.render("phone", m.alias, m.variant) if m.alias else ""
                continue
            value = view.fields[f].value if view else None
            text = "、".join(value) if isinstance(value, list) else (value or "")
            # Rooms carry the member's format variant; other fields go as the gate shows them.
            row[f] = variants.render(f, text, m.variant) if f == "rooms" else text
        rows.append((m.row_no, row))
    for c in uow.conn.execute(select(share_canaries).where(share_canaries.c.share_id == share.id)):
        values = json.loads(open_secret(rt.keys, uow.conn, share.company_id, "share_canaries",
                                        "values_ct", c.id, c.values_ct))
        fake = {"name": values["name"], "gender": values["gender"],
                "rooms": variants.render("rooms", values["room"], values["variant"]),
                PHONE: variants.render("phone", c.alias, values["variant"]) if c.alias else ""}
        rows.append((c.row_no, {f: fake.get(f, "") for f in share.fields}))
    rows.sort(key=lambda r: r[0])
    now = clock.now()
    uow.conn.execute(update(shares).where(shares.c.id == share.id).values(
        downloads=shares.c.downloads + 1,
        delivered_at=func.coalesce(shares.c.delivered_at, now)))
    rt.audit.record(uow.conn, share.company_id, actor=ctx.actor, role="partner",
                    action="share_deliver", reason=share.number, outcome=via)
    return [(f, CATALOGUE[f].label_zh) for f in share.fields], [r for _, r in rows]


def banner(uow: UnitOfWork, share: Share) -> str:
    partner = uow.conn.execute(select(partners.c.name).where(
        partners.c.id == share.partner_id)).scalar_one()
    company = uow.conn.execute(select(companies.c.name).where(
        companies.c.id == share.company_id)).scalar_one()
    until = clock.local_date(share.expires_at)
    return (f"{company} 向 {partner} 提供 · 共享编号 {share.number} · 仅限"
            f"“{PURPOSES[share.purpose].label_zh}”使用 · 有效期至 {until} · 禁止转发、出售；"
            f"到期须按协议删除")


def download(rt: Runtime, uow: UnitOfWork, *, company_id: str, actor: str, role: str,
             share_id: str, fmt: str = "xlsx", client: str = "") -> tuple[str, bytes]:
    """The package as a file, built in memory for the requester or the DPO to hand over."""
    share = get(uow, company_id, share_id)
    if actor != share.requested_by and role != "dpo":
        raise ShareForbidden("share_not_requester")
    if fmt not in ("xlsx", "csv"):
        raise ShareInvalid("share_bad_format")
    columns, rows = package(rt, uow, share, via=f"download:{actor}"[:20], client=client)
    head = banner(uow, share)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow([head])
        w.writerow([label for _, label in columns])
        for r in rows:
            w.writerow([r[key] for key, _ in columns])
        return f"{share.number}.csv", ("\ufeff" + buf.getvalue()).encode()
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = share.number
    ws.append([head])
    ws.append([label for _, label in columns])
    for r in rows:
        ws.append([r[key] for key, _ in columns])
    wb.properties.title = head
    wb.properties.identifier = share.number
    out = io.BytesIO()
    wb.save(out)
    return f"{share.number}.xlsx", out.getvalue()


def issue_api_key(rt: Runtime, uow: UnitOfWork, *, company_id: str, actor: str, role: str,
                  share_id: str) -> str:
    """A key for the partner to fetch this one package until it expires; shown once."""
    if role != "dpo":
        raise ShareForbidden("partner_key_not_permitted")
    share = get(uow, company_id, share_id)
    if not share.live:
        raise ShareConflict("share_not_live")
    token = "ogp_" + secrets.token_urlsafe(32)
    uow.conn.execute(update(shares).where(shares.c.id == share.id).values(
        api_key_hash=hashlib.sha256(token.encode()).hexdigest()))
    rt.audit.record(uow.conn, company_id, actor=actor, role=role,
                    action="share_key", reason=share.number, outcome="issued")
    return token


def by_api_key(uow: UnitOfWork, token: str) -> Share:
    row = uow.conn.execute(select(shares).where(
        shares.c.api_key_hash == hashlib.sha256((token or "").encode()).hexdigest())).first() \
        if token else None
    if row is None:
        raise ShareUnauthenticated("bad_key")
    return _share(row)


# -- the end of a share -----------------------------------------------------------------------

def revoke(rt: Runtime, uow: UnitOfWork, *, company_id: str, actor: str, role: str,
           share_id: str, reason: str) -> Share:
    if role != "dpo":
        raise ShareForbidden("share_revoke_not_permitted")
    share = get(uow, company_id, share_id)
    if share.status not in ("approved", "requested"):
        raise ShareConflict("share_ended")
    if not reason.strip():
        raise ShareInvalid("revocation_reason_required")
    note_id = freetext.write_note(rt, uow, company_id=company_id, author=actor, role=role,
                                  kind="share_revocation", text=reason)
    _end(uow, share, "revoked", note_id)
    rt.audit.record(uow.conn, company_id, actor=actor, role=role,
                    action="share_revoke", reason=share.number, outcome="revoked")
    return get(uow, company_id, share.id)


def _end(uow: UnitOfWork, share: Share, status: str, note_id: str | None = None) -> None:
    """Keys stop working and aliases are unbound at once; the provision records stay."""
    now = clock.now()
    values = {"status": status, "api_key_hash": None, "revoked_at": now}
    if note_id:
        values["decision_note_id"] = note_id
    uow.conn.execute(update(shares).where(shares.c.id == share.id).values(**values))
    uow.conn.execute(update(share_members).where(share_members.c.share_id == share.id,
                                                 share_members.c.unbound_at.is_(None))
                     .values(unbound_at=now))


def confirm_deletion(rt: Runtime, uow: UnitOfWork, *, company_id: str, actor: str, role: str,
                     share_id: str, note: str) -> Share:
    """Record the partner's confirmation that it deleted or returned the data (L19)."""
    if role != "dpo":
        raise ShareForbidden("deletion_confirmation_not_permitted")
    share = get(uow, company_id, share_id)
    if share.status not in ("revoked", "expired"):
        raise ShareConflict("share_not_ended")
    if not note.strip():
        raise ShareInvalid("deletion_confirmation_required")
    note_id = freetext.write_note(rt, uow, company_id=company_id, author=actor, role=role,
                                  kind="share_deletion", text=note)
    uow.conn.execute(update(shares).where(shares.c.id == share.id).values(
        deletion_confirmed_at=clock.now(), deletion_note_id=note_id))
    rt.audit.record(uow.conn, company_id, actor=actor, role=role,
                    action="share_deleted", reason=share.number, outcome="confirmed")
    return get(uow, company_id, share.id)


def sweep(rt: Runtime, uow: UnitOfWork) -> int:
    """Expire live shares whose time is up (keys stop, aliases unbound)."""
    now = clock.now()
    due = [_share(r) for r in uow.conn.execute(select(shares).where(
        shares.c.status == "approved", shares.c.expires_at <= now))]
    for share in due:
        _end(uow, share, "expired")
        rt.audit.record(uow.conn, share.company_id, actor="system", role="system",
                        action="share_expire", reason=share.number, outcome="expired")
    return len(due)


# -- what owners see --------------------------------------------------------------------------

def provisions_for(uow: UnitOfWork, person_ids: list[str]) -> list[dict]:
    """"Your data was provided to X for Y on date": every delivered package that carried one
    of these persons, newest first (L10, L11)."""
    if not person_ids:
        return []
    rows = uow.conn.execute(select(
        share_members.c.person_id, shares.c.number, shares.c.purpose, shares.c.fields,
        shares.c.delivered_at, shares.c.status, shares.c.expires_at, partners.c.name,
        partners.c.relationship).join(shares, shares.c.id == share_members.c.share_id).join(
        partners, partners.c.id == shares.c.partner_id).where(
        share_members.c.person_id.in_(person_ids), shares.c.delivered_at.is_not(None))
        .order_by(shares.c.delivered_at.desc())).all()
    return [{"person_id": r.person_id, "share": r.number, "recipient": r.name,
             "relationship": partners_svc.RELATIONSHIPS.get(r.relationship, r.relationship),
             "purpose": r.purpose,
             "purpose_label": PURPOSES[r.purpose].label_zh if r.purpose in PURPOSES else r.purpose,
             "fields": [CATALOGUE[f].label_zh for f in r.fields.split(",") if f in CATALOGUE],
             "provided_at": clock.local(r.delivered_at)
             .isoformat(timespec="seconds"),
             "status": r.status} for r in rows]

