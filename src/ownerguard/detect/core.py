"""``find``: every recognizer over one text, overlaps resolved.

Speed comes from doing little per text: folding touches only runs of full-width characters;
then there is one regex pass per family, each skipped when a cheap test says it cannot match —
digit tokens and rooms need a digit, e-mails an ``@``, rooms a building marker, names a cue word
(the cue regex, plain words only, is its own prefilter). Each pattern starts with a character
class or literal, so the regex engine skips to candidate positions in C; Python runs only on
candidates (checksums, dates, context). No digit count beyond "any digit": the token regex
already jumps from digit to digit, and plates (3 digits) and villas (12幢3号) have few.
"""

from __future__ import annotations

import re

from ownerguard.detect import address, names, numbers
from ownerguard.detect.normalize import fold
from ownerguard.detect.span import Candidate, Span, resolve

_DIGIT = re.compile(r"[0-9]", re.ASCII)


def find(text: str) -> list[Span]:
    """Personal data in ``text``: sorted, non-overlapping spans with offsets in characters.

    Never raises on any ``str``; a non-string is a caller bug and raises ``TypeError``.
    """
    if not isinstance(text, str):
        raise TypeError(f"find() needs a str, got {type(text).__name__}")
    if not text:
        return []
    folded = fold(text)
    out: list[Candidate] = []
    if _DIGIT.search(folded) is not None or "@" in folded:
        numbers.recognize(folded, out)
        address.recognize(folded, out)
    names.recognize(folded, out)
    return resolve(out, text)
