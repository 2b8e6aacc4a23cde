"""`ownerguard` command line. Thin: parse, open a unit of work, call a service, print."""

from __future__ import annotations

import json
import os
from pathlib import Path

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

from ownerguard.cli.backup import backup_app
from ownerguard.cli.checkpoint import audit_export, checkpoint_app, verify_with_checkpoint
from ownerguard.cli.context import (
    actor_name,
    console,
    fail,
    interactive,
    operator_context,
    refused,
    runtime,
)
from ownerguard.cli.doctor import doctor as doctor_command
from ownerguard.cli.leak import leak_app
from ownerguard.cli.report import report_app
from ownerguard.cli.retention import keys_rotate_persons, residents_app, retention_app
from ownerguard.cli.scan import scan as scan_command
from ownerguard.cli.staff import export_app, staff_app
from ownerguard.domain.fields import CATALOGUE
from ownerguard.domain.purposes import PURPOSES
from ownerguard.i18n import translate
from ownerguard.services.registry import persons as persons_svc
from ownerguard.services.registry.communities import DEFAULT_COMPANY, find_community
from ownerguard.vault import shred_ledger
from ownerguard.vault.audit_verify import verify as verify_audit
from ownerguard.vault.gate import PersonNotFound

app = typer.Typer(help="业主信息卫士 OwnerGuard — owners' personal data behind one audited gate.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
persons_app = typer.Typer(help="查询与查看人员 / search and show persons", no_args_is_help=True)
audit_app = typer.Typer(help="审计日志 / audit log", no_args_is_help=True)
keys_app = typer.Typer(help="密钥 / keys", no_args_is_help=True)
policy_app = typer.Typer(help="访问策略 / access policy", no_args_is_help=True)
app.add_typer(persons_app, name="persons")
app.add_typer(audit_app, name="audit")
app.add_typer(keys_app, name="keys")
app.add_typer(policy_app, name="policy")
app.add_typer(staff_app, name="staff")
app.add_typer(export_app, name="export")
app.add_typer(backup_app, name="backup")
app.add_typer(leak_app, name="leak")
app.add_typer(report_app, name="report")
app.add_typer(checkpoint_app, name="checkpoint")
audit_app.command("export")(audit_export)
app.command("scan")(scan_command)
app.add_typer(retention_app, name="retention")
app.add_typer(residents_app, name="residents")
keys_app.command("rotate-persons")(keys_rotate_persons)
app.command("doctor")(doctor_command)
outbox_app = typer.Typer(help="开发用短信发件箱 / development SMS outbox", no_args_is_help=True)
app.add_typer(outbox_app, name="outbox")


@outbox_app.command("list")
def outbox_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """列出开发发件箱中的短信（号码已脱敏）/ messages in the development outbox (masked)."""
    from ownerguard.adapters.contact.sms import list_outbox
    from ownerguard.config import load_settings

    records = list_outbox(load_settings().home / "outbox")
    if as_json:
        print(json.dumps(records, ensure_ascii=False))
        return
    t = Table("时间 time", "收件人 to", "模板 template", "内容 text",
              title="开发用发件箱：短信未真正发出 / DEVELOPMENT outbox: nothing was sent")
    for r in records:
        t.add_row(str(r.get("ts", ""))[:19], r.get("to_masked", ""), r.get("template", ""),
                  r.get("text", ""))
    console.print(t)


@app.callback()
def _every_command() -> None:
    # Files OwnerGuard creates (database, WAL, reports) are for the service account only.
    os.umask(0o077)


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=True,
                    disable=not interactive())


# -- home ------------------------------------------------------------------------------------
@app.command()
def init(demo: bool = typer.Option(False, help="同时生成演示小区 / also create a demo community"),
         rooms: int = typer.Option(300, help="演示小区房屋数 / demo rooms")) -> None:
    """初始化数据目录、主密钥与数据库 / create the home, master key and database."""
    from ownerguard.services.home import init_home

    try:
        result = init_home()
    except Exception as exc:
        raise fail(f"初始化失败：{exc}", f"init failed: {exc}") from None
    console.print(f"数据目录 home: {result.home}")
    console.print(f"数据库 database: {result.database_url_shown}")
    if result.created_key:
        console.print("[yellow]已生成主密钥 master.key（权限 0600）。请离线备份：丢失即无法恢复任何数据。[/]\n"
                      "[dim]master key created (0600). Back it up offline: without it nothing "
                      "can be recovered.[/]")
    if demo:
        from ownerguard.services.registry.communities import list_communities

        with runtime() as rt, rt.uow(read_only=True) as uow:
            existing = list_communities(uow)
        if existing:
            console.print(f"已有 {len(existing)} 个小区，不再生成演示数据 / "
                          f"{len(existing)} communities exist; no demo added")
        else:
            _demo(rooms=rooms, community=None, seed=0)


