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

from ..domain.fields import CATALOGUE
from ..domain.purposes import PURPOSES


class Level(enum.IntEnum):
    """The most a role may see of a field for a purpose."""

    HIDDEN = 0      # not shown at all, not decrypted
    MASKED = 1      # shown masked (L9)
    REVEAL = 2      # masked unless a reveal is asked for; then clear (a separate, logged act)


class Outcome(str, enum.Enum):
    CLEAR = "clear"
    MASKED = "masked"
    DENIED = "denied"


# Reason codes: stable identifiers stored in the audit log, with texts for people.
REASONS: dict[str, tuple[str, str]] = {
    "revealed": ("按用途申请明文查看，已授权", "clear value revealed for the purpose"),
    "masked_by_default": ("默认脱敏显示", "masked by default (L9)"),
    "reveal_not_permitted": ("该角色在此用途下只能查看脱敏信息", "role may only see it masked"),
    "field_not_needed": ("该用途不需要此字段（最小必要，L2）", "field not needed for purpose (L2)"),
    "no_legal_basis": ("该用途没有合法性基础（L1）", "purpose has no legal basis (L1)"),
    "unknown_purpose": ("未知用途", "unknown purpose"),
    "no_purpose": ("必须说明用途", "a purpose is required"),
    "unknown_role": ("未知角色", "unknown role"),
    "role_not_permitted": ("该角色不得为此用途处理个人信息", "role may not use this purpose"),
    "out_of_scope": ("该人员不在您负责的范围内", "person is outside the actor's scope"),
    "other_company": ("不属于本公司", "person belongs to another company"),
    "work_item_required": ("明文查看须关联有效的工单", "clear reveal needs a live work item"),
    "unknown_field": ("未登记的字段", "field is not in the catalogue"),
    "shredded": ("该人员信息已被销毁（密钥已删除）", "data crypto-shredded"),
}


@dataclass(frozen=True)
class Decision:
    field: str
    outcome: Outcome
    reason: str

    @property
    def reason_zh(self) -> str:
        return REASONS[self.reason][0]


ALL_COMMUNITIES = None  # a scope of ``None`` means every community of the actor's company


@dataclass(frozen=True)
class AccessContext:
    """Who asks, for what. Every read of personal data carries one."""

    actor: str
    role: str
    company_id: str
    purpose: str | None
    communities: frozenset[str] | None = field(default=frozenset())
    work_item: str | None = None
    work_item_verified: bool = False   # set by the work-order service (issue "staff access")
    client: str = ""

    def covers(self, person_company: str, person_communities: frozenset[str]) -> str | None:
        """None when the person is in scope, else the reason code."""
        if person_company != self.company_id:
            return "other_company"
        if self.communities is ALL_COMMUNITIES:
            return None
        if person_communities & self.communities:
            return None
        return "out_of_scope"


class Policy:
    def __init__(self, grants: Mapping[tuple[str, str], Mapping[str, Level]], *,
                 known_roles: tuple[str, ...] = ()):
        self._grants = grants
        self.roles = frozenset(role for role, _ in grants) | frozenset(known_roles)
        # Compile: (role, purpose, field) → effective level, with L1 and L2 applied.
        self._matrix: dict[tuple[str, str, str], tuple[Level, str]] = {}
        for (role, purpose), per_field in grants.items():
            if purpose not in PURPOSES:
                raise ValueError(f"grant for unknown purpose {purpose!r}")
            for name, level in per_field.items():
                if name not in CATALOGUE:
                    raise ValueError(f"grant for unknown field {name!r}")
                if not PURPOSES[purpose].usable:
                    self._matrix[(role, purpose, name)] = (Level.HIDDEN, "no_legal_basis")
                elif purpose not in CATALOGUE[name].purposes:
                    self._matrix[(role, purpose, name)] = (Level.HIDDEN, "field_not_needed")
                else:
                    self._matrix[(role, purpose, name)] = (level, "")

    def level(self, role: str, purpose: str, field_name: str) -> Level:
        return self._matrix.get((role, purpose, field_name), (Level.HIDDEN, ""))[0]

    def decide(self, ctx: AccessContext, field_name: str, *, reveal: bool = False,
               scope_problem: str | None = None) -> Decision:
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
            if field_name not in CATALOGUE or ctx.purpose not in CATALOGUE[field_name].purposes:
                return Decision(field_name, Outcome.DENIED, "field_not_needed")
            return Decision(field_name, Outcome.DENIED, "role_not_permitted")
        if not reveal:
            return Decision(field_name, Outcome.MASKED, "masked_by_default")
        if level is not Level.REVEAL:
            return Decision(field_name, Outcome.MASKED, "reveal_not_permitted")
        if purpose.work_item and not (ctx.work_item and ctx.work_item_verified):
            return Decision(field_name, Outcome.MASKED, "work_item_required")
        return Decision(field_name, Outcome.CLEAR, "revealed")

    def matrix(self) -> list[dict[str, str]]:
        """One row per (role, purpose): the effective level of every catalogue field."""
        rows = []
        for role, purpose in sorted(self._grants):
            row = {"role": role, "purpose": purpose, "basis": PURPOSES[purpose].basis.value}
            for name in CATALOGUE:
                row[name] = self.level(role, purpose, name).name.lower()
            rows.append(row)
        return rows
