"""`ownerguard doctor`: the security self-check (定期安全检查，及时发现和修复漏洞; L8, L23).

Each check is a small function in ``CHECKS`` that looks at one thing and returns findings. A
finding says what was found and how to fix it — a command or a setting — and never a secret or a
personal value: counts, file modes, setting names, record numbers (IQ-…, RQ-…, SH-…), partner
company names and staff usernames (work accounts, as ``ownerguard staff list`` shows them).

The doctor never opens the master key and never decrypts anything: it reads file modes, the
settings, the environment and database rows that hold no personal values (hashes, dates,
statuses), and changes nothing; only the retention check opens the runtime, for the retention
dry run. So it still runs when the key file's mode makes OwnerGuard refuse to start — which is
exactly when it is needed.

Severity: ``high`` makes ``ownerguard doctor`` exit 1 (something to fix today), ``medium`` and
``low`` are to be fixed soon, ``info`` explains a setting or a check that could not run.
"""

from __future__ import annotations

import json
import os
import stat
import tomllib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, and_, func, select
from sqlalchemy.engine import make_url

from ownerguard import clock
from ownerguard.config import SETTINGS_FILE, Settings, load_settings
from ownerguard.store.db import is_sqlite, make_engine
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault.policy import Policy

SEVERITIES = ("high", "medium", "low", "info")
BACKUP_MAX_AGE = timedelta(days=2)
CHECKPOINT_MAX_AGE = timedelta(days=2)
ALERT_MAX_AGE = timedelta(days=7)
API_KEY_MAX_AGE = timedelta(days=365)
# What "sane" means for sign-in sessions (services.auth, services.owner_auth): a forgotten
# browser on a shared front-desk PC must not stay signed in for a shift and the next.
MAX_IDLE = timedelta(minutes=60)
MAX_LIFETIME = timedelta(hours=24)
SHOW_AT_MOST = 5     # record numbers / usernames listed per finding


@dataclass(frozen=True)
class Finding:
    id: str
    severity: str          # high | medium | low | info
    title_zh: str
    title_en: str
    found: str             # what was found: no secret, no personal value
    fix: str               # the command or setting to change

    def as_json(self) -> dict:
        return asdict(self)


@dataclass
class Env:
    """What the checks look at. Built fresh for each run; holds no master key."""
    settings: Settings
    raw: dict                           # settings.toml as parsed ([backup] is read from here)
    environ: Mapping[str, str]
    now: datetime
    policy: Policy
    engine: Engine | None = None        # None when the database is missing or unreachable

    @property
    def today(self):
        return clock.local_date(self.now)

    @contextmanager
    def uow(self) -> Iterator[UnitOfWork]:
        assert self.engine is not None
        with UnitOfWork(self.engine, read_only=True) as unit:
            yield unit


@dataclass(frozen=True)
class Check:
    id: str
    severity: str          # the worst this check reports
    title_zh: str
    title_en: str
    why: str               # the law or the threat, for the table and the docs
    fn: Callable[[Check, Env], list[Finding]]
    needs_db: bool = True

    def run(self, env: Env) -> list[Finding]:
        return self.fn(self, env)


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    checks: int = 0

    @property
    def ok(self) -> bool:
        """No high-severity finding: the exit code is 0."""
        return not any(f.severity == "high" for f in self.findings)

    def as_json(self) -> dict:
        return {"findings": [f.as_json() for f in self.findings], "ok": self.ok}


def _finding(check: Check, severity: str, found: str, fix: str, *, suffix: str = "") -> Finding:
    return Finding(check.id + suffix, severity, check.title_zh, check.title_en, found, fix)


def _names(items: list[str]) -> str:
    shown = ", ".join(items[:SHOW_AT_MOST])
    return shown + (f" … (+{len(items) - SHOW_AT_MOST})" if len(items) > SHOW_AT_MOST else "")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- files and the environment -----------------------------------------------------------------

