"""Precision, recall and F1 of a detector on a labelled JSONL file (``bench/eval/pii_eval.jsonl``).

A finding counts as a true positive only when its type *and* both offsets equal a label's: a
phone found without its ``+86`` or a name found without its title is both a false positive and a
false negative, as it would be for a reviewer checking masked output character by character.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

from ownerguard.detect.core import find
from ownerguard.detect.span import TYPES, Span

# The repository's evaluation set; ``evaluate()`` without a path reads it.
DEFAULT_EVAL = Path(__file__).resolve().parents[3] / "bench" / "eval" / "pii_eval.jsonl"

Finder = Callable[[str], list[Span]]


def load(path: str | Path = DEFAULT_EVAL) -> list[dict]:
    """The records of a JSONL evaluation file: ``{"id", "kind", "text", "spans"}`` each."""
    with Path(path).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "tp": tp, "fp": fp, "fn": fn, "support": tp + fn}


def score(records: Iterable[dict], finder: Finder = find) -> dict:
    """Per-type and micro-averaged P/R/F1 of ``finder`` over ``records`` (exact span match)."""
    counts = {kind: [0, 0, 0] for kind in TYPES}  # tp, fp, fn
    n = 0
    for record in records:
        n += 1
        gold = {(s["type"], s["start"], s["end"]) for s in record["spans"]}
        found = {span.key for span in finder(record["text"])}
        for kind, _, _ in found & gold:
            counts[kind][0] += 1
        for kind, _, _ in found - gold:
            counts[kind][1] += 1
        for kind, _, _ in gold - found:
            counts[kind][2] += 1
    per_type = {kind: _prf(*c) for kind, c in counts.items()}
    micro = _prf(*(sum(c[i] for c in counts.values()) for i in range(3)))
    return {"texts": n, "per_type": per_type, "micro": micro}


def evaluate(path: str | Path = DEFAULT_EVAL, finder: Finder = find) -> dict:
    """Score ``finder`` (our ``find`` by default) on the JSONL file at ``path``.

    Returns ``{"texts": n, "per_type": {type: {precision, recall, f1, tp, fp, fn, support}},
    "micro": {...}}``.
    """
    return score(load(path), finder)


def _by_start(key: tuple[str, int, int]) -> int:
    return key[1]


def errors(path: str | Path = DEFAULT_EVAL, finder: Finder = find) -> list[dict]:
    """Missed and spurious spans per text, with their text: what to read when a score drops."""
    out = []
    for record in load(path):
        text = record["text"]
        gold = {(s["type"], s["start"], s["end"]) for s in record["spans"]}
        found = {span.key for span in finder(text)}
        if gold != found:
            out.append({
                "id": record["id"], "text": text,
                "missed": [(k, text[a:b]) for k, a, b in sorted(gold - found, key=_by_start)],
                "spurious": [(k, text[a:b]) for k, a, b in sorted(found - gold, key=_by_start)],
            })
    return out
