"""Staff roles, their labels, default purposes and reveal quotas.

The policy itself (who may see what for which purpose) is the grant table in ``vault.grants``;
this module only names the roles so the UI, the CLI and the docs speak of them the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from ownerguard.i18n import Label


@dataclass(frozen=True)
class Role:
    code: str
    label_zh: str
    label_en: str
    default_purpose: str | None     # what a masked list is shown for when none is chosen
    reveals_per_hour: int           # quota of clear reveals (fields × persons); 0 = none
    reveals_per_day: int
    staff: bool = True              # a person who signs in (not a system role)


ROLES: dict[str, Role] = {
    r.code: r
    for r in (
        Role("front_desk", "客服", "front desk", "visitor", 30, 120),
        Role("steward", "管家", "steward", "record_keeping", 60, 300),
        Role("guard", "保安", "guard", "visitor", 20, 80),
        Role("technician", "维修", "technician", "repair", 20, 80),
        Role("finance", "财务", "finance", "billing", 30, 150),
        Role("manager", "项目经理", "community manager", "record_keeping", 60, 300),
        Role("dpo", "个人信息保护负责人", "data-protection officer", "rights_request", 200, 1000),
        Role("sysadmin", "系统管理员", "system administrator", None, 0, 0),
        Role("committee_member", "业委会委员", "owners' committee member", "owners_assembly",
             0, 0),
        # System roles: the CLI operator on the server and the import job.
        Role("operator", "档案管理员（命令行）", "CLI operator", "record_keeping", 10_000, 100_000,
             staff=False),
        Role("importer", "导入任务", "import job", None, 0, 0, staff=False),
        # A partner company receiving an approved share package: the package is read through
        # the gate under this role, capped by the grant table, the agreement and the approval.
        Role("partner", "第三方（共享协议）", "partner under an agreement", None, 0, 0,
             staff=False),
        # An owner, tenant or family member reading their own record in the portal (L11).
        Role("owner", "本人", "the person themself", "rights_request", 1_000, 10_000,
             staff=False),
    )
}

STAFF_ROLES = tuple(code for code, r in ROLES.items() if r.staff)
# Roles whose work spans the whole company whatever their listed scope: the DPO answers every
# owner's request and reviews every alert.
COMPANY_WIDE_ROLES = ("dpo",)


def role_label(code: str) -> Label:
    """A role as a message parameter or label (``role.<code>``, else its own labels)."""
    r = ROLES.get(code)
    return Label("role", code, (r.label_zh, r.label_en) if r else None)
