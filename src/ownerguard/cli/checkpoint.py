"""`ownerguard checkpoint create|list|public-key`, `ownerguard audit export`, and the
`--checkpoint` side of `ownerguard audit verify`. Thin: parse, call services.checkpoints, print."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from ownerguard.cli.context import actor_name, console, fail, refused, runtime

checkpoint_app = typer.Typer(help="审计检查点（交业委会保管）/ signed audit checkpoints for the "
                             "owners' committee", no_args_is_help=True)


@checkpoint_app.command("create")
def checkpoint_create(
        out: Path = typer.Option(..., "--out", help="检查点 JSON 文件 / checkpoint JSON file"),
        qr: Path | None = typer.Option(None, "--qr", help="二维码 .png 或 .svg / QR code")
) -> None:
    """签署当前审计链头 / sign the current audit chain heads."""
    from ownerguard.services.lifecycle import checkpoints as svc

    if qr is not None and qr.suffix.lower() not in (".png", ".svg"):
        raise fail("二维码文件须以 .png 或 .svg 结尾", "the QR file must end in .png or .svg")
    with runtime() as rt, rt.uow() as uow:
        try:
            cp = svc.create(rt, uow, actor=actor_name())
        except svc.CheckpointError as exc:
            raise refused(exc) from None
        uow.commit()
    svc.write_private(out, json.dumps(cp, indent=1).encode())
    form = svc.write_qr(cp, qr) if qr is not None else None
    from ownerguard.vault.checkpoint import fingerprint

    console.print(f"[green]检查点已签署 checkpoint signed[/]: {out} — {cp['created_at']}, "
                  f"{len(cp['chains'])} 条链 chains, {cp['entries']} 条记录 entries, "
                  f"密钥指纹 key {fingerprint(cp['public_key'])}")
    if form:
        console.print(f"二维码 QR code: {qr} ({'完整 full JSON' if form == 'full' else '摘要 digest form'})")
    console.print("请交业委会离线保管（打印或存于其电脑）/ hand it to the owners' committee to keep "
                  "offline.")


@checkpoint_app.command("list")
def checkpoint_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """列出本机保存的检查点 / checkpoints kept in the home."""
    from ownerguard.services.lifecycle.checkpoints import list_checkpoints

    with runtime() as rt:
        rows = list_checkpoints(rt)
    if as_json:
        print(json.dumps(rows, ensure_ascii=False))
        return
    t = Table("时间 created", "链 chains", "记录 entries", "编号 id", "文件 file")
    for r in rows:
        t.add_row(str(r["created_at"])[:19], str(r["chains"]), str(r["entries"]), r["id"],
                  r["file"])
    console.print(t)


@checkpoint_app.command("public-key")
def checkpoint_public_key(as_json: bool = typer.Option(False, "--json")) -> None:
    """打印签名公钥与指纹，供业委会一次性记录 / the public key and fingerprint to record once."""
    from ownerguard.services.lifecycle.checkpoints import identity

    with runtime() as rt, rt.uow() as uow:
        ident = identity(rt, uow.conn)
        uow.commit()        # the key is made on first use: keep it
    assert ident is not None
    if as_json:
        print(json.dumps(ident))
        return
    console.print(f"部署编号 deployment: {ident['deployment']}\n"
                  f"公钥 public key (Ed25519, hex): {ident['public_key']}\n"
                  f"指纹 fingerprint: [bold]{ident['fingerprint']}[/]")


def audit_export(out: Path = typer.Option(..., "--out", help="导出文件 .jsonl / export file"),
                 chain: list[str] | None = typer.Option(
                     None, "--chain", help="只导出这些链（小区编号）/ only these chains")) -> None:
    """导出审计日志供独立校验（JSON lines，0600）/ export the audit log for the standalone
    verifier."""
    from ownerguard.services.lifecycle.checkpoints import export_log

    with runtime() as rt, rt.uow() as uow:
        summary = export_log(rt, uow, out, chains=chain or None, actor=actor_name())
        uow.commit()
    console.print(f"[green]已导出 exported[/]: {out} — {summary['entries']} 条记录 entries, "
                  f"{summary['chains']} 条链 chains (0600; 含员工账号与访问来源，请按保密要求移交 / "
                  "holds staff accounts and client addresses: hand over confidentially)")


def verify_with_checkpoint(path: Path, as_json: bool) -> None:
    """`ownerguard audit verify --checkpoint FILE`: exit 0 with a summary, 1 naming the chain
    and seq where the log no longer matches (or the checkpoint is forged)."""
    from ownerguard.services.lifecycle.checkpoints import identity
    from ownerguard.vault.checkpoint import CheckpointProblem, verify_checkpoint

    try:
        cp = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise fail(f"无法读取检查点：{exc}", f"cannot read the checkpoint: {exc}") from None
    with runtime() as rt, rt.uow(read_only=True) as uow:
        ident = identity(rt, uow.conn, create=False)
        # No key yet means this deployment never signed anything: no checkpoint can be ours.
        report = verify_checkpoint(uow.conn, cp,
                                   trusted_public_hex=ident["public_key"] if ident else None,
                                   deployment=ident["deployment"] if ident else None)
    if ident is None:
        report.problems.insert(0, CheckpointProblem("", None, "forged", (
            "this deployment has never made a signing key: the checkpoint is not ours")))
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
    elif report.ok:
        console.print(f"检查点校验通过 checkpoint verified: {report.created_at} "
                      f"({'完整' if report.form == 'full' else '摘要'} {report.form} form), "
                      f"{report.chains} 条链 chains; 当时 then {report.entries_at_checkpoint} "
                      f"条记录 entries, 现在 now {report.audit.entries if report.audit else '?'}; 密钥 key "
                      f"{report.fingerprint}")
    else:
        console.print("[bold red]检查点校验失败 checkpoint verification FAILED[/]")
        for p in report.problems:
            console.print(f"  [{p.kind}] {p}")
    if not report.ok:
        raise typer.Exit(1)
