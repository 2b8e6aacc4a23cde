"""Room labels typed by staff ("1栋1单元101", "1栋 1单元 101室", "1-1-101") resolved to room ids
within one community — for the arrears-notice form and move-outs, so nobody has to paste
internal ids. One parser for every place a person types a room.

Only the labels are matched; nothing about the people living there is read.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select

from ownerguard.store.tables import buildings, rooms, units
from ownerguard.store.uow import UnitOfWork

MAX_LABEL = 60
_SPACE = re.compile(r"\s+")
_DASHES = re.compile(r"[-‐‑‒–—―/／·]+")
_SUFFIX = re.compile(r"(号楼|栋|幢|座|楼|单元|号)$")


def _norm(text: str | None) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", text or "")).lower()


def _core(text: str | None) -> str:
    """A building or unit name without its 栋/单元 suffix: "1栋" → "1"."""
    return _SUFFIX.sub("", _norm(text))


def _keys(b: str, u: str | None, number: str) -> set[str]:
    n = _norm(number)
    parts = [_core(b)] + ([_core(u)] if u else []) + [n]
    return {_norm(b) + _norm(u) + n, "-".join(parts)}


def _candidates(label: str) -> list[str]:
    s = _norm(label)
    if s.endswith("室"):
        s = s[:-1]
    dashed = _DASHES.sub("-", s).strip("-")
    return list(dict.fromkeys([s, dashed.replace("-", ""), dashed]))


def rooms_by_label(uow: UnitOfWork, community_id: str, labels: Iterable[str], *,
                   buildings_allowed: set[str] | None = None) -> tuple[list[str], list[int]]:
    """Resolve one label per line to room ids in ``community_id``.

    Returns ``(room_ids, unknown)``: the distinct ids found, in input order, and the 1-based
    line numbers that matched no room — or more than one, or a room in a building outside
    ``buildings_allowed`` (when given: a building-limited scope). Blank lines are skipped but
    keep their number, so the numbers point at the lines the user typed.
    """
    q = (select(rooms.c.id, rooms.c.building_id, rooms.c.number,
                buildings.c.name.label("b"), units.c.name.label("u"))
         .select_from(rooms).join(buildings, buildings.c.id == rooms.c.building_id)
         .outerjoin(units, units.c.id == rooms.c.unit_id)
         .where(rooms.c.community_id == community_id))
    index: dict[str, set[str]] = defaultdict(set)
    for r in uow.conn.execute(q):
        if buildings_allowed is not None and r.building_id not in buildings_allowed:
            continue
        for key in _keys(r.b, r.u, r.number):
            index[key].add(r.id)
    found: list[str] = []
    unknown: list[int] = []
    for line_no, label in enumerate(labels, 1):
        if not label.strip():
            continue
        match: set[str] = set()
        if len(label) <= MAX_LABEL:
            for key in _candidates(label):
                if index.get(key):
                    match = index[key]
                    break
        if len(match) != 1:
            unknown.append(line_no)
            continue
        found.append(next(iter(match)))
    return list(dict.fromkeys(found)), unknown


def find_room(uow: UnitOfWork, community_id: str, label: str) -> str | None:
    """The one room ``label`` names in the community, or None (no room, or several)."""
    found, _unknown = rooms_by_label(uow, community_id, [label])
    return found[0] if len(found) == 1 else None
