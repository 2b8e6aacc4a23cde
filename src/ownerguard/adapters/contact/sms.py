"""Text an owner from an approved template, so staff need not see or dial the number.

Only templates in ``TEMPLATES`` can be sent: Chinese SMS vendors only deliver pre-approved
templates anyway, and a fixed list keeps staff from putting free text (or other people's data)
into a message. ``render`` checks the parameters before anything leaves the process.

Adapters:
- ``OutboxSms`` — DEVELOPMENT ONLY. Writes the message to a local file instead of sending it.
- ``HttpSms`` — a generic vendor HTTP API (``POST {base_url}/sms/send``).
"""

from __future__ import annotations

import json
import logging
import os
import string
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

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
from ownerguard.vault.masking.phone import mask_phone

log = logging.getLogger(__name__)

# Template id → text. Vendors add the signature (签名) themselves; the copies here are what we
# validate against and what the development outbox shows.
TEMPLATES: dict[str, str] = {
    "repair_visit": "【{company}】您的报修单{work_order}维修师傅将于{time}上门，如有疑问请回拨{callback}。",
    "callback_request": "【{company}】物业工作人员需要就事项{work_order}与您联系，请回电{callback}。",
    "otp": "您的验证码为{code}，5分钟内有效。",
    # PIPL 57 (L21): the details are in the owner portal, where the owner signs in.
    "breach_notice": "【{company}】个人信息安全事件通知（{incident}）：您的部分个人信息可能被泄露。"
                     "事件详情、可能的影响和您可以采取的措施请登录业主门户查看，咨询电话{callback}。",
}

# Vendors cap a template variable's length; a long value is also a sign that something other
# than a short reference (a name, an address, a note) is being smuggled into the text.
MAX_PARAM_LENGTH = 64
# 【】 would let a value fake a second signature, i.e. pose as another sender.
_FORBIDDEN_IN_PARAMS = frozenset("【】")

OUTBOX_FILE = "outbox.jsonl"
OUTBOX_WARNING = "DEVELOPMENT ONLY 仅供开发：此短信未真正发送 / this SMS was NOT sent"


@dataclass(frozen=True)
class SmsReceipt:
    """What a sender returns: the vendor's message id and a status.

    ``status``: ``accepted`` (the vendor took it; delivery reports come later) or ``outbox``
    (written to the development outbox, nothing was sent).
    """

    message_id: str
    status: str
    provider: str


@runtime_checkable
class SmsSender(Protocol):
    """Send one templated SMS. ``to_ref`` is an opaque caller reference (e.g. the person id)."""

    def send(self, phone: str, template: str, params: dict[str, str], *,
             to_ref: str = "") -> SmsReceipt: ...


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def template_params(template: str, params: Mapping[str, str]) -> dict[str, str]:
    """The parameters ``template`` uses, checked; ContactError names what is wrong.

    Parameters the template does not use are dropped — never rendered, sent or stored — so a
    caller may pass one dict for several templates. Messages name parameters, never values.
    """
    text = TEMPLATES.get(template) if isinstance(template, str) else None
    if text is None:
        raise ContactError("template_unknown", category="template_unknown",
                           template=str(template)[:40])
    wanted = sorted(_placeholders(text))
    missing = [name for name in wanted if name not in params]
    if missing:
        raise ContactError("template_missing_params", category="template_params",
                           template=template, names=", ".join(missing))
    for name in wanted:
        value = params[name]
        if not isinstance(value, str) or not value.strip():
            raise ContactError("template_param_empty", category="template_params", name=name)
        if len(value) > MAX_PARAM_LENGTH:
            raise ContactError("template_param_too_long", category="template_params",
                               name=name, max=MAX_PARAM_LENGTH)
        if any(not ch.isprintable() or ch in _FORBIDDEN_IN_PARAMS for ch in value):
            raise ContactError("template_param_forbidden", category="template_params",
                               name=name)
    return {name: params[name] for name in wanted}


def render(template: str, params: Mapping[str, str]) -> str:
    """The message text, or ContactError naming the template or parameters that are wrong."""
    used = template_params(template, params)          # raises first for an unknown template
    return TEMPLATES[template].format_map(used)


