"""Legal references people are shown — in dossiers, notices and reports — keyed by the
requirement ids of the project's legal analysis (L1–L26). Short paraphrases, not quotations:
enough for an owner to name the article to an official."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib.resources import files


@dataclass(frozen=True)
class Requirement:
    """One requirement of the legal analysis: what the law asks of the software."""

    lid: str
    zh: str
    en: str
    articles: tuple[str, ...]      # "PIPL 13", "PIPL 14-16", "CC 1038"

    def article_numbers(self) -> set[int]:
        out: set[int] = set()
        for ref in self.articles:
            m = re.fullmatch(r"[A-Z0-9-]+ (\d+)(?:-(\d+))?(?:\.\d+)?", ref)
            if not m:
                raise ValueError(f"{self.lid}: article reference {ref!r} is not 'LAW n' or 'LAW a-b'")
            lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
            out.update(range(lo, hi + 1))
        return out


def _load_requirements() -> dict[str, Requirement]:
    doc = tomllib.loads(files("ownerguard.content").joinpath("legal").joinpath("requirements.toml")
                        .read_text(encoding="utf-8"))
    out = {lid: Requirement(lid, v["zh"], v["en"], tuple(v["articles"])) for lid, v in doc.items()}
    expected = [f"L{n}" for n in range(1, len(out) + 1)]
    if list(out) != expected:
        raise ValueError("requirements.toml must list L1, L2, … in order without gaps")
    return out


# L1–L26, from content/legal/requirements.toml (validated when this module loads).
REQUIREMENTS: dict[str, Requirement] = _load_requirements()


@dataclass(frozen=True)
class LegalRef:
    lid: str
    law: str
    text: str


REFS: dict[str, LegalRef] = {r.lid: r for r in (
    LegalRef("L5", "《个人信息保护法》第二十三条",
             "向其他个人信息处理者提供个人信息，应当告知接收方情况并取得个人的单独同意。"),
    LegalRef("L8", "《个人信息保护法》第五十一条",
             "个人信息处理者应当采取加密、去标识化、访问权限管理等安全措施，防止未经授权的访问以及泄露。"),
    LegalRef("L11", "《个人信息保护法》第四十五条", "个人有权向个人信息处理者查阅、复制其个人信息。"),
    LegalRef("L13", "《个人信息保护法》第四十六条", "个人发现其个人信息不准确或者不完整的，有权请求更正、补充。"),
    LegalRef("L14", "《个人信息保护法》第四十七条",
             "处理目的已实现、撤回同意、停止提供服务或者违法处理的，个人信息处理者应当主动删除；"
             "法律规定的保存期限未届满的，应当停止除存储和采取必要安全保护措施之外的处理。"),
    LegalRef("L17", "《个人信息保护法》第五十条",
             "个人信息处理者应当建立便捷的个人行使权利的申请受理和处理机制；拒绝请求的，应当说明理由；"
             "个人可以依法向人民法院提起诉讼。"),
    LegalRef("L18", "《个人信息保护法》第六十五条",
             "任何组织、个人有权对违法个人信息处理活动向履行个人信息保护职责的部门进行投诉、举报。"),
    LegalRef("L21", "《个人信息保护法》第五十七条",
             "发生或者可能发生个人信息泄露、篡改、丢失的，个人信息处理者应当立即采取补救措施，"
             "并通知履行个人信息保护职责的部门和个人。"),
    LegalRef("L24", "《民法典》第一千零三十八条",
             "信息处理者不得泄露或者篡改其收集、存储的个人信息；未经自然人同意，不得向他人非法提供其个人信息。"),
    LegalRef("L24c", "《刑法》第二百五十三条之一",
             "违反国家有关规定，向他人出售或者提供公民个人信息，情节严重的，构成侵犯公民个人信息罪。"),
)}

COMPLAINT_CHANNELS = (
    ("业主委员会", "向本小区业主委员会书面反映，请其督促物业整改。"),
    ("12345 政务服务便民热线", "拨打 12345，说明物业泄露或违规使用个人信息，要求转交住建、网信部门处理。"),
    ("网信部门", "向属地网信办投诉，或通过 12377 / www.12377.cn 举报违法处理个人信息的行为。"),
    ("住房和城乡建设主管部门", "向区（县）房管、住建部门投诉物业服务企业。"),
    ("公安机关", "如怀疑个人信息被出售、提供牟利，可拨打 110 或到派出所报案。"),
    ("人民法院", "物业拒绝依法处理您的请求的，可依法向人民法院提起诉讼（《个人信息保护法》第五十条）。"),
)


def refs(*lids: str) -> list[LegalRef]:
    return [REFS[lid] for lid in lids]
