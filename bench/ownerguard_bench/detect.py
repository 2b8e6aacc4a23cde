"""Throughput and quality of ``find`` against the Presidio baseline, measured in one run.

``benchmark(texts)`` times both detectors on the same texts for about ``seconds`` each (after a
warm-up pass) and scores both on the labelled evaluation set. Run it as
``python -m ownerguard_bench.detect [--seconds N] [--eval PATH]``, which also times ``find`` on
the same texts joined into ~100-character chunks (the evaluation texts average ~75). The goal
(≥ 20,000 texts/s of ~100 characters on the 2-core reference machine) is stated here, never
asserted in tests: timings on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from ownerguard.detect.core import find
from ownerguard.detect.evaluate import DEFAULT_EVAL, load, score
from ownerguard.detect.span import Span

GOAL_TEXTS_PER_S = 20_000


def texts_per_second(finder: Callable[[str], list[Span]], texts: list[str],
                     seconds: float) -> float:
    """Texts processed per second, looping over ``texts`` for at least ``seconds``."""
    if not texts:
        raise ValueError("benchmark needs at least one text")
    for text in texts:  # warm-up: compiled patterns, caches, the first Presidio call
        finder(text)
    done = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for text in texts:
            finder(text)
        done += len(texts)
        now = time.perf_counter()
        if now >= deadline:
            return done / (now - start)


def chunks(texts: list[str], size: int = 100) -> list[str]:
    """``texts`` joined end to end and cut into pieces of about ``size`` characters."""
    joined = "\n".join(texts)
    return [joined[i:i + size] for i in range(0, len(joined) - size + 1, size)]


def benchmark(texts: list[str], seconds: float = 3,
              labelled: str | Path | None = DEFAULT_EVAL) -> dict:
    """Ours and Presidio's speed on ``texts`` and F1 per type on ``labelled`` (an eval JSONL).

    Returns ``{"texts", "avg_chars", "texts_per_s", "presidio_texts_per_s", "speedup", "f1",
    "presidio_f1", "micro_f1", "presidio_micro_f1"}``. Raises ``PresidioUnavailable`` when the
    baseline cannot run (presidio-analyzer missing, or it would need a model).
    """
    from ownerguard_bench.presidio_baseline import build_presidio, presidio_find

    analyzer = build_presidio()
    presidio = functools.partial(presidio_find, analyzer)
    ours_rate = texts_per_second(find, texts, seconds)
    presidio_rate = texts_per_second(presidio, texts, seconds)
    result: dict = {
        "texts": len(texts),
        "avg_chars": round(sum(map(len, texts)) / len(texts), 1),
        "texts_per_s": round(ours_rate),
        "presidio_texts_per_s": round(presidio_rate, 1),
        "speedup": round(ours_rate / presidio_rate, 1),
    }
    if labelled is not None:
        records = load(labelled)
        ours, theirs = score(records, find), score(records, presidio)
        result["f1"] = {kind: v["f1"] for kind, v in ours["per_type"].items()}
        result["presidio_f1"] = {kind: v["f1"] for kind, v in theirs["per_type"].items()}
        result["micro_f1"] = ours["micro"]["f1"]
        result["presidio_micro_f1"] = theirs["micro"]["f1"]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="labelled JSONL")
    args = parser.parse_args(argv)
    texts = [record["text"] for record in load(args.eval)]
    result = benchmark(texts, seconds=args.seconds, labelled=args.eval)
    result["texts_per_s_100_chars"] = round(texts_per_second(find, chunks(texts), args.seconds))
    result["goal_texts_per_s"] = GOAL_TEXTS_PER_S
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
