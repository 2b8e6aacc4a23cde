"""Owners' rights over their data (L11–L17): what can be asked, on whose behalf, and the
reasons a request may be refused. Pure tables, no I/O; ``services.rights`` does the work.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    code: str
    label_zh: str
    label_en: str
    law: str              # the requirement it comes from (legal-requirements.md)
    immediate: bool       # answered at once from what is held, no staff review needed


KINDS: dict[str, Kind] = {k.code: k for k in (
    Kind("access", "查阅", "access", "L11", True),
    Kind("copy", "复制", "copy", "L11", True),
    Kind("portability", "转移（可携带）", "portability", "L12", True),
    Kind("correction", "更正补充", "correction", "L13", False),
    Kind("deletion", "删除", "deletion", "L14", False),
    # L14 second half: where a law requires keeping data, stop everything but storage and
    # protection. Also what an owner may ask for while a correction is disputed.
    Kind("restriction", "限制处理（仅保存）", "restriction (storage only)", "L14", False),
    Kind("explanation", "解释处理规则", "explanation of the processing rules", "L15", True),
)}
DOWNLOADABLE = ("access", "copy", "portability")

ON_BEHALF = {
    "self": ("本人", "the person themselves"),
    # PIPL 31: a guardian acts for a child; here for a minor household member (L16 covers heirs).
    "guardian": ("监护人（代未成年家庭成员）", "guardian of a minor household member"),
    "heir": ("近亲属（已故者的继承人）", "next of kin of a deceased person"),     # L16, PIPL 49
}

STATUS = {"open": ("处理中", "open"), "done": ("已办结", "done"),
          "refused": ("已拒绝", "refused")}

# What a request ended with. "fulfilled" and "restricted" are results; refusals use a code of
# REFUSAL_REASONS as their outcome.
OUTCOMES = {
    "fulfilled": ("已按请求办理", "done as asked"),
    "corrected": ("已更正", "corrected"),
    "deleted": ("已删除（密钥已销毁，数据不可恢复）", "deleted (crypto-shredded)"),
    "restricted": ("已限制处理：除法律要求的保存外停止一切处理",
                   "restricted: nothing but storage required by law"),
}

# L17: a refusal names one of these codes *and* carries a written reason.
REFUSAL_REASONS: dict[str, tuple[str, str]] = {
    "identity_not_verified": ("无法核实申请人身份或与被申请人的关系",
                              "the requester's identity or relationship could not be verified"),
    "legal_retention": ("法律、行政法规要求保存该信息，已改为限制处理",
                        "a law requires keeping the data; it is restricted instead"),
    "manifestly_unfounded": ("请求明显无理或重复提出", "manifestly unfounded or repetitive"),
    "not_the_subject": ("申请人不是该信息的本人、监护人或近亲属",
                        "the requester is not the person, their guardian or next of kin"),
    "data_not_held": ("本公司未持有所请求的信息", "the company does not hold that data"),
    "correction_not_supported_by_evidence": ("更正内容缺少证明材料或与证明材料不符",
                                             "the correction is not supported by evidence"),
    "affects_others": ("办理该请求将泄露他人的个人信息", "doing it would disclose others' data"),
    "other": ("其他原因（见书面说明）", "other (see the written reason)"),
}

# Fields an owner may ask to correct, and the normaliser each value goes through at filing.
# ID number and birth date are the person's identity: changing them is a visit to the office
# with the document, not a web form.
EDITABLE = {
    "name": "name",
    "gender": "gender",
    "phone": "phone",
    "contact_name": "name",
    "contact_phone": "phone",
    "plate": "plate",
}


def kind_label(code: str) -> str:
    k = KINDS.get(code)
    return f"{k.label_zh}（{k.law}）" if k else code


def outcome_text(code: str | None) -> tuple[str, str] | None:
    if code is None:
        return None
    return OUTCOMES.get(code) or REFUSAL_REASONS.get(code) or (code, code)
