"""Consent (L3–L7): the versioned privacy notice, and what an owner can consent to.

Only purposes whose legal basis is consent need it (``domain.purposes``); processing for them
stops the moment consent is withdrawn (L4). Separate consent per recipient (L5) arrives with
the partner registry; sensitive data (L6) and face entry (L7, always with an alternative) are
listed here so the portal shows them from the start.
"""

from __future__ import annotations

from dataclasses import dataclass

from ownerguard.domain.purposes import PURPOSES, LegalBasis

NOTICE_VERSION = "2026-11"
NOTICE_TEXT_ZH = """个人信息处理规则（隐私告知）

处理者：您所在小区的物业服务企业（联系方式见物业服务中心公示）。
处理目的与方式：为履行物业服务合同（收费、报修、访客核验、装修管理、停车管理等）处理您的姓名、联系电话、房屋信息；为依法履行义务（业主大会表决、依法调取等）处理必要的身份信息；快递代收等服务仅在您同意后处理。
信息类别与保存期限：见“我的数据”中每一项的说明。身份证号等高风险信息默认隐藏，加密存储。
对外提供：未经您单独同意，不会向任何第三方提供您的个人信息（法律另有规定的除外）。
您的权利：查阅、复制、更正、删除、撤回同意、要求解释处理规则；可通过本门户提交，一般在15个工作日内答复，拒绝须说明理由；对处理结果有异议的，可向业主委员会反映，或向网信、住建等主管部门投诉。
"""


@dataclass(frozen=True)
class ConsentItem:
    kind: str          # purpose | sensitive | face
    target: str        # a purpose code, or a sensitive category
    label_zh: str
    explanation_zh: str
    alternative_zh: str = ""


def consent_items() -> list[ConsentItem]:
    items = [ConsentItem("purpose", p.code, p.label_zh,
                         f"仅在您同意后为“{p.label_zh}”处理您的姓名、电话和房屋信息；不同意不影响其他物业服务。")
             for p in PURPOSES.values() if p.basis is LegalBasis.CONSENT]
    items.append(ConsentItem(
        "face", "face_entry", "人脸识别门禁",
        "人脸信息属于敏感个人信息，仅用于门禁通行，可随时撤回并删除。",
        "不同意时可继续使用门禁卡或动态密码通行。"))
    return items
