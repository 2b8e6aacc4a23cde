"""Licence-plate masking: ``京A12345`` → ``京A***45``, new-energy ``京AD12345`` → ``京A****45``."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s·•・．.\-]")
_MAX_STARS = 6


def mask_plate(value: str) -> str:
    """Province + issuing-authority letter, stars, last 2 characters.

    Rule: GB/T 35273-2020 §7.2 (展示限制), law ref L9. A plate shorter than 6 characters
    (no real plate is) shows nothing.
    """
    if not value.strip():
        return ""
    plate = _SEPARATORS.sub("", value).upper()
    if len(plate) < 6:
        return "*" * max(1, len(plate))
    return plate[:2] + "*" * min(len(plate) - 4, _MAX_STARS) + plate[-2:]
