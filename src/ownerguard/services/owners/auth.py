"""Owners sign in with their phone and a one-time SMS code (owner portal, item 1).

- A code is 6 digits, valid 5 minutes, at most 5 tries; a phone gets at most 3 codes and a
  client at most 10 codes per 15 minutes, and a client at most 20 wrong codes per 15 minutes.
- The answer to "send me a code" is the same whether the phone is registered or not, so the
  portal cannot be used to test which numbers live in a community.
- Phones are kept only as keyed hashes (HMAC with a deployment secret wrapped by the master
  key); codes only as hashes.
- A session is bound at sign-in to the persons that phone belonged to: every "me" endpoint
  works on those ids from the session, never on ids in the request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, insert, select, update

from ownerguard import clock
from ownerguard.domain.model import new_id
from ownerguard.domain.normalize import InvalidValue, normalize_phone
from ownerguard.errors import Problem
from ownerguard.services.runtime import Runtime
from ownerguard.store.tables import blind_index, companies, owner_otps, owner_sessions
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault.audit import AuditEvent

CODE_TTL = timedelta(minutes=5)
MAX_TRIES = 5
WINDOW = timedelta(minutes=15)
PER_PHONE = 3
PER_CLIENT = 10
CLIENT_FAILURES = 20
IDLE = timedelta(minutes=30)
LIFETIME = timedelta(hours=12)



# An owner sign-in refusal's kind, by its code (messages: the catalogue's ``error.<code>``).
_KINDS = {"invalid_phone": "invalid", "code_rate_limited": "rate_limited"}


class OwnerAuthError(Problem):
    """Why an owner's sign-in or session was refused."""

    kind = "unauthenticated"

    def __init__(self, code: str):
        super().__init__(code)
        self.kind = _KINDS.get(code, "unauthenticated")  # type: ignore[misc]


@dataclass(frozen=True)
class OwnerSession:
    token: str
    phone_hash: str
    persons: tuple[tuple[str, str], ...]     # (company id, person id)

    @property
    def person_ids(self) -> list[str]:
        return [p for _, p in self.persons]

    @property
    def actor(self) -> str:
        return f"owner:{self.phone_hash[:12]}"


def _phone(raw: str) -> str:
    try:
        phone = normalize_phone(raw)
    except InvalidValue:
        raise OwnerAuthError("invalid_phone") from None
    if "-" in phone:            # a landline cannot receive the code
        raise OwnerAuthError("invalid_phone")
    return phone


def phone_hash(rt: Runtime, uow: UnitOfWork, phone: str) -> str:
    pepper = rt.keys.system_secret(uow.conn, "owner-phone-pepper")
    return hmac.new(pepper, phone.encode(), hashlib.sha256).hexdigest()


def _code_hash(otp_id: str, code: str) -> str:
    return hashlib.sha256(f"{otp_id}|{code}".encode()).hexdigest()


def persons_for_phone(rt: Runtime, uow: UnitOfWork, phone: str) -> list[tuple[str, str]]:
    """Every (company, person) whose phones include this one, by each company's blind index."""
    out = []
    for (company_id,) in uow.conn.execute(select(companies.c.id)):
        digest = rt.keys.indexer(uow.conn, company_id).digest("phone", phone)
        out += [(company_id, r.person_id) for r in uow.conn.execute(
            select(blind_index.c.person_id).where(blind_index.c.company_id == company_id,
                                                  blind_index.c.kind == "phone",
                                                  blind_index.c.digest == digest))]
    return sorted(set(out))


def request_code(rt: Runtime, uow: UnitOfWork, raw_phone: str, *, client: str) -> None:
    phone = _phone(raw_phone)
    h = phone_hash(rt, uow, phone)
    since = clock.now() - WINDOW
    sent_to_phone = uow.conn.execute(select(func.count()).select_from(owner_otps).where(
        owner_otps.c.phone_hash == h, owner_otps.c.created_at >= since)).scalar_one()
    sent_from_client = uow.conn.execute(select(func.count()).select_from(owner_otps).where(
        owner_otps.c.client == client[:80], owner_otps.c.created_at >= since)).scalar_one()
    if sent_to_phone >= PER_PHONE or sent_from_client >= PER_CLIENT:
        _audit(rt, uow, h, "otp_request", "refused", "rate_limited", client)
        raise OwnerAuthError("code_rate_limited")
    known = persons_for_phone(rt, uow, phone)
    # The row is written either way: rate limits count it, and timing stays alike.
    otp_id = new_id()
    code = f"{secrets.randbelow(10**6):06d}"
    now = clock.now()
    uow.conn.execute(insert(owner_otps).values(
        id=otp_id, phone_hash=h, code_hash=_code_hash(otp_id, code) if known else "",
        client=client[:80], created_at=now, expires_at=now + CODE_TTL, tries=0,
        used=not known))
    if known:
        from ownerguard.services.staff_access.contact_owner import sms_sender

        sms_sender(rt).send(phone, "otp", {"code": code}, to_ref=h[:12])
    _audit(rt, uow, h, "otp_request", "sent" if known else "unknown", "owner_otp", client)


