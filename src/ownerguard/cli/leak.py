"""``ownerguard leak``: trace a leaked sheet, a calling number or an owner's report back to the
share packages it came from (third-party sharing, item 6; L24)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from ownerguard.cli.context import actor_name, console, fail, runtime

leak_app = typer.Typer(help="泄露溯源 / leak attribution", no_args_is_help=True)


@leak_app.command("trace")
def trace(file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                      help="泄露的表格（xlsx/CSV）或粘贴的文字 / leaked sheet or text"),
          as_json: bool = typer.Option(False, "--json"),
          limit: int = typer.Option(10, min=1, max=100)) -> None:
    """按隐私号、哨兵住户、指纹和字段组合排出嫌疑来源 / rank the packages a leak came from."""
    from ownerguard.services.sharing import leaks

    with runtime() as rt, rt.uow() as uow:
        try:
            result = leaks.trace_bytes(rt, uow, file.read_bytes(), filename=file.name,
                                       actor=actor_name(), limit=limit)
        except ValueError as exc:
            raise fail(f"无法读取该文件：{exc}", f"cannot read the file: {exc}") from None
        uow.commit()
    if as_json:
        print(json.dumps({"suspects": result["suspects"]}, ensure_ascii=False))
        return
    if not result["suspects"]:
        console.print(f"读取 {result['rows']} 行，未匹配到任何共享包 / no package matches")
        raise typer.Exit(1)
    for s in result["suspects"]:
        console.print(f"[bold]{s['share']}[/] → {s['partner']}  score {s['score']:.3f}")
        for e in s["evidence"]:
            console.print(f"    · {e.get('detail', e)}")


@leak_app.command("alias")
def alias(phone: str, company: str | None = typer.Option(None)) -> None:
    """来电/短信号码是否为某个共享包的隐私号 / is this number one of our share aliases?"""
    from ownerguard.cli.context import operator_context
    from ownerguard.services.sharing import leaks

    with runtime() as rt:
        ctx = operator_context(rt, company, None)
        with rt.uow() as uow:
            out = leaks.alias_lookup(rt, uow, phone, actor=actor_name(),
                                     company_id=ctx.company_id)
            uow.commit()
    print(json.dumps(out, ensure_ascii=False))
    if not out.get("found"):
        raise typer.Exit(1)


@leak_app.command("received")
def received(person_id: str, fields: str = typer.Option("name,rooms",
                                                        help="对方掌握的字段 / fields they knew")
             ) -> None:
    """“他们知道我的姓名和房号”：列出收到过这些字段的所有接收方 / who ever received them."""
    from ownerguard.services.sharing.tracing.attribute import who_received

    wanted = {f.strip() for f in fields.split(",") if f.strip()}
    with runtime() as rt, rt.uow(read_only=True) as uow:
        rows = who_received(uow.conn, person_id, wanted)
    print(json.dumps({"recipients": rows}, ensure_ascii=False, default=str))
