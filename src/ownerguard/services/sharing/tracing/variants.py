"""A share package's fingerprint: its keyed row order and per-row formatting variants.

Both are derived from the package's secret seed with HMAC-SHA256, so only we can recompute them
and two packages with the same persons still differ. Variants change how a phone or a room label
is *written* ("171 1234 5678" or "171-1234-5678", "1栋1单元101" or "1-1-101"): every form is one a
person would type, so a reader sees nothing odd, yet a leaked copy that keeps the formats tells
which package it came from. Names are never varied: a changed name is a wrong name.

Pure functions; no I/O.
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from hashlib import sha256

PHONE_FORMATS = 3      # "17112345678" | "171 1234 5678" | "171-1234-5678"
ROOM_FORMATS = 4       # "1栋1单元101" | "1栋-1单元-101" | "1-1-101" | "1栋1单元101室"
VARIANTS = PHONE_FORMATS * ROOM_FORMATS

ROOM_FIELDS = frozenset(("rooms", "room"))
PHONE_FIELDS = frozenset(("phone", "contact_phone", "alias"))

_CONTEXT = b"ownerguard-share-fingerprint|v1|"

_PHONE = re.compile(r"1\d{10}")
_PHONE_FORMS = (re.compile(r"1\d{10}"), re.compile(r"1\d{2} \d{4} \d{4}"),
                re.compile(r"1\d{2}-\d{4}-\d{4}"))
# Building, optional unit, number. The building ends in one of the usual words; a number may
# carry 室 (format 3). Whatever precedes the building (a community name) is kept as it is.
_ROOM_LABEL = re.compile(r"(?P<b>.*?(?:号楼|栋|幢|座|楼))(?P<u>[^-]*?单元)?(?P<n>[0-9A-Za-z]+)(?P<s>室)?")
_ROOM_DASHED = re.compile(r"(?P<b>.*?(?:号楼|栋|幢|座|楼))-(?:(?P<u>[^-]*?单元)-)?(?P<n>[0-9A-Za-z]+)")
_ROOM_DIGITS = re.compile(r"[0-9A-Za-z]{1,4}(?:-[0-9A-Za-z]{1,3})?-[0-9A-Za-z]{1,6}")
_BUILDING_WORD = re.compile(r"(?:号楼|栋|幢|座|楼)$")


def _mac(seed: bytes, message: str) -> bytes:
    return hmac.new(seed, _CONTEXT + message.encode(), sha256).digest()


def row_order(seed: bytes, n: int) -> list[int]:
    """Position i of the package holds member index ``order[i]``: members sorted by a keyed
    HMAC of their index, so the order looks random and only the seed's holder can recompute it."""
    return sorted(range(n), key=lambda i: _mac(seed, f"order|{i}"))


def variant_of(seed: bytes, key: str) -> int:
    """The variant (0 ≤ v < VARIANTS) of one row, keyed by a stable row key (e.g. the person id)."""
    return int.from_bytes(_mac(seed, f"variant|{key}")[:4], "big") % VARIANTS


def field_format(field: str, variant: int) -> int | None:
    """Which of a field's formats a variant selects; None for fields that are never varied."""
    if field in PHONE_FIELDS:
        return variant % PHONE_FORMATS
    if field in ROOM_FIELDS:
        return (variant // PHONE_FORMATS) % ROOM_FORMATS
    return None


def render(field: str, value: str, variant: int) -> str:
    """``value`` written in the format ``variant`` selects for ``field``. Values that do not look
    like the field (a landline, an unparsable label) are returned unchanged."""
    fmt = field_format(field, variant)
    if fmt is None or not value:
        return value
    if field in PHONE_FIELDS:
        return _render_phone(value, fmt)
    parts = split_room_label(value)
    return render_room(*parts, variant=variant) if parts else value


def _render_phone(value: str, fmt: int) -> str:
    if not _PHONE.fullmatch(value):
        return value
    if fmt == 1:
        return f"{value[:3]} {value[3:7]} {value[7:]}"
    if fmt == 2:
        return f"{value[:3]}-{value[3:7]}-{value[7:]}"
    return value


def split_room_label(label: str) -> tuple[str, str, str] | None:
    """("1栋", "1单元", "101") from "1栋1单元101" (the label style of ``vault.gate.Home``)."""
    m = _ROOM_LABEL.fullmatch(label.strip())
    if not m:
        return None
    return m["b"], m["u"] or "", m["n"]


def render_room(building: str, unit: str, number: str, *, variant: int) -> str:
    fmt = (variant // PHONE_FORMATS) % ROOM_FORMATS
    if fmt == 1:
        return "-".join(p for p in (building, unit, number) if p)
    if fmt == 2:
        return "-".join(p for p in (_bare(building), _bare(unit), number) if p)
    if fmt == 3:
        return f"{building}{unit}{number}室"
    return f"{building}{unit}{number}"


def _bare(part: str) -> str:
    """"1栋" → "1", "2单元" → "2", "A座" → "A": the short form people type with dashes."""
    part = _BUILDING_WORD.sub("", part)
    return part[:-2] if part.endswith("单元") else part


def detect_variant(field: str, text: str) -> int | None:
    """The format of ``text`` for ``field`` (the inverse of ``render``), or None when the text is
    in none of our formats (retyped as "+86 171…", masked, or not that field at all)."""
    return classify(field, unicodedata.normalize("NFKC", text).strip())


def classify(field: str, text: str) -> int | None:
    """``detect_variant`` for text already NFKC-folded and stripped (as ``extract`` keeps it)."""
    if field in PHONE_FIELDS:
        for fmt, form in enumerate(_PHONE_FORMS):
            if form.fullmatch(text):
                return fmt
        return None
    if field in ROOM_FIELDS:
        if _ROOM_DASHED.fullmatch(text):
            return 1
        if _ROOM_DIGITS.fullmatch(text):
            return 2
        m = _ROOM_LABEL.fullmatch(text)
        if m:
            return 3 if m["s"] else 0
        return None
    return None
