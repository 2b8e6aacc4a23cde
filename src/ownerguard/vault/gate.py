"""The gate: the one place that decrypts personal data.

Every read passes through ``Gate.read``: for each person and field the policy decides clear,
masked or denied (with a reason); only the fields that will be shown are decrypted; the audit
entries recording the decisions are appended in the caller's transaction *before* any value is
handed back. If the audit cannot be written, ``AuditWriteFailed`` propagates and the caller gets
nothing (invariant 2).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.sql.elements import BindParameter

from ownerguard.domain.fields import CATALOGUE, PERSON_FIELDS, VEHICLE_FIELDS
from ownerguard.domain.purposes import PURPOSES, LegalBasis
from ownerguard.errors import Forbidden, NotFound
from ownerguard.store.tables import buildings, persons, residencies, rooms, units, vehicles
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault import consents as consents_now
from ownerguard.vault.alarms import raise_alarm
from ownerguard.vault.audit import AuditEvent, AuditLog, company_chain
from ownerguard.vault.consents import recipient_target
from ownerguard.vault.crypto import DecryptionFailed
from ownerguard.vault.datakeys import DataKeys
from ownerguard.vault.masking import mask
from ownerguard.vault.policy import AccessContext, Decision, Outcome, Policy
from ownerguard.vault.sealing import PersonKey, open_company

# person field → (table, column) of its ciphertext
_PERSON_COLUMNS = {name: f"{name}_ct" for name in PERSON_FIELDS}
_VEHICLE_COLUMNS = {"plate": "plate_ct", "vehicle_brand": "brand_ct",
                    "vehicle_colour": "colour_ct"}
_LIST_FIELDS = frozenset({"phone", "rooms", *VEHICLE_FIELDS})


# Statements built once: constructing a select costs more than running it on SQLite.
_IDS: BindParameter = bindparam("ids", expanding=True)
_PERSONS_BY_ID = select(persons).where(persons.c.id.in_(_IDS))
_HOMES_BY_PERSON = (
    select(residencies.c.person_id, residencies.c.community_id, residencies.c.role,
           rooms.c.id.label("room_id"), rooms.c.building_id,
           buildings.c.name.label("building"), units.c.name.label("unit"), rooms.c.number)
    .join(rooms, rooms.c.id == residencies.c.room_id)
    .join(buildings, buildings.c.id == rooms.c.building_id)
    .outerjoin(units, units.c.id == rooms.c.unit_id)
    .where(residencies.c.person_id.in_(_IDS))
    .order_by(residencies.c.community_id, rooms.c.room_key))
_VEHICLES_BY_PERSON = select(vehicles).where(vehicles.c.person_id.in_(_IDS)) \
    .order_by(vehicles.c.id)
_BATCH = 500
# The actor of a partner that receives data as a processor in its own right (provision, L5);
# an entrusted processor (L19) reads as "processor:<partner id>".
RECIPIENT_PREFIX = "recipient:"


def _chunks(ids: Sequence[str]):
    for start in range(0, len(ids), _BATCH):
        yield list(ids[start:start + _BATCH])


class PersonNotFound(NotFound, LookupError):
    """No person of that id in the actor's company (code ``person_not_found``)."""


@dataclass(frozen=True)
class Shown:
    """One field as the actor may see it. ``value`` is None when denied or empty."""

    outcome: Outcome
    reason: str
    value: str | list[str] | None = None

    @property
    def text(self) -> str | None:
        """A free-text or single value as text (a list of values joined)."""
        if self.value is None or isinstance(self.value, str):
            return self.value
        return "、".join(self.value)


@dataclass
class PersonView:
    person_id: str
    is_minor: bool
    state: str
    fields: dict[str, Shown] = field(default_factory=dict)

    def value(self, name: str):
        return self.fields[name].value


@dataclass(frozen=True)
class Home:
    community_id: str
    building_id: str
    room_id: str
    label: str          # "1栋1单元101"
    role: str           # residency role


