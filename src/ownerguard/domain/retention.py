"""Retention rules: how long each category of records is kept, and the legal floor under it.

Pure: no I/O. ``services.retention`` finds what is due and purges it; ``settings.toml``
``[retention]`` may lengthen or shorten a period (``moved_out_days = 1825``), but never below
what the law sets (L10: provision records ≥ 3 years, security logs ≥ 6 months) — a value below
the floor is refused, not silently raised, so the operator learns their setting is unlawful.
"""

from __future__ import annotations

from dataclasses import dataclass

from ownerguard.errors import Invalid

YEAR = 365
THREE_YEARS = 3 * YEAR
SIX_MONTHS = 183          # "six months" counted generously: never a day short


class RetentionConfigError(Invalid, ValueError):
    """A ``[retention]`` setting that cannot be used: the code says why, the parameters which
    (the command line catches it)."""


@dataclass(frozen=True)
class Rule:
    category: str
    label_zh: str
    label_en: str
    days: int | None            # None: never deleted
    minimum: int                # legal floor in days (0: none set by law)
    basis: str                  # law references (L-numbers) and why this period
    what: str                   # what the purge does
    implemented: bool = True    # False: the category exists, the records do not (yet)


DEFAULTS: dict[str, Rule] = {r.category: r for r in (
    Rule("moved_out", "已迁出住户", "moved-out residents", THREE_YEARS, 0,
         "L14 删除（合同终止）；公司档案保存义务 3 年 / deletion when the contract ends; the "
         "company's 3-year record-keeping duty",
         "crypto-shred, then delete the person and every row about them"),
    Rule("work_items", "访客记录与工单备注", "visitor records and work items", YEAR, 0,
         "L14 目的已实现 / purpose reached (closed work items)",
         "delete the sealed notes and alias-number bindings of closed work items"),
    Rule("door_vehicle_logs", "门禁与车辆出入记录", "door and vehicle logs", SIX_MONTHS,
         SIX_MONTHS, "L10 网络安全法 21(3) 安全日志 ≥ 6 个月 / security logs ≥ 6 months",
         "no such table yet: nothing to purge", implemented=False),
    Rule("reject_reports", "导入错误报告", "import reject reports", 30, 0,
         "L14 最小化保存 / keep no longer than needed (row, column, reason only)",
         "delete <home>/reports/rejects-*.csv files"),
    Rule("exports", "导出文件", "export files", 30, 0,
         "L14；导出记录保留以便追溯 / the export record is kept for tracing (L24)",
         "delete <home>/exports/<number>.xlsx; keep the exports row"),
    Rule("share_packages", "对外提供记录", "share packages (provision records)", THREE_YEARS,
         THREE_YEARS, "L10 PIPL 56 提供记录 ≥ 3 年 / provision records ≥ 3 years",
         "delete share_members and share_canaries of shares ended that long ago"),
    Rule("security_logs", "安全日志", "security logs", SIX_MONTHS, SIX_MONTHS,
         "L10 网络安全法 21(3) ≥ 6 个月 / ≥ 6 months",
         "delete owner_otps, login_attempts and expired staff/owner sessions"),
    Rule("audit_log", "审计日志", "audit log", None, 0,
         "假名化、哈希链；删除会破坏校验 / pseudonymous and hash-chained: never deleted",
         "nothing: entries hold no values and must keep verifying"),
)}

SETTING_SUFFIX = "_days"
OTHER_SETTINGS = ("batch_size",)


def rules_from_settings(section: dict | None) -> dict[str, Rule]:
    """The rules in force: defaults overridden by ``[retention]`` (``<category>_days``)."""
    from dataclasses import replace

    rules = dict(DEFAULTS)
    for key, value in (section or {}).items():
        if key in OTHER_SETTINGS:
            continue
        category = key[:-len(SETTING_SUFFIX)] if key.endswith(SETTING_SUFFIX) else ""
        rule = rules.get(category)
        if rule is None:
            known = ", ".join(f"{c}{SETTING_SUFFIX}" for c, r in DEFAULTS.items()
                              if r.days is not None)
            raise RetentionConfigError("retention_unknown_setting", key=key, known=known)
        if rule.days is None:
            raise RetentionConfigError("retention_audit_never_deleted", key=key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise RetentionConfigError("retention_not_days", key=key)
        if value < rule.minimum:
            raise RetentionConfigError("retention_below_minimum", key=key, value=value,
                                       minimum=rule.minimum, basis=rule.basis)
        rules[category] = replace(rule, days=value)
    return rules


def batch_size(section: dict | None, default: int = 200) -> int:
    value = (section or {}).get("batch_size", default)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10000:
        raise RetentionConfigError("retention_batch_size", max=10000)
    return value
