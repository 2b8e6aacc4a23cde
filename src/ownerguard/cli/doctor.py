"""`ownerguard doctor`: the security self-check. Exit 1 on any high-severity finding, so cron
(or a monitoring system) can alert on it; ``--json`` for machines, ``--list`` for the table."""

from __future__ import annotations

import json

import typer
from rich.markup import escape
from rich.table import Table

from ownerguard.cli.context import console
from ownerguard.services.oversight import doctor as doctor_svc

STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan", "info": "dim"}
LABEL = {"high": "高 HIGH", "medium": "中 MEDIUM", "low": "低 LOW", "info": "提示 INFO"}


def doctor(as_json: bool = typer.Option(False, "--json", help="输出 JSON / print JSON"),
           list_checks: bool = typer.Option(False, "--list",
                                            help="只列出检查项 / list the checks and exit")
           ) -> None:
    """安全自检：逐项给出问题与修复方法；有高风险项时退出码为 1 / security self-check."""
    if list_checks:
        return _print_checks(as_json)
    report = doctor_svc.run()
    if as_json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=1))
    else:
        _print_report(report)
    if not report.ok:
        raise typer.Exit(1)


def _print_checks(as_json: bool) -> None:
    if as_json:
        print(json.dumps([{"id": c.id, "severity": c.severity, "title_zh": c.title_zh,
                           "title_en": c.title_en, "why": c.why} for c in doctor_svc.CHECKS],
                         ensure_ascii=False, indent=1))
        return
    t = Table("检查 check", "最高 worst", "内容 title", "原因 why", title="ownerguard doctor")
    for c in doctor_svc.CHECKS:
        t.add_row(c.id, LABEL[c.severity], f"{c.title_zh} / {c.title_en}", escape(c.why))
    console.print(t)


def _print_report(report: doctor_svc.Report) -> None:
    # Findings hold setting names like [grants]: escape them so rich does not read markup.
    for f in report.findings:
        console.print(f"[{STYLE[f.severity]}]{LABEL[f.severity]}[/] [bold]{f.id}[/] — "
                      f"{escape(f.title_zh)} / {escape(f.title_en)}")
        console.print(f"  发现 found: {escape(f.found)}")
        if f.fix and f.fix != "—":
            console.print(f"  修复 fix:   {escape(f.fix)}")
    counts = {s: sum(f.severity == s for f in report.findings) for s in doctor_svc.SEVERITIES}
    summary = "，".join(f"{LABEL[s]} {n}" for s, n in counts.items())
    verdict = "[green]通过 passed[/]" if report.ok else "[bold red]未通过 failed[/]"
    console.print(f"{verdict}: {report.checks} 项检查 checks — {summary}")
