"""The Presidio baseline the detection benchmark compares against. Runs with ``make bench``, which
installs the ``bench`` extra (presidio-analyzer); the main suite does not depend on it."""

from __future__ import annotations

from pathlib import Path

from ownerguard.detect.evaluate import load
from ownerguard_bench.detect import benchmark
from ownerguard_bench.presidio_baseline import build_presidio, presidio_find

EVAL = Path(__file__).resolve().parents[1] / "eval" / "pii_eval.jsonl"


def test_presidio_baseline_runs_without_a_model() -> None:
    analyzer = build_presidio()
    spans = presidio_find(analyzer, "业主张伟，电话13812345678，身份证11010519491231002X")
    assert [(s.type, s.text) for s in spans] == [
        ("person_name", "张伟"), ("phone", "13812345678"), ("id_card", "11010519491231002X")]
    texts = [r["text"] for r in load(EVAL)[:20]]
    result = benchmark(texts, seconds=0.05, labelled=None, jsonl_texts=50)
    assert set(result) >= {"texts_per_s", "presidio_texts_per_s", "speedup", "short_texts",
                           "independent", "jsonl"}
    assert set(result["independent"]) >= {"dev", "own_check"}
    assert result["jsonl"]["cli_texts_per_s"] > 0
    assert result["texts_per_s"] > 0 and result["presidio_texts_per_s"] > 0