@app.command()
def migrate() -> None:
    """升级数据库结构 / apply pending schema migrations."""
    from ownerguard.config import load_settings
    from ownerguard.services.home import migrate_database

    migrate_database(load_settings())
    console.print("数据库结构已是最新 / schema up to date")


@app.command()
def demo(rooms: int = typer.Option(300, help="房屋数 / rooms"),
         community: str | None = typer.Option(None, help="小区名 / community name"),
         seed: int = typer.Option(0, help="随机种子 / random seed")) -> None:
    """生成一个演示小区（虚构数据）/ create a demo community with fictitious residents."""
    _demo(rooms=rooms, community=community, seed=seed)


def _demo(*, rooms: int, community: str | None, seed: int) -> None:
    from ownerguard.services.demo import create_demo

    with runtime() as rt, _progress() as bar:
        task = bar.add_task("生成演示数据 demo", total=None)
        result = create_demo(rt, rooms=rooms, community=community, seed=seed,
                             actor=actor_name(),
                             progress=lambda d, t: bar.update(task, completed=d, total=t))
    console.print(f"演示小区 demo community: [bold]{result.community}[/] "
                  f"({result.company}) — {result.counts.rooms} 户 rooms, "
                  f"{result.counts.persons} 人 persons, {result.counts.vehicles} 车 vehicles")
    _print_demo_logins(result.logins)


def _print_demo_logins(logins) -> None:
    from ownerguard.services.demo import DEMO_PASSWORD

    if not logins:
        return
    t = Table("用户名 username", "角色 role", "TOTP 密钥 secret",
              title=f"演示账号 demo logins — 密码 password: {DEMO_PASSWORD}")
    for username, role, secret in logins:
        t.add_row(username, role, secret or "（无需 none）")
    console.print(t)
    console.print("动态验证码：把密钥加入身份验证器 App，或运行 `ownerguard staff otp 用户名`（仅演示账号）。\n"
                  "[dim]one-time code: add the secret to an authenticator app, or run "
                  "`ownerguard staff otp USERNAME` (demo accounts only).[/]")


# -- import ----------------------------------------------------------------------------------
@app.command("import")
def import_(file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True,
                                        help="CSV 或 xlsx 文件 / CSV or xlsx file"),
            community: str = typer.Option(..., help="小区名 / community name"),
            company: str = typer.Option(DEFAULT_COMPANY, help="物业公司 / company"),
            as_json: bool = typer.Option(False, "--json", help="输出 JSON / print JSON"),
            skip_invalid: bool = typer.Option(
                False, help="导入有效行并报告无效行（默认：有无效行则整个文件不导入）/ "
                            "import valid rows and report the rest (default: all or nothing)"),
            ) -> None:
    """导入业主表（CSV/xlsx）/ import an owner sheet."""
    from ownerguard.adapters.sheets import SheetError
    from ownerguard.services.registry.import_sheet import import_file

    with runtime() as rt, _progress() as bar:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                label = "读取 reading" if stage == "read" else "加密写入 storing"
                tasks[stage] = bar.add_task(label, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        try:
            report = import_file(rt, file, community=community, company=company,
                                 actor=actor_name(), skip_invalid=skip_invalid,
                                 progress=None if as_json else progress)
        except SheetError as exc:
            raise refused(exc) from None
    if as_json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=1))
    else:
        c = report.counts
        state = "[green]已导入 imported[/]" if report.imported else "[red]未导入 not imported[/]"
        console.print(f"{state}: 新增房屋 rooms {c.rooms}, 人员 persons {c.persons}, "
                      f"居住关系 residencies {c.residencies}, 车辆 vehicles {c.vehicles}, "
                      f"合并重复行 duplicates merged {c.duplicates_merged}, "
                      f"空行 blank rows {report.blank_rows}")
        if c.rejected:
            t = Table("行 row", "列 column", "原因 reason", title=f"无效行 rejected: {len(c.rejected)}")
            for r in c.rejected[:50]:
                t.add_row(str(r.row), r.column, r.reason)
            console.print(t)
            console.print(f"完整报告 full report: {report.reject_report}")
            if not report.imported:
                console.print("请修正以上行后重新导入，或使用 --skip-invalid 只导入有效行。\n"
                              "[dim]fix these rows and import again, or pass --skip-invalid.[/]")
    if not report.imported:
        raise typer.Exit(1)


