"""Signing in: passwords, second factor, lockout, rate limits, sessions and API keys.

- Five wrong passwords in a row lock the account for 15 minutes; twenty failures from one client
  in 15 minutes refuse that client for the rest of the window (both configurable below).
- Roles that can reveal clear values must give a TOTP code.
- Tokens are 256-bit random strings; the database keeps only their SHA-256. Web sessions also get
  a CSRF token (double submit: cookie-bound hash in the session row, value in a header or form).
- Sessions expire after 30 idle minutes and 12 hours in all; API keys of service accounts do not
  idle out but can be revoked.
- Every sign-in, failure and sign-out is written to the audit log.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

import pyotp
from sqlalchemy import delete, func, insert, select, update

from ownerguard import clock
from ownerguard.errors import Problem, TooMany
from ownerguard.services.runtime import Runtime
from ownerguard.services.staff_access import accounts as staff_svc
from ownerguard.store.tables import login_attempts, staff, staff_sessions
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault.audit import AuditEvent, company_chain

LOCK_AFTER = 5
LOCK_FOR = timedelta(minutes=15)
CLIENT_WINDOW = timedelta(minutes=15)
CLIENT_MAX_FAILURES = 20
IDLE = timedelta(minutes=30)
LIFETIME = timedelta(hours=12)



# A sign-in refusal's kind, by its code (messages: the catalogue's ``error.<code>``).
_KINDS = {"rate_limited": TooMany}


class AuthError(Problem):
    """Why a sign-in or a session was refused."""

    kind = "unauthenticated"

    def __init__(self, code: str):
        super().__init__(code)
        self.kind = _KINDS[code].kind if code in _KINDS else "unauthenticated"  # type: ignore[misc]


@dataclass(frozen=True)
class Session:
    token: str
    csrf: str | None
    staff: staff_svc.StaffRecord


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def login(rt: Runtime, uow: UnitOfWork, username: str, password: str, otp: str | None, *,
          client: str, kind: str = "api") -> Session:
    """Verify and open a session. On failure the attempt is recorded (the caller commits) and
    ``AuthError`` says why."""
    conn = uow.conn
    now = clock.now()
    failures = conn.execute(select(func.count()).select_from(login_attempts).where(
        login_attempts.c.client == client, login_attempts.c.ok.is_(False),
        login_attempts.c.at >= now - CLIENT_WINDOW)).scalar_one()
    if failures >= CLIENT_MAX_FAILURES:
        _attempt(rt, uow, _unverified(username), client, None, ok=False, code="rate_limited")
        raise AuthError("rate_limited")
    row = conn.execute(select(staff).where(staff.c.username == username)).first()
    if row is None or row.kind != "person":
        rt.passwords.verify_nobody(password)
        _attempt(rt, uow, _unverified(username), client, None, ok=False,
                 code="invalid_credentials")
        raise AuthError("invalid_credentials")
    if row.disabled:
        _attempt(rt, uow, username, client, row.company_id, ok=False, code="disabled")
        raise AuthError("disabled")
    locked = clock.aware(row.locked_until)
    if locked and locked > now:
        _attempt(rt, uow, username, client, row.company_id, ok=False, code="locked")
        raise AuthError("locked")
    if not rt.passwords.verify(row.password_hash, password):
        count = row.failed_logins + 1
        values = {"failed_logins": count}
        if count >= LOCK_AFTER:
            values.update(locked_until=now + LOCK_FOR, failed_logins=0)
        conn.execute(update(staff).where(staff.c.id == row.id).values(**values))
        code = "locked" if count >= LOCK_AFTER else "invalid_credentials"
        _attempt(rt, uow, username, client, row.company_id, ok=False, code=code)
        raise AuthError(code)
    record = staff_svc.existing(uow, staff_id=row.id)
    secret = staff_svc.totp_secret(rt, uow, record)
    if secret is not None:
        if not otp:
            _attempt(rt, uow, username, client, row.company_id, ok=False, code="otp_required")
            raise AuthError("otp_required")
        if not pyotp.TOTP(secret).verify(otp.strip(), valid_window=1):
            conn.execute(update(staff).where(staff.c.id == row.id).values(
                failed_logins=row.failed_logins + 1))
            _attempt(rt, uow, username, client, row.company_id, ok=False, code="otp_invalid")
            raise AuthError("otp_invalid")
    if rt.passwords.needs_rehash(row.password_hash):
        conn.execute(update(staff).where(staff.c.id == row.id).values(
            password_hash=rt.passwords.hash(password)))
    conn.execute(update(staff).where(staff.c.id == row.id).values(
        failed_logins=0, locked_until=None, last_login_at=now))
    _attempt(rt, uow, username, client, row.company_id, ok=True, code=kind)
    return _open(uow, record, kind=kind, client=client)


def _open(uow: UnitOfWork, record: staff_svc.StaffRecord, *, kind: str, client: str,
          lifetime: timedelta | None = LIFETIME) -> Session:
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32) if kind == "web" else None
    now = clock.now()
    uow.conn.execute(insert(staff_sessions).values(
        token_hash=_digest(token), staff_id=record.id, kind=kind,
        csrf_hash=_digest(csrf) if csrf else None, created_at=now, last_seen_at=now,
        expires_at=now + lifetime if lifetime else None, client=client[:80]))
    return Session(token, csrf, record)


def authenticate(uow: UnitOfWork, token: str, *, kinds: tuple[str, ...] = ("api", "key")
                 ) -> Session:
    """The session behind a token, touching its idle timer; ``AuthError`` when there is none."""
    if not token:
        raise AuthError("not_signed_in")
    h = _digest(token)
    row = uow.conn.execute(select(staff_sessions).where(staff_sessions.c.token_hash == h)).first()
    if row is None or row.kind not in kinds:
        raise AuthError("not_signed_in")
    now = clock.now()
    expires = clock.aware(row.expires_at)
    idle_out = row.kind != "key" and clock.aware(row.last_seen_at) + IDLE < now
    if (expires and expires < now) or idle_out:
        uow.conn.execute(delete(staff_sessions).where(staff_sessions.c.token_hash == h))
        raise AuthError("session_expired")
    record = staff_svc.get(uow, staff_id=row.staff_id)
    if record is None or record.disabled:
        raise AuthError("disabled")
    # Touch at most once a minute: every request would otherwise be a write.
    if now - clock.aware(row.last_seen_at) > timedelta(minutes=1):
        uow.conn.execute(update(staff_sessions).where(staff_sessions.c.token_hash == h)
                         .values(last_seen_at=now))
    return Session(token, None, record)


def check_csrf(uow: UnitOfWork, token: str, csrf: str | None) -> bool:
    if not csrf:
        return False
    row = uow.conn.execute(select(staff_sessions.c.csrf_hash).where(
        staff_sessions.c.token_hash == _digest(token))).first()
    return bool(row and row.csrf_hash and hmac.compare_digest(row.csrf_hash, _digest(csrf)))


def logout(rt: Runtime, uow: UnitOfWork, session: Session, client: str) -> None:
    uow.conn.execute(delete(staff_sessions).where(
        staff_sessions.c.token_hash == _digest(session.token)))
    _audit(rt, uow, session.staff.company_id, session.staff.username, session.staff.role,
           "logout", "ok", "logout", client)


def create_api_key(rt: Runtime, uow: UnitOfWork, record: staff_svc.StaffRecord, actor: str
                   ) -> str:
    """A key for a service account (billing, door access, parking systems). Shown once."""
    session = _open(uow, record, kind="key", client="service", lifetime=None)
    _audit(rt, uow, record.company_id, actor, "admin", "api_key", "done", record.username, "")
    return "og_" + session.token


def _unverified(username: str) -> str:
    """What is recorded for a name that is no account: people type phone numbers or even
    passwords into the username box, so only a hash of it is kept."""
    return "unknown:" + hashlib.sha256(username.encode()).hexdigest()[:16]


def _attempt(rt: Runtime, uow: UnitOfWork, username: str, client: str,
             company_id: str | None, *, ok: bool, code: str) -> None:
    uow.conn.execute(insert(login_attempts).values(username=username[:80], client=client[:80],
                                                   ok=ok, at=clock.now()))
    _audit(rt, uow, company_id or "", username[:80], "", "login",
           "ok" if ok else "failed", code, client)


def _audit(rt: Runtime, uow: UnitOfWork, company_id: str, actor: str, role: str, action: str,
           outcome: str, reason: str, client: str) -> None:
    # Sign-ins belong to no community: they go to the company's chain (or "auth" when the
    # username is unknown, so failures against made-up names are recorded too).
    chain = company_chain(company_id) if company_id else "auth"
    safe_actor = "".join(ch for ch in actor if ch.isprintable())
    rt.audit.append(uow.conn, chain, company_id, [AuditEvent(
        actor=safe_actor, role=role, action=action, outcome=outcome, reason=reason,
        client=client[:80])])