def check_key_file(c: Check, env: Env) -> list[Finding]:
    """Whoever can read master.key can decrypt every value (threat model: the sysadmin)."""
    path = env.settings.key_file
    external = env.environ.get("OWNERGUARD_KMS_PROVIDER") or env.environ.get(
        "OWNERGUARD_MASTER_KEY")
    if not path.exists():
        if external:
            return []
        return [_finding(c, "high", f"没有主密钥文件 {path} / no master key file at {path}",
                         "ownerguard init（新安装）；或从离线备份恢复 master.key 并 chmod 600 / "
                         "restore master.key from the offline copy, then chmod 600")]
    mode = _mode(path)
    if mode & 0o077:
        # A leftover key file is key material even when the environment or a KMS is in use.
        return [_finding(c, "high",
                         f"{path} 权限为 {mode:o}，同组或其他用户可访问（应为 600）/ mode {mode:o}: "
                         "group or other users can read or write it (expected 600)",
                         f"chmod 600 {path}; chown <服务账号 service account> {path}")]
    return []


def login_accounts() -> int:
    """Accounts that can log in (uid ≥ 1000 with a real shell, plus root): a rough count of
    who could read another process's environment through a mistake (ps e, core dumps, a unit
    file readable by all)."""
    try:
        lines = Path("/etc/passwd").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return 1
    count = 0
    for line in lines:
        parts = line.split(":")
        if len(parts) < 7 or not parts[2].isdigit():
            continue
        uid, shell = int(parts[2]), parts[6]
        if (uid >= 1000 and uid != 65534) and not shell.endswith(("nologin", "false", "sync")):
            count += 1
    return count


def check_master_key_env(c: Check, env: Env) -> list[Finding]:
    """A key in the environment is inherited by every child process and shows up in process
    dumps, crash reports and unit files; on a machine several people log into, prefer the
    0600 key file or a KMS."""
    if env.environ.get("OWNERGUARD_KMS_PROVIDER"):
        return [_finding(c, "info", "主密钥由外部 KMS 提供 / the master key comes from an external "
                                    "KMS (OWNERGUARD_KMS_PROVIDER)", "—")]
    if not env.environ.get("OWNERGUARD_MASTER_KEY"):
        return []
    users = login_accounts()
    fix = ("改用 0600 的密钥文件或 KMS：把密钥写入 $OWNERGUARD_HOME/master.key（chmod 600），删除环境变量 / "
           "move the key into the 0600 key file or a KMS and unset OWNERGUARD_MASTER_KEY")
    if users > 1:
        return [_finding(c, "medium",
                         f"OWNERGUARD_MASTER_KEY 在环境变量中，本机有 {users} 个可登录账号 / the master "
                         f"key is in the environment on a machine with {users} login accounts: it "
                         "is inherited by child processes and can leak through ps e, core dumps "
                         "or a readable unit file", fix)]
    return [_finding(c, "info", "OWNERGUARD_MASTER_KEY 在环境变量中（本机仅一个可登录账号）/ the master "
                                "key is in the environment (single-user machine)", fix)]


# Directories that must be the service account's alone. exports/ holds clear personal data
# (approved, watermarked exports), so reaching it is worse than reaching the others.
PRIVATE_DIRS = (("", "medium"), ("reports", "medium"), ("exports", "high"),
                ("checkpoints", "medium"), ("outbox", "medium"))


def check_home_permissions(c: Check, env: Env) -> list[Finding]:
    """With the home at 0700 nothing inside it is reachable by other users, whatever the mode
    of the database or a report; each subdirectory is checked too, in case it is a symlink or
    the home was opened up later."""
    out = []
    for name, severity in PRIVATE_DIRS:
        path = env.settings.home / name if name else env.settings.home
        if not path.is_dir():
            continue
        mode = _mode(path)
        if mode & 0o077:
            out.append(_finding(c, severity, f"{path} 权限为 {mode:o}（应为 700）/ mode {mode:o} "
                                             "(expected 700)", f"chmod 700 {path}"))
    return out


def check_settings_file(c: Check, env: Env) -> list[Finding]:
    """settings.toml chooses the database and can add grant lines: whoever can write it can
    grant themselves clear reveals."""
    path = env.settings.home / SETTINGS_FILE
    if not path.exists():
        return []
    mode = _mode(path)
    if mode & stat.S_IWOTH:
        severity = "high"
    elif mode & stat.S_IWGRP:
        severity = "medium"
    else:
        return []
    return [_finding(c, severity, f"{path} 权限为 {mode:o}，其他用户可写 / mode {mode:o}: writable "
                                  "by users other than the owner", f"chmod 600 {path}")]


def check_debug(c: Check, env: Env) -> list[Finding]:
    """Debug output (tracebacks with local variables, verbose logs) can carry values."""
    if not env.settings.debug:
        return []
    return [_finding(c, "high", f"{env.settings.home / SETTINGS_FILE} 中 debug = true / "
                                "debug = true in settings.toml",
                     f"在 {env.settings.home / SETTINGS_FILE} 中设置 debug = false / set "
                     "debug = false")]


