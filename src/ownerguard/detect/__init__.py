"""Chinese PII detection for free text: repair notes, notices, chats, complaints, spreadsheets.

Leaks in residential communities are mostly text, and Presidio has no Chinese recognizers.
``find(text)`` returns sorted, non-overlapping ``Span``s of eight types (``TYPES``);
``mask_text(text)`` masks them in place with the vault's display-masking rules (L9);
``evaluate(path)`` scores the detector on a labelled JSONL set (``bench/eval/pii_eval.jsonl``).

Pure Python and ``re``; see ``core`` for how it stays fast, and each recognizer module
(``numbers``, ``address``, ``table`` for CSV/TSV rows, ``names`` with its word lists in
``namedata``) for what it accepts and why. Names no cue announces are scored by ``model`` with
jieba's shipped dictionary (``lexicon``), loaded on the first request for names;
``find(text, types=STRUCTURED)`` never loads it. Not imported here, because they need optional packages or are tools:
``presidio_baseline`` (the same recognizers in Presidio, for comparison) and ``bench``
(``python -m ownerguard_bench.detect``: texts/s and F1, ours against Presidio).
"""

from __future__ import annotations

from ownerguard.detect.core import STRUCTURED, find, find_many
from ownerguard.detect.evaluate import evaluate
from ownerguard.detect.masking import mask_span, mask_text
from ownerguard.detect.span import PRIORITY, TYPES, Span

__all__ = ["PRIORITY", "STRUCTURED", "TYPES", "Span", "evaluate", "find", "find_many", "mask_span",
           "mask_text"]
