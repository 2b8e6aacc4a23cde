"""Room masking: ``3栋2单元1203`` → ``3栋2单元***``."""

from __future__ import annotations

import re

# Greedy: everything up to the last building/unit marker, plus a separator that follows it.
_BUILDING_UNIT = re.compile(r".*(?:栋|幢|座|号楼|单元)[-/\s]*")
_SEPARATED = re.compile(r"(.*[-/\s])\S+")


def mask_room(value: str) -> str:
    """Keep building and unit, replace the room number by a fixed ``***``.

    Rule: GB/T 35273-2020 §7.2 (展示限制), law ref L9 — building and unit locate a staircase,
    the room number locates a household. Handles "3栋2单元1203" and "3-2-1203" ("3-2-***");
    a bare "1203", or a value ending in a marker, shows nothing but the stars.
    """
    text = value.strip()
    if not text:
        return ""
    marked = _BUILDING_UNIT.match(text)
    if marked and marked.end() < len(text):
        return marked.group() + "***"
    separated = _SEPARATED.fullmatch(text)
    if separated and not marked:
        return separated.group(1) + "***"
    return "***"
