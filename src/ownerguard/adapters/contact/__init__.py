"""Contact without revealing: reach an owner for a work item without showing staff the number.

Most staff tasks need the owner to be *reached*, not the phone number to be *seen*. So instead of
revealing the number, the caller (a use case bound to a live work item) asks one of two things:

- ``SmsSender.send`` — the system texts the owner from an approved template (``sms.py``);
- ``NumberBroker.bind`` — the system binds a privacy (alias) number for the work item's lifetime;
  the staff member dials the alias and the provider connects the call (``number_broker.py``).

Either way the owner's number is read through the gate by the caller and handed to this package
for one call; this package never stores it, never logs it and never puts it in an exception.

What the caller must do (this package cannot): audit every contact like a reveal (the gate's
entry, with the work item); persist each ``AliasBinding`` in the database and release it when the
work item closes; pass all live bindings to ``PoolBroker.restore`` at start or before a bind.

The SMS and privacy-number vendors are entrusted processors (L19: contract, purpose, deletion at
the end; L20: impact assessment before using one).

Settings for the factories are a plain dict::

    {"sms": {"provider": "outbox", "directory": "/var/lib/ownerguard/outbox"}
         or {"provider": "http", "base_url": "https://…", "api_key": "…", "sign_name": "…"},
     "number_broker": {"provider": "pool", "pool": "17000000000-17000000999"}
         or {"provider": "axb", "base_url": "https://…", "app_key": "…", "app_secret": "…"}}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from ownerguard.domain.normalize import InvalidValue, normalize_phone
from ownerguard.errors import Problem
from ownerguard.i18n import Label

# Every call to a provider gives up after this long: a staff member is waiting on the screen, and
# a hung request must not hold a worker.
TIMEOUT_SECONDS = 5.0

# Hosts where plain http is allowed: the machine itself, and httpx/Starlette's test client.
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "testserver"})

# A run of 7+ digits, possibly split by spaces or dashes, optionally with a "+": a phone number.
_DIGIT_RUN = re.compile(r"\+?\d(?:[\d\s\-]*\d)?")
_REDACTED = "[号码已隐去/redacted]"


def _scrub(text: str) -> str:
    """Replace anything that could be a phone number (7 or more digits) with a placeholder."""

    def hide(match: re.Match[str]) -> str:
        digits = sum(ch.isdigit() for ch in match.group())
        return _REDACTED if digits >= 7 else match.group()

    return _DIGIT_RUN.sub(hide, text)


# Categories of failure that are the request's fault; every other one means the service is
# not available (settings, the vendor).
_INVALID = frozenset({"invalid_phone", "template_unknown", "template_params", "binding_invalid"})


class ContactError(Problem):
    """Reaching an owner failed. ``code`` names the refusal (its words are the catalogue's
    ``error.<code>``); ``category`` is its stable class, for the caller's audit reason and for
    tests: ``invalid_phone``, ``template_unknown``, ``template_params``, ``provider_error``,
    ``provider_unreachable``, ``pool_exhausted``, ``binding_invalid``, ``config``.
    ``provider_code`` is the vendor's own code when there is one. The API and the console
    catch it; its kind is ``invalid`` for the request's fault, else ``unavailable``.

    Callers pass no values; as a safety net the constructor still hides any run of seven or
    more digits in the code and the parameters, because an exception ends up in logs and crash
    reports.
    """

    def __init__(self, code: str, /, *, category: str = "contact_failed",
                 provider_code: str | None = None, **params: object) -> None:
        super().__init__(_scrub(code), **{k: _scrub(v) if isinstance(v, str) else v
                                          for k, v in params.items()})
        self.category = category
        self.kind = "invalid" if category in _INVALID else "unavailable"  # type: ignore[misc]
        self.provider_code = _scrub(provider_code) if provider_code is not None else None

    def __repr__(self) -> str:
        return f"ContactError({self.code!r}, category={self.category!r})"


def dialable_number(value: str, *, mobile_only: bool, who: str) -> str:
    """The number as digits only (``13812345678``, ``01012345678``), or ContactError.

    Uses the importer's normaliser, whose refusals never quote the value. ``who`` names the
    party (``owner``, ``staff``, ``recipient``: the catalogue's ``contact_party.<who>``) so the
    message says whose number is wrong without showing it.
    """
    party = Label("contact_party", who)
    if not isinstance(value, str):
        raise ContactError("phone_missing", category="invalid_phone", who=party)
    try:
        number = normalize_phone(value)
    except InvalidValue as exc:
        raise ContactError("phone_not_valid", category="invalid_phone", who=party,
                           reason=exc) from None
    if mobile_only and "-" in number:
        raise ContactError("phone_not_mobile", category="invalid_phone", who=party)
    return number.replace("-", "")


def provider_url(base_url: str, path: str) -> str:
    """``base_url`` + ``path``; https is required except on this machine or the test client.

    The request bodies hold owners' phone numbers, so they must never cross a network in clear.
    """
    try:
        url = httpx.URL(base_url.rstrip("/") + path)
    except (httpx.InvalidURL, TypeError):
        raise ContactError("base_url_invalid", category="config") from None
    if url.scheme == "https" or (url.scheme == "http" and url.host in _LOCAL_HOSTS):
        return str(url)
    raise ContactError("https_required", category="config", host=url.host)


def http_client(client: httpx.Client | None) -> tuple[httpx.Client, bool]:
    """``(client, owned)``: a new client with the 5 s timeout, or the caller's after checking it.

    The timeout is the client's, not passed per request, so a caller's client (connection
    pooling, a test client) keeps its own settings — provided none is looser than 5 s.
    """
    if client is None:
        return httpx.Client(timeout=TIMEOUT_SECONDS), True
    t = client.timeout
    limits = (t.connect, t.read, t.write, t.pool)
    if any(v is None or v > TIMEOUT_SECONDS for v in limits):
        raise ContactError("client_timeout", category="config", seconds=f"{TIMEOUT_SECONDS:g}")
    return client, False


def post_json(client: httpx.Client, url: str, *, json: dict[str, Any], headers: dict[str, str],
              service: str) -> tuple[int, dict[str, Any]]:
    """POST and return ``(status, JSON object)``; retry once when the connection was not made.

    Only connect errors are retried: then nothing reached the provider, so a retry cannot send an
    SMS twice or bind two aliases. A timeout after sending is not retried. httpx exceptions are
    not chained (``from None``): their request object holds the body, phone number included.
    ``service`` names the vendor in messages (the catalogue's ``contact_service.<service>``).
    """
    vendor = Label("contact_service", service)
    response: httpx.Response | None = None
    for attempt in (1, 2):
        try:
            response = client.post(url, json=json, headers=headers)
            break
        except (httpx.ConnectError, httpx.ConnectTimeout):
            if attempt == 2:
                raise ContactError("provider_unreachable", category="provider_unreachable",
                                   service=vendor) from None
        except httpx.HTTPError as exc:
            raise ContactError("provider_no_answer", category="provider_unreachable",
                               service=vendor, cause=type(exc).__name__) from None
    assert response is not None
    try:
        doc = response.json()
    except ValueError:
        doc = None
    if not isinstance(doc, dict):
        raise ContactError("provider_unreadable", category="provider_error", service=vendor,
                           status=response.status_code)
    return response.status_code, doc


def provider_code_of(doc: Mapping[str, Any]) -> str:
    """The vendor's ``code`` as a short printable string (it goes into messages and the audit)."""
    code = str(doc.get("code", ""))[:40]
    return "".join(ch for ch in code if ch.isprintable()) or "?"


# The adapters import ContactError and the helpers above from this module, so they are imported
# after those are defined (the package is still initialising when they run).
from ownerguard.adapters.contact.number_broker import (  # noqa: E402
    DEFAULT_POOL,
    AliasBinding,
    AxbBroker,
    NumberBroker,
    PoolBroker,
)
from ownerguard.adapters.contact.sms import (  # noqa: E402
    TEMPLATES,
    HttpSms,
    OutboxSms,
    SmsReceipt,
    SmsSender,
    list_outbox,
    render,
)

__all__ = [
    "DEFAULT_POOL", "TEMPLATES", "TIMEOUT_SECONDS",
    "AliasBinding", "AxbBroker", "ContactError", "HttpSms", "NumberBroker", "OutboxSms",
    "PoolBroker", "SmsReceipt", "SmsSender",
    "build_broker", "build_sms", "list_outbox", "render",
]


def _section(settings: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    section = settings.get(name) or {}
    if not isinstance(section, Mapping):
        raise ContactError("setting_not_table", category="config", name=name)
    return section


def _required(section: Mapping[str, Any], name: str, *keys: str) -> list[str]:
    missing = [k for k in keys if not section.get(k)]
    if missing:
        raise ContactError("setting_missing", category="config", name=name,
                           keys=", ".join(missing))
    return [str(section[k]) for k in keys]


def build_sms(settings: Mapping[str, Any], *, outbox_dir: Path | None = None,
              client: httpx.Client | None = None) -> SmsSender:
    """The SMS sender the settings ask for; default: the development outbox in ``outbox_dir``.

    ``settings["sms"]["directory"]`` overrides ``outbox_dir``. ``client`` is passed to the HTTP
    adapter (tests pass a ``TestClient`` of a fake provider).
    """
    section = _section(settings, "sms")
    provider = section.get("provider", "outbox")
    if provider == "outbox":
        directory = section.get("directory") or outbox_dir
        if not directory:
            raise ContactError("outbox_directory", category="config")
        return OutboxSms(Path(directory))
    if provider == "http":
        base_url, api_key, sign_name = _required(section, "sms", "base_url", "api_key", "sign_name")
        return HttpSms(base_url, api_key, sign_name, client=client)
    raise ContactError("sms_provider_unknown", category="config", provider=str(provider)[:40])


def build_broker(settings: Mapping[str, Any], *,
                 client: httpx.Client | None = None) -> NumberBroker:
    """The number broker the settings ask for; default: a pool over ``DEFAULT_POOL``."""
    section = _section(settings, "number_broker")
    provider = section.get("provider", "pool")
    if provider == "pool":
        return PoolBroker(section.get("pool") or DEFAULT_POOL)
    if provider == "axb":
        base_url, app_key, app_secret = _required(
            section, "number_broker", "base_url", "app_key", "app_secret")
        return AxbBroker(base_url, app_key, app_secret, client=client)
    raise ContactError("broker_provider_unknown", category="config",
                       provider=str(provider)[:40])
