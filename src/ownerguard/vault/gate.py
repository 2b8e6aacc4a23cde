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
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, bindparam, select

from ownerguard.domain.fields import CATALOGUE, PERSON_FIELDS, VEHICLE_FIELDS
from ownerguard.domain.purposes import PURPOSES, LegalBasis
from ownerguard.store.tables import buildings, consents, persons, residencies, rooms, units, vehicles
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault.audit import AuditEvent, AuditLog
from ownerguard.vault.crypto import DecryptionFailed, open_sealed
from ownerguard.vault.datakeys import DataKeys
from ownerguard.vault.masking import mask
from ownerguard.vault.policy import AccessContext, Decision, Outcome, Policy

# person field → (table, column) of its ciphertext
_PERSON_COLUMNS = {name: f"{name}_ct" for name in PERSON_FIELDS}
_VEHICLE_COLUMNS = {"plate": "plate_ct", "vehicle_brand": "brand_ct",
                    "vehicle_colour": "colour_ct"}
_LIST_FIELDS = frozenset({"phone", "rooms", *VEHICLE_FIELDS})


# Statements built once: constructing a select costs more than running it on SQLite.
_IDS = bindparam("ids", expanding=True)
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
_CONSENTS = (select(consents.c.person_id, consents.c.granted)
             .where(consents.c.person_id.in_(_IDS), consents.c.kind == bindparam("kind"),
                    consents.c.target == bindparam("target"))
             .order_by(consents.c.at, consents.c.id))
_BATCH = 500
# The actor of a partner that receives data as a processor in its own right (provision, L5);
# an entrusted processor (L19) reads as "processor:<partner id>".
RECIPIENT_PREFIX = "recipient:"


def _chunks(ids: Sequence[str]):
    for start in range(0, len(ids), _BATCH):
        yield list(ids[start:start + _BATCH])


class PersonNotFound(LookupError):
    pass


@dataclass(frozen=True)
class Shown:
    """One field as the actor may see it. ``value`` is None when denied or empty."""

    outcome: Outcome
    reason: str
    value: str | list[str] | None = None


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
    return chosen[0] if chosen else f"company:{company_id}"


def _restricted(ctx: AccessContext) -> str | None:
    """L14: a restricted person's data is only stored and protected. The person still sees it
    (L11), and a lawful authority request still reaches it (the reason a law required keeping
    it); every other role and purpose is denied."""
    if ctx.role == "owner" or ctx.purpose == "legal_request":
        return None
    return "restricted"


