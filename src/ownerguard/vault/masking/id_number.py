"""ID-number masking: 18-digit ``110101**********1X``, 15-digit ``110101*******12``."""

from __future__ import annotations

import re

_ID18 = re.compile(r"\d{17}[\dX]")
_ID15 = re.compile(r"\d{15}")
_MAX_STARS = 16


def mask_id_number(value: str) -> str:
    """Resident ID: first 6 (the region) + stars + last 2; the birth date and sequence are hidden.

    Rule: GB/T 35273-2020 §7.2 (展示限制), law ref L9. Other documents (passport, 港澳/台湾 permits)
    of ≥ 8 letters/digits show their last 2 only; anything else is all stars.
    """
    text = "".join(value.split()).upper()
    if not text:
        return ""
    if _ID18.fullmatch(text):
        return text[:6] + "*" * 10 + text[-2:]
    if _ID15.fullmatch(text):
        return text[:6] + "*" * 7 + text[-2:]
    if len(text) >= 8 and text.isascii() and text.isalnum():
        return "*" * min(len(text) - 2, _MAX_STARS) + text[-2:]
    return "*" * min(len(text), _MAX_STARS)