@app.command()
def template(out: Path = typer.Argument(Path("ownerguard-导入模板.xlsx"))) -> None:
    """生成导入模板 / write the import template (xlsx)."""
    from ownerguard.adapters.sheets import write_template

    write_template(out)
    console.print(f"模板 template: {out}")


# -- persons ---------------------------------------------------------------------------------
@persons_app.command("search")
def persons_search(
        phone: str | None = typer.Option(None, help="手机号或尾号4位 / phone or last 4"),
        id_number: str | None = typer.Option(None, "--id", help="证件号 / ID number"),
        name: str | None = typer.Option(None, help="姓名（精确）/ exact name"),
        room: str | None = typer.Option(None, help="房屋，如 1栋1单元101 / room"),
        community: str | None = typer.Option(None, help="小区 / community"),
        company: str | None = typer.Option(None, help="物业公司 / company"),
        purpose: str = typer.Option("record_keeping", help="用途 / purpose"),
        as_json: bool = typer.Option(False, "--json")) -> None:
    """按手机号、证件号、姓名或房屋查找（结果脱敏显示）/ find persons (shown masked)."""
    given = [(k, v) for k, v in (("phone", phone), ("id_number", id_number), ("name", name),
                                 ("room", room)) if v]
    if len(given) != 1:
        raise fail("请只给出一个查询条件：--phone、--id、--name 或 --room",
                   "give exactly one of --phone, --id, --name, --room")
    kind, value = given[0]
    with runtime() as rt:
        ctx = operator_context(rt, company, purpose)
        with rt.uow() as uow:
            community_id = find_community(uow, community).id if community else None
            try:
                ids = persons_svc.search(rt, uow, ctx, persons_svc.SearchTerm(kind, value),
                                         community_id=community_id)
            except ValueError as exc:
                raise refused(exc) from None
            views = persons_svc.show(rt, uow, ctx, ids, fields=("name", "phone", "rooms")) \
                if ids else []
            uow.commit()
    _print_views(views, as_json)


@persons_app.command("show")
def persons_show(
        person_id: str = typer.Argument(..., help="人员编号 / person id"),
        reveal: list[str] = typer.Option([], help="明文查看的字段 / field to reveal"),
        purpose: str = typer.Option("record_keeping", help="用途 / purpose"),
        company: str | None = typer.Option(None),
        as_json: bool = typer.Option(False, "--json")) -> None:
    """查看一个人（默认脱敏；--reveal 需说明用途并记入审计）/ show one person."""
    with runtime() as rt:
        ctx = operator_context(rt, company, purpose)
        with rt.uow() as uow:
            try:
                views = persons_svc.show(rt, uow, ctx, [person_id], reveal=tuple(reveal))
            except (PersonNotFound, ValueError) as exc:
                raise fail(f"{exc}", f"{exc}") from None
            uow.commit()
    _print_views(views, as_json, detail=True)


@persons_app.command("shred")
def persons_shred(person_id: str,
                  purpose: str = typer.Option("rights_request", help="用途 / purpose"),
                  company: str | None = typer.Option(None),
                  yes: bool = typer.Option(False, "--yes", help="确认 / confirm")) -> None:
    """删除此人的数据密钥（不可恢复）/ crypto-shred one person (irreversible)."""
    if not yes:
        raise fail("此操作不可恢复，请加 --yes 确认", "irreversible: pass --yes to confirm")
    with runtime() as rt:
        ctx = operator_context(rt, company, purpose)
        with rt.uow() as uow:
            try:
                shred_ledger.shred(rt, uow, ctx, person_id)
            except PersonNotFound as exc:
                raise refused(exc) from None
            uow.commit()
    console.print("已销毁密钥，此人信息不可再读取 / data key deleted; values unrecoverable")


