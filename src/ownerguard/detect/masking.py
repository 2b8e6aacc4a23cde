"""``mask_text``: the findings of a text replaced by their masked forms, in place.

Each type uses the vault's display-masking strategy where one exists (L9: phone ``138****1234``,
ID first 6 + last 2, plate, name, room), so a masked repair note reads like the masked fields on
screen. Bank cards, e-mails and passports have no field in the vault, so their rules live here:
card first 6 + last 4 (the issuer and the digits printed on receipts), e-mail first character +
``***@`` + domain, passport first letter + stars + last 2.
"""

from __future__ import annotations

from ownerguard.detect.core import find
from ownerguard.detect.namedata import TITLES
from ownerguard.detect.normalize import fold
from ownerguard.detect.span import Span
from ownerguard.vault.masking import mask

_DIGITS_ONLY = str.maketrans("", "", " -")


def mask_bank_card(value: str) -> str:
    """``6222021234567890123`` → ``622202*********0123``; separators are dropped."""
    digits = value.translate(_DIGITS_ONLY)
    if len(digits) < 11:
        return "*" * len(digits)
    return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]


def mask_email(value: str) -> str:
    """``zhangwei@163.com`` → ``z***@163.com``: the domain says little, the local part a lot."""
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def mask_passport(value: str) -> str:
    """``E12345678`` → ``E******78``."""
    if len(value) < 4:
        return "*" * len(value)
    return value[0] + "*" * (len(value) - 3) + value[-2:]


def mask_person(value: str) -> str:
    """Mask the name, keep a trailing title: ``张先生`` → ``*先生``, ``李娜女士`` → ``李*女士``."""
    for title in TITLES:
        if value.endswith(title) and len(value) > len(title):
            return mask("name", value[:-len(title)]) + title
    return mask("name", value)


def mask_span(span: Span, text: str | None = None) -> str:
    """The masked form of one finding (``text`` is the string it was found in, if ``span.text``
    is empty). The value is folded to half-width first, so ``１３８…`` masks like ``138…``."""
    value = fold(span.text if span.text or text is None else text[span.start:span.end])
    kind = span.type
    if kind == "phone":
        return mask("phone", value)
    if kind == "id_card":
        return mask("id_number", value)
    if kind == "license_plate":
        return mask("plate", value)
    if kind == "person_name":
        return mask_person(value)
    if kind == "address":
        return mask("room", value)
    if kind == "bank_card":
        return mask_bank_card(value)
    if kind == "email":
        return mask_email(value)
    if kind == "passport":
        return mask_passport(value)
    raise KeyError(f"unknown finding type: {kind!r}")


def mask_text(text: str, spans: list[Span] | None = None) -> str:
    """``text`` with every finding (``find(text)`` unless ``spans`` are given) masked in place."""
    if spans is None:
        spans = find(text)
    parts: list[str] = []
    pos = 0
    for span in sorted(spans, key=lambda s: s.start):
        if span.start < pos:
            continue  # overlapping input: the earlier span already covers it
        parts.append(text[pos:span.start])
        parts.append(mask_span(span, text))
        pos = span.end
    parts.append(text[pos:])
    return "".join(parts)