# -- database state ----------------------------------------------------------------------------

def check_migrations(c: Check, env: Env) -> list[Finding]:
    """Code newer than the schema fails in odd places; a half-applied upgrade is a risk."""
    from ownerguard.store import migrate

    assert env.engine is not None       # only run with a database (see CHECKS)
    current, head = migrate.current_revision(env.engine), migrate.head_revision()
    if current == head:
        return []
    return [_finding(c, "high", f"数据库结构版本 {current or '无 none'}，代码需要 {head} / schema "
                                f"revision {current or 'none'}, code expects {head}",
                     "先备份再升级 / back up, then: ownerguard backup create --out FILE && "
                     "ownerguard migrate")]


def check_audit_chain(c: Check, env: Env) -> list[Finding]:
    """A changed, deleted or reordered audit entry (L10; architecture: the audit log)."""
    from ownerguard.vault.audit_verify import verify

    with env.uow() as uow:
        result = verify(uow.conn)
    if result.ok:
        return []
    bad = result.first_bad
    return [_finding(c, "high", f"审计链校验失败：链 {bad.chain} 第 {bad.seq} 条 / audit chain "
                                f"{bad.chain} fails at seq {bad.seq}: {bad.what}",
                     "按事件处置：保全数据库副本，ownerguard audit verify --checkpoint <业委会保管的检查点> "
                     "确定篡改范围，通知个人信息保护负责人 / treat as an incident: keep a copy, run "
                     "ownerguard audit verify --checkpoint FILE, tell the DPO")]


