"""Purposes of processing and their legal basis (L1).

Processing for a purpose that declares no legal basis is refused; a purpose whose basis is
consent is usable only for persons who gave that consent (consent records arrive with the owner
portal). Every purpose that needs a live work item names its kind here, so the policy can demand
one (issue "staff access").
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from ownerguard.errors import Invalid
from ownerguard.i18n import Label


class LegalBasis(str, enum.Enum):
    CONTRACT = "contract"          # PIPL 13(2); Civil Code 937–939 物业服务合同
    LEGAL_DUTY = "legal_duty"      # PIPL 13(3)
    EMERGENCY = "emergency"        # PIPL 13(4): life, health, property in an emergency
    CONSENT = "consent"            # PIPL 13(1), 14–16 (separate consent where PIPL 23/25/29 ask)
    NONE = "none"                  # declared but unusable: L1 refuses it


# Legal bases are described by the message catalogue's ``basis_<basis>``.


class PurposeConfigError(Invalid, ValueError):
    """A ``[purposes.CODE]`` setting that cannot be used: the code says why."""


@dataclass(frozen=True)
class Purpose:
    code: str
    label_zh: str
    label_en: str
    basis: LegalBasis
    work_item: str | None = None   # kind of live work item a clear reveal needs, if any

    @property
    def usable(self) -> bool:
        return self.basis is not LegalBasis.NONE


PURPOSES: dict[str, Purpose] = {
    p.code: p
    for p in (
        Purpose("record_keeping", "业主档案管理", "owner register upkeep", LegalBasis.CONTRACT),
        Purpose("billing", "物业收费", "billing", LegalBasis.CONTRACT),
        Purpose("repair", "报修维修", "repair", LegalBasis.CONTRACT, work_item="work_order"),
        Purpose("visitor", "访客核验", "visitor check", LegalBasis.CONTRACT, work_item="visit"),
        Purpose("delivery", "快递代收", "parcel delivery", LegalBasis.CONSENT),
        Purpose("renovation", "装修管理", "renovation", LegalBasis.CONTRACT, work_item="renovation"),
        Purpose("parking", "停车管理", "parking", LegalBasis.CONTRACT),
        Purpose("emergency", "紧急联系", "emergency contact", LegalBasis.EMERGENCY),
        Purpose("owners_assembly", "业主大会表决", "owners' assembly vote", LegalBasis.LEGAL_DUTY),
        Purpose("legal_request", "依法调取", "lawful authority request", LegalBasis.LEGAL_DUTY),
        Purpose("rights_request", "个人权利请求处理", "data-subject request", LegalBasis.LEGAL_DUTY),
        # The DPO's own reviews (emergency reveals, audit): needs no owner field (PIPL 51–52).
        # PIPL 57 (L21): tell the affected owners what leaked and what they can do.
        Purpose("breach_notice", "安全事件通知", "breach notice", LegalBasis.LEGAL_DUTY),
        Purpose("oversight", "个人信息保护监督", "compliance oversight", LegalBasis.LEGAL_DUTY),
        # Marketing has no basis until an owner separately consents (L5, L24); it stays in the
        # catalogue so a request for it is refused with a reason rather than "unknown purpose".
        Purpose("marketing", "营销推广", "marketing", LegalBasis.NONE),
    )
}


def register_purpose(purpose: Purpose, fields: tuple[str, ...]) -> None:
    """Add a deployment's own purpose (``[purposes.CODE]`` in settings.toml) with the fields it
    needs (L2). Called once at start-up, before any policy is built; built-in purposes cannot be
    redefined, and a purpose must declare its legal basis (L1)."""
    from dataclasses import replace

    from ownerguard.domain import fields as catalogue

    if not purpose.code.isidentifier() or not purpose.code.islower():
        raise PurposeConfigError("purpose_code_invalid", purpose=purpose.code[:40])
    existing = PURPOSES.get(purpose.code)
    if existing is not None and existing != purpose:
        raise PurposeConfigError("purpose_exists", purpose=purpose.code)
    unknown = [f for f in fields if f not in catalogue.CATALOGUE]
    if unknown:
        raise PurposeConfigError("purpose_unknown_fields", purpose=purpose.code,
                                 fields=", ".join(unknown))
    PURPOSES[purpose.code] = purpose
    for name in fields:
        spec = catalogue.CATALOGUE[name]
        if purpose.code not in spec.purposes:
            catalogue.CATALOGUE[name] = replace(spec, purposes=spec.purposes + (purpose.code,))


def purpose_from_settings(code: str, doc: dict) -> tuple[Purpose, tuple[str, ...]]:
    try:
        basis = LegalBasis(doc["basis"])
    except (KeyError, ValueError):
        raise PurposeConfigError("purpose_needs_basis", purpose=code[:40],
                                 choices=", ".join(b.value for b in LegalBasis)) from None
    return (Purpose(code, doc.get("label_zh", code), doc.get("label_en", code), basis,
                    doc.get("work_item")), tuple(doc.get("fields", ())))


def purpose_label(code: str) -> Label:
    """A purpose as a message parameter (``purpose.<code>``, else its own labels)."""
    p = PURPOSES.get(code)
    return Label("purpose", code, (p.label_zh, p.label_en) if p else None)
