"""The import use case: read a sheet, validate every row, store it all or nothing.

By default a file with any rejected row imports nothing (all or nothing per file): the reject
report says what to fix, row by row, and the corrected file is imported whole. With
``skip_invalid`` the valid rows are imported (still in one transaction) and the rejected ones are
reported. Either way the reject report lists row, column and reason, never a value.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ownerguard import clock
from ownerguard.adapters.sheets import read_sheet
from ownerguard.domain.rows import Reject
from ownerguard.services.registry.communities import get_or_create_community, get_or_create_company
from ownerguard.services.registry.importer import ImportCounts, Importer, file_sha256
from ownerguard.services.runtime import Runtime


@dataclass
class ImportReport:
    counts: ImportCounts
    imported: bool
    total_rows: int
    blank_rows: int
    reject_report: Path | None

    def as_json(self) -> dict:
        out = self.counts.as_json()
        out.update(imported=self.imported, total_rows=self.total_rows,
                   blank_rows=self.blank_rows,
                   reject_report=str(self.reject_report) if self.reject_report else None)
        return out


def import_file(rt: Runtime, path: Path, *, community: str, company: str, actor: str,
                skip_invalid: bool = False,
                progress: Callable[[str, int, int], None] | None = None) -> ImportReport:
    sheet = read_sheet(path, progress=(lambda d, t: progress("read", d, t)) if progress
                       else None)
    counts = ImportCounts(duplicates_merged=sheet.duplicates_merged,
                          rejected=list(sheet.rejected))
    imported = False
    if not counts.rejected or skip_invalid:
        rejected_rows = {r.row for r in counts.rejected}
        rows = [r for r in sheet.rows if r.row not in rejected_rows]
        with rt.uow() as uow:
            comp = get_or_create_company(uow, rt.keys, company)
            comm = get_or_create_community(uow, comp, community)
            stored = Importer(rt).run(
                uow, comp, comm, rows, actor=actor, source_sha256=file_sha256(path),
                progress=(lambda d: progress("store", d, len(rows))) if progress else None)
            stored.duplicates_merged = sheet.duplicates_merged
            stored.rejected = sorted(counts.rejected + stored.rejected,
                                     key=lambda r: (r.row, r.column))
            if stored.rejected and not skip_invalid:
                # A row clashed with what is stored: nothing of this file is kept.
                uow.rollback()
                counts = ImportCounts(duplicates_merged=sheet.duplicates_merged,
                                      rejected=stored.rejected)
            else:
                uow.commit()
                counts, imported = stored, True
    report = write_reject_report(rt.settings.reports_dir, path, counts.rejected)
    return ImportReport(counts, imported, sheet.total_rows, sheet.blank_rows, report)


def write_reject_report(directory: Path, source: Path, rejected: list[Reject]) -> Path | None:
    """A CSV (UTF-8 with BOM, so Excel opens it) of row, column, reason — no values."""
    if not rejected:
        return None
    directory.mkdir(parents=True, exist_ok=True)
    stamp = clock.local_now().strftime("%Y%m%dT%H%M%S")
    # The source file name is left out: people name sheets after owners too.
    out = directory / f"rejects-{stamp}-{os.getpid()}.csv"
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["行号 row", "列 column", "原因 reason"])
        for r in rejected:
            w.writerow([r.row, r.column, r.reason])
    return out

