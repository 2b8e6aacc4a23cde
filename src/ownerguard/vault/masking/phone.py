"""Phone masking: mobile ``138****1234``, landline ``010-****5678``."""

from __future__ import annotations

import re

# Area code 0xx / 0xxx, then a separator or closing bracket, then a 7–8 digit local number and an
# optional extension. A separator is required: in "0101234567" the area code length is ambiguous.
_LANDLINE = re.compile(r"\(?(0\d{2,3})[)\-\s]\s*(\d{7,8})(?:\s*(?:-|转|#|ext\.?)\s*\d{1,6})?", re.I)
_PHONE_CHARS = re.compile(r"[\d\s\-+()]+")
_MAX_STARS = 8


def mask_phone(value: str) -> str:
    """Mobile: first 3 + ``****`` + last 4; landline: area code + stars + last 4 of the local part.

    Rule: GB/T 35273-2020 §7.2 (展示限制), law ref L9; the 3-4-4 pattern is the common Chinese
    practice. Anything else shows at most its last 4 digits, and only when it has ≥ 7 digits;
    text with letters in it shows nothing. Extensions are dropped.
    """
    text = value.strip()
    if not text:
        return ""
    if landline := _LANDLINE.fullmatch(text):
        area, local = landline.groups()
        return f"{area}-{'*' * (len(local) - 4)}{local[-4:]}"
    if not _PHONE_CHARS.fullmatch(text):
        # Words mixed in ("138xxxx1234 张先生"): don't guess which part is the number.
        return "*" * min(len(text), _MAX_STARS)
    digits = _without_country_code(re.sub(r"\D", "", text))
    if len(digits) == 11 and digits[0] == "1":
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) >= 7:
        return "*" * min(len(digits) - 4, _MAX_STARS) + digits[-4:]
    return "*" * max(1, len(digits))


def _without_country_code(digits: str) -> str:
    """"+86 138…" and "0086 138…" are the same mobile number as "138…"."""
    for code in ("0086", "86"):
        if digits.startswith(code) and len(digits) == len(code) + 11:
            return digits[len(code):]
    return digits
