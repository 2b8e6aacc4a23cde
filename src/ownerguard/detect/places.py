"""Is what follows a surname-initial word a place or a shop (张江|路, 金龙|鱼粮油店)? Shared by
the name rules and the name model, which must agree on it."""

from __future__ import annotations

import re

from ownerguard.detect.namedata import NEXT_WORD_CHARS, PLACE_SUFFIXES, SHOP_SUFFIXES

_PLACE_AT = re.compile(
    "(?:" + "|".join(sorted(PLACE_SUFFIXES, key=len, reverse=True)) + ")"
    + "|(?:(?![" + "".join(sorted(NEXT_WORD_CHARS)) + "])[\u4e00-\u9fff]){1,4}"
    + "(?:" + "|".join(sorted(SHOP_SUFFIXES, key=len, reverse=True)) + ")")


def place_follows(text: str, pos: int) -> bool:
    """A place or shop suffix at ``pos`` (张江|路), or a brand running on to a shop suffix
    within a few characters (金龙|鱼粮油店) without a word break (家, 去, 在…) on the way."""
    return _PLACE_AT.match(text, pos) is not None
