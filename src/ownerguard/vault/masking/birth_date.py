"""Birth-date masking: year only, ``1982-**-**``."""

from __future__ import annotations

import re

# 1982-05-13, 1982/5/13, 1982.5.13, 1982年5月13日, 19820513, a bare 1982, each optionally followed
# by a time (Excel exports datetimes).
_DATE = re.compile(
    r"((?:18|19|20)\d{2})(?:[-/.年]\d{1,2}[-/.月]\d{1,2}日?|\d{4})?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?"
)


def mask_birth_date(value: str) -> str:
    """Keep the year, star month and day; an unparseable value shows no year either.

    Rule: GB/T 35273-2020 §7.2 (展示限制), law ref L9 — the year gives an age band, which is
    what a property office needs; the full date is a strong identifier.
    """
    text = value.strip()
    if not text:
        return ""
    date = _DATE.fullmatch(text)
    year = date.group(1) if date else "****"
    return f"{year}-**-**"
