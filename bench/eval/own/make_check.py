"""Build ``check.jsonl`` from ``check.txt``: a small hand-written check set, written before the
name model and the tabular scanner were tuned, to measure how much tuning on the independent
development half (``bench/eval/independent/dev.jsonl``) overfits it.

``check.txt`` holds one text per block (blocks separated by a line ``---``; the first line of a
block is ``id kind``). Labels are marked inline as ``[[t:value]]`` with t one of
n (person_name), a (address), p (phone), i (id_card), b (bank_card), c (license_plate),
e (email), s (passport). In an ID a final ``?`` is replaced by the right check digit, in a bank
card by the Luhn digit, so the file can be written by hand. ``\\n`` and ``\\t`` in a block stand
for a newline and a tab. Run: ``python bench/eval/own/make_check.py``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from stdnum import luhn
from stdnum.cn import ric

HERE = Path(__file__).resolve().parent
TYPES = {"n": "person_name", "a": "address", "p": "phone", "i": "id_card", "b": "bank_card",
         "c": "license_plate", "e": "email", "s": "passport"}
MARK = re.compile(r"\[\[([napibces]):(.+?)\]\]")


def _fill(kind: str, value: str) -> str:
    if kind == "i" and value.endswith("?"):
        return value[:-1] + ric.calc_check_digit(value[:-1] + "0")  # it drops a check digit
    if kind == "b" and value.endswith("?"):
        digits = value[:-1].replace(" ", "")
        return value[:-1] + luhn.calc_check_digit(digits)
    return value


def parse(block: str) -> dict:
    head, _, body = block.strip("\n").partition("\n")
    rid, kind = head.split()
    body = body.replace("\\n", "\n").replace("\\t", "\t")
    text, spans, pos = [], [], 0
    length = 0
    for m in MARK.finditer(body):
        plain = body[pos:m.start()]
        text.append(plain)
        length += len(plain)
        value = _fill(m.group(1), m.group(2))
        spans.append({"type": TYPES[m.group(1)], "start": length, "end": length + len(value)})
        text.append(value)
        length += len(value)
        pos = m.end()
    text.append(body[pos:])
    return {"id": rid, "kind": kind, "text": "".join(text), "spans": spans}


def main() -> None:
    blocks = (HERE / "check.txt").read_text(encoding="utf-8").split("\n---\n")
    records = [parse(b) for b in blocks if b.strip()]
    with (HERE / "check.jsonl").open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(records)} texts, {sum(len(r['spans']) for r in records)} spans")


if __name__ == "__main__":
    main()
