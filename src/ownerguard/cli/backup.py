"""`ownerguard backup create|verify|restore`. Thin: parse, call services.backup, print."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from ownerguard.cli.context import actor_name, console, err, fail, interactive, refused, runtime

backup_app = typer.Typer(help="备份与恢复 / backups: create, verify, restore",
                         no_args_is_help=True)

_STAGES = {"snapshot": "数据库快照 snapshot", "write": "写入备份 writing",
           "verify": "校验备份 verifying", "restore": "恢复数据库 restoring",
           "audit": "校验审计链 audit chains", "ledger": "重放删除台账 shred ledger"}


class _Bar:
    """One Rich line per stage; silent when not on a terminal (tests, cron)."""

    def __init__(self) -> None:
        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"),
                                 TimeElapsedColumn(), console=console, transient=True,
                                 disable=not interactive())
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self):
        self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(_STAGES.get(stage, stage), total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)


@backup_app.command("create")
def backup_create(out: Path = typer.Option(..., "--out", help="备份文件路径 / archive path")
                  ) -> None:
    """在线生成一致的备份（不含主密钥）/ write a consistent online backup (no master key)."""
    from ownerguard.services.lifecycle.backup import BackupError, create_backup

    with runtime() as rt, _Bar() as bar:
        try:
            manifest = create_backup(rt, out, progress=bar, actor=actor_name())
        except BackupError as exc:
            raise refused(exc) from None
    rows = sum(manifest["row_counts"].values())
    console.print(f"[green]备份已写入 backup written[/]: {out} (0600) — {manifest['backend']}, "
                  f"{rows} 行 rows, 审计链 audit chains {len(manifest['audit_heads'])}, "
                  f"需要主密钥版本 master key versions needed: "
                  f"{', '.join(map(str, manifest['master_key_versions'])) or '-'}")
    console.print("[yellow]备份不含主密钥：请另行离线保管主密钥，丢失则无法恢复任何数据。[/]\n"
                  "[dim]the archive does not contain the master key: keep the key offline, "
                  "separately; without it nothing in the backup can be read.[/]")


@backup_app.command("verify")
def backup_verify(path: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True,
                                              help="备份文件 / archive"),
                  as_json: bool = typer.Option(False, "--json")) -> None:
    """校验备份：文件哈希、清单、数据库、主密钥、审计链 / check an archive (exit 1 on a finding)."""
    from ownerguard.config import load_settings
    from ownerguard.services.lifecycle.backup import verify_backup
    from ownerguard.vault.keys import load_master_key

    settings = load_settings()
    try:
        master = load_master_key(settings.home)
    except Exception as exc:
        raise fail(f"无法加载主密钥：{exc}", f"cannot load the master key: {exc}") from None
    report = verify_backup(path, master, settings.home)
    if as_json:
        print(json.dumps(report.as_json(), ensure_ascii=False))
    elif report.ok:
        m = report.manifest
        console.print(f"[green]备份完好 backup OK[/]: {m['created_at']} {m['backend']}, "
                      f"{sum(m['row_counts'].values())} 行 rows, 审计 audit "
                      f"{report.audit_entries} entries / {report.audit_chains} chains")
    else:
        for f in report.findings:
            err.print(f"[bold red]问题[/] {f.member}: {f.message('zh_CN')}\n"
                      f"[dim]finding {f.member}: {f.message('en')}[/]")
        if report.missing_key_versions:
            err.print("缺少的主密钥版本 missing master key versions: "
                      + ", ".join(map(str, report.missing_key_versions)))
    if not report.ok:
        raise typer.Exit(1)


@backup_app.command("restore")
def backup_restore(path: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True,
                                               help="备份文件 / archive"),
                   yes: bool = typer.Option(False, "--yes",
                                            help="确认覆盖现有数据 / confirm replacing data")
                   ) -> None:
    """从备份恢复，校验审计链并重放删除台账 / restore, check the audit log, re-apply shreds."""
    from ownerguard.services.lifecycle.backup import BackupError, NeedsConfirmation, restore_backup
    from ownerguard.vault.shred_ledger import ShredLedgerError

    with runtime() as rt, _Bar() as bar:
        try:
            result = restore_backup(rt, path, yes=yes, progress=bar, actor=actor_name())
        except NeedsConfirmation as exc:
            raise refused(exc) from None
        except (BackupError, ShredLedgerError) as exc:
            raise refused(exc) from None
    m, led = result.manifest, result.ledger
    console.print(f"[green]已恢复 restored[/]: {m['created_at']} ({m['backup_id'][:8]}), "
                  f"{sum(result.row_counts.values())} 行 rows; 审计链完整 audit log intact "
                  f"({result.audit_entries} entries)")
    console.print(f"删除台账 shred ledger: {led.entries} 条 entries, 重新销毁 re-shredded "
                  f"{len(led.shredded)} 人 persons"
                  + (f", 未确认 unconfirmed intents {led.pending}" if led.pending else ""))
