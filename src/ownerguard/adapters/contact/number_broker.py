"""Privacy (alias) numbers: staff dial an alias bound to a work item, never the owner's number.

A binding lives as long as its work item (``expires_at``). While it lives, a call from the staff
member to the alias is connected to the owner and back; after it, the alias reaches nobody, so a
number written on a scrap of paper or kept in a call log stops working when the job is done.

Adapters:
- ``PoolBroker`` — allocates aliases from a configured number range held in memory. It routes no
  calls itself; it is for development and for a self-hosted switch that resolves aliases.
- ``AxbBroker`` — a vendor's AXB privacy-number API (隐私号 AXB 模式).

The caller persists every ``AliasBinding`` (database) and releases it when the work item closes.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable
from urllib.parse import quote

import httpx

from ownerguard import clock
from ownerguard.adapters.contact import (
    ContactError,
    dialable_number,
    http_client,
    post_json,
    provider_code_of,
    provider_url,
)
from ownerguard.i18n import Label

DEFAULT_POOL = "17000000000-17000000999"
MAX_REF_LENGTH = 64
# ``PoolBroker.restore`` keeps aliases this process bound within this window even when the
# caller's table does not list them yet: their transaction may simply not have committed.
RESTORE_GRACE = timedelta(seconds=60)
_MISSING = object()


@dataclass(frozen=True)
class AliasBinding:
    """One alias bound for one work item. Holds no owner or staff number, so it can be stored,
    logged and shown to staff as is.

    ``binding_id`` is the provider's id (AXB ``subscriptionId``); ``binding_ref`` is the caller's
    (the work item id).
    """

    binding_id: str
    alias_number: str
    provider: str
    binding_ref: str
    expires_at: datetime


@runtime_checkable
class NumberBroker(Protocol):
    """Bind an alias that connects staff and owner until ``expires_at``; release it early."""

    def bind(self, owner_phone: str, staff_phone: str | None, binding_ref: str,
             expires_at: datetime) -> AliasBinding: ...

    def release(self, binding: AliasBinding) -> None: ...


def _utcnow() -> datetime:
    return clock.now()


def _check_bind_args(owner_phone: str, staff_phone: str | None, binding_ref: str,
                     expires_at: datetime, now: datetime) -> tuple[str, str | None, int]:
    """Digits-only owner and staff numbers and the lifetime in whole seconds, or ContactError."""
    owner = dialable_number(owner_phone, mobile_only=False, who="owner")
    staff = None
    if staff_phone is not None:
        staff = dialable_number(staff_phone, mobile_only=False, who="staff")
        if staff == owner:
            raise ContactError("same_numbers", category="invalid_phone")
    if (not isinstance(binding_ref, str) or not binding_ref or len(binding_ref) > MAX_REF_LENGTH
            or not binding_ref.isprintable()):
        raise ContactError("binding_ref_invalid", category="binding_invalid", max=MAX_REF_LENGTH)
    if not isinstance(expires_at, datetime) or expires_at.tzinfo is None:
        raise ContactError("expires_naive", category="binding_invalid")
    seconds = math.ceil((expires_at - now).total_seconds())
    if seconds <= 0:
        raise ContactError("expires_past", category="binding_invalid")
    return owner, staff, seconds


# ---------------------------------------------------------------------------------------------
# Pool


def _parse_pool(pool: Iterable[str] | str) -> tuple[Callable[[], Iterator[str]],
                                                     Callable[[str], bool], int]:
    """(fresh-number iterator factory, membership test, size) for a spec or a list.

    A spec is ``"17000000000-17000000999"``, several joined by commas, or single numbers. Ranges
    stay lazy (``range``), so a pool of a million numbers costs nothing until used.
    """
    if isinstance(pool, str):
        segments: list[tuple[range, int]] = []
        for part in pool.split(","):
            part = part.strip()
            if not part:
                continue
            first, sep, last = part.partition("-")
            first, last = first.strip(), (last.strip() if sep else first.strip())
            if not (first.isdigit() and last.isdigit() and len(first) == len(last)
                    and int(first) <= int(last)):
                raise ContactError("pool_format", category="config")
            segments.append((range(int(first), int(last) + 1), len(first)))
        if not segments:
            raise ContactError("pool_empty", category="config")

        def fresh() -> Iterator[str]:
            return (str(n).zfill(width) for r, width in segments for n in r)

        def contains(alias: str) -> bool:
            return alias.isdigit() and any(len(alias) == w and int(alias) in r
                                           for r, w in segments)

        return fresh, contains, sum(len(r) for r, _ in segments)

    numbers = list(dict.fromkeys(str(n).strip() for n in pool))
    if not numbers or not all(n.isdigit() for n in numbers):
        raise ContactError("pool_list", category="config")
    members = frozenset(numbers)
    return (lambda: iter(numbers)), members.__contains__, len(numbers)


class PoolBroker:
    """Aliases from a configured range, allocated in memory; thread-safe.

    It routes no calls: it only guarantees that no two live bindings share an alias. Call routing
    needs a switch that looks the alias up in the caller's bindings table and fetches the owner's
    number through the gate at call time — which is why ``bind`` does not keep the number.

    Allocation prefers never-used numbers, then the longest-released one, so a recycled alias
    reaches a new owner as late as possible (someone may still call an old alias). Expired
    bindings are reclaimed only when the pool would otherwise be exhausted.

    State is per process. OwnerGuard runs as many stateless processes, so **production must use
    a provider (``AxbBroker``) or persist bindings**: the caller stores each binding, calls
    ``restore`` with all live ones (at start, or before each ``bind`` to see other processes'
    bindings and releases), and keeps a unique index on live alias numbers so two processes that
    pick the same alias cannot both commit it.
    """

    provider = "pool"

    def __init__(self, pool: Iterable[str] | str = DEFAULT_POOL, *,
                 clock: Callable[[], datetime] = _utcnow) -> None:
        fresh, self._contains, self.capacity = _parse_pool(pool)
        self._fresh: Iterator[str] = fresh()
        self._released: deque[str] = deque()
        self._in_use: dict[str, datetime | None] = {}      # alias → expiry (None: unknown)
        self._bound_here: dict[str, datetime] = {}          # alias → when this process bound it
        self._lock = threading.Lock()
        self._clock = clock

    def bind(self, owner_phone: str, staff_phone: str | None, binding_ref: str,
             expires_at: datetime) -> AliasBinding:
        # Validate like a real provider would, so callers find bad input in development.
        now = self._clock()
        _check_bind_args(owner_phone, staff_phone, binding_ref, expires_at, now)
        with self._lock:
            alias = self._next_free()
            if alias is None and self._reclaim_expired(now):
                alias = self._next_free()
            if alias is None:
                raise ContactError("pool_exhausted", category="pool_exhausted")
            self._in_use[alias] = expires_at
            self._bound_here[alias] = now
        return AliasBinding(binding_id="pool-" + uuid.uuid4().hex, alias_number=alias,
                            provider=self.provider, binding_ref=binding_ref,
                            expires_at=expires_at)

    def release(self, binding: AliasBinding) -> None:
        """Return the alias to the pool. Releasing twice, or in another process, is harmless."""
        if binding.provider != self.provider:
            raise ContactError("binding_other_provider", category="binding_invalid",
                               provider=str(binding.provider)[:40], broker=Label("broker", "pool"))
        if not self._contains(binding.alias_number):
            raise ContactError("alias_not_in_pool", category="binding_invalid")
        with self._lock:
            self._free(binding.alias_number)

    def restore(self, in_use: Iterable[str | AliasBinding], *,
                grace: timedelta = RESTORE_GRACE) -> int:
        """Rebuild the pool's view from the caller's stored live bindings; returns how many.

        Pass *every* live binding: the list replaces what this process believed, so aliases that
        other processes released become free here too. Aliases this process bound less than
        ``grace`` ago are kept even when missing (not committed yet). Pass bindings rather than
        numbers to keep their expiry. Numbers outside this pool are skipped: they cannot collide
        with anything it hands out.
        """
        now = self._clock()
        live: dict[str, datetime | None] = {}
        for item in in_use:
            alias, expires = ((item.alias_number, item.expires_at)
                              if isinstance(item, AliasBinding) else (str(item), None))
            if self._contains(alias):
                live[alias] = expires
        with self._lock:
            pending = {a for a, at in self._bound_here.items() if now - at < grace}
            for alias in list(self._in_use):
                if alias not in live and alias not in pending:
                    self._free(alias)
            self._in_use.update(live)
            self._bound_here = {a: self._bound_here[a] for a in pending}
        return len(live)

    def in_use(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._in_use)

    def _next_free(self) -> str | None:
        for alias in self._fresh:
            if alias not in self._in_use:
                return alias
        while self._released:
            alias = self._released.popleft()
            if alias not in self._in_use:
                return alias
        return None

    def _reclaim_expired(self, now: datetime) -> bool:
        expired = [a for a, exp in self._in_use.items() if exp is not None and exp <= now]
        for alias in sorted(expired, key=lambda a: self._in_use[a] or now):  # oldest first
            self._free(alias)
        return bool(expired)

    def _free(self, alias: str) -> None:
        # Every way out of use goes through here, so a free number that ``_fresh`` has already
        # passed is always queued in ``_released`` (stale entries are skipped when popped).
        self._bound_here.pop(alias, None)
        if self._in_use.pop(alias, _MISSING) is not _MISSING:
            self._released.append(alias)


# ---------------------------------------------------------------------------------------------
# AXB


def axb_signature(app_secret: str, params: dict[str, str]) -> str:
    """Lowercase hex HMAC-SHA256, keyed with the app secret, of the canonical string::

        k1=v1&k2=v2&…   keys sorted by code point, keys and values percent-encoded (RFC 3986,
                        nothing kept unescaped but ``A–Z a–z 0–9 - _ . ~``), absent values omitted

    over the body's fields plus ``appKey`` and ``timestamp`` (the same values as the headers).
    """
    canonical = "&".join(f"{quote(k, safe='~')}={quote(v, safe='~')}"
                         for k, v in sorted(params.items()))
    return hmac.new(app_secret.encode(), canonical.encode(), hashlib.sha256).hexdigest()


class AxbBroker:
    """A vendor's AXB privacy-number API, as we model the documented contract.

    In AXB mode the vendor binds an alias X between A (the owner) and B (the staff member): when
    B calls X the vendor connects B to A and shows A the alias, and the other way round; nobody
    else reaches A through X, and the binding ends by itself after ``expiration`` seconds. Without
    ``phoneB`` the binding is AX: *any* caller of X reaches A — prefer passing the staff number.
    The real vendors (carriers and cloud platforms) name the same concepts.

    Bind — ``POST {base_url}/axb/bind``, JSON, every value a string::

        {"phoneA": "<owner digits>", "phoneB": "<staff digits, optional>",
         "expiration": "<seconds until expires_at>", "bindingRef": "<caller's id>"}
        → {"code": "0", "data": {"subscriptionId": "…", "secretNo": "<alias X>"}}

    Unbind — ``POST {base_url}/axb/unbind`` ``{"subscriptionId": "…"}`` → ``{"code": "0"}``.

    Every request carries ``X-App-Key``, ``X-Timestamp`` (Unix seconds; the vendor refuses a skew
    over ±300 s, which limits replay) and ``X-Signature`` (``axb_signature``). Codes other than
    "0": "400" bad parameters, "401" bad key, signature or timestamp, "404" no such subscription
    (unbind treats it as already released: it expired or was released elsewhere), "409" no alias
    free, "429" throttled, "5xx" vendor fault.

    Timeout 5 s, one retry when the connection could not be made. A timeout *after* sending a
    bind may leave a binding we never heard of; it expires by itself at ``expires_at``.
    """

    provider = "axb"

    def __init__(self, base_url: str, app_key: str, app_secret: str,
                 client: httpx.Client | None = None, *,
                 clock: Callable[[], float] = time.time) -> None:
        if not app_key or not app_secret:
            raise ContactError("axb_keys_required", category="config")
        self._bind_url = provider_url(base_url, "/axb/bind")
        self._unbind_url = provider_url(base_url, "/axb/unbind")
        self._app_key = app_key
        self._app_secret = app_secret
        self._clock = clock
        self._client, self._own_client = http_client(client)

    def bind(self, owner_phone: str, staff_phone: str | None, binding_ref: str,
             expires_at: datetime) -> AliasBinding:
        # The lifetime is counted on OwnerGuard's clock (the work item's end is on it); the
        # request signature's timestamp below is the vendor's wall clock.
        now = clock.now()
        owner, staff, seconds = _check_bind_args(owner_phone, staff_phone, binding_ref,
                                                 expires_at, now)
        body = {"phoneA": owner, "expiration": str(seconds), "bindingRef": binding_ref}
        if staff is not None:
            body["phoneB"] = staff
        doc = self._call(self._bind_url, body, "bind")
        data = doc.get("data")
        subscription = data.get("subscriptionId") if isinstance(data, dict) else None
        alias = data.get("secretNo") if isinstance(data, dict) else None
        if not (isinstance(subscription, str) and subscription and isinstance(alias, str)
                and alias):
            raise ContactError("axb_no_binding", category="provider_error")
        return AliasBinding(binding_id=subscription, alias_number=alias, provider=self.provider,
                            binding_ref=binding_ref, expires_at=expires_at)

    def release(self, binding: AliasBinding) -> None:
        if binding.provider != self.provider:
            raise ContactError("binding_other_provider", category="binding_invalid",
                               provider=str(binding.provider)[:40], broker=Label("broker", "axb"))
        self._call(self._unbind_url, {"subscriptionId": binding.binding_id}, "unbind",
                   ok_codes=("0", "404"))

    def close(self) -> None:
        if self._own_client:
            self._client.close()

    def _call(self, url: str, body: dict[str, str], action: str,
              ok_codes: tuple[str, ...] = ("0",)) -> dict:
        """Call the vendor; ``action`` (``bind``/``unbind``) names it in a refusal."""
        timestamp = str(int(self._clock()))
        signature = axb_signature(self._app_secret,
                                  {**body, "appKey": self._app_key, "timestamp": timestamp})
        status, doc = post_json(
            self._client, url, json=body,
            headers={"X-App-Key": self._app_key, "X-Timestamp": timestamp,
                     "X-Signature": signature},
            service="axb")
        code = provider_code_of(doc)
        if code not in ok_codes:
            hint = code if code in _AXB_HINTS else "other"
            raise ContactError("axb_failed",
                               category="pool_exhausted" if code == "409" else "provider_error",
                               provider_code=code, action=Label("axb_action", action),
                               hint=Label("axb_hint", hint), code=code, status=status)
        return doc


# Vendor codes with a hint of their own (the catalogue's ``axb_hint.<code>``).
_AXB_HINTS = frozenset({"400", "401", "404", "409", "429"})