class Gate:
    def __init__(self, keys: DataKeys, policy: Policy, audit: AuditLog):
        self.keys = keys
        self.policy = policy
        self.audit = audit

    def read(self, uow: UnitOfWork, ctx: AccessContext, person_ids: Sequence[str],
             fields: Collection[str], *, reveal: Collection[str] = (),
             action: str = "read") -> list[PersonView]:
        conn = uow.conn
        assert conn is not None
        reveal = frozenset(reveal)
        fields = tuple(dict.fromkeys(fields))
        rows = {r.id: r for r in self._load_persons(conn, person_ids)}
        missing = [pid for pid in person_ids if pid not in rows]
        if missing:
            raise PersonNotFound(f"no person with id {missing[0]}")
        homes = self._rooms(conn, list(rows))

        purpose = PURPOSES.get(ctx.purpose or "")
        item_kind = purpose.work_item if purpose else None
        # A consent-based purpose processes only persons whose latest record grants it (L4):
        # withdrawal takes effect on the very next read.
        consenting = self._consenting(conn, list(rows), purpose.code) \
            if purpose is not None and purpose.basis is LegalBasis.CONSENT \
            and ctx.role != "owner" else None
        if ctx.role == "partner" and ctx.actor.startswith(RECIPIENT_PREFIX) and purpose:
            # A recipient in its own right (provision, L5) needs each person's separate
            # consent to that recipient and purpose, whatever the purpose's own basis.
            consenting = self._consenting(
                conn, list(rows), f"{ctx.actor[len(RECIPIENT_PREFIX):]}:{purpose.code}",
                kind="recipient")
        decisions: dict[str, list[Decision]] = {}
        for pid, row in rows.items():
            mine = homes.get(pid, ())
            scope = ctx.covers(row.company_id,
                               frozenset((h.community_id, h.building_id) for h in mine))
            if row.state == "shredded" and scope is None:
                scope = "shredded"
            elif row.state == "restricted" and scope is None:
                scope = _restricted(ctx)
            if scope is None and consenting is not None and pid not in consenting:
                scope = "no_consent"
            item_problem = ctx.work_item_problem(item_kind, frozenset(h.room_id for h in mine)) \
                if item_kind and reveal else None
            decisions[pid] = [self.policy.decide(ctx, f, reveal=f in reveal,
                                                 scope_problem=scope,
                                                 work_item_problem=item_problem)
                              for f in fields]

        needs_key = [pid for pid, ds in decisions.items()
                     if any(d.outcome is not Outcome.DENIED and CATALOGUE[d.field].encrypted
                            for d in ds)]
        ciphers = self.keys.person_ciphers(conn, needs_key)
        vehicle_rows = self._vehicles(conn, needs_key) if set(fields) & set(VEHICLE_FIELDS) \
            else {}

        views: list[PersonView] = []
        events: dict[tuple[str, str], list[AuditEvent]] = defaultdict(list)
        for pid in person_ids:
            row = rows[pid]
            view = PersonView(pid, bool(row.is_minor), row.state)
            cipher = ciphers.get(pid)
            for d in decisions[pid]:
                if d.outcome is not Outcome.DENIED and CATALOGUE[d.field].encrypted \
                        and cipher is None:
                    d = Decision(d.field, Outcome.DENIED, "shredded")
                view.fields[d.field] = self._show(d, row, cipher, homes.get(pid, ()),
                                                  vehicle_rows.get(pid, ()))
            views.append(view)
            chain = _chain_for(ctx, row.company_id, homes.get(pid, ()))
            events[(chain, row.company_id)].extend(
                self._events(ctx, action, pid, [view.fields[f] for f in fields], fields))
        # Audit before handing anything back; a failure here raises and the values are dropped.
        for (chain, company_id), evs in events.items():
            self.audit.append(conn, chain, company_id, evs)
        return views

    def phone_for_contact(self, uow: UnitOfWork, ctx: AccessContext, person_id: str,
                          channel: str) -> tuple[Decision, str | None]:
        """The person's phone for the *system* to text or to bind an alias to — never shown to
        the actor. Allowed when the role may see the phone (even masked) for the purpose and
        the actor holds a live work item for that person's room. Audited like a reveal
        (action ``contact``)."""
        conn = uow.conn
        rows = self._load_persons(conn, [person_id])
        if not rows:
            raise PersonNotFound(f"no person with id {person_id}")
        row = rows[0]
        mine = self._rooms(conn, [person_id]).get(person_id, [])
        problem = ctx.covers(row.company_id,
                             frozenset((h.community_id, h.building_id) for h in mine))
        if row.state == "shredded" and problem is None:
            problem = "shredded"
        elif row.state == "restricted" and problem is None:
            problem = _restricted(ctx)
        decision = self.policy.decide(ctx, "phone", scope_problem=problem)
        if decision.outcome is not Outcome.DENIED:
            purpose = PURPOSES[ctx.purpose]
            item_problem = ctx.work_item_problem(purpose.work_item or "work_order",
                                                 frozenset(h.room_id for h in mine))
            if item_problem:
                decision = Decision("phone", Outcome.DENIED, item_problem)
            else:
                decision = Decision("phone", Outcome.MASKED, f"contact_{channel}")
        phone = None
        if decision.outcome is not Outcome.DENIED:
            cipher = self.keys.person_ciphers(conn, [person_id]).get(person_id)
            phones = self._clear_value("phone", row, cipher, mine, ()) if cipher else None
            phone = phones[0] if phones else None
            if phone is None:
                decision = Decision("phone", Outcome.DENIED, "shredded" if cipher is None
                                    else "no_phone")
        self.audit.append(conn, _chain_for(ctx, row.company_id, mine), row.company_id, [
            AuditEvent(actor=ctx.actor, role=ctx.role, action="contact", subject=person_id,
                       fields=("phone",), purpose=ctx.purpose or "",
                       work_item=ctx.work_item.id if ctx.work_item else "",
                       outcome="used" if phone else "denied", reason=decision.reason,
                       client=ctx.client)])
        return decision, phone

    def read_text(self, uow: UnitOfWork, ctx: AccessContext, *, table: str, column: str,
                  row_id: str, sealed: bytes, reveal: bool = False, subject: str = "",
                  work_item: str = "") -> Shown:
        """Free text sealed with the company key (work-order comments, break-glass reasons).

        Shown with every finding of the PII detector masked; in clear only to the DPO, who
        asks for it (reviewing an emergency reveal, answering an owner). Audited either way.
        """
        from ownerguard.detect import mask_text

        clear = open_sealed(self.keys.company_sealer(uow.conn, ctx.company_id), table, column,
                            row_id, 1, sealed)
        if ctx.company_id and reveal and ctx.role == "dpo":
            shown = Shown(Outcome.CLEAR, "revealed", clear)
        elif reveal and ctx.role == "owner" and subject:
            # An owner reads the letters of their own inquiry or request: the services that
            # build an owner context take the subject from the signed-in session only (L11).
            shown = Shown(Outcome.CLEAR, "self_access", clear)
        elif reveal:
            shown = Shown(Outcome.MASKED, "reveal_not_permitted", mask_text(clear))
        else:
            shown = Shown(Outcome.MASKED, "masked_by_default", mask_text(clear))
        self.audit.append(uow.conn, f"company:{ctx.company_id}", ctx.company_id, [AuditEvent(
            actor=ctx.actor, role=ctx.role, action="read_text", subject=subject,
            fields=(f"{table}.{column}",), purpose=ctx.purpose or "", work_item=work_item,
            outcome=shown.outcome.value, reason=shown.reason, client=ctx.client)])
        return shown

    # -- helpers -------------------------------------------------------------------------
    def _show(self, d: Decision, row, cipher: AESGCM | None, homes, vehicle_rows) -> Shown:
        if d.outcome is Outcome.DENIED:
            return Shown(d.outcome, d.reason)
        spec = CATALOGUE[d.field]
        try:
            raw = self._clear_value(d.field, row, cipher, homes, vehicle_rows)
        except DecryptionFailed:
            # The message names the place, never a value; surface it as a denial so the
            # audit records that nothing readable was shown.
            return Shown(Outcome.DENIED, "shredded")
        if raw is None or d.outcome is Outcome.CLEAR:
            return Shown(d.outcome, d.reason, raw)
        if isinstance(raw, list):
            return Shown(d.outcome, d.reason, [mask(spec.mask, v) for v in raw])
        return Shown(d.outcome, d.reason, mask(spec.mask, raw))

    @staticmethod
    def _clear_value(name: str, row, cipher, homes, vehicle_rows):
        if name == "rooms":
            return [h.label for h in homes] or None
        if name in _VEHICLE_COLUMNS:
            col = _VEHICLE_COLUMNS[name]
            values = [open_sealed(cipher, "vehicles", col, v.id, v.key_version, getattr(v, col))
                      for v in vehicle_rows]
            values = [v for v in values if v]
            return values or None
        col = _PERSON_COLUMNS[name]
        value = open_sealed(cipher, "persons", col, row.id, row.key_version, getattr(row, col))
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
    def _consenting(conn: Connection, ids: list[str], target: str, kind: str = "purpose"
                    ) -> set[str]:
        latest: dict[str, bool] = {}
        for chunk in _chunks(ids):
            for r in conn.execute(_CONSENTS, {"ids": chunk, "target": target, "kind": kind}):
                latest[r.person_id] = r.granted      # ordered by time: the last one wins
        return {pid for pid, granted in latest.items() if granted}

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
