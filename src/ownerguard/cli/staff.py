"""`ownerguard staff …` and `ownerguard export …` commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.table import Table

from ownerguard.cli.context import actor_name, console, fail, refused, runtime
from ownerguard.services.registry.communities import list_communities
from ownerguard.services.sharing import exports as exports_svc
from ownerguard.services.staff_access import accounts as staff_svc

staff_app = typer.Typer(help="员工账号 / staff accounts", no_args_is_help=True)
export_app = typer.Typer(help="导出追溯 / export tracing", no_args_is_help=True)


def _company(rt, uow, name: str | None):
    companies = {c.name: c for c, _ in list_communities(uow)}
    if name is None and len(companies) == 1:
        return next(iter(companies.values()))
    if name in companies:
        return companies[name]
    raise fail("请用 --company 指明物业公司", "pass --company (several or no companies)")


@staff_app.command("add")
def add(username: str,
        role: str = typer.Option(..., help="front_desk|steward|guard|technician|finance|"
                                           "manager|dpo|sysadmin|committee_member"),
        community: list[str] = typer.Option([], help="负责的小区（可多次）/ community in scope"),
        building: str | None = typer.Option(None, help="仅限此楼栋 / only this building"),
        company: str | None = typer.Option(None),
        display_name: str | None = typer.Option(None),
        password_stdin: bool = typer.Option(False, "--password-stdin",
                                            help="从标准输入读取密码 / read the password from stdin"),
        service: bool = typer.Option(False, "--service",
                                     help="服务账号（API 密钥）/ service account with an API key"),
        ) -> None:
    """新增员工或服务账号；需要动态验证码的角色只显示一次绑定链接。"""
    password = None
    if not service:
        if not password_stdin:
            raise fail("请用 --password-stdin 提供密码（不要写在命令行里）",
                       "pass --password-stdin (never put a password on the command line)")
        password = sys.stdin.readline().rstrip("\n")
    with runtime() as rt, rt.uow() as uow:
        comp = _company(rt, uow, company)
        try:
            scope = [staff_svc.resolve_scope(uow, comp.id, c, building) for c in community]
            uri = staff_svc.add_staff(rt, uow, company_id=comp.id, username=username, role=role,
                                      scope=scope, password=password, actor=actor_name(),
                                      display_name=display_name,
                                      kind="service" if service else "person")
            key = None
            if service:
                from ownerguard.services.staff_access.auth import create_api_key

                record = staff_svc.get(uow, username=username)
                assert record is not None           # just created
                key = create_api_key(rt, uow, record, actor_name())
        except staff_svc.StaffError as exc:
            raise refused(exc) from None
        uow.commit()
    console.print(f"已创建 created: {username} ({staff_svc.role_label(role)})")
    if uri:
        console.print("请用身份验证器 App 扫描或输入以下链接（只显示这一次）/ "
                      "TOTP provisioning URI (shown once):")
        print(uri)
    if key:
        console.print("API 密钥（只显示这一次）/ API key (shown once):")
        print(key)


@staff_app.command("certify")
def certify(username: str,
            training: bool = typer.Option(False, "--training", help="线下培训已完成 / offline training"),
            nda: bool = typer.Option(False, "--nda", help="纸质保密协议已签署 / paper NDA signed")
            ) -> None:
    """登记线下培训和纸质保密协议 / record offline training and a paper NDA."""
    if not (training or nda):
        raise fail("请至少给出 --training 或 --nda", "give --training and/or --nda")
    with runtime() as rt, rt.uow() as uow:
        record = staff_svc.get(uow, username=username)
        if record is None:
            raise fail(f"没有账号 {username}", f"no account {username!r}")
        if training:
            staff_svc.record_training(rt, uow, record, method="offline", actor=actor_name())
        if nda:
            staff_svc.record_nda(rt, uow, record, method="paper", actor=actor_name())
        cert = staff_svc.certification(uow, record.id)
        uow.commit()
    state = "可按用途明文查看 certified" if cert.certified else "仅脱敏 masked only"
    console.print(f"{username}: {state}")


@staff_app.command("list")
def list_(as_json: bool = typer.Option(False, "--json")) -> None:
    """员工列表 / list accounts."""
    with runtime() as rt, rt.uow(read_only=True) as uow:
        rows = [(r, staff_svc.certification(uow, r.id)) for r in staff_svc.list_staff(uow)]
    if as_json:
        print(json.dumps([{"username": r.username, "role": r.role, "kind": r.kind,
                           "disabled": r.disabled, "certified": c.certified}
                          for r, c in rows], ensure_ascii=False))
        return
    t = Table("用户名 username", "角色 role", "已认证 certified", "停用 disabled")
    for r, c in rows:
        t.add_row(r.username, staff_svc.role_label(r.role), "✓" if c.certified else "✗",
                  "✓" if r.disabled else "")
    console.print(t)


@staff_app.command("disable")
def disable(username: str) -> None:
    """停用账号并注销其会话 / disable an account and end its sessions."""
    with runtime() as rt, rt.uow() as uow:
        record = staff_svc.get(uow, username=username)
        if record is None:
            raise fail(f"没有账号 {username}", f"no account {username!r}")
        staff_svc.set_disabled(rt, uow, record, True, actor_name())
        uow.commit()
    console.print(f"已停用 disabled: {username}")


@export_app.command("trace")
def trace(file: Path = typer.Argument(..., exists=True, dir_okay=False),
          company: str | None = typer.Option(None),
          as_json: bool = typer.Option(False, "--json")) -> None:
    """从泄露的文件追溯导出来源 / trace a leaked file back to its export."""
    with runtime() as rt, rt.uow(read_only=True) as uow:
        comp = _company(rt, uow, company)
        hits = exports_svc.trace(rt, uow, comp.id, file)
    if as_json:
        print(json.dumps({"exports": [h.__dict__ for h in hits]}, ensure_ascii=False))
        return
    if not hits:
        console.print("未找到匹配的导出 / no export matches")
        raise typer.Exit(1)
    for h in hits:
        console.print(f"{h.number}: 申请人 requester {h.requester}, 审批人 approver "
                      f"{h.approver}, score {h.score} ({'; '.join(h.evidence)})")


@staff_app.command("otp")
def otp(username: str) -> None:
    """打印演示账号当前的动态验证码（仅限演示公司）/ current one-time code of a demo account."""
    import pyotp

    from ownerguard.services.demo import DEMO_COMPANY
    from ownerguard.services.registry.communities import list_communities as _pairs

    with runtime() as rt, rt.uow() as uow:
        record = staff_svc.get(uow, username=username)
        demo_ids = {c.id for c, _ in _pairs(uow) if c.name == DEMO_COMPANY}
        if record is None or record.company_id not in demo_ids:
            raise fail("只能为演示公司的账号显示验证码",
                       "only accounts of the demo company; real staff use their own app")
        secret = staff_svc.totp_secret(rt, uow, record)
        if secret is None:
            raise fail("该账号无需动态验证码", "this account needs no one-time code")
        uow.rollback()
    print(pyotp.TOTP(secret).now())