def _chain_for(ctx: AccessContext, company_id: str, homes: Sequence[Home]) -> str:
    """The audit chain of a read: the person's community (the first one in the actor's scope,
    if they live in several), or the company's chain for a person with no residency."""
    communities = sorted({h.community_id for h in homes})
    in_scope = [c for c in communities if ctx.scope is None
                or any(sc == c for sc, _ in ctx.scope)]
    chosen = in_scope or communities
    return chosen[0] if chosen else company_chain(company_id)


def _restricted(ctx: AccessContext) -> str | None:
    """L14: a restricted person's data is only stored and protected. The person still sees it
    (L11), and a lawful authority request still reaches it (the reason a law required keeping
    it); every other role and purpose is denied."""
    if ctx.role == "owner" or ctx.purpose == "legal_request":
        return None
    return "restricted"


def _mask_everything(text: str) -> str:
    """Without a detector, free text shown masked is shown as nothing at all."""
    return "*" * len(text)


class Gate:
    """``mask_text`` masks the personal data found in free text (``detect.mask_text`` in a
    running service, handed in by ``services.runtime``: the vault does not depend on the
    detector)."""

    def __init__(self, keys: DataKeys, policy: Policy, audit: AuditLog,
                 mask_text: Callable[[str], str] = _mask_everything):
        self.keys = keys
        self.policy = policy
        self.audit = audit
        self.mask_text = mask_text

    def read(self, uow: UnitOfWork, ctx: AccessContext, person_ids: Sequence[str],
             fields: Collection[str], *, reveal: Collection[str] = (),
             action: str = "read") -> list[PersonView]:
        conn = uow.conn
        reveal = frozenset(reveal)
        fields = tuple(dict.fromkeys(fields))
        rows, homes = self._persons(conn, person_ids)
        problems = self._person_problems(conn, ctx, rows, homes)
        purpose = PURPOSES.get(ctx.purpose or "")
        item_kind = purpose.work_item if purpose else None
        decisions: dict[str, list[Decision]] = {}
        for pid in rows:
            mine = homes.get(pid, ())
            item_problem = ctx.work_item_problem(item_kind, frozenset(h.room_id for h in mine)) \
                if item_kind and reveal else None
            decisions[pid] = [self.policy.decide(ctx, f, reveal=f in reveal,
                                                 scope_problem=problems[pid],
                                                 work_item_problem=item_problem)
                              for f in fields]

        needs_key = [pid for pid, ds in decisions.items()
                     if any(d.outcome is not Outcome.DENIED and CATALOGUE[d.field].encrypted
                            for d in ds)]
        keys = self.keys.person_keys(conn, needs_key)
        vehicle_rows = self._vehicles(conn, needs_key) if set(fields) & set(VEHICLE_FIELDS) \
            else {}

        views: list[PersonView] = []
        events: dict[tuple[str, str], list[AuditEvent]] = defaultdict(list)
        for pid in person_ids:
            row = rows[pid]
            view = PersonView(pid, bool(row.is_minor), row.state)
            key = keys.get(pid)
            for d in decisions[pid]:
                if d.outcome is not Outcome.DENIED and CATALOGUE[d.field].encrypted \
                        and key is None:
                    d = Decision(d.field, Outcome.DENIED, "shredded")
                view.fields[d.field] = self._show(d, row, key, homes.get(pid, ()),
                                                  vehicle_rows.get(pid, ()))
            views.append(view)
            chain = _chain_for(ctx, row.company_id, homes.get(pid, ()))
            events[(chain, row.company_id)].extend(
                self._events(ctx, action, pid, [view.fields[f] for f in fields], fields))
        # Audit before handing anything back; a failure here raises and the values are dropped.
        for (chain, company_id), evs in events.items():
            self.audit.append(conn, chain, company_id, evs)
        broken = [v.person_id for v in views
                  if any(s.reason == "undecryptable" for s in v.fields.values())]
        if broken:
            self._alarm(conn, ctx, broken[0], f"persons:{len(broken)}")
        return views

    def phone_for_contact(self, uow: UnitOfWork, ctx: AccessContext, person_id: str,
                          channel: str) -> tuple[Decision, str | None]:
        """The person's phone for the *system* to text or to bind an alias to — never shown to
        the actor. The same scope, consent, recipient and restriction rules as a read; then
        the policy's contact rule (``Policy.contact_work_item_kind``): the role may see the
        phone at all for the purpose, and the actor holds a live work item for the person's
        room. Audited like a reveal (action ``contact``)."""
        conn = uow.conn
        rows, homes = self._persons(conn, [person_id])
        row, mine = rows[person_id], homes.get(person_id, [])
        problem = self._person_problems(conn, ctx, rows, homes)[person_id]
        decision = self.policy.decide(ctx, "phone", scope_problem=problem)
        if decision.outcome is not Outcome.DENIED:
            item_problem = ctx.work_item_problem(
                self.policy.contact_work_item_kind(ctx.purpose or ""),
                frozenset(h.room_id for h in mine))
            decision = Decision("phone", Outcome.DENIED, item_problem) if item_problem \
                else Decision("phone", Outcome.MASKED, f"contact_{channel}")
        phone = None
        if decision.outcome is not Outcome.DENIED:
            key = self.keys.person_keys(conn, [person_id]).get(person_id)
            try:
                phones = self._clear_value("phone", row, key, mine, ()) if key else None
            except DecryptionFailed:
                phones, decision = None, Decision("phone", Outcome.DENIED, "undecryptable")
            phone = phones[0] if phones else None
            if phone is None and decision.outcome is not Outcome.DENIED:
                decision = Decision("phone", Outcome.DENIED,
                                    "shredded" if key is None else "no_phone")
        self.audit.append(conn, _chain_for(ctx, row.company_id, mine), row.company_id, [
            AuditEvent(actor=ctx.actor, role=ctx.role, action="contact", subject=person_id,
                       fields=("phone",), purpose=ctx.purpose or "",
                       work_item=ctx.work_item.id if ctx.work_item else "",
                       outcome="used" if phone else "denied", reason=decision.reason,
                       client=ctx.client)])
        if decision.reason == "undecryptable":
            self._alarm(conn, ctx, person_id, "persons.phone_ct")
        return decision, phone

    def read_text(self, uow: UnitOfWork, ctx: AccessContext, *, table: str, column: str,
                  row_id: str, sealed: bytes, reveal: bool = False, subject: str = "",
                  work_item: str = "", own: bool = False) -> Shown:
        """Free text sealed with the company key (work-order comments, inquiry letters,
        break-glass reasons, alert notes), decided by ``Policy.text``: detector-masked, in
        clear for the DPO who asks, or for the owner reading their own (``own``, which the
        services set from the signed-in session only). Audited either way."""
        decision = self.policy.text(ctx, reveal=reveal, own=own and bool(subject))
        shown = Shown(decision.outcome, decision.reason)
        if decision.outcome is not Outcome.DENIED:
            try:
                clear = open_company(self.keys, uow.conn, ctx.company_id, table, column,
                                     row_id, sealed)
            except DecryptionFailed:
                shown = Shown(Outcome.DENIED, "undecryptable")
            else:
                shown = Shown(decision.outcome, decision.reason,
                              clear if decision.outcome is Outcome.CLEAR
                              else self.mask_text(clear or ""))
        self.audit.append(uow.conn, company_chain(ctx.company_id), ctx.company_id, [AuditEvent(
            actor=ctx.actor, role=ctx.role, action="read_text", subject=subject,
            fields=(f"{table}.{column}",), purpose=ctx.purpose or "", work_item=work_item,
            outcome=shown.outcome.value, reason=shown.reason, client=ctx.client)])
        if shown.reason == "undecryptable":
            self._alarm(uow.conn, ctx, subject, f"{table}.{column}")
        return shown

    def read_payload(self, uow: UnitOfWork, ctx: AccessContext, *, table: str, column: str,
                     row_id: str, sealed: bytes, subject: str, own: bool = False) -> dict:
        """A personal payload sealed whole with the company key — an owner's proposed
        corrections (``{"corrections": {field: value}}``), an heir's claim (``{"heir": {…}}``)
        — for a person to read: in clear for the DPO and for the owner whose own request it
        is; masked by the field catalogue's rules for the other deciders (``Policy``'s
        ``PAYLOAD_DECIDERS``), who never see an heir's claim; nothing for anyone else.
        Audited like any read, naming the fields the payload holds."""
        level = self.policy.payload(ctx, own=own and bool(subject))
        shown: dict = {}
        reason = "no_text_grant" if level is Outcome.DENIED else \
            ("masked_by_default" if level is Outcome.MASKED else
             ("self_access" if ctx.role == "owner" else "revealed"))
        names: list[str] = []
        if level is not Outcome.DENIED:
            try:
                payload = json.loads(open_company(self.keys, uow.conn, ctx.company_id, table,
                                                  column, row_id, sealed) or "{}")
            except DecryptionFailed:
                payload, level, reason = {}, Outcome.DENIED, "undecryptable"
            corrections = payload.get("corrections") or {}
            names = sorted(corrections) + (["heir"] if "heir" in payload else [])
            shown["corrections"] = {
                f: v if level is Outcome.CLEAR else mask(CATALOGUE[f].mask, v)
                for f, v in corrections.items() if f in CATALOGUE}
            shown["heir"] = payload.get("heir") if level is Outcome.CLEAR else None
        self.audit.append(uow.conn, company_chain(ctx.company_id), ctx.company_id, [AuditEvent(
            actor=ctx.actor, role=ctx.role, action="read_payload", subject=subject,
            fields=tuple(names) or (f"{table}.{column}",), purpose=ctx.purpose or "",
            outcome=level.value, reason=reason, client=ctx.client)])
        if reason == "undecryptable":
            self._alarm(uow.conn, ctx, subject, f"{table}.{column}")
        return shown

    def use_payload(self, uow: UnitOfWork, ctx: AccessContext, *, table: str, column: str,
                    row_id: str, sealed: bytes, subject: str) -> dict:
        """The same payload for the *system* to apply (an approved correction is written into
        the person's record) — never shown to the decider. Only a payload decider may have
        it used; audited as ``apply_payload``."""
        if self.policy.payload(ctx) is Outcome.DENIED:
            raise Forbidden("payload_not_permitted")
        payload = json.loads(open_company(self.keys, uow.conn, ctx.company_id, table, column,
                                          row_id, sealed) or "{}")
        self.audit.append(uow.conn, company_chain(ctx.company_id), ctx.company_id, [AuditEvent(
            actor=ctx.actor, role=ctx.role, action="apply_payload", subject=subject,
            fields=tuple(sorted(payload.get("corrections") or {})) or (f"{table}.{column}",),
            purpose=ctx.purpose or "", outcome="used", reason="rights_request",
            client=ctx.client)])
        return payload

    def _alarm(self, conn: Connection, ctx: AccessContext, subject: str, where: str) -> None:
        """A value that does not open where it is was copied between rows or tampered with:
        the DPO hears of it at once (the read itself showed nothing)."""
        raise_alarm(conn, self.audit, self.keys, company_id=ctx.company_id,
                    kind="undecryptable", severity="high", actor=ctx.actor, subject=subject,
                    detail=where, dedupe=timedelta(hours=1))

    # -- deciding --------------------------------------------------------------------------
    def _persons(self, conn: Connection, person_ids: Sequence[str]):
        rows = {r.id: r for r in self._load_persons(conn, person_ids)}
        missing = [pid for pid in person_ids if pid not in rows]
        if missing:
            raise PersonNotFound("person_not_found")
        return rows, self._rooms(conn, list(rows))

    def _person_problems(self, conn: Connection, ctx: AccessContext, rows: dict,
                         homes: dict[str, list[Home]]) -> dict[str, str | None]:
        """Per person, why every field is denied before the policy is asked (or None): out of
        scope or another company, shredded, restricted (L14), no consent for a consent-based
        purpose (L4), no separate consent to this recipient (L5)."""
        purpose = PURPOSES.get(ctx.purpose or "")
        # A consent-based purpose processes only persons whose latest record grants it (L4):
        # withdrawal takes effect on the very next read.
        consenting = consents_now.granted(conn, list(rows), "purpose", purpose.code) \
            if purpose is not None and purpose.basis is LegalBasis.CONSENT \
            and ctx.role != "owner" else None
        if ctx.role == "partner" and ctx.actor.startswith(RECIPIENT_PREFIX) and purpose:
            # A recipient in its own right (provision, L5) needs each person's separate
            # consent to that recipient and purpose, whatever the purpose's own basis.
            consenting = consents_now.granted(
                conn, list(rows), "recipient",
                recipient_target(ctx.actor[len(RECIPIENT_PREFIX):], purpose.code))
        out: dict[str, str | None] = {}
        for pid, row in rows.items():
            mine = homes.get(pid, ())
            problem = ctx.covers(row.company_id,
                                 frozenset((h.community_id, h.building_id) for h in mine))
            if row.state == "shredded" and problem is None:
                problem = "shredded"
            elif row.state == "restricted" and problem is None:
                problem = _restricted(ctx)
            if problem is None and consenting is not None and pid not in consenting:
                problem = "no_consent"
            out[pid] = problem
        return out

    # -- helpers -------------------------------------------------------------------------
    def _show(self, d: Decision, row, key: PersonKey | None, homes, vehicle_rows) -> Shown:
        if d.outcome is Outcome.DENIED:
            return Shown(d.outcome, d.reason)
        spec = CATALOGUE[d.field]
        try:
            raw = self._clear_value(d.field, row, key, homes, vehicle_rows)
        except DecryptionFailed:
            # A value that does not open where it is was moved or tampered with: nothing is
            # shown, and the audit says so in its own words (the anomaly check alerts the DPO)
            # instead of passing it off as a shredded person.
            return Shown(Outcome.DENIED, "undecryptable")
        if raw is None or d.outcome is Outcome.CLEAR:
            return Shown(d.outcome, d.reason, raw)
        if isinstance(raw, list):
            return Shown(d.outcome, d.reason, [mask(spec.mask, v) for v in raw])
        return Shown(d.outcome, d.reason, mask(spec.mask, raw))

    @staticmethod
    def _clear_value(name: str, row, key: PersonKey | None, homes, vehicle_rows):
        if name == "rooms":
            return [h.label for h in homes] or None
        assert key is not None
        if name in _VEHICLE_COLUMNS:
            col = _VEHICLE_COLUMNS[name]
            values = [key.open("vehicles", col, v.id, v.key_version, getattr(v, col))
                      for v in vehicle_rows]
            values = [v for v in values if v]
            return values or None
        col = _PERSON_COLUMNS[name]
        value = key.open("persons", col, row.id, row.key_version, getattr(row, col))
        if value is not None and name == "phone":
            return json.loads(value)
        return value

    @staticmethod
    def _events(ctx: AccessContext, action: str, pid: str, shown: list[Shown],
                names: Sequence[str]) -> list[AuditEvent]:
        grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
        for name, s in zip(names, shown):
            grouped[(s.outcome.value, s.reason)].append(name)
        return [AuditEvent(actor=ctx.actor, role=ctx.role, action=action, subject=pid,
                           fields=tuple(sorted(fs)), purpose=ctx.purpose or "",
                           work_item=ctx.work_item.id if ctx.work_item else "",
                           outcome=outcome, reason=reason,
                           client=ctx.client)
                for (outcome, reason), fs in sorted(grouped.items())]

    @staticmethod
    def _load_persons(conn: Connection, ids: Sequence[str]):
        return [row for chunk in _chunks(ids)
                for row in conn.execute(_PERSONS_BY_ID, {"ids": chunk})]

    @staticmethod
    def _rooms(conn: Connection, ids: list[str]) -> dict[str, list[Home]]:
        out: dict[str, list[Home]] = defaultdict(list)
        for chunk in _chunks(ids):
            for r in conn.execute(_HOMES_BY_PERSON, {"ids": chunk}):
                out[r.person_id].append(Home(r.community_id, r.building_id, r.room_id,
                                             f"{r.building}{r.unit or ''}{r.number}", r.role))
        return out

    @staticmethod
    def _vehicles(conn: Connection, ids: list[str]) -> dict[str, list]:
        out: dict[str, list] = defaultdict(list)
        for chunk in _chunks(ids):
            for v in conn.execute(_VEHICLES_BY_PERSON, {"ids": chunk}):
                out[v.person_id].append(v)
        return out
