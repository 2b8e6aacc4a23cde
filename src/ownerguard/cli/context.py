"""Shared CLI plumbing: opening the runtime, who the operator is, printing errors."""

from __future__ import annotations

import getpass
import os
import sys
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape

from ownerguard.errors import Problem
from ownerguard.services.registry.communities import list_communities
from ownerguard.services.runtime import Runtime, open_runtime
from ownerguard.vault.policy import ALL_COMMUNITIES, AccessContext

console = Console()
err = Console(stderr=True)


def actor_name() -> str:
    """The operator running the CLI, recorded in every audit entry they cause."""
    return os.environ.get("OWNERGUARD_ACTOR") or f"cli:{getpass.getuser()}"


def fail(zh: str, en: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]错误[/]: {escape(zh)}\n[dim]error: {escape(en)}[/]")
    return typer.Exit(code)


def refused(problem: BaseException, code: int = 2) -> typer.Exit:
    """A service's refusal, in Chinese and English (the operator's terminal). Anything that is
    not a ``Problem`` is shown by its kind only: its text might hold a value."""
    if isinstance(problem, Problem):
        return fail(problem.message("zh_CN"), problem.message("en"), code)
    name = type(problem).__name__
    return fail(f"操作未完成（{name}）", f"not done ({name})", code)


@contextmanager
def runtime():
    try:
        rt = open_runtime()
    except Problem as exc:  # key or ledger problems: say what to do, never a value
        raise refused(exc) from None
    except Exception as exc:  # anything else: its kind, never its text
        raise fail(f"无法打开 OwnerGuard 数据目录（{type(exc).__name__}）",
                   f"cannot open the OwnerGuard home ({type(exc).__name__})") from None
    try:
        yield rt
    finally:
        rt.close()


def operator_context(rt: Runtime, company: str | None, purpose: str | None,
                     role: str = "operator") -> AccessContext:
    """The CLI operator works on the server, holding the master key: the whole company is in
    scope and they count as certified; purposes, masking and the audit apply as to anyone."""
    with rt.uow(read_only=True) as uow:
        pairs = list_communities(uow)
    companies = {c.name: c for c, _ in pairs}
    if company is None:
        if len(companies) != 1:
            raise fail("有多个（或没有）物业公司，请用 --company 指明",
                       "several (or no) companies; pass --company")
        chosen = next(iter(companies.values()))
    elif company in companies:
        chosen = companies[company]
    else:
        raise fail(f"没有名为“{company}”的物业公司", f"no company named {company!r}")
    return AccessContext(actor=actor_name(), role=role, company_id=chosen.id, purpose=purpose,
                         scope=ALL_COMMUNITIES, certified=True,
                         client="cli:" + (os.environ.get("SSH_CLIENT", "local").split()[0]))


def interactive() -> bool:
    return sys.stdout.isatty()
