"""Canary households: synthetic, plausible rows planted in one share package only.

A canary is a name, a gender and a room label in one of the community's real buildings, at a
room number nobody lives in, written in the same label style as the real rooms. Its phone is an
alias number the producer binds to the DPO. Nobody but that package's recipient ever sees the
row, so a leaked copy that contains it — or a call or text to its alias — names the package.

Deterministic from the package seed (a re-issued package gets the same canaries). Names are
built from Faker's zh_CN name parts but recombined (surname + two given-name characters), because
Faker's ~60 whole given names per gender would often coincide with real residents' names; the
producer can also pass ``reject`` to refuse a name that is a resident's (a blind-index lookup).
"""

from __future__ import annotations

import hmac
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from hashlib import sha256

_LABEL = re.compile(r"(?P<b>.*?(?:号楼|栋|幢|座|楼))(?P<u>[^-]*?单元)?(?P<n>\d+)")
_MAX_TRIES = 200


@dataclass(frozen=True)
class Canary:
    name: str
    gender: str        # 男 | 女
    room_label: str    # "3栋2单元1502", in the style of the community's own labels


@lru_cache(maxsize=1)
def _name_parts() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    from faker.providers.person.zh_CN import Provider

    def chars(names) -> tuple[str, ...]:
        return tuple(sorted({ch for n in names for ch in n}))

    from ownerguard.detect.namedata import SURNAMES

    # Common surnames only: a rare one (漆, 闭) would make the row stand out to a reader.
    surnames = tuple(sorted({s for s in Provider.last_names if s in SURNAMES}))
    return surnames, chars(Provider.first_names_male), chars(Provider.first_names_female)


def make_canaries(seed: bytes, n: int, *, buildings: list[str], taken_rooms: set[str],
                  reject: Callable[[str], bool] | None = None) -> list[Canary]:
    """``n`` canaries for the package with secret ``seed``. ``buildings`` are the community's
    building names ("1栋"); ``taken_rooms`` its real room labels ("1栋1单元101"), which are both
    avoided and used as the model for unit names, floors and door numbers."""
    if n <= 0:
        return []
    if not buildings:
        raise ValueError("a canary needs at least one real building")
    rng = random.Random(hmac.new(seed, b"ownerguard-canaries|v1", sha256).digest())
    surnames, male, female = _name_parts()
    layout = _Layout(sorted(buildings), taken_rooms)
    used_names: set[str] = set()
    used_rooms: set[str] = set(taken_rooms)
    out: list[Canary] = []
    for _ in range(n):
        gender = rng.choice(("男", "女"))
        given = male if gender == "男" else female
        for _try in range(_MAX_TRIES):
            name = rng.choice(surnames) + rng.choice(given) + rng.choice(given)
            if name[1] != name[2] and name not in used_names and not (reject and reject(name)):
                break
        else:
            raise ValueError("could not find an unused canary name")
        used_names.add(name)
        room = layout.free_room(rng, used_rooms)
        used_rooms.add(room)
        out.append(Canary(name, gender, room))
    return out


class _Layout:
    """Per building: the unit names, top floor and doors per floor seen among the real rooms."""

    def __init__(self, buildings: list[str], taken: set[str]):
        self.buildings = buildings
        self.units: dict[str, set[str]] = {b: set() for b in buildings}
        self.floors: dict[str, int] = dict.fromkeys(buildings, 0)
        self.doors: dict[str, int] = dict.fromkeys(buildings, 0)
        for label in taken:
            m = _LABEL.fullmatch(label)
            if not m or m["b"] not in self.units:
                continue
            self.units[m["b"]].add(m["u"] or "")
            number = m["n"]
            if len(number) >= 3:
                self.floors[m["b"]] = max(self.floors[m["b"]], int(number[:-2]))
                self.doors[m["b"]] = max(self.doors[m["b"]], int(number[-2:]))

    def free_room(self, rng: random.Random, used: set[str]) -> str:
        for attempt in range(_MAX_TRIES):
            b = rng.choice(self.buildings)
            units = sorted(self.units[b]) or ["1单元"]
            # Stay inside the building's real floors and doors; after many misses (a full
            # building) go one floor up, which still looks like a plausible top-floor flat.
            top = max(self.floors[b], 6) + (attempt // 50)
            doors = max(self.doors[b], 2)
            label = f"{b}{rng.choice(units)}{rng.randint(1, top)}{rng.randint(1, doors):02d}"
            if label not in used:
                return label
        raise ValueError("could not find a free room for a canary")
