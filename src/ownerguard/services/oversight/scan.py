"""Scanning text and legacy spreadsheets for personal data (``ownerguard scan``).

Text: every finding with its type and character offsets, and a masked copy. Sheets (CSV, xlsx):
findings per cell (the sheet's own row numbers, header = row 1) and a report of which columns
hold personal data — what a migration to OwnerGuard has to bring under the gate.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from ownerguard import detect
from ownerguard.adapters.sheets import SheetError, read_grid

SHEET_SUFFIXES = {".csv", ".tsv", ".xlsx", ".xlsm", ".xls", ".ods"}
# A column is reported as personal when at least this share of its non-empty cells has a
# finding (or its header says so).
COLUMN_THRESHOLD = 0.3
# A bare "张伟" in a cell has no cue of its own; the column's header is the cue. Cells of a
# hinted column are scanned as if preceded by this text (offsets shifted back).
HEADER_CUES = {"person_name": "姓名：", "address": "住址：", "phone": "电话：",
               "id_card": "身份证号：", "license_plate": "车牌号：", "bank_card": "银行卡号："}
HEADER_HINTS = {
    "person_name": ("姓名", "业主", "名称", "联系人", "住户", "租户", "name"),
    "phone": ("电话", "手机", "联系方式", "phone", "mobile", "tel"),
    "id_card": ("身份证", "证件", "id"),
    "address": ("地址", "房号", "住址", "房屋", "address"),
    "license_plate": ("车牌", "plate"),
    "bank_card": ("银行卡", "卡号", "账号", "bank"),
}


@dataclass
class ColumnReport:
    index: int
    header: str
    cells: int = 0
    with_findings: int = 0
    types: Counter = field(default_factory=Counter)

    @property
    def share(self) -> float:
        return self.with_findings / self.cells if self.cells else 0.0

    @property
    def header_hint(self) -> str | None:
        h = self.header.lower()
        for kind, words in HEADER_HINTS.items():
            if any(w.lower() in h for w in words):
                return kind
        return None

    @property
    def personal(self) -> bool:
        return self.share >= COLUMN_THRESHOLD or bool(self.header_hint and self.with_findings)

    def as_json(self) -> dict:
        return {"column": self.index + 1, "header": self.header, "cells": self.cells,
                "cells_with_findings": self.with_findings, "share": round(self.share, 3),
                "types": dict(self.types), "header_hint": self.header_hint,
                "personal": self.personal}


def scan_text(text: str) -> dict:
    spans = detect.find(text)
    return {"findings": [{"type": s.type, "start": s.start, "end": s.end} for s in spans],
            "masked": detect.mask_text(text, spans)}


def _grid(path: Path) -> list[list[str]]:
    return [[_cell(c) for c in row] for row in read_grid(path)]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def scan_sheet(path: Path, *, masked_out: Path | None = None) -> dict:
    grid = _grid(path)
    if not grid:
        raise SheetError("file_empty")
    header = grid[0]
    width = max(len(r) for r in grid)
    columns = [ColumnReport(i, header[i] if i < len(header) else "") for i in range(width)]
    findings: list[dict] = []
    masked_rows: list[list[str]] = [list(header)]
    for row_no, row in enumerate(grid[1:], start=2):
        masked: list[str] = []
        for i, cell in enumerate(row):
            if not cell:
                masked.append(cell)
                continue
            col = columns[i]
            col.cells += 1
            spans = _find_in_cell(cell, col.header_hint)
            if spans:
                col.with_findings += 1
                col.types.update(s.type for s in spans)
                findings.extend({"row": row_no, "column": col.header or str(i + 1),
                                 "type": s.type, "start": s.start, "end": s.end}
                                for s in spans)
            masked.append(detect.mask_text(cell, spans) if spans else cell)
        masked_rows.append(masked)
    if masked_out is not None:
        _write_csv(masked_out, masked_rows)
    return {"rows": len(grid) - 1, "columns": [c.as_json() for c in columns],
            "personal_columns": [c.header or str(c.index + 1) for c in columns if c.personal],
            "findings": findings, "masked_copy": str(masked_out) if masked_out else None}


def _find_in_cell(cell: str, hint: str | None) -> list:
    cue = HEADER_CUES.get(hint or "", "")
    if not cue:
        return detect.find(cell)
    shift = len(cue)
    return [replace(s, start=s.start - shift, end=s.end - shift)
            for s in detect.find(cue + cell) if s.start >= shift]


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    import csv
    import os

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)


def scan_jsonl(lines: Iterable[str]) -> Iterator[str]:
    """``{"id","text"}`` per line in, ``{"id","spans":[{"type","start","end"}]}`` per line out."""
    for chunk in scan_jsonl_chunks(lines):
        yield from chunk.splitlines()


# Lines per batch: large enough that the per-batch cost (one write) vanishes, small enough
# that output starts at once and memory stays flat on a file of millions of lines.
JSONL_BATCH = 2000


def scan_jsonl_chunks(lines: Iterable[str], batch: int = JSONL_BATCH,
                      workers: int = 1) -> Iterator[str]:
    """The same as ``scan_jsonl``, as blocks of ``batch`` output lines (each ending in a
    newline): what ``ownerguard scan --jsonl`` writes, one write per block.

    The per-line work besides ``find`` is one ``json.loads`` and a format string: spans are
    written without ``json.dumps`` (types and offsets need no escaping). With ``workers`` > 1
    and more than one block of input, blocks are scanned by that many forked processes, in
    order; the name model is loaded once before the fork and shared.
    """
    blocks = _blocks(lines, batch)
    first = next(blocks, None)
    if first is None:
        return
    second = next(blocks, None)
    if second is None or workers <= 1 or not _can_fork():
        yield _scan_block(first)
        if second is not None:
            yield _scan_block(second)
            for block in blocks:
                yield _scan_block(block)
        return
    import itertools
    import multiprocessing

    detect.find("业主张伟")  # load the name model before the fork: the workers share it
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield from pool.imap(_scan_block, itertools.chain((first, second), blocks))


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def _blocks(lines: Iterable[str], batch: int) -> Iterator[tuple[int, list[str]]]:
    """(number of the block's first line, its lines)."""
    block: list[str] = []
    first = 1
    for n, line in enumerate(lines, start=1):
        if not block:
            first = n
        block.append(line)
        if len(block) >= batch:
            yield first, block
            block = []
    if block:
        yield first, block


def _scan_block(block: tuple[int, list[str]]) -> str:
    first, lines = block
    loads, dumps, find = json.loads, json.dumps, detect.find
    out: list[str] = []
    for n, line in enumerate(lines, start=first):
        if not line.strip():
            continue
        try:
            doc = loads(line)
            text = doc["text"]
            ident = doc.get("id")
            if not isinstance(text, str):
                raise TypeError
        except (ValueError, KeyError, TypeError, AttributeError):
            raise SheetError("jsonl_bad_line", line=n) from None
        spans = ", ".join(f'{{"type": "{s.type}", "start": {s.start}, "end": {s.end}}}'
                          for s in find(text))
        out.append(f'{{"id": {dumps(ident, ensure_ascii=False)}, "spans": [{spans}]}}\n')
    return "".join(out)
