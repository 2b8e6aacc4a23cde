"""``find``: every recognizer over one text, overlaps resolved.

Speed comes from doing little per text: folding touches only runs of full-width characters;
then there is one regex pass per family, each skipped when a cheap test says it cannot match —
digit tokens and rooms need a digit, e-mails an ``@``, rooms a building marker. Each pattern
starts with a character class or literal, so the regex engine skips to candidate positions in
C; Python runs only on candidates (checksums, dates, context).

Two paths:

* **structured** (``find(text, types=STRUCTURED)``): phones, IDs, cards, passports, e-mails,
  plates and rooms — regexes and checksums only, the name model is never loaded;
* **full** (the default): the same, then names — the cue rules of ``names`` and, where no rule
  applies, the lexicon model of ``model`` (jieba's dictionary, read once on first use).

Text that looks like a table (CSV/TSV rows, pasted Excel) is also read cell by cell by
``table``, so a header such as 证件号 or 被访房号 types the cells under it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ownerguard.detect import address, names, numbers, table
from ownerguard.detect.normalize import fold
from ownerguard.detect.span import TYPES, Candidate, Span, resolve

_DIGIT = re.compile(r"[0-9]", re.ASCII)

ALL_TYPES: frozenset[str] = frozenset(TYPES)
# Everything but names: no model, regexes and checksums only.
STRUCTURED: frozenset[str] = ALL_TYPES - {"person_name"}


def find(text: str, types: Iterable[str] | None = None) -> list[Span]:
    """Personal data in ``text``: sorted, non-overlapping spans with offsets in characters.

    ``types`` limits the result to those types (``STRUCTURED`` is the fast path: without
    ``person_name`` the name rules and model do not run). Never raises on any ``str``; a
    non-string is a caller bug and raises ``TypeError``, an unknown type ``ValueError``.
    """
    if not isinstance(text, str):
        raise TypeError(f"find() needs a str, got {type(text).__name__}")
    wanted = ALL_TYPES if types is None else frozenset(types)
    if not wanted <= ALL_TYPES:
        raise ValueError(f"unknown types: {sorted(wanted - ALL_TYPES)}")
    if not text:
        return []
    folded = fold(text)
    out: list[Candidate] = []
    if _DIGIT.search(folded) is not None or "@" in folded:
        numbers.recognize(folded, out)
        address.recognize(folded, out)
    tabular = table.looks_tabular(folded)
    if tabular:
        table.recognize(folded, out, names="person_name" in wanted)
    if "person_name" in wanted:
        names.recognize(folded, out)
    if wanted is not ALL_TYPES:
        out = [c for c in out if c[2] in wanted]
    return resolve(out, text)


def find_many(texts: Iterable[str], types: Iterable[str] | None = None) -> list[list[Span]]:
    """``find`` over many texts (what ``scan --jsonl`` calls per batch)."""
    wanted = None if types is None else frozenset(types)
    return [find(text, wanted) for text in texts]
