"""`ownerguard retention …`, `ownerguard residents move-out …`, `ownerguard keys rotate-persons`.

Thin: parse, call ``services.retention`` / ``services.move_out`` / ``services.key_rotation``,
print counts. Nothing printed here names a person or a value — only categories, counts, dates
and pseudonymous ids.
"""

from __future__ import annotations

import json
from datetime import date

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from ownerguard.cli.context import (
    actor_name,
    console,
    fail,
    interactive,
    operator_context,
    refused,
    runtime,
)
from ownerguard.domain.retention import RetentionConfigError, rules_from_settings
from ownerguard.services.lifecycle import retention as retention_svc  # also registers the daily job
from ownerguard.services.registry.communities import find_community
from ownerguard.vault.keys import KeyProblem

retention_app = typer.Typer(help="保存期限与清除 / retention rules and purge",
                            no_args_is_help=True)
residents_app = typer.Typer(help="住户 / residents", no_args_is_help=True)


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=True,
                    disable=not interactive())


@retention_app.command("rules")
def rules(as_json: bool = typer.Option(False, "--json")) -> None:
    """各类记录的保存期限与法律依据 / the retention rules in force and their legal basis."""
    from ownerguard.config import load_settings

    try:
        in_force = rules_from_settings(load_settings().retention)
    except RetentionConfigError as exc:
        raise refused(exc) from None
    if as_json:
        print(json.dumps({c: {"days": r.days, "minimum": r.minimum, "basis": r.basis,
                              "what": r.what, "implemented": r.implemented}
                          for c, r in in_force.items()}, ensure_ascii=False, indent=1))
        return
    t = Table("类别 category", "期限 days", "法定最短 minimum", "依据 basis", "清除 purge")
    for c, r in in_force.items():
        t.add_row(f"{r.label_zh}\n{c}", "永久 never" if r.days is None else str(r.days),
                  str(r.minimum) if r.minimum else "—", r.basis,
                  r.what + ("" if r.implemented else " （尚无数据表 / no table yet）"))
    console.print(t)


@retention_app.command("run")
def run(dry_run: bool = typer.Option(False, "--dry-run",
                                     help="只统计，不删除 / count only, change nothing"),
        as_json: bool = typer.Option(False, "--json")) -> None:
    """清除已超过保存期限的记录（可中断后重跑）/ purge what is past its period (resumable)."""
    with runtime() as rt, _progress() as bar:
        tasks: dict[str, TaskID] = {}

        def progress(category: str, done: int, total: int) -> None:
            if category not in tasks:
                tasks[category] = bar.add_task(f"清除 purging {category}", total=total)
            bar.update(tasks[category], completed=done, total=total)

        try:
            result = retention_svc.run(rt, dry_run=dry_run, actor=actor_name(),
                                       progress=None if as_json else progress)
        except RetentionConfigError as exc:
            raise refused(exc) from None
    if as_json:
        print(json.dumps(result.as_json(), ensure_ascii=False, indent=1))
        return
    title = ("试运行：未做任何更改 / DRY RUN: nothing changed" if dry_run
             else f"已清除 / purged ({result.today})")
    t = Table("类别 category", "期限 days", "到期 due", "已清除 purged", "暂缓 held", "说明 note",
              title=title)
    for c in result.categories.values():
        t.add_row(c.category, "—" if c.days is None else str(c.days), str(c.due),
                  str(c.purged), str(c.held), c.note)
    console.print(t)


@residents_app.command("move-out")
def move_out(room: str = typer.Option(..., help="房屋，如“1栋 1单元 101” / room"),
             community: str = typer.Option(..., help="小区 / community"),
             on: str | None = typer.Option(None, "--date",
                                              help="迁出日期 YYYY-MM-DD（默认今天）/ date"),
             person: str | None = typer.Option(None, help="只迁出此人（人员编号）/ one person"),
             company: str | None = typer.Option(None, help="物业公司 / company"),
             as_json: bool = typer.Option(False, "--json")) -> None:
    """住户迁出：结束居住关系，到期后由保存期限任务清除 / end the residency; retention purges later."""
    from ownerguard import clock
    from ownerguard.services.registry import move_out as svc

    try:
        day = date.fromisoformat(on) if on else clock.today()
    except ValueError:
        raise fail("日期格式应为 YYYY-MM-DD", "date must be YYYY-MM-DD") from None
    with runtime() as rt:
        ctx = operator_context(rt, company, "record_keeping")
        with rt.uow() as uow:
            try:
                comm = find_community(uow, community)
                done = svc.move_out_room(rt, uow, company_id=ctx.company_id,
                                         community_id=comm.id, room_label=room,
                                         actor=ctx.actor, role=ctx.role, on=day,
                                         person_id=person, client=ctx.client)
            except svc.MoveOutError as exc:
                raise refused(exc) from None
            except LookupError as exc:
                raise fail(f"{exc}", f"{exc}") from None
            uow.commit()
    if as_json:
        print(json.dumps([{"residency": m.residency_id, "person": m.person_id,
                           "end_date": m.end_date.isoformat(),
                           "purge_due": m.purge_due.isoformat() if m.purge_due else None}
                          for m in done], ensure_ascii=False))
        return
    for m in done:
        due = (f"将于 {m.purge_due} 起清除 / purge due from {m.purge_due}" if m.purge_due
               else "仍有其他在住房屋，不安排清除 / still lives elsewhere: no purge scheduled")
        console.print(f"{m.person_id}: 迁出 moved out {m.end_date}; {due}")


def keys_rotate_persons(
        batch: int = typer.Option(200, "--batch", min=1, max=5000,
                                  help="每批人数（每批一个事务）/ persons per transaction"),
        resume: bool = typer.Option(False, help="继续上次未完成的轮换 / finish an interrupted run"),
) -> None:
    """为每个人换新数据密钥并重新加密其信息（在线、可续跑）/ new data key per person, re-seal online."""
    from ownerguard.vault.rotation import NothingToResume, rotate_persons

    with runtime() as rt, _progress() as bar:
        task = bar.add_task("重新加密 re-sealing", total=None)
        try:
            result = rotate_persons(rt, actor=actor_name(), resume=resume, batch=batch,
                                    progress=lambda d, t: bar.update(task, completed=d, total=t))
        except NothingToResume as exc:
            raise refused(exc) from None
        except KeyProblem as exc:
            raise fail(f"拒绝轮换：{exc}", f"rotation refused: {exc}") from None
    console.print(f"人员密钥版本 person key version: {result.key_version}; "
                  f"重新加密 re-sealed: {result.persons} persons")
