"""The policy decision: (role, purpose, field, scope, reveal?, work item) → clear / masked / denied.

Table-driven. ``GRANTS`` (in ``vault.grants``) says, per role and purpose, the most a role may see
of each field; the field catalogue's purpose list (L2) caps it; scope and work items can only
lower it further. Anything not granted is denied (deny by default); anything granted is masked
unless clear is both allowed and asked for (masked by default, L9). The compiled matrix is a dict
lookup per field, and ``matrix()`` prints it for people to read.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from ownerguard.domain.fields import CATALOGUE
from ownerguard.domain.purposes import PURPOSES
from ownerguard.errors import Invalid

# Free text and contact without seeing the number: the rules are explained with the grant
# table (``vault.grants``); they live here because the grant table imports ``Level`` from here.
TEXT_CLEAR_ROLES = ("dpo", "owner")
CONTACT_WORK_ITEM_DEFAULT = "work_order"


class Level(enum.IntEnum):
    """The most a role may see of a field for a purpose."""

    HIDDEN = 0      # not shown at all, not decrypted
    MASKED = 1      # shown masked (L9)
    REVEAL = 2      # masked unless a reveal is asked for; then clear (a separate, logged act)


class Outcome(str, enum.Enum):
    CLEAR = "clear"
    MASKED = "masked"
    DENIED = "denied"


# Who decides owners' rights requests and so reads their sealed payloads (proposed corrections,
# heirs' claims): the DPO in clear; a manager, for their own communities (checked by the
# service), masked. The owner reads their own request in clear.
PAYLOAD_DECIDERS: dict[str, Outcome] = {"dpo": Outcome.CLEAR, "manager": Outcome.MASKED}

# Reason codes: stable identifiers stored in the audit log; their texts for people are the
# catalogue's ``reason.<code>`` entries (``ownerguard.i18n``), and a test keeps the two equal.
REASONS: frozenset[str] = frozenset({
    "revealed", "masked_by_default", "reveal_not_permitted", "field_not_needed", "no_legal_basis",
    "unknown_purpose", "no_purpose", "unknown_role", "role_not_permitted", "out_of_scope",
    "other_company", "no_consent", "work_item_required", "work_item_wrong_kind",
    "work_item_closed", "work_item_not_assigned", "work_item_other_room", "not_certified",
    "quota_exceeded", "emergency_reason_required", "break_glass", "contact_sms", "contact_call",
    "no_phone", "unknown_field", "self_access", "shredded", "undecryptable", "no_text_grant",
    "restricted"})


@dataclass(frozen=True)
class Decision:
    field: str
    outcome: Outcome
    reason: str


ALL_COMMUNITIES = None  # a scope of ``None`` means every community of the actor's company

Scope = frozenset  # of (community id, building id or None for every building)


def community_scope(community_ids) -> frozenset[tuple[str, str | None]]:
    return frozenset((c, None) for c in community_ids)


@dataclass(frozen=True)
class WorkItemRef:
    """The live work item (work order, visit record, renovation application) a reveal cites."""

    id: str
    kind: str
    room_id: str
    assignee: str | None      # staff username the item is assigned to
    live: bool                # open or assigned; a done or closed item allows no reveal


@dataclass(frozen=True)
class AccessContext:
    """Who asks, for what. Every read of personal data carries one."""

    actor: str
    role: str
    company_id: str
    purpose: str | None
    scope: frozenset[tuple[str, str | None]] | None = field(default_factory=frozenset)
    work_item: WorkItemRef | None = None
    # Training and confidentiality agreement current (staff access gating): without both, a
    # reveal is refused and the data stays masked.
    certified: bool = False
    # Set by the quota check: why reveals are blocked right now, if they are.
    reveal_blocked: str | None = None
    emergency_reason: bool = False   # a written reason was given (break glass, DPO review)
    client: str = ""

    @classmethod
    def for_owner(cls, actor: str, company_id: str, client: str = "") -> AccessContext:
        """An owner, tenant or family member reading their own record (L11). Whose record it
        is comes from the signed-in session: the services pass only the person ids bound to
        it, and the gate audits every read under this actor."""
        return cls(actor=actor, role="owner", company_id=company_id, purpose="rights_request",
                   scope=None, certified=True, client=client)

    def covers(self, person_company: str,
               homes: frozenset[tuple[str, str]]) -> str | None:
        """None when the person is in scope, else the reason code. ``homes`` holds the
        person's (community id, building id) pairs."""
        if person_company != self.company_id:
            return "other_company"
        if self.scope is ALL_COMMUNITIES:
            return None
        for community, building in homes:
            if (community, None) in self.scope or (community, building) in self.scope:
                return None
        return "out_of_scope"

    def work_item_problem(self, purpose_kind: str, person_rooms: frozenset[str]) -> str | None:
        item = self.work_item
        if item is None:
            return "work_item_required"
        if item.kind != purpose_kind:
            return "work_item_wrong_kind"
        if not item.live:
            return "work_item_closed"
        if item.assignee != self.actor:
            return "work_item_not_assigned"
        if item.room_id not in person_rooms:
            return "work_item_other_room"
        return None


