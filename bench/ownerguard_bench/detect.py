"""Throughput and quality of ``find`` against the Presidio baseline, measured in one run.

``benchmark(texts)`` times both detectors on the same texts for about ``seconds`` each (after a
warm-up pass), scores both on the labelled evaluation set, and adds:

* ``independent``: P/R/F1 per type on the independent hand-written set — the development half
  (``bench/eval/independent/dev.jsonl``), the sealed half (``sealed.jsonl``) *only if that file
  exists*, and our own small check set written before tuning (``bench/eval/own/check.jsonl``);
* speeds on ~50-character texts: the structured fast path (``find(t, types=STRUCTURED)``,
  no name model) and the full pipeline with names, each against Presidio configured with the
  same recognizers (the full pipeline's Presidio includes our name model as a recognizer);
* ``jsonl``: ``ownerguard scan --jsonl`` on a file of such texts, start-up included, against
  ``find`` in process on the same texts.

Run it as ``python -m ownerguard_bench.detect [--seconds N] [--eval PATH]``. Goals (2-core
reference machine): structured ≥ 20,000 texts/s, full ≥ 5,000 texts/s, ``scan --jsonl`` ≥ 0.8
of in-process speed, ≥ 15× Presidio; they are stated here, never asserted in tests: timings on
a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import functools
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ownerguard.detect.core import STRUCTURED, find
from ownerguard.detect.evaluate import DEFAULT_EVAL, load, score
from ownerguard.detect.span import Span

GOAL_TEXTS_PER_S = 20_000          # structured fast path
GOAL_FULL_TEXTS_PER_S = 5_000      # with names
GOAL_JSONL_RATIO = 0.8             # scan --jsonl ÷ in process
GOAL_PRESIDIO_SPEEDUP = 15
EVAL_DIR = DEFAULT_EVAL.parent
INDEPENDENT_DEV = EVAL_DIR / "independent" / "dev.jsonl"
# Added by the evaluation's author at the very end; scored only when it exists.
INDEPENDENT_SEALED = EVAL_DIR / "independent" / "sealed.jsonl"
OWN_CHECK = EVAL_DIR / "own" / "check.jsonl"


def find_structured(text: str) -> list[Span]:
    return find(text, STRUCTURED)


def _prf(result: dict) -> dict:
    out = {kind: {k: v[k] for k in ("precision", "recall", "f1", "support")}
           for kind, v in result["per_type"].items()}
    out["micro"] = {k: result["micro"][k] for k in ("precision", "recall", "f1", "support")}
    return out


def independent_scores(finder: Callable[[str], list[Span]] = find) -> dict:
    """P/R/F1 per type on the independent development half, the sealed half (only if the file
    exists) and our own check set."""
    out: dict = {}
    for name, path in (("dev", INDEPENDENT_DEV), ("sealed", INDEPENDENT_SEALED),
                       ("own_check", OWN_CHECK)):
        if path.exists():
            out[name] = {"texts": sum(1 for _ in load(path)), **_prf(score(load(path), finder))}
    return out


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def jsonl_throughput(texts: list[str], n: int = 88_500) -> dict:
    """``ownerguard scan --jsonl`` on ``n`` texts, start-up included, against ``find`` in
    process on the same texts (warm: after one pass, so the name model is loaded).

    Both run as child processes and are timed in wall-clock *and* CPU seconds: on a shared
    machine other jobs stretch the wall clock of one run and not the other, CPU time much less.
    """
    docs = [texts[i % len(texts)] for i in range(n)]
    with tempfile.TemporaryDirectory(prefix="ownerguard-bench-jsonl-") as tmp:
        path = Path(tmp) / "texts.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for i, text in enumerate(docs):
                fh.write(json.dumps({"id": i, "text": text}, ensure_ascii=False) + "\n")
        code = "import sys; from ownerguard.cli.main import app; sys.argv[0] = 'ownerguard'; app()"
        cpu0, start = _children_cpu(), time.perf_counter()
        subprocess.run([sys.executable, "-c", code, "scan", "--jsonl", str(path)], check=True,
                       stdout=subprocess.DEVNULL)
        cli_wall, cli_cpu = time.perf_counter() - start, _children_cpu() - cpu0
        probe = ("import json, sys, time\nfrom ownerguard.detect import find\n"
                 "texts = [json.loads(line)['text'] for line in open(sys.argv[1], encoding='utf-8')]\n"
                 "for x in texts[:2000]: find(x)\n"
                 "w, c = time.perf_counter(), time.process_time()\n"
                 "for x in texts: find(x)\n"
                 "print(time.perf_counter() - w, time.process_time() - c)")
        proc = subprocess.run([sys.executable, "-c", probe, str(path)], text=True,
                              capture_output=True, check=True)
    warm_wall, warm_cpu = map(float, proc.stdout.split())
    return {"texts": n, "avg_chars": round(sum(map(len, docs)) / n, 1),
            "cli_texts_per_s": round(n / cli_wall), "in_process_texts_per_s": round(n / warm_wall),
            "ratio_wall": round(warm_wall / cli_wall, 2), "ratio_cpu": round(warm_cpu / cli_cpu, 2)}


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
              labelled: str | Path | None = DEFAULT_EVAL, jsonl_texts: int = 88_500) -> dict:
    """Ours and Presidio's speed on ``texts`` and F1 per type on ``labelled`` (an eval JSONL).

    Returns ``{"texts", "avg_chars", "texts_per_s", "presidio_texts_per_s", "speedup",
    "short_texts" (structured and full speeds on ~50-character pieces of ``texts``, each against
    Presidio), "independent" (see ``independent_scores``), "jsonl" (see ``jsonl_throughput``),
    "f1", "presidio_f1", "micro_f1", "presidio_micro_f1"}``. Raises ``PresidioUnavailable``
    when the baseline cannot run (presidio-analyzer missing, or it would need a model).
    """
    from ownerguard_bench.presidio_baseline import build_presidio, presidio_find

    analyzer = build_presidio()
    presidio = functools.partial(presidio_find, analyzer)
    structured_analyzer = build_presidio(names=False)
    presidio_structured = functools.partial(presidio_find, structured_analyzer)
    ours_rate = texts_per_second(find, texts, seconds)
    presidio_rate = texts_per_second(presidio, texts, seconds)
    short = chunks(texts, 50)
    full_50 = texts_per_second(find, short, seconds)
    structured_50 = texts_per_second(find_structured, short, seconds)
    presidio_full_50 = texts_per_second(presidio, short, seconds)
    presidio_structured_50 = texts_per_second(presidio_structured, short, seconds)
    result: dict = {
        "texts": len(texts),
        "avg_chars": round(sum(map(len, texts)) / len(texts), 1),
        "texts_per_s": round(ours_rate),
        "presidio_texts_per_s": round(presidio_rate, 1),
        "speedup": round(ours_rate / presidio_rate, 1),
        "short_texts": {"avg_chars": round(sum(map(len, short)) / len(short), 1),
                        "structured_texts_per_s": round(structured_50),
                        "full_texts_per_s": round(full_50),
                        "presidio_structured_texts_per_s": round(presidio_structured_50, 1),
                        "presidio_full_texts_per_s": round(presidio_full_50, 1),
                        "structured_speedup": round(structured_50 / presidio_structured_50, 1),
                        "full_speedup": round(full_50 / presidio_full_50, 1)},
        "independent": independent_scores(),
        "jsonl": jsonl_throughput(short, jsonl_texts),
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
    result["goals"] = {"structured_texts_per_s": GOAL_TEXTS_PER_S,
                       "full_texts_per_s": GOAL_FULL_TEXTS_PER_S,
                       "jsonl_ratio": GOAL_JSONL_RATIO, "presidio_speedup": GOAL_PRESIDIO_SPEEDUP}
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