class OutboxSms:
    """DEVELOPMENT ONLY — NOTHING IS SENT. Appends each message to ``<directory>/outbox.jsonl``.

    For demos and tests without an SMS vendor. Never configure it in production: owners receive
    nothing, and one-time codes (``otp``) sit in the file in clear for as long as it exists.

    The project's invariant — no personal value in clear on disk — holds here too: a record keeps
    the masked number (``138****5678``) and the caller's opaque ``to_ref``, never the number. The
    rendered text is kept (templates hold work-order references, times and the company's
    callback number, not owners' data). The file is created 0600 in a 0700 directory.
    """

    provider = "outbox"

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._lock = threading.Lock()
        log.warning("OutboxSms: DEVELOPMENT ONLY, SMS are written to %s and NOT sent",
                    self.directory / OUTBOX_FILE)

    def send(self, phone: str, template: str, params: dict[str, str], *,
             to_ref: str = "") -> SmsReceipt:
        number = dialable_number(phone, mobile_only=True, who="recipient")
        text = render(template, params)
        message_id = "outbox-" + uuid.uuid4().hex
        record = {
            "warning": OUTBOX_WARNING,
            "message_id": message_id,
            "ts": clock.now().isoformat(timespec="seconds"),
            "to_masked": mask_phone(number),
            "to_ref": str(to_ref),
            "template": template,
            "text": text,
        }
        self._append(json.dumps(record, ensure_ascii=False) + "\n")
        return SmsReceipt(message_id=message_id, status="outbox", provider=self.provider)

    def _append(self, line: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        with self._lock:
            fd = os.open(self.directory / OUTBOX_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT,
                         0o600)
            try:
                os.fchmod(fd, 0o600)         # also tightens a file someone loosened
                # One write per line with O_APPEND: lines from several processes do not interleave.
                os.write(fd, line.encode("utf-8"))
            finally:
                os.close(fd)


def list_outbox(directory: Path) -> list[dict]:
    """The development outbox's records, oldest first ([] when nothing was written yet)."""
    path = Path(directory) / OUTBOX_FILE
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


class HttpSms:
    """A generic SMS vendor over HTTPS.

    Contract: ``POST {base_url}/sms/send`` with header ``Authorization: Bearer <api_key>`` and JSON
    ``{"phone", "sign_name", "template", "params"}``; the answer is JSON ``{"code": "OK",
    "message_id": …}``, any other code is a refusal (``{"code": …, "message": …}``). The vendor
    renders its own approved copy of the template; we render ours first only to validate.

    Timeout 5 s; one retry when the connection could not be made. Errors carry the vendor's code
    (``ContactError.provider_code``) but not its message text, which may quote the number.
    """

    provider = "http"

    def __init__(self, base_url: str, api_key: str, sign_name: str,
                 client: httpx.Client | None = None) -> None:
        if not api_key or not sign_name:
            raise ContactError("sms_keys_required", category="config")
        self._url = provider_url(base_url, "/sms/send")
        self._api_key = api_key
        self.sign_name = sign_name
        self._client, self._own_client = http_client(client)

    def send(self, phone: str, template: str, params: dict[str, str], *,
             to_ref: str = "") -> SmsReceipt:
        # ``to_ref`` stays here: the vendor needs no person id, and the caller already has the
        # message id to match delivery reports.
        number = dialable_number(phone, mobile_only=True, who="recipient")
        used = template_params(template, params)
        status, doc = post_json(
            self._client, self._url,
            json={"phone": number, "sign_name": self.sign_name, "template": template,
                  "params": used},
            headers={"Authorization": f"Bearer {self._api_key}"},
            service="sms")
        code = provider_code_of(doc)
        if code != "OK":
            raise ContactError("sms_refused", category="provider_error", provider_code=code,
                               code=code, status=status)
        message_id = doc.get("message_id")
        if not isinstance(message_id, str) or not message_id:
            raise ContactError("sms_no_message_id", category="provider_error",
                               provider_code=code)
        return SmsReceipt(message_id=message_id, status="accepted", provider=self.provider)

    def close(self) -> None:
        if self._own_client:
            self._client.close()
