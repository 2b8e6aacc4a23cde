"""Staff accounts: creation, scopes, certification (training + confidentiality agreement).

Passwords are argon2id hashes. Every role that can reveal a clear value gets a TOTP seed at
creation and must give a code at sign-in; the seed is sealed with the company key and shown
once, as a provisioning URI for an authenticator app.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import and_, delete, insert, select, update

from ownerguard import clock
from ownerguard.domain.model import new_id
from ownerguard.domain.staff import COMPANY_WIDE_ROLES, ROLES, STAFF_ROLES
from ownerguard.domain.training import NDA_TEXT_ZH, NDA_VERSION, TRAINING_VALID_DAYS, nda_text_hash
from ownerguard.errors import Conflict, Invalid, NotFound, Problem
from ownerguard.services.runtime import Runtime
from ownerguard.store.tables import buildings, communities, ndas, staff, staff_scopes, trainings
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault.audit import AuditEvent, company_chain
from ownerguard.vault.policy import Level
from ownerguard.vault.secrets import open_secret, seal_secret

MIN_PASSWORD = 10
ISSUER = "OwnerGuard 业主信息卫士"


class StaffError(Problem):
    """A request about staff accounts that cannot be done; the message says what to fix (the
    admin API and the command line catch it). Raised as one of the kinds below."""


class StaffInvalid(StaffError, Invalid):
    pass


class StaffNotFound(StaffError, NotFound):
    pass


class StaffConflict(StaffError, Conflict):
    pass


@dataclass(frozen=True)
class StaffRecord:
    id: str
    company_id: str
    username: str
    display_name: str
    role: str
    kind: str
    disabled: bool
    scope: frozenset[tuple[str, str | None]]

    @property
    def communities(self) -> set[str] | None:
        """The communities this account works in; None for the whole company."""
        if self.role in COMPANY_WIDE_ROLES:
            return None
        return {c for c, _ in self.scope}


@dataclass(frozen=True)
class Certification:
    training_valid_until: datetime | None
    nda_version: str | None

    @property
    def certified(self) -> bool:
        return bool(self.training_valid_until and self.training_valid_until > clock.now()
                    and self.nda_version == NDA_VERSION)


def can_reveal(rt: Runtime, role: str) -> bool:
    """Roles with any clear-reveal grant need a second factor."""
    return any(r["role"] == role and any(v == Level.REVEAL.name.lower() for v in r.values())
               for r in rt.policy.matrix())


def check_password(password: str, username: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise StaffInvalid("password_too_short", min=MIN_PASSWORD)
    if password.isdigit() or password.isalpha():
        raise StaffInvalid("password_needs_mix")
    if username.lower() in password.lower():
        raise StaffInvalid("password_has_username")


def resolve_scope(uow: UnitOfWork, company_id: str, community: str,
                  building: str | None) -> tuple[str, str | None]:
    row = uow.conn.execute(select(communities.c.id).where(
        communities.c.company_id == company_id, communities.c.name == community)).first()
    if row is None:
        raise StaffNotFound("community_not_found")
    if building is None:
        return row.id, None
    b = uow.conn.execute(select(buildings.c.id).where(
        buildings.c.community_id == row.id, buildings.c.name == building)).first()
    if b is None:
        raise StaffNotFound("building_not_found")
    return row.id, b.id


def add_staff(rt: Runtime, uow: UnitOfWork, *, company_id: str, username: str, role: str,
              scope: list[tuple[str, str | None]], password: str | None, actor: str,
              display_name: str | None = None, kind: str = "person") -> str | None:
    """Create an account; returns the TOTP provisioning URI (shown once) when the role needs
    a second factor."""
    if role not in STAFF_ROLES:
        raise StaffInvalid("unknown_role", known=", ".join(STAFF_ROLES))
    if not username.isascii() or not username.replace("_", "").replace(".", "").isalnum():
        raise StaffInvalid("bad_username")
    if uow.conn.execute(select(staff.c.id).where(staff.c.username == username)).first():
        raise StaffConflict("username_taken")
    if kind == "person":
        if password is None:
            raise StaffInvalid("password_required")
        check_password(password, username)
    for community_id, _building in scope:
        owner = uow.conn.execute(select(communities.c.company_id).where(
            communities.c.id == community_id)).first()
        if owner is None or owner.company_id != company_id:
            raise StaffInvalid("scope_other_company")
    sid = new_id()
    uri = None
    totp_ct = None
    if kind == "person" and can_reveal(rt, role):
        secret = pyotp.random_base32()
        totp_ct = seal_secret(rt.keys, uow.conn, company_id, "staff", "totp_ct", sid, secret)
        uri = pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)
    uow.conn.execute(insert(staff).values(
        id=sid, company_id=company_id, username=username,
        display_name=display_name or username, role=role, kind=kind,
        password_hash=rt.passwords.hash(password) if password else None, totp_ct=totp_ct,
        failed_logins=0, disabled=False, created_at=clock.now()))
    for community_id, building_id in scope:
        uow.conn.execute(insert(staff_scopes).values(staff_id=sid, community_id=community_id,
                                                     building_id=building_id))
    _audit(rt, uow, company_id, actor, "staff_add", f"{username}:{role}")
    return uri


def totp_secret(rt: Runtime, uow: UnitOfWork, record: StaffRecord) -> str | None:
    row = uow.conn.execute(select(staff.c.totp_ct).where(staff.c.id == record.id)).one()
    if row.totp_ct is None:
        return None
    return open_secret(rt.keys, uow.conn, record.company_id, "staff", "totp_ct", record.id,
                       row.totp_ct)


def get(uow: UnitOfWork, *, username: str | None = None, staff_id: str | None = None
        ) -> StaffRecord | None:
    q = select(staff)
    q = q.where(staff.c.username == username) if username else q.where(staff.c.id == staff_id)
    row = uow.conn.execute(q).first()
    if row is None:
        return None
    scope = frozenset((s.community_id, s.building_id) for s in uow.conn.execute(
        select(staff_scopes).where(staff_scopes.c.staff_id == row.id)))
    return StaffRecord(row.id, row.company_id, row.username, row.display_name, row.role,
                       row.kind, row.disabled, scope)


def existing(uow: UnitOfWork, *, username: str | None = None, staff_id: str | None = None
             ) -> StaffRecord:
    """The account, which must exist."""
    record = get(uow, username=username, staff_id=staff_id)
    if record is None:
        raise StaffNotFound("account_not_found")
    return record


def list_staff(uow: UnitOfWork, company_id: str | None = None) -> list[StaffRecord]:
    q = select(staff.c.id).order_by(staff.c.username)
    if company_id:
        q = q.where(staff.c.company_id == company_id)
    return [record for r in uow.conn.execute(q)
            if (record := get(uow, staff_id=r.id)) is not None]


def certification(uow: UnitOfWork, staff_id: str) -> Certification:
    t = uow.conn.execute(select(trainings.c.valid_until).where(trainings.c.staff_id == staff_id)
                         .order_by(trainings.c.valid_until.desc()).limit(1)).first()
    n = uow.conn.execute(select(ndas.c.version).where(and_(
        ndas.c.staff_id == staff_id, ndas.c.version == NDA_VERSION)).limit(1)).first()
    return Certification(clock.aware(t.valid_until) if t else None, n.version if n else None)


def record_training(rt: Runtime, uow: UnitOfWork, record: StaffRecord, *, method: str,
                    actor: str, score: float | None = None,
                    valid_days: int = TRAINING_VALID_DAYS) -> datetime:
    now = clock.now()
    until = now + timedelta(days=valid_days)
    uow.conn.execute(insert(trainings).values(
        id=new_id(), staff_id=record.id, completed_at=now, valid_until=until, score=score,
        method=method, recorded_by=actor))
    _audit(rt, uow, record.company_id, actor, "training", f"{record.username}:{method}")
    return until


def record_nda(rt: Runtime, uow: UnitOfWork, record: StaffRecord, *, method: str,
               actor: str) -> None:
    uow.conn.execute(insert(ndas).values(
        id=new_id(), staff_id=record.id, version=NDA_VERSION,
        text_sha256=nda_text_hash(NDA_TEXT_ZH), signed_at=clock.now(), method=method,
        recorded_by=actor))
    _audit(rt, uow, record.company_id, actor, "nda", f"{record.username}:{method}")


def set_disabled(rt: Runtime, uow: UnitOfWork, record: StaffRecord, disabled: bool,
                 actor: str) -> None:
    from ownerguard.store.tables import staff_sessions

    uow.conn.execute(update(staff).where(staff.c.id == record.id).values(disabled=disabled))
    if disabled:
        uow.conn.execute(delete(staff_sessions).where(staff_sessions.c.staff_id == record.id))
    _audit(rt, uow, record.company_id, actor, "staff_disable" if disabled else "staff_enable",
           record.username)


def _audit(rt: Runtime, uow: UnitOfWork, company_id: str, actor: str, action: str,
           reason: str) -> None:
    rt.audit.append(uow.conn, company_chain(company_id), company_id, [AuditEvent(
        actor=actor, role="admin", action=action, outcome="done", reason=reason[:200])])


def role_label(role: str) -> str:
    r = ROLES.get(role)
    return f"{r.label_zh} {r.label_en}" if r else role



