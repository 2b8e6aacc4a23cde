"""Public notices (L25): an arrears notice that lists rooms without names or full numbers, and
a check that highlights personal data in any draft before it goes on a lift wall or into a
WeChat group."""

from __future__ import annotations

import html
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from ownerguard import detect
from ownerguard.errors import NotFound
from ownerguard.i18n import label
from ownerguard.store.tables import buildings, communities, rooms, units
from ownerguard.store.uow import UnitOfWork


class CommunityNotFound(NotFound, LookupError):
    """No community of that id in the company (the API and the console catch LookupError)."""


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    findings: list[dict]
    masked: str
    html: str            # the draft, escaped, with each finding in <mark data-type=…>


def check(text: str, lang: str | None = None) -> CheckResult:
    """Findings in ``text``, each labelled (the catalogue's ``pii.<type>``) in ``lang``."""
    spans = detect.find(text)
    parts, pos = [], 0
    for s in spans:
        parts.append(html.escape(text[pos:s.start]))
        title = html.escape(label("pii", s.type, lang))
        parts.append(f'<mark data-type="{s.type}" title="{title}">'
                     f"{html.escape(text[s.start:s.end])}</mark>")
        pos = s.end
    parts.append(html.escape(text[pos:]))
    return CheckResult(not spans, [{"type": s.type, "label": label("pii", s.type, lang),
                                    "start": s.start, "end": s.end} for s in spans],
                       detect.mask_text(text, spans), "".join(parts))


def arrears_notice(uow: UnitOfWork, *, company_id: str, community_id: str,
                   room_ids: list[str], period: str) -> str:
    """A reminder naming no one: counts per building and unit, no room numbers, no amounts.

    Publishing names (or amounts tied to rooms) needs each owner's separate consent (L25,
    PIPL 25); a private reminder goes to the household itself, not on the wall.
    """
    name = uow.conn.execute(select(communities.c.name).where(
        communities.c.id == community_id, communities.c.company_id == company_id)).scalar()
    if name is None:
        raise CommunityNotFound("community_not_found")
    q = (select(buildings.c.name.label("b"), units.c.name.label("u"))
         .select_from(rooms).join(buildings, buildings.c.id == rooms.c.building_id)
         .outerjoin(units, units.c.id == rooms.c.unit_id)
         .where(rooms.c.community_id == community_id, rooms.c.id.in_(room_ids)))
    counts: dict[str, int] = defaultdict(int)
    for r in uow.conn.execute(q):
        counts[f"{r.b}{r.u or ''}"] += 1
    lines = [f"{name}物业费缴纳温馨提示", "",
             f"尊敬的业主：截至{period}，本小区以下楼栋尚有部分房屋物业费未缴清："]
    lines += [f"  · {where}：{n}户" for where, n in sorted(counts.items())]
    lines += ["", "具体金额已通过短信或上门方式单独告知相关住户。如有疑问，请到物业服务中心查询。",
              "本通知不公开任何业主姓名、房号或金额。"]
    return "\n".join(lines)
