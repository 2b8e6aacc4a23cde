"""The finding type and how overlapping findings are resolved.

A ``Span`` is what every recognizer returns and what ``find`` hands back: a type, character
offsets into the caller's string (end exclusive) and, for convenience, the covered text. Offsets
are in *characters* of the original text — recognizers work on a length-preserving normalised
copy (full-width digits folded to ASCII), so an offset found there is valid in the original.
"""

from __future__ import annotations

from dataclasses import dataclass

# The types, highest priority first. When two findings overlap, the one of higher priority wins
# (an 18-digit ID contains many things that look like phones; a room number inside an ID is not
# an address); between findings of equal priority the longer one wins.
TYPES: tuple[str, ...] = ("id_card", "bank_card", "phone", "passport", "email", "license_plate",
                          "address", "person_name")
PRIORITY: dict[str, int] = {name: rank for rank, name in enumerate(TYPES)}


@dataclass(frozen=True, slots=True)
class Span:
    """One finding: ``text[start:end]`` is personal data of kind ``type``."""

    type: str
    start: int
    end: int
    text: str = ""

    @property
    def key(self) -> tuple[str, int, int]:
        """What the evaluation compares: type and exact offsets (the text is derived)."""
        return (self.type, self.start, self.end)


Candidate = tuple[int, int, str]  # (start, end, type): what recognizers emit before resolution


def resolve(candidates: list[Candidate], text: str) -> list[Span]:
    """Keep a non-overlapping subset, by priority then length, and return it sorted by start.

    Most texts have no overlapping candidates (only duplicates, when two cues find the same
    name): those take the fast path, one sort by start. Otherwise a greedy pass over the
    candidates ordered best-first — a handful per text makes the quadratic overlap check
    cheaper than any interval structure.
    """
    if not candidates:
        return []
    ordered = sorted(set(candidates))
    previous_end = -1
    for start, end, _ in ordered:
        if start < previous_end:
            break
        previous_end = end
    else:
        return [Span(kind, start, end, text[start:end]) for start, end, kind in ordered]
    ordered.sort(key=_best_first)
    kept: list[Candidate] = []
    for cand in ordered:
        start, end = cand[0], cand[1]
        for other in kept:
            if start < other[1] and other[0] < end:
                break
        else:
            kept.append(cand)
    kept.sort()
    return [Span(kind, start, end, text[start:end]) for start, end, kind in kept]


def _best_first(cand: Candidate) -> tuple[int, int, int]:
    return (PRIORITY[cand[2]], cand[0] - cand[1], cand[0])