def _newest_checkpoint(home: Path) -> datetime | None:
    # Read the files directly: services.checkpoints.list_checkpoints creates the directory,
    # and the doctor writes nothing.
    newest = None
    for p in (home / "checkpoints").glob("checkpoint-*.json"):
        try:
            created = datetime.fromisoformat(json.loads(p.read_text())["created_at"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        created = clock.aware(created)
        if newest is None or created > newest:
            newest = created
    return newest


def check_checkpoint_age(c: Check, env: Env) -> list[Finding]:
    """Only a signed checkpoint held outside the server exposes a rewrite of a chain's whole
    tail and head (architecture: the audit log)."""
    newest = _newest_checkpoint(env.settings.home)
    fix = "ownerguard checkpoint create（或让 ownerguard serve / ownerguard jobs run 每天签署）/ " \
          "or let serve / jobs run sign one daily"
    if newest is None:
        return [_finding(c, "medium", "没有已签署的审计检查点 / no signed audit checkpoint", fix)]
    age = env.now - newest
    if age > CHECKPOINT_MAX_AGE:
        return [_finding(c, "medium", f"最新检查点已 {age.days} 天 / the newest checkpoint is "
                                      f"{age.days} days old", fix)]
    return []


def _newest_backup(env: Env) -> datetime | None:
    """Every ``backup create`` appends ``backup_create`` to the system chain; archives in a
    configured ``[backup] dir`` count too (backups made by other tools, e.g. pg_dump jobs)."""
    from ownerguard.store.tables import audit_log

    newest = None
    with env.uow() as uow:
        ts = uow.conn.execute(select(func.max(audit_log.c.ts)).where(
            audit_log.c.chain == "system", audit_log.c.action == "backup_create")).scalar()
    if ts:
        newest = clock.aware(datetime.fromisoformat(ts))
    directory = env.raw.get("backup", {}).get("dir")
    if directory:
        d = Path(directory).expanduser()
        d = d if d.is_absolute() else env.settings.home / d
        for p in d.glob("*") if d.is_dir() else ():
            if p.is_file() and not p.name.startswith("."):
                mtime = datetime.fromtimestamp(p.stat().st_mtime, tz=UTC)
                if newest is None or mtime > newest:
                    newest = mtime
    return newest


def check_backup_age(c: Check, env: Env) -> list[Finding]:
    """Security includes availability (L8): a lost disk without a recent backup loses the
    register, the consents and the audit trail."""
    from ownerguard.store.tables import persons

    fix = "ownerguard backup create --out /backups/og-$(date +%F).tar（每天，cron）/ daily"
    newest = _newest_backup(env)
    if newest is None:
        with env.uow() as uow:
            has_people = uow.conn.execute(select(func.count()).select_from(persons)).scalar()
        # An empty home has nothing to lose yet: say so without failing the run.
        return [_finding(c, "high" if has_people else "low",
                         "从未备份 / no backup recorded"
                         + ("" if has_people else "（库中尚无人员 / no persons stored yet）"), fix)]
    age = env.now - newest
    if age > BACKUP_MAX_AGE:
        return [_finding(c, "medium", f"最新备份已 {age.days} 天 / the newest backup is "
                                      f"{age.days} days old", fix)]
    return []


def check_retention(c: Check, env: Env) -> list[Finding]:
    """Data kept past its purpose must be deleted (L14): the retention dry run (counts per
    category, held persons excluded). This is the one check that opens the runtime (the dry run
    needs it), like any command does; with an unusable master key it is skipped."""
    from ownerguard.domain.retention import RetentionConfigError
    from ownerguard.services.lifecycle import retention
    from ownerguard.services.runtime import open_runtime

    try:
        rt = open_runtime(settings=env.settings)
    except Exception as exc:   # e.g. the key file check above already says why
        return [_finding(c, "info", f"无法打开运行时，跳过 / runtime not opened "
                                    f"({type(exc).__name__}); check skipped",
                         "ownerguard retention run --dry-run")]
    try:
        overdue = _count(retention.plan(rt, now=env.now))
    except RetentionConfigError:
        # The daily purge refuses to run on an unlawful [retention] setting: a backlog grows.
        return [_finding(c, "medium", "[retention] 设置无效，清除任务无法运行 / the [retention] "
                                      "settings are invalid; purges cannot run",
                         "ownerguard retention run --dry-run 查看原因并修正 settings.toml / see "
                         "why and fix settings.toml")]
    finally:
        rt.close()
    if not overdue:
        return []
    return [_finding(c, "medium", f"{overdue} 项已超过保留期限待清除 / {overdue} items are past "
                                  "their retention period",
                     "ownerguard retention run（先 --dry-run 查看 / --dry-run first）")]


def _count(result) -> int:
    """A plan as a number: an int, a total, a mapping of counts, or a list of items."""
    if isinstance(result, bool):
        return int(result)
    if isinstance(result, int):
        return result
    for name in ("total", "overdue", "count"):
        value = getattr(result, name, None)
        if isinstance(value, int):
            return value
    if isinstance(result, Mapping):
        return sum(_count(v) for v in result.values() if isinstance(v, (int, Mapping, list)))
    try:
        return len(result)
    except TypeError:
        return 0


# -- accounts ----------------------------------------------------------------------------------

def _active_people(uow: UnitOfWork):
    from ownerguard.store.tables import staff

    return uow.conn.execute(select(staff.c.id, staff.c.username, staff.c.role,
                                   staff.c.password_hash, staff.c.totp_ct.is_not(None)
                                   .label("has_totp"), staff.c.company_id)
                            .where(staff.c.kind == "person", staff.c.disabled.is_(False))
                            .order_by(staff.c.username)).all()


def check_demo_password(c: Check, env: Env) -> list[Finding]:
    """The demo password is printed in the README and by `make run`. Checked by verifying each
    active account's argon2 hash against it (about 0.1 s per account); the password itself is
    never printed. Weak passwords are refused at creation (services.staff.check_password)."""
    from ownerguard.services.demo import DEMO_PASSWORD
    from ownerguard.vault.passwords import Passwords

    passwords = Passwords.from_settings(env.settings.security)

    hits = []
    with env.uow() as uow:
        rows = _active_people(uow)
    for r in rows:
        if not r.password_hash:
            continue
        if passwords.verify(r.password_hash, DEMO_PASSWORD):
            hits.append(r.username)
    if not hits:
        return []
    return [_finding(c, "high", f"{len(hits)} 个在用账号仍使用演示密码：{_names(hits)} / active "
                                f"accounts still using the demo password: {_names(hits)}",
                     "停用这些账号并以新密码重建 / ownerguard staff disable USERNAME, then "
                     "ownerguard staff add USERNAME --role … --password-stdin")]


def check_demo_company(c: Check, env: Env) -> list[Finding]:
    """The demo company's fictitious residents and well-known logins do not belong beside real
    owners' data."""
    from ownerguard.services.demo import DEMO_COMPANY
    from ownerguard.store.tables import companies

    with env.uow() as uow:
        names = [r.name for r in uow.conn.execute(select(companies.c.name))]
    if DEMO_COMPANY not in names:
        return []
    if len(names) == 1:
        return [_finding(c, "info", "这是演示部署（只有演示公司）/ a demo deployment (only the demo "
                                    "company)", "正式使用请新建数据目录 / start production in a "
                                                "fresh home: OWNERGUARD_HOME=… ownerguard init")]
    return [_finding(c, "medium", f"正式数据旁存在演示公司“{DEMO_COMPANY}” / the demo company "
                                  "exists beside real companies",
                     "停用演示账号（ownerguard staff disable demo_…），在新数据目录中重新导入正式数据 / "
                     "disable the demo_… accounts; re-import real data into a fresh home")]


def _revealing_roles(policy: Policy) -> set[str]:
    # Same rule as services.staff.can_reveal: any clear-reveal grant means a second factor.
    return {r["role"] for r in policy.matrix() if "reveal" in r.values()}


def check_totp(c: Check, env: Env) -> list[Finding]:
    """A role that can reveal clear values signs in with a second factor; an account without
    a TOTP seed (made before its role gained a reveal grant) signs in with a password only."""
    revealing = _revealing_roles(env.policy)
    with env.uow() as uow:
        missing = [f"{r.username} ({r.role})" for r in _active_people(uow)
                   if r.role in revealing and not r.has_totp]
    if not missing:
        return []
    return [_finding(c, "high", f"{len(missing)} 个可明文查看角色的账号未绑定动态验证码：{_names(missing)} "
                                f"/ accounts of revealing roles without TOTP: {_names(missing)}",
                     "停用并重建账号（创建时发放 TOTP 密钥）/ ownerguard staff disable USERNAME, then "
                     "ownerguard staff add … (a TOTP secret is issued at creation)")]


def check_certification(c: Check, env: Env) -> list[Finding]:
    """Reveals need current training and a signed confidentiality agreement (L8); the gate
    masks for the uncertified anyway, so this is a to-do, not a hole."""
    from ownerguard.services.staff_access.accounts import certification

    revealing = _revealing_roles(env.policy)
    with env.uow() as uow:
        missing = [r.username for r in _active_people(uow)
                   if r.role in revealing and not certification(uow, r.id).certified]
    if not missing:
        return []
    return [_finding(c, "medium", f"{len(missing)} 个有明文查看权限的员工未完成培训或保密协议：{_names(missing)} "
                                  f"/ staff with reveal grants lacking current training or NDA: "
                                  f"{_names(missing)}",
                     "ownerguard staff certify USERNAME --training --nda（或在控制台完成培训 / or "
                     "the console's training page）")]


def check_sysadmin(c: Check, env: Env) -> list[Finding]:
    """The sysadmin runs the system and never reads personal data: the policy has no line for
    it (vault.grants). A [grants] line in settings.toml could add one."""
    lines = sorted({r["purpose"] for r in env.policy.matrix() if r["role"] == "sysadmin"
                    and any(v in ("masked", "reveal") for k, v in r.items()
                            if k not in ("role", "purpose", "basis"))})
    if not lines:
        return []
    from ownerguard.store.tables import staff

    with env.uow() as uow:
        n = uow.conn.execute(select(func.count()).select_from(staff).where(
            staff.c.role == "sysadmin", staff.c.disabled.is_(False))).scalar()
    return [_finding(c, "high", f"策略授予系统管理员访问个人信息（用途 {', '.join(lines)}；{n} 个在用账号）/ "
                                f"the policy grants sysadmin access for {', '.join(lines)} "
                                f"({n} active accounts)",
                     f"从 {env.settings.home / SETTINGS_FILE} 的 [grants] 删除 sysadmin 行 / remove "
                     "the sysadmin lines from [grants]")]


# -- sessions, proxy, cookies ------------------------------------------------------------------

def check_sessions(c: Check, env: Env) -> list[Finding]:
    """Idle and absolute session limits for staff and owners (services.auth, owner_auth);
    service API keys never idle out, so old ones should be rotated."""
    from ownerguard.services.owners import auth as owner_auth
    from ownerguard.services.staff_access import auth
    from ownerguard.store.tables import staff, staff_sessions

    out = []
    for who, idle, lifetime in (("staff", auth.IDLE, auth.LIFETIME),
                                ("owner", owner_auth.IDLE, owner_auth.LIFETIME)):
        if idle > MAX_IDLE or lifetime > MAX_LIFETIME:
            out.append(_finding(c, "medium", f"{who} 会话空闲 {idle}、最长 {lifetime} / {who} "
                                             f"sessions idle {idle}, lifetime {lifetime} (at most "
                                             f"{MAX_IDLE} and {MAX_LIFETIME})",
                                f"services/{'auth' if who == 'staff' else 'owner_auth'}.py: "
                                "IDLE ≤ 30 min, LIFETIME ≤ 12 h"))
    with env.uow() as uow:
        old = [r.username for r in uow.conn.execute(
            select(staff.c.username).join(staff_sessions, staff_sessions.c.staff_id == staff.c.id)
            .where(staff_sessions.c.kind == "key", staff.c.disabled.is_(False),
                   staff_sessions.c.created_at < env.now - API_KEY_MAX_AGE)
            .order_by(staff.c.username))]
    if old:
        out.append(_finding(c, "low", f"{len(old)} 个服务账号的 API 密钥超过一年：{_names(old)} / API "
                                      f"keys older than a year: {_names(old)}",
                            "为服务账号签发新密钥并停用旧账号 / issue a new key (new service "
                            "account), then ownerguard staff disable OLD"))
    return out


def check_proxy(c: Check, env: Env) -> list[Finding]:
    """The client address is recorded in every audit entry and keys the per-client sign-in
    limits; if a request can choose it with X-Forwarded-For, both can be forged. The service
    itself records only the connection's address (``edge.client_of``, tested); what the
    server trusts as a proxy is the operator's setting, checked here."""
    out = []
    allowed = env.environ.get("FORWARDED_ALLOW_IPS", "")
    if "*" in [a.strip() for a in allowed.split(",")]:
        out.append(_finding(c, "medium", "FORWARDED_ALLOW_IPS=* ：任何直连的客户端都可伪造地址 / any "
                                         "client that reaches the server directly can forge its "
                                         "address",
                            "FORWARDED_ALLOW_IPS=<反向代理地址 proxy address>（默认 127.0.0.1,::1）"))
    return out


def check_cookies(c: Check, env: Env) -> list[Finding]:
    """Console cookies get the Secure flag only when the request arrives over https
    (web.render.is_https): behind a TLS proxy uvicorn must be told so."""
    trusted = env.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1（默认 default）")
    return [_finding(c, "info", f"会话 Cookie 仅在 https 请求时带 Secure；信任的代理 / Secure cookies "
                                f"only over https; trusted proxies: {trusted}",
                     "在反向代理终止 TLS 并设置 proxy_set_header X-Forwarded-Proto $scheme；代理不在本机时"
                     "设 FORWARDED_ALLOW_IPS=<代理地址> / terminate TLS at the proxy, send "
                     "X-Forwarded-Proto, set FORWARDED_ALLOW_IPS to the proxy's address")]


# -- oversight: alerts, deadlines, shares ------------------------------------------------------

def check_alerts(c: Check, env: Env) -> list[Finding]:
    """High alerts (quota, break-glass, overdue requests) are the DPO's to review (L8)."""
    from ownerguard.store.tables import alerts

    with env.uow() as uow:
        rows = uow.conn.execute(select(alerts.c.kind, func.count()).where(
            alerts.c.status == "open", alerts.c.severity == "high",
            alerts.c.created_at < env.now - ALERT_MAX_AGE).group_by(alerts.c.kind)
            .order_by(alerts.c.kind)).all()
    if not rows:
        return []
    n = sum(r[1] for r in rows)
    kinds = ", ".join(f"{r[0]}×{r[1]}" for r in rows)
    return [_finding(c, "medium", f"{n} 条高风险告警超过 7 天未复核（{kinds}）/ {n} high alerts "
                                  f"unreviewed for over 7 days ({kinds})",
                     "个人信息保护负责人在 /console/dpo/alerts 复核 / the DPO reviews them at "
                     "/console/dpo/alerts")]


def check_overdue(c: Check, env: Env) -> list[Finding]:
    """Owners' written inquiries and rights requests must be answered in time (L17)."""
    from ownerguard.store.tables import inquiries, rights_requests

    with env.uow() as uow:
        inq = [r.number for r in uow.conn.execute(select(inquiries.c.number).where(
            inquiries.c.status == "open", inquiries.c.answered_at.is_(None),
            inquiries.c.due_date < env.today).order_by(inquiries.c.due_date))]
        req = [r.number for r in uow.conn.execute(select(rights_requests.c.number).where(
            rights_requests.c.status == "open", rights_requests.c.due_date < env.today)
            .order_by(rights_requests.c.due_date))]
    if not (inq or req):
        return []
    found = []
    if inq:
        found.append(f"书面质疑逾期 {len(inq)} 件 / overdue inquiries: {_names(inq)}")
    if req:
        found.append(f"权利请求逾期 {len(req)} 件 / overdue rights requests: {_names(req)}")
    return [_finding(c, "high", "; ".join(found),
                     "立即答复：POST /api/v1/inquiries/{id}/answer，POST /api/v1/requests/{id}/decision "
                     "（个人信息保护负责人或项目经理 / DPO or manager）")]


def check_agreements(c: Check, env: Env) -> list[Finding]:
    """A share may only run under a signed, unexpired agreement (L19, L5)."""
    from ownerguard.store.tables import agreements, partners, shares

    with env.uow() as uow:
        rows = uow.conn.execute(select(shares.c.number, partners.c.name)
                                .join(agreements, agreements.c.id == shares.c.agreement_id)
                                .join(partners, partners.c.id == shares.c.partner_id)
                                .where(and_(shares.c.status == "approved",
                                            shares.c.expires_at > env.now,
                                            agreements.c.expires_on < env.today))
                                .order_by(shares.c.number)).all()
    if not rows:
        return []
    items = [f"{r.number} ({r.name})" for r in rows]
    return [_finding(c, "high", f"{len(rows)} 个共享在协议到期后仍有效：{_names(items)} / live shares "
                                f"whose agreement has expired: {_names(items)}",
                     "撤销共享或续签协议 / POST /api/v1/shares/{id}/revoke (DPO), or add a new "
                     "agreement: POST /api/v1/partners/{id}/agreements")]


# -- the table ---------------------------------------------------------------------------------

CHECKS: list[Check] = [
    Check("key_file", "high", "主密钥文件权限", "master key file permissions",
       "能读 master.key 的人能解密一切（架构：威胁模型）/ whoever reads it decrypts everything",
       check_key_file, needs_db=False),
    Check("master_key_env", "medium", "环境变量中的主密钥", "master key in the environment",
       "环境变量会被子进程继承、出现在进程转储中 / inherited and dumped with the process",
       check_master_key_env, needs_db=False),
    Check("home_permissions", "high", "数据目录权限", "home directory permissions",
       "导出文件含明文个人信息；目录应仅服务账号可访问（L8）/ exports hold clear values (L8)",
       check_home_permissions, needs_db=False),
    Check("settings_file", "high", "配置文件可被他人修改", "settings.toml writable by others",
       "[grants] 可授予明文查看权限 / [grants] can grant clear reveals",
       check_settings_file, needs_db=False),
    Check("debug", "high", "调试模式已开启", "debug mode on",
       "调试输出可能带出个人信息（L8）/ debug output can carry values (L8)",
       check_debug, needs_db=False),
    Check("database", "high", "数据库不可用", "database unavailable",
       "其余检查需要数据库 / the other checks need it", lambda c, env: [], needs_db=False),
    Check("migrations", "high", "数据库结构待升级", "pending schema migrations",
       "及时修复漏洞：代码与结构必须一致 / code and schema must agree", check_migrations),
    Check("audit_chain", "high", "审计链校验失败", "audit chain does not verify",
       "审计记录须完整、不可篡改（L10）/ the audit trail must be intact (L10)", check_audit_chain),
    Check("checkpoint_age", "medium", "审计检查点过旧", "audit checkpoint too old",
       "业委会保管的签名检查点才能发现整段改写（L10）/ only a held checkpoint exposes a rewrite",
       check_checkpoint_age, needs_db=False),
    Check("backup_age", "high", "备份过旧或缺失", "backup old or missing",
       "安全包括可用性（L8）；超过 2 天为中风险、从未备份为高风险 / availability is security (L8)",
       check_backup_age),
    Check("retention_backlog", "medium", "超期未删除", "retention backlog",
       "目的实现后应删除（L14）/ delete when the purpose is met (L14)", check_retention),
    Check("demo_password", "high", "员工账号使用演示密码", "staff account with the demo password",
       "演示密码公开在 README 中 / the demo password is public", check_demo_password),
    Check("demo_company", "medium", "正式部署中的演示公司", "demo company in a real deployment",
       "虚构数据与公开账号不应与真实业主数据并存 / public logins beside real data",
       check_demo_company),
    Check("totp", "high", "可明文查看的账号未启用动态验证码", "revealing account without TOTP",
       "明文查看须第二因素（L8）/ clear reveals need a second factor (L8)", check_totp),
    Check("certification", "medium", "员工未完成培训或保密协议", "staff without training or NDA",
       "接触个人信息的人员须培训并签署保密协议（L8）/ training and NDA (L8)", check_certification),
    Check("sysadmin_grants", "high", "系统管理员被授予个人信息访问", "sysadmin holds a grant",
       "系统管理员不得读取个人信息（最小权限，L2）/ least privilege (L2)", check_sysadmin),
    Check("sessions", "medium", "会话时长", "session lifetimes",
       "共用电脑上遗留的会话 / sessions left open on shared PCs", check_sessions),
    Check("proxy", "high", "代理与客户端地址", "proxy and client address",
       "审计中的客户端地址与按客户端限流不可伪造（L10）/ audit client and rate limits",
       check_proxy, needs_db=False),
    Check("cookies", "info", "Cookie 的 Secure 标志", "Secure cookie flag",
       "Cookie 仅经 https 传输 / cookies only over https", check_cookies, needs_db=False),
    Check("stale_alerts", "medium", "高风险告警长期未复核", "high alerts unreviewed",
       "异常须及时处置（L8、L21）/ anomalies handled in time (L8, L21)", check_alerts),
    Check("overdue_requests", "high", "业主质疑或权利请求逾期", "overdue owner inquiries or requests",
       "须在期限内答复（L17）/ answer within the deadline (L17)", check_overdue),
    Check("expired_agreements", "high", "协议到期但共享仍有效", "live share under an expired agreement",
       "委托处理与对外提供须有有效协议（L19、L5）/ a valid agreement (L19, L5)",
       check_agreements),
]


# -- running -----------------------------------------------------------------------------------

def _raw_settings(home: Path) -> dict:
    path = home / SETTINGS_FILE
    try:
        return tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def _open_database(settings: Settings) -> tuple[Engine | None, Finding | None]:
    """An engine, or why there is none. Never creates an SQLite file that is not there."""
    check = next(c for c in CHECKS if c.id == "database")
    url = settings.database_url
    if is_sqlite(url):
        db = make_url(url).database
        if not db or (db != ":memory:" and not Path(db).exists()):
            return None, _finding(check, "high", f"数据库文件不存在 / no database at {db}",
                                  "ownerguard init")
    engine = make_engine(url)
    try:
        with engine.connect():
            pass
    except Exception as exc:   # the URL may hold a password: name the error type only
        engine.dispose()
        return None, _finding(check, "high", f"无法连接数据库 / cannot connect "
                                             f"({type(exc).__name__})",
                              "检查 OWNERGUARD_DATABASE_URL / database_url 与数据库服务 / check "
                              "the database URL and server")
    return engine, None


def run(home: Path | None = None, *, environ: Mapping[str, str] | None = None,
        now: datetime | None = None, only: list[str] | None = None) -> Report:
    """Run every check (or ``only`` these ids) against the home's current settings."""
    from ownerguard.services.runtime import default_policy

    environ = os.environ if environ is None else environ
    settings = load_settings(home, dict(environ))
    env = Env(settings=settings, raw=_raw_settings(settings.home), environ=environ,
              now=now or clock.now(), policy=default_policy(settings))
    report = Report()
    selected = [c for c in CHECKS if not only or c.id in only]
    db_finding = None
    if any(c.needs_db for c in selected):
        env.engine, db_finding = _open_database(settings)
    try:
        for check in selected:
            report.checks += 1
            if check.id == "database":
                report.findings += [db_finding] if db_finding else []
                continue
            if check.needs_db and env.engine is None:
                continue
            try:
                report.findings += check.run(env)
            except Exception as exc:   # one broken check must not hide the others
                report.findings.append(_finding(
                    check, "medium", f"检查未能完成 / the check failed ({type(exc).__name__})",
                    "ownerguard doctor --json 重试；仍失败请报告 / retry; report if it persists",
                    suffix="_failed"))
    finally:
        if env.engine is not None:
            env.engine.dispose()
    order = {s: i for i, s in enumerate(SEVERITIES)}
    report.findings.sort(key=lambda f: order.get(f.severity, len(order)))
    return report