def login(rt: Runtime, uow: UnitOfWork, raw_phone: str, code: str, *, client: str
          ) -> OwnerSession:
    phone = _phone(raw_phone)
    h = phone_hash(rt, uow, phone)
    now = clock.now()
    failures = uow.conn.execute(select(func.count()).select_from(owner_otps).where(
        owner_otps.c.client == client[:80], owner_otps.c.created_at >= now - WINDOW,
        owner_otps.c.tries > 0)).scalar_one()
    if failures >= CLIENT_FAILURES:
        raise OwnerAuthError("code_rate_limited")
    row = uow.conn.execute(select(owner_otps).where(
        owner_otps.c.phone_hash == h, owner_otps.c.used.is_(False),
        owner_otps.c.expires_at > now).order_by(owner_otps.c.created_at.desc()).limit(1)).first()
    if row is None:
        _audit(rt, uow, h, "owner_login", "failed", "code_invalid", client)
        raise OwnerAuthError("code_invalid")
    if row.tries >= MAX_TRIES:
        uow.conn.execute(update(owner_otps).where(owner_otps.c.id == row.id).values(used=True))
        _audit(rt, uow, h, "owner_login", "failed", "code_locked", client)
        raise OwnerAuthError("code_locked")
    if not hmac.compare_digest(row.code_hash, _code_hash(row.id, (code or "").strip())):
        tries = row.tries + 1
        uow.conn.execute(update(owner_otps).where(owner_otps.c.id == row.id).values(
            tries=tries, used=tries >= MAX_TRIES))
        _audit(rt, uow, h, "owner_login", "failed", "code_invalid", client)
        raise OwnerAuthError("code_locked" if tries >= MAX_TRIES else "code_invalid")
    uow.conn.execute(update(owner_otps).where(owner_otps.c.id == row.id).values(used=True))
    persons = tuple(persons_for_phone(rt, uow, phone))
    token = secrets.token_urlsafe(32)
    uow.conn.execute(insert(owner_sessions).values(
        token_hash=hashlib.sha256(token.encode()).hexdigest(), phone_hash=h,
        persons=json.dumps(persons), created_at=now, last_seen_at=now,
        expires_at=now + LIFETIME, client=client[:80]))
    _audit(rt, uow, h, "owner_login", "ok", "owner_otp", client)
    return OwnerSession(token, h, persons)


def authenticate(uow: UnitOfWork, token: str) -> OwnerSession:
    if not token:
        raise OwnerAuthError("not_signed_in")
    th = hashlib.sha256(token.encode()).hexdigest()
    row = uow.conn.execute(select(owner_sessions).where(
        owner_sessions.c.token_hash == th)).first()
    if row is None:
        raise OwnerAuthError("not_signed_in")
    now = clock.now()
    if clock.aware(row.expires_at) < now or clock.aware(row.last_seen_at) + IDLE < now:
        uow.conn.execute(delete(owner_sessions).where(owner_sessions.c.token_hash == th))
        raise OwnerAuthError("session_expired")
    if now - clock.aware(row.last_seen_at) > timedelta(minutes=1):
        uow.conn.execute(update(owner_sessions).where(owner_sessions.c.token_hash == th)
                         .values(last_seen_at=now))
    return OwnerSession(token, row.phone_hash,
                        tuple(tuple(p) for p in json.loads(row.persons)))


def logout(rt: Runtime, uow: UnitOfWork, session: OwnerSession, *, client: str = "") -> None:
    """The session row goes, so the token is useless even if it was copied."""
    th = hashlib.sha256(session.token.encode()).hexdigest()
    uow.conn.execute(delete(owner_sessions).where(owner_sessions.c.token_hash == th))
    _audit(rt, uow, session.phone_hash, "owner_logout", "ok", "owner", client)


def _audit(rt: Runtime, uow: UnitOfWork, h: str, action: str, outcome: str, reason: str,
           client: str) -> None:
    rt.audit.append(uow.conn, "owner-auth", "", [AuditEvent(
        actor=f"owner:{h[:12]}", role="owner", action=action, outcome=outcome, reason=reason,
        client=client[:80])])
