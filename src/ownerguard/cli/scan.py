"""`ownerguard scan`: find personal data in text, CSV and xlsx files."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.table import Table

from ownerguard.adapters.sheets import SheetError
from ownerguard.cli.context import console, fail, refused
from ownerguard.services.oversight import scan as scan_svc


def scan(source: str = typer.Argument(..., help="文件，或 - 表示标准输入 / file, or - for stdin"),
         as_json: bool = typer.Option(False, "--json", help="输出 JSON / print JSON"),
         jsonl: bool = typer.Option(False, "--jsonl",
                                    help='每行 {"id","text"} → 每行 {"id","spans"}'),
         out: Path | None = typer.Option(None, "--out",
                                            help="表格：写出脱敏副本（CSV）/ sheets: masked copy"),
         workers: int = typer.Option(1, "--workers",
                                     help="--jsonl：并行进程数 / processes for --jsonl "
                                          "(2 helps only on an idle machine)")
         ) -> None:
    """查找文本、CSV、Excel 中的个人信息并给出脱敏副本 / find personal data and mask it."""
    try:
        if jsonl:
            lines = sys.stdin if source == "-" else open(source, encoding="utf-8")
            with lines:
                write = sys.stdout.write
                for chunk in scan_svc.scan_jsonl_chunks(lines, workers=workers):
                    write(chunk)
            return
        path = None if source == "-" else Path(source)
        if path is not None and not path.is_file():
            raise fail(f"找不到文件：{source}", f"no such file: {source}")
        if path is not None and path.suffix.lower() in scan_svc.SHEET_SUFFIXES:
            result = scan_svc.scan_sheet(path, masked_out=out)
            _print_sheet(result, as_json)
            return
        text = sys.stdin.read() if path is None else path.read_text(encoding="utf-8")
        result = scan_svc.scan_text(text)
    except SheetError as exc:
        raise refused(exc) from None
    except FileExistsError:
        raise fail("脱敏副本的目标文件已存在", "the --out file exists") from None
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
        return
    t = Table("类型 type", "起 start", "止 end", title=f"发现 {len(result['findings'])} 处个人信息")
    for f in result["findings"]:
        t.add_row(f["type"], str(f["start"]), str(f["end"]))
    console.print(t)
    console.print("脱敏副本 masked copy:")
    print(result["masked"])


def _print_sheet(result: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
        return
    t = Table("列 column", "表头 header", "有个人信息的单元格 cells", "占比 share", "类型 types",
              "结论 verdict", title=f"{result['rows']} 行数据的列报告 column report")
    for c in result["columns"]:
        t.add_row(str(c["column"]), c["header"], f"{c['cells_with_findings']}/{c['cells']}",
                  f"{c['share']:.0%}", ", ".join(f"{k}×{v}" for k, v in c["types"].items()),
                  "[red]含个人信息 personal[/]" if c["personal"] else "")
    console.print(t)
    console.print(f"共 {len(result['findings'])} 处 findings"
                  + (f"；脱敏副本 masked copy: {result['masked_copy']}"
                     if result["masked_copy"] else ""))
