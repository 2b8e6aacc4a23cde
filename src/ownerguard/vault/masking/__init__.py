"""Display masking (脱敏展示): what a screen, export or log may show of a personal value.

Law ref L9 and GB/T 35273-2020 §7.2 (个人信息的展示限制): values shown through an interface are
masked by default; the clear value is an audited exception decided elsewhere, never here.

One strategy per module, each a pure ``str -> str`` function, in the manner of Fides' masking
strategies. Shared conventions:

* a blank input masks to ``""``: there is nothing to hide, and stars would suggest a value;
* odd input (too short, letters in a phone, a half ID) never raises and never shows more than
  the well-formed case would: it degrades to more stars;
* star runs are capped, so a garbage value cannot blow up a table cell.
"""

from __future__ import annotations

from collections.abc import Callable

from ownerguard.vault.masking.birth_date import mask_birth_date
from ownerguard.vault.masking.id_number import mask_id_number
from ownerguard.vault.masking.name import mask_name
from ownerguard.vault.masking.phone import mask_phone
from ownerguard.vault.masking.plate import mask_plate
from ownerguard.vault.masking.redact import redact
from ownerguard.vault.masking.room import mask_room

MASKERS: dict[str, Callable[[str], str]] = {
    "name": mask_name,
    "phone": mask_phone,
    "id_number": mask_id_number,
    "plate": mask_plate,
    "birth_date": mask_birth_date,
    "room": mask_room,
    "redact": redact,
}


def mask(rule: str, value: str | None) -> str:
    """Mask ``value`` with the strategy named ``rule``; ``None`` (a missing value) masks to "".

    Raises ``KeyError`` on an unknown rule: falling back to showing the value would be a leak,
    and silently redacting would hide a wrong field catalogue.
    """
    try:
        masker = MASKERS[rule]
    except KeyError:
        raise KeyError(f"unknown masking rule: {rule!r}") from None
    return masker("" if value is None else value)


__all__ = [
    "MASKERS",
    "mask",
    "mask_birth_date",
    "mask_id_number",
    "mask_name",
    "mask_phone",
    "mask_plate",
    "mask_room",
    "redact",
]