def _print_views(views, as_json: bool, detail: bool = False) -> None:
    if as_json:
        print(json.dumps([{"id": v.person_id, "is_minor": v.is_minor, "state": v.state,
                           "fields": {k: {"outcome": s.outcome.value, "reason": s.reason,
                                          "value": s.value} for k, s in v.fields.items()}}
                          for v in views], ensure_ascii=False, indent=1))
        return
    if not views:
        console.print("未找到 / no match")
        return
    if detail:
        for v in views:
            t = Table("字段 field", "值 value", "结果 outcome", title=f"{v.person_id}"
                      + (" [未成年 minor]" if v.is_minor else ""))
            for name, s in v.fields.items():
                value = "、".join(s.value) if isinstance(s.value, list) else (s.value or "")
                t.add_row(CATALOGUE[name].label_zh, value,
                          f"{s.outcome.value} · {translate('reason.' + s.reason)}")
            console.print(t)
        return
    t = Table("编号 id", "姓名 name", "手机 phone", "房屋 rooms")
    for v in views:
        cells = []
        for f in ("name", "phone", "rooms"):
            s = v.fields[f].value
            cells.append("、".join(s) if isinstance(s, list) else (s or ""))
        t.add_row(v.person_id, *cells)
    console.print(t)


# -- audit -----------------------------------------------------------------------------------
@audit_app.command("verify")
def audit_verify(as_json: bool = typer.Option(False, "--json"),
                 checkpoint: Path | None = typer.Option(
                     None, "--checkpoint", help="业委会保管的检查点 / a signed checkpoint")) -> None:
    """校验审计链 / verify the audit hash chains (exit 1 on the first bad entry)."""
    if checkpoint is not None:
        return verify_with_checkpoint(checkpoint, as_json)
    with runtime() as rt, rt.uow(read_only=True) as uow:
        result = verify_audit(uow.conn)
    if as_json:
        print(json.dumps({"ok": result.ok, "entries": result.entries, "chains": result.chains,
                          "first_bad": None if result.ok else {
                              "chain": result.first_bad.chain, "seq": result.first_bad.seq,
                              "entry_id": result.first_bad.entry_id,
                              "problem": result.first_bad.what}}, ensure_ascii=False))
    elif result.ok:
        console.print(f"审计链完整 audit log intact: {result.entries} entries, "
                      f"{result.chains} chains")
    else:
        console.print(f"[bold red]审计链被篡改 audit log broken[/]: {result.first_bad}")
    if not result.ok:
        raise typer.Exit(1)


@audit_app.command("tail")
def audit_tail(n: int = typer.Option(20, "-n", help="条数 / entries"),
               as_json: bool = typer.Option(False, "--json")) -> None:
    """最近的审计记录 / the latest audit entries."""
    from ownerguard.services.oversight.audit_query import latest

    with runtime() as rt, rt.uow(read_only=True) as uow:
        rows = latest(uow, n)
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    t = Table("seq", "时间 time", "操作者 actor", "角色 role", "动作 action", "对象 subject",
              "字段 fields", "用途 purpose", "结果 outcome", "原因 reason")
    for r in rows:
        t.add_row(f"{r['chain'][:8]}#{r['seq']}", r["ts"][:19], r["actor"], r["role"],
                  r["action"], r["subject"][:8], r["fields"], r["purpose"], r["outcome"],
                  r["reason"])
    console.print(t)


# -- keys ------------------------------------------------------------------------------------
@keys_app.command("rotate")
def keys_rotate(resume: bool = typer.Option(
        False, help="继续上次未完成的轮换，不新建版本 / finish an interrupted rotation")) -> None:
    """轮换主密钥并在线重新封装所有数据密钥 / rotate the master key, re-wrap data keys online."""
    from ownerguard.vault.rotation import rotate

    with runtime() as rt, _progress() as bar:
        task = bar.add_task("重新封装 re-wrapping", total=None)
        try:
            result = rotate(rt, actor=actor_name(), new_version=not resume,
                            progress=lambda d, t: bar.update(task, completed=d, total=t))
        except Exception as exc:
            raise fail(f"轮换失败：{exc}", f"rotation failed: {exc}") from None
    console.print(f"主密钥版本 master key version: {rt.master.current_version()}; "
                  f"重新封装 re-wrapped: {result.person_keys} person keys, "
                  f"{result.company_keys} company keys")


