"""A person's blind-index set, computed in one place for the importer and for corrections.

If the two ever disagreed, a corrected person would not be recognised by the next import of
their room and would be stored twice. Kinds:

- ``name``, ``id_number``, ``phone`` — search (``persons search``);
- ``phone_last4`` — search by the last four digits, scoped to each community the person lives
  in (four digits have only 10,000 values: the scope keeps a digest from being joined across
  communities);
- ``phone_name`` / ``name_room`` — how a person without an ID number is recognised again by
  the next import: the primary phone with the name (family members often share a phone), else
  the name within each room they live in.

Every digest is of a value already normalised by ``domain.normalize``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ownerguard.vault.blind import BlindIndexer

ROOM_KEY_SEP = "\x1f"        # joins (楼号, 单元, 房屋) in ``rooms.room_key`` and in digests
RECOGNITION_KINDS = ("id_number", "phone_name", "name_room")


def room_key(building: str, unit: str | None, number: str) -> str:
    return ROOM_KEY_SEP.join((building, unit or "", number))


@dataclass(frozen=True)
class Home:
    community_id: str
    room_key: str          # ``rooms.room_key``


@dataclass(frozen=True)
class Identity:
    """What the index of one person is made of."""

    name: str
    phones: Sequence[str] = ()         # primary first
    id_number: str | None = None
    homes: Sequence[Home] = ()
    # An ID number is on record though not at hand (a correction of the name or phone): the
    # person is recognised by it, and no phone_name or name_room digest is kept.
    id_on_record: bool = False

    @property
    def recognised_by(self) -> str:
        """ID number if known, else primary phone with the name, else the name in each room."""
        if self.id_number or self.id_on_record:
            return "id_number"
        if self.phones:
            return "phone_name"
        return "name_room"


def recognition_values(identity: Identity) -> list[str]:
    """The normalised values behind the person's recognition digests."""
    kind = identity.recognised_by
    if kind == "id_number":
        return [identity.id_number or ""]
    if kind == "phone_name":
        return [identity.phones[0] + ROOM_KEY_SEP + identity.name]
    return sorted({identity.name + ROOM_KEY_SEP + h.room_key for h in identity.homes})


def recognition_digest(indexer: BlindIndexer, kind: str, value: str) -> bytes:
    """The digest an import looks a sheet row's person up by."""
    if kind not in RECOGNITION_KINDS:
        raise ValueError(f"unknown recognition kind {kind!r}")
    return indexer.digest(kind, value)


def index(indexer: BlindIndexer, identity: Identity,
          kinds: Iterable[str] | None = None) -> dict[str, list[bytes]]:
    """kind → digests for the person (only ``kinds``, when given); empty kinds are omitted."""
    wanted = set(kinds) if kinds is not None else None
    out: dict[str, list[bytes]] = {}

    def put(kind: str, digests: Iterable[bytes]) -> None:
        if wanted is None or kind in wanted:
            values = sorted(set(digests))
            if values:
                out[kind] = values

    put("name", [indexer.digest("name", identity.name)])
    if identity.id_number:
        put("id_number", [indexer.digest("id_number", identity.id_number)])
    put("phone", (indexer.digest("phone", p) for p in identity.phones))
    put("phone_last4", (indexer.digest("phone_last4", p[-4:], c)
                        for p in identity.phones
                        for c in sorted({h.community_id for h in identity.homes})))
    kind = identity.recognised_by
    if kind != "id_number":
        put(kind, (indexer.digest(kind, v) for v in recognition_values(identity)))
    return out
