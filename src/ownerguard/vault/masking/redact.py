"""Full redaction: the fallback for any value without a finer rule."""

from __future__ import annotations


def redact(value: str) -> str:
    """Gender and other short values (≤ 2 characters, e.g. 男/女) → ``*``; anything else → ``***``.

    Rule: GB/T 35273-2020 §7.2 (展示限制), law ref L9 — show nothing of the value. The output
    width is fixed so it does not even reveal the length of a long value.
    """
    text = value.strip()
    if not text:
        return ""
    return "*" if len(text) <= 2 else "***"