# -- policy ----------------------------------------------------------------------------------
@policy_app.command("show")
def policy_show(as_json: bool = typer.Option(False, "--json"),
                markdown: bool = typer.Option(False, "--markdown",
                                              help="输出 Markdown / print Markdown")) -> None:
    """打印字段目录与角色×用途×字段矩阵 / print the catalogue and the policy matrix."""
    from ownerguard.config import load_settings
    from ownerguard.services.oversight.policy_doc import SYMBOL, policy_markdown
    from ownerguard.services.runtime import default_policy

    policy = default_policy(load_settings())
    if markdown:
        print(policy_markdown(policy), end="")
        return
    rows = policy.matrix()
    if as_json:
        print(json.dumps({"purposes": {p.code: {"label": p.label_zh, "basis": p.basis.value,
                                                "work_item": p.work_item}
                                       for p in PURPOSES.values()},
                          "matrix": rows, "free_text": policy.text_roles(),
                          "contact": policy.contact_matrix()}, ensure_ascii=False, indent=1))
        return
    fields = list(CATALOGUE)
    t = Table("role", "purpose", *[str(i) for i in range(1, len(fields) + 1)],
              title="R=可按用途明文查看 reveal  M=仅脱敏 masked  ·=不可见 hidden",
              caption="  ".join(f"{i}={CATALOGUE[f].label_zh}" for i, f in
                                enumerate(fields, 1)))
    for r in rows:
        t.add_row(r["role"], r["purpose"], *[SYMBOL[r[f]] for f in fields])
    console.print(t)


# -- serve and bench -------------------------------------------------------------------------
@app.command()
def serve(host: str = typer.Option("127.0.0.1"), port: int = typer.Option(8000),
          scheduler: bool = typer.Option(True, help="在本进程运行定时任务（期限提醒、共享到期、审计检查点）/ "
                                                    "run the periodic jobs in this process")
          ) -> None:
    """启动 Web 服务 / serve the API."""
    import uvicorn

    from ownerguard.app import create_app
    from ownerguard.services.jobs import Scheduler

    with runtime() as rt:
        console.print(f"OwnerGuard 服务地址 serving at: [bold]http://{host}:{port}/[/]  "
                      f"(API 文档 docs: http://{host}:{port}/docs)")
        jobs = Scheduler(rt) if scheduler else None
        if jobs:
            jobs.start()
        try:
            # access_log off: request lines can carry search terms; we audit instead
            # (invariant 1).
            uvicorn.run(create_app(rt), host=host, port=port, access_log=False,
                        log_level="warning")
        finally:
            if jobs:
                jobs.stop.set()


jobs_app = typer.Typer(help="定时任务 / periodic jobs", no_args_is_help=True)
app.add_typer(jobs_app, name="jobs")


@jobs_app.command("run")
def jobs_run(only: list[str] | None = typer.Option(None, "--only",
                                                      help="只运行指定任务 / run just these")
             ) -> None:
    """立即运行一次全部定时任务（可用 cron 调用）/ run every periodic job once (for cron)."""
    from ownerguard.services.jobs import run_once

    with runtime() as rt:
        print(json.dumps(run_once(rt, only), ensure_ascii=False, default=str))


@jobs_app.command("list")
def jobs_list() -> None:
    """列出定时任务 / list the periodic jobs."""
    from ownerguard.services.jobs import JOBS

    for job in JOBS:
        console.print(f"{job.name}\t每 every {job.every}")


@app.command()
def bench(rows: int = typer.Option(20000, help="导入行数 / rows to import"),
          http_seconds: float = typer.Option(5.0, help="每个 HTTP 压测的秒数，0 跳过 / "
                                                       "seconds per HTTP load, 0 to skip"),
          leak_packages: int = typer.Option(1000, help="泄露溯源压测的共享包数，0 跳过 / "
                                                        "recorded packages for the leak trace, 0 to skip"),
          as_json: bool = typer.Option(False, "--json")) -> None:
    """基准测试 / run the benchmarks (ratios against a baseline from the same run)."""
    from ownerguard_bench.core import run_bench

    result = run_bench(rows=rows, log=None if as_json else console.print,
                       http_seconds=http_seconds, leak_packages=leak_packages)
    print(json.dumps(result, ensure_ascii=False, indent=None if as_json else 1))


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