class GrantConfigError(Invalid, ValueError):
    """A grant in the settings that names an unknown purpose or field."""


class Policy:
    def __init__(self, grants: Mapping[tuple[str, str], Mapping[str, Level]], *,
                 known_roles: tuple[str, ...] = ()):
        self._grants = grants
        self.roles = frozenset(role for role, _ in grants) | frozenset(known_roles)
        # Roles that read free text at all: staff with a grant on any purpose (not the owner,
        # whose own letters are a separate rule, nor partners).
        self._text_roles = frozenset(role for role, _ in grants) - {"owner", "partner"}
        # Compile: (role, purpose, field) → effective level, with L1 and L2 applied.
        self._matrix: dict[tuple[str, str, str], tuple[Level, str]] = {}
        for (role, purpose), per_field in grants.items():
            if purpose not in PURPOSES:
                raise GrantConfigError("grant_unknown_purpose", purpose=str(purpose)[:40])
            for name, level in per_field.items():
                if name not in CATALOGUE:
                    raise GrantConfigError("grant_unknown_field", field=str(name)[:40])
                if not PURPOSES[purpose].usable:
                    self._matrix[(role, purpose, name)] = (Level.HIDDEN, "no_legal_basis")
                elif purpose not in CATALOGUE[name].purposes:
                    self._matrix[(role, purpose, name)] = (Level.HIDDEN, "field_not_needed")
                else:
                    self._matrix[(role, purpose, name)] = (level, "")

    def level(self, role: str, purpose: str, field_name: str) -> Level:
        return self._matrix.get((role, purpose, field_name), (Level.HIDDEN, ""))[0]

    def decide(self, ctx: AccessContext, field_name: str, *, reveal: bool = False,
               scope_problem: str | None = None,
               work_item_problem: str | None = None) -> Decision:
        """``work_item_problem`` is the gate's per-person check of ``ctx.work_item`` (only
        consulted for purposes that need a work item)."""
        if scope_problem:
            return Decision(field_name, Outcome.DENIED, scope_problem)
        if not ctx.purpose:
            return Decision(field_name, Outcome.DENIED, "no_purpose")
        purpose = PURPOSES.get(ctx.purpose)
        if purpose is None:
            return Decision(field_name, Outcome.DENIED, "unknown_purpose")
        if field_name not in CATALOGUE:
            return Decision(field_name, Outcome.DENIED, "unknown_field")
        if not purpose.usable:
            return Decision(field_name, Outcome.DENIED, "no_legal_basis")
        if ctx.role not in self.roles:
            return Decision(field_name, Outcome.DENIED, "unknown_role")
        level, why = self._matrix.get((ctx.role, ctx.purpose, field_name), (Level.HIDDEN, ""))
        if level is Level.HIDDEN:
            if why:
                return Decision(field_name, Outcome.DENIED, why)
            if ctx.purpose not in CATALOGUE[field_name].purposes:
                return Decision(field_name, Outcome.DENIED, "field_not_needed")
            return Decision(field_name, Outcome.DENIED, "role_not_permitted")
        if not reveal:
            return Decision(field_name, Outcome.MASKED, "masked_by_default")
        if level is not Level.REVEAL:
            return Decision(field_name, Outcome.MASKED, "reveal_not_permitted")
        if not ctx.certified:
            return Decision(field_name, Outcome.MASKED, "not_certified")
        if ctx.reveal_blocked:
            return Decision(field_name, Outcome.MASKED, ctx.reveal_blocked)
        if purpose.code == "emergency":
            if not ctx.emergency_reason:
                return Decision(field_name, Outcome.MASKED, "emergency_reason_required")
            return Decision(field_name, Outcome.CLEAR, "break_glass")
        if purpose.work_item:
            problem = work_item_problem or (None if ctx.work_item else "work_item_required")
            if problem:
                return Decision(field_name, Outcome.MASKED, problem)
        return Decision(field_name, Outcome.CLEAR, "revealed")

    def text(self, ctx: AccessContext, *, reveal: bool, own: bool = False) -> Decision:
        """Free text sealed with the company key (``grants.TEXT_CLEAR_ROLES``): detector-masked
        for every role with a grant on some purpose, clear for the DPO when asked, and for the
        owner when it is their own (``own``, established by the services from the session)."""
        if ctx.role == "owner":
            if reveal and own:
                return Decision("text", Outcome.CLEAR, "self_access")
            # What staff wrote to the owner (a refusal's reason): masked where the detector
            # finds personal data, since it may name someone else.
            return Decision("text", Outcome.MASKED, "masked_by_default")
        if ctx.role not in self._text_roles:
            return Decision("text", Outcome.DENIED, "no_text_grant")
        if not reveal:
            return Decision("text", Outcome.MASKED, "masked_by_default")
        if ctx.role in TEXT_CLEAR_ROLES:
            return Decision("text", Outcome.CLEAR, "revealed")
        return Decision("text", Outcome.MASKED, "reveal_not_permitted")

    def payload(self, ctx: AccessContext, *, own: bool = False) -> Outcome:
        """How a sealed request payload may be read (``PAYLOAD_DECIDERS``)."""
        if ctx.role == "owner":
            return Outcome.CLEAR if own else Outcome.DENIED
        return PAYLOAD_DECIDERS.get(ctx.role, Outcome.DENIED)

    def contact_work_item_kind(self, purpose: str) -> str:
        """The kind of live work item that lets the system contact a person for ``purpose``."""
        p = PURPOSES.get(purpose)
        return (p.work_item if p and p.work_item else CONTACT_WORK_ITEM_DEFAULT)

    def text_roles(self) -> list[dict[str, str]]:
        """Who reads free text how (for ``policy show``)."""
        return [{"role": role, "text": "clear" if role in TEXT_CLEAR_ROLES else "masked"}
                for role in sorted(self._text_roles | {"owner"})]

    def contact_matrix(self) -> list[dict[str, str]]:
        """(role, purpose) lines that may have the system contact a person (for ``policy
        show``), with the kind of work item each needs."""
        return [{"role": role, "purpose": purpose,
                 "work_item": self.contact_work_item_kind(purpose)}
                for role, purpose in sorted(self._grants)
                if role not in ("owner", "partner")
                and self.level(role, purpose, "phone") is not Level.HIDDEN]

    def matrix(self) -> list[dict[str, str]]:
        """One row per (role, purpose): the effective level of every catalogue field."""
        rows = []
        for role, purpose in sorted(self._grants):
            row = {"role": role, "purpose": purpose, "basis": PURPOSES[purpose].basis.value}
            for name in CATALOGUE:
                row[name] = self.level(role, purpose, name).name.lower()
            rows.append(row)
        return rows
