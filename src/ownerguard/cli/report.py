"""``ownerguard report compliance``: the periodic compliance self-audit (L23)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import typer

from ownerguard.cli.context import console, fail, operator_context, refused, runtime

report_app = typer.Typer(help="报告 / reports", no_args_is_help=True)


@report_app.command("compliance")
def compliance(start: str = typer.Option(..., "--from", help="开始日期 YYYY-MM-DD / from"),
               end: str = typer.Option(..., "--to", help="结束日期 YYYY-MM-DD / to"),
               out: Path = typer.Option(..., "--out", help="输出文件 .pdf/.html/.json / output"),
               company: str | None = typer.Option(None)) -> None:
    """合规审计报告（PDF/HTML/JSON，按文件扩展名）/ the compliance self-audit report."""
    from ownerguard.services.oversight import compliance_report

    try:
        d_from, d_to = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError:
        raise fail("日期格式应为 YYYY-MM-DD", "dates are YYYY-MM-DD") from None
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("pdf", "html", "json"):
        raise fail("输出文件扩展名应为 .pdf、.html 或 .json", "output must end in .pdf/.html/.json")
    with runtime() as rt:
        ctx = operator_context(rt, company, "oversight")
        with rt.uow(read_only=True) as uow:
            try:
                data = compliance_report.build(rt, uow, ctx.company_id, d_from, d_to, fmt)
            except ValueError as exc:
                raise refused(exc) from None
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    console.print(f"已生成 written: {out} ({len(data):,} bytes)")
