"""Contact without revealing: SMS senders and privacy-number brokers.

Every expected failure goes through ``refused``, which also checks that the exception — message,
repr, vendor code and the traceback a logger would print — holds none of the numbers used here.
"""

from __future__ import annotations

import contextlib
import json
import stat
import threading
import time
import traceback
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from ownerguard import clock
from ownerguard.adapters.contact import (
    DEFAULT_POOL,
    AliasBinding,
    AxbBroker,
    ContactError,
    HttpSms,
    NumberBroker,
    OutboxSms,
    PoolBroker,
    SmsSender,
    build_broker,
    build_sms,
    list_outbox,
    render,
)
from ownerguard.adapters.contact.number_broker import axb_signature
from support.fake_axb import create_fake_axb
from support.fake_sms import create_fake_sms

OWNER = "13812345678"
OWNER_SPACED = "+86 138 1234 5678"
STAFF = "13987654321"
THROTTLED = "19912345670"          # the fake SMS vendor refuses it, quoting it in its message
PHONES = (OWNER, STAFF, THROTTLED)

REPAIR = {"company": "阳光物业", "work_order": "WO-2024-0815", "time": "明天上午10点",
          "callback": "4008001234"}
SMS_KEY = "test-api-key"
APP_KEY, APP_SECRET = "test-app-key", "test-app-secret"


def _leaks(exc: BaseException) -> list[str]:
    texts = [str(exc), repr(exc), "".join(traceback.format_exception(exc)),
             str(getattr(exc, "provider_code", ""))]
    if isinstance(exc, ContactError):
        texts += [exc.message("zh"), exc.message("en")]
    return [p for p in PHONES for t in texts if p in t or p[-8:] in t]


def _words(exc: ContactError) -> str:
    """Both languages of the refusal's message."""
    return exc.message("zh") + " / " + exc.message("en")


@contextlib.contextmanager
def refused(category: str):
    """Like ``pytest.raises(ContactError)``, plus: the category matches, no number leaks and
    the catalogue words the refusal in Chinese and English."""
    with pytest.raises(ContactError) as info:
        yield info
    assert info.value.category == category, info.value
    assert _leaks(info.value) == []
    assert str(info.value) == info.value.code
    assert f"error.{info.value.code}" not in _words(info.value)


def _later(**kw) -> datetime:
    return clock.now() + timedelta(**kw)


# ---------------------------------------------------------------------------------------------
# Templates


def test_render_fills_a_template():
    text = render("repair_visit", REPAIR)
    assert text == "【阳光物业】您的报修单WO-2024-0815维修师傅将于明天上午10点上门，如有疑问请回拨4008001234。"
    assert render("otp", {"code": "482913"}) == "您的验证码为482913，5分钟内有效。"


def test_render_drops_unused_params_and_refuses_missing_or_unsafe_ones():
    assert render("otp", {"code": "1", "name": "张三"}) == "您的验证码为1，5分钟内有效。"
    with refused("template_params") as info:
        render("repair_visit", {"company": "阳光物业"})
    assert "callback" in _words(info.value) and "work_order" in _words(info.value)
    with refused("template_params"):
        render("otp", {"code": "【假冒】1"})
    with refused("template_params"):
        render("otp", {"code": "x" * 65})
    with refused("template_params"):
        render("otp", {"code": "1\n2"})
    with refused("template_unknown"):
        render("free_text", {})


# ---------------------------------------------------------------------------------------------
# Outbox (development only)


def test_outbox_keeps_no_full_number(tmp_path: Path):
    outbox = OutboxSms(tmp_path / "outbox")
    assert isinstance(outbox, SmsSender)
    receipt = outbox.send(OWNER_SPACED, "repair_visit", REPAIR, to_ref="person-42")
    outbox.send(OWNER, "otp", {"code": "482913"}, to_ref="person-42")
    assert receipt.status == "outbox" and receipt.message_id.startswith("outbox-")

    path = tmp_path / "outbox" / "outbox.jsonl"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    raw = path.read_bytes().decode("utf-8")
    assert OWNER not in raw and "12345678" not in raw and "1234 5678" not in raw

    records = list_outbox(tmp_path / "outbox")
    assert [r["to_masked"] for r in records] == ["138****5678", "138****5678"]
    assert {r["to_ref"] for r in records} == {"person-42"}
    assert all("DEVELOPMENT ONLY" in r["warning"] for r in records)
    assert records[0]["text"] == render("repair_visit", REPAIR)
    assert records[1]["text"] == "您的验证码为482913，5分钟内有效。"
    assert records[0]["message_id"] == receipt.message_id


def test_outbox_tightens_a_loosened_file_and_lists_nothing_when_empty(tmp_path: Path):
    assert list_outbox(tmp_path) == []
    (tmp_path / "outbox.jsonl").write_text("")
    (tmp_path / "outbox.jsonl").chmod(0o644)
    OutboxSms(tmp_path).send(OWNER, "otp", {"code": "1"})
    assert stat.S_IMODE((tmp_path / "outbox.jsonl").stat().st_mode) == 0o600


def test_outbox_refuses_bad_numbers_and_params_without_writing(tmp_path: Path):
    outbox = OutboxSms(tmp_path)
    with refused("invalid_phone"):
        outbox.send("010-66668888", "otp", {"code": "1"})          # a landline gets no SMS
    with refused("invalid_phone"):
        outbox.send("1381234567", "otp", {"code": "1"})            # 10 digits
    with refused("template_params"):
        outbox.send(OWNER, "otp", {})
    assert list_outbox(tmp_path) == []


# ---------------------------------------------------------------------------------------------
# HTTP SMS vendor


@pytest.fixture
def sms_app():
    return create_fake_sms(SMS_KEY)


def test_http_sms_sends_through_the_vendor(sms_app):
    sms = HttpSms("http://testserver", SMS_KEY, "阳光物业", client=TestClient(sms_app))
    receipt = sms.send(OWNER_SPACED, "repair_visit", REPAIR, to_ref="person-42")
    assert receipt.status == "accepted" and receipt.provider == "http"
    [sent] = sms_app.state.sent
    assert sent == {"phone": OWNER, "sign_name": "阳光物业", "template": "repair_visit",
                    "params": REPAIR, "message_id": receipt.message_id}
    # A parameter the template does not use never reaches the vendor.
    sms.send(OWNER, "otp", {"code": "1", "owner_name": "张三"})
    assert sms_app.state.sent[1]["params"] == {"code": "1"}


def test_http_sms_vendor_refusals_never_quote_the_number(sms_app):
    sms = HttpSms("http://testserver", SMS_KEY, "阳光物业", client=TestClient(sms_app))
    with refused("provider_error") as info:
        sms.send(THROTTLED, "otp", {"code": "1"})        # the vendor's message quotes the number
    assert info.value.provider_code == "isv.BUSINESS_LIMIT_CONTROL"
    assert "isv.BUSINESS_LIMIT_CONTROL" in _words(info.value)

    wrong_key = HttpSms("http://testserver", "wrong", "阳光物业", client=TestClient(sms_app))
    with refused("provider_error") as info:
        wrong_key.send(OWNER, "otp", {"code": "1"})
    assert info.value.provider_code == "Unauthorized" and "wrong" not in _words(info.value)
    assert sms_app.state.sent == []


def test_http_sms_checks_params_before_calling_the_vendor(sms_app):
    sms = HttpSms("http://testserver", SMS_KEY, "阳光物业", client=TestClient(sms_app))
    with refused("template_params"):
        sms.send(OWNER, "repair_visit", {"company": "阳光物业"})
    with refused("template_unknown"):
        sms.send(OWNER, "marketing", {})
    assert sms_app.state.sent == []


def _flaky(app, failures: int) -> tuple[httpx.Client, list[int]]:
    """A client whose first ``failures`` requests fail to connect; later ones reach ``app``."""
    target, calls = TestClient(app), [0]

    def handler(request: httpx.Request) -> httpx.Response:
        calls[0] += 1
        if calls[0] <= failures:
            raise httpx.ConnectError("connection refused", request=request)
        response = target.send(request)
        response.read()
        return httpx.Response(response.status_code, headers=response.headers,
                              content=response.content)

    return httpx.Client(transport=httpx.MockTransport(handler)), calls


def test_http_sms_retries_once_on_connect_errors(sms_app):
    client, calls = _flaky(sms_app, failures=1)
    sms = HttpSms("http://testserver", SMS_KEY, "阳光物业", client=client)
    assert sms.send(OWNER, "otp", {"code": "1"}).status == "accepted" and calls[0] == 2

    client, calls = _flaky(sms_app, failures=2)
    sms = HttpSms("http://testserver", SMS_KEY, "阳光物业", client=client)
    with refused("provider_unreachable") as info:
        sms.send(OWNER, "otp", {"code": "1"})
    assert calls[0] == 2 and info.value.__cause__ is None


def test_http_sms_does_not_retry_a_read_timeout():
    calls = [0]

    def handler(request: httpx.Request) -> httpx.Response:
        calls[0] += 1
        raise httpx.ReadTimeout("timed out", request=request)

    sms = HttpSms("https://sms.example.com", SMS_KEY, "阳光物业",
                  client=httpx.Client(transport=httpx.MockTransport(handler)))
    with refused("provider_unreachable"):
        sms.send(OWNER, "otp", {"code": "1"})
    assert calls[0] == 1                          # it may have been sent: never send it twice


def test_http_sms_refuses_plain_http_to_a_remote_host():
    with refused("config"):
        HttpSms("http://sms.example.com", SMS_KEY, "阳光物业")


def test_http_sms_refuses_an_unreadable_answer():
    client = httpx.Client(transport=httpx.MockTransport(
        lambda request: httpx.Response(502, text="<html>bad gateway</html>")))
    sms = HttpSms("https://sms.example.com", SMS_KEY, "阳光物业", client=client)
    with refused("provider_error") as info:
        sms.send(OWNER, "otp", {"code": "1"})
    assert "502" in _words(info.value)


# ---------------------------------------------------------------------------------------------
# Pool broker


def test_pool_allocates_releases_and_recycles_oldest_released_last():
    pool = PoolBroker("17000000000-17000000002")
    assert isinstance(pool, NumberBroker) and pool.capacity == 3
    first = pool.bind(OWNER, STAFF, "WO-1", _later(hours=2))
    assert first == AliasBinding(first.binding_id, "17000000000", "pool", "WO-1",
                                 first.expires_at)
    second = pool.bind(OWNER, None, "WO-2", _later(hours=2))
    pool.release(first)
    pool.release(first)                                    # twice: harmless
    # Never-used numbers go out before a recycled one.
    assert pool.bind(OWNER, STAFF, "WO-3", _later(hours=2)).alias_number == "17000000002"
    assert pool.bind(OWNER, STAFF, "WO-4", _later(hours=2)).alias_number == "17000000000"
    assert pool.in_use() == {"17000000000", "17000000001", "17000000002"}
    assert second.alias_number == "17000000001"


def test_pool_exhaustion_and_reclaiming_expired_bindings():
    now = [datetime(2024, 8, 15, 9, 0, tzinfo=UTC)]
    pool = PoolBroker(["17000000010", "17000000011"], clock=lambda: now[0])
    pool.bind(OWNER, STAFF, "WO-1", now[0] + timedelta(hours=1))
    pool.bind(OWNER, STAFF, "WO-2", now[0] + timedelta(hours=3))
    with refused("pool_exhausted") as info:
        pool.bind(OWNER, STAFF, "WO-3", now[0] + timedelta(hours=1))
    assert _words(info.value) == "号码池已满 / alias pool exhausted"
    now[0] += timedelta(hours=2)                        # WO-1's binding has expired
    assert pool.bind(OWNER, STAFF, "WO-3", now[0] + timedelta(hours=1)).alias_number \
        == "17000000010"


def test_pool_is_thread_safe():
    pool = PoolBroker("17000000000-17000000399")
    results: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        got = [pool.bind(OWNER, STAFF, "WO", _later(hours=1)).alias_number for _ in range(50)]
        with lock:
            results.extend(got)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 400 and len(set(results)) == 400
    with refused("pool_exhausted"):
        pool.bind(OWNER, STAFF, "WO", _later(hours=1))


def test_pool_restores_from_stored_bindings():
    # Process A bound two aliases and the caller stored them; process B starts from the table.
    a = PoolBroker("17000000000-17000000003")
    stored = [a.bind(OWNER, STAFF, f"WO-{i}", _later(hours=1)) for i in range(2)]
    b = PoolBroker("17000000000-17000000003")
    assert b.restore([stored[0], stored[1].alias_number, "18800000000"]) == 2
    fresh = {b.bind(OWNER, STAFF, "WO-x", _later(hours=1)).alias_number for _ in range(2)}
    assert fresh == {"17000000002", "17000000003"}
    with refused("pool_exhausted"):
        b.bind(OWNER, STAFF, "WO-y", _later(hours=1))
    b.release(stored[0])                                   # released in another process: fine
    assert b.bind(OWNER, STAFF, "WO-z", _later(hours=1)).alias_number == "17000000000"


def test_pool_restore_replaces_its_view_but_keeps_uncommitted_local_bindings():
    now = [datetime(2024, 8, 15, 9, 0, tzinfo=UTC)]
    pool = PoolBroker("17000000000-17000000002", clock=lambda: now[0])
    assert pool.restore(["17000000000", "17000000001"]) == 2
    mine = pool.bind(OWNER, STAFF, "WO-1", now[0] + timedelta(hours=1))
    assert mine.alias_number == "17000000002"
    # Another process released 17000000000; our own binding is not committed yet.
    pool.restore(["17000000001"])
    assert pool.in_use() == {"17000000001", "17000000002"}
    assert pool.bind(OWNER, STAFF, "WO-2", now[0] + timedelta(hours=1)).alias_number \
        == "17000000000"
    # Long after, a binding of ours that never reached the table (rolled back) is freed.
    now[0] += timedelta(minutes=5)
    pool.restore(["17000000001"])
    assert pool.in_use() == {"17000000001"}


def test_pool_refuses_bad_input():
    pool = PoolBroker()
    assert pool.capacity == 1000
    with refused("invalid_phone"):
        pool.bind("12345", STAFF, "WO-1", _later(hours=1))
    with refused("invalid_phone"):
        pool.bind(OWNER, OWNER_SPACED, "WO-1", _later(hours=1))     # owner and staff are one
    with refused("binding_invalid"):
        pool.bind(OWNER, STAFF, "WO-1", _later(hours=-1))
    with refused("binding_invalid"):
        pool.bind(OWNER, STAFF, "WO-1", datetime.now() + timedelta(hours=1))  # naive
    with refused("binding_invalid"):
        pool.bind(OWNER, STAFF, "", _later(hours=1))
    with refused("binding_invalid"):
        pool.release(AliasBinding("x", "18800000000", "pool", "WO-1", _later(hours=1)))
    with refused("binding_invalid"):
        pool.release(AliasBinding("x", "17000000000", "axb", "WO-1", _later(hours=1)))
    for spec in ("17000000999-17000000000", "1700-17000000999", "abc", ""):
        with refused("config"):
            PoolBroker(spec)
    assert pool.in_use() == frozenset()


# ---------------------------------------------------------------------------------------------
# AXB broker


@pytest.fixture
def axb_app():
    return create_fake_axb(APP_KEY, APP_SECRET, pool=["17100000001", "17100000002"])


def _axb(app, secret: str = APP_SECRET, **kw) -> AxbBroker:
    return AxbBroker("http://testserver", APP_KEY, secret, client=TestClient(app), **kw)


def test_axb_binds_and_unbinds(axb_app):
    broker = _axb(axb_app)
    assert isinstance(broker, NumberBroker)
    expires = _later(hours=4)
    binding = broker.bind(OWNER_SPACED, STAFF, "WO-2024-0815", expires)
    assert binding.provider == "axb" and binding.alias_number == "17100000001"
    assert binding.binding_ref == "WO-2024-0815" and binding.expires_at == expires
    stored = axb_app.state.bindings[binding.binding_id]
    assert stored["phoneA"] == OWNER and stored["phoneB"] == STAFF
    assert stored["bindingRef"] == "WO-2024-0815"
    assert 4 * 3600 - 5 <= stored["expires"] - time.time() <= 4 * 3600 + 1
    assert OWNER not in repr(binding) and STAFF not in repr(binding)

    broker.release(binding)
    assert axb_app.state.bindings == {} and "17100000001" in axb_app.state.pool
    broker.release(binding)                       # already gone ("404"): nothing to do
    assert axb_app.state.verified == 3            # every request's signature was checked


def test_axb_binding_without_staff_number(axb_app):
    binding = _axb(axb_app).bind(OWNER, None, "WO-1", _later(minutes=30))
    assert axb_app.state.bindings[binding.binding_id]["phoneB"] is None


def test_axb_bad_secret_is_refused_by_the_vendor(axb_app):
    with refused("provider_error") as info:
        _axb(axb_app, secret="not-the-secret").bind(OWNER, STAFF, "WO-1", _later(hours=1))
    assert info.value.provider_code == "401" and "not-the-secret" not in _words(info.value)
    assert axb_app.state.bindings == {} and axb_app.state.verified == 0


def test_axb_clock_skew_is_refused(axb_app):
    skewed = _axb(axb_app, clock=lambda: time.time() - 400)
    with refused("provider_error") as info:
        skewed.bind(OWNER, STAFF, "WO-1", _later(hours=1))
    assert info.value.provider_code == "401"
    slightly = _axb(axb_app, clock=lambda: time.time() - 200)
    assert slightly.bind(OWNER, STAFF, "WO-1", _later(hours=1)).alias_number


def test_the_fake_vendor_really_checks_signatures(axb_app):
    client = TestClient(axb_app)
    body = {"phoneA": OWNER, "expiration": "60", "bindingRef": "WO-1"}
    ts = str(int(time.time()))
    good = axb_signature(APP_SECRET, {**body, "appKey": APP_KEY, "timestamp": ts})
    headers = {"X-App-Key": APP_KEY, "X-Timestamp": ts, "X-Signature": good}
    tampered = {**body, "phoneA": STAFF}                    # the signature covers the body
    assert client.post("/axb/bind", json=tampered, headers=headers).json()["code"] == "401"
    assert client.post("/axb/bind", json=body).json()["code"] == "401"      # unsigned
    assert client.post("/axb/bind", json=body, headers=headers).json()["code"] == "0"


def test_axb_signature_is_the_documented_canonical_string():
    import hashlib
    import hmac

    params = {"phoneA": "13800000000", "bindingRef": "WO 1/一", "expiration": "60",
              "appKey": "k", "timestamp": "1700000000"}
    canonical = ("appKey=k&bindingRef=WO%201%2F%E4%B8%80&expiration=60&phoneA=13800000000"
                 "&timestamp=1700000000")
    assert axb_signature("s", params) == hmac.new(b"s", canonical.encode(),
                                                  hashlib.sha256).hexdigest()


def test_axb_vendor_out_of_numbers(axb_app):
    broker = _axb(axb_app)
    broker.bind(OWNER, STAFF, "WO-1", _later(hours=1))
    broker.bind(OWNER, STAFF, "WO-2", _later(hours=1))
    with refused("pool_exhausted") as info:            # the fake's message quotes phoneA
        broker.bind(OWNER, STAFF, "WO-3", _later(hours=1))
    assert info.value.provider_code == "409"


def test_axb_refuses_bad_input_before_calling(axb_app):
    broker = _axb(axb_app)
    with refused("binding_invalid"):
        broker.bind(OWNER, STAFF, "WO-1", _later(seconds=-5))
    with refused("invalid_phone"):
        broker.bind("not a number", STAFF, "WO-1", _later(hours=1))
    with refused("binding_invalid"):
        broker.release(AliasBinding("pool-1", "17000000000", "pool", "WO-1", _later(hours=1)))
    with refused("config"):
        AxbBroker("http://axb.example.com", APP_KEY, APP_SECRET)
    assert axb_app.state.verified == 0


def test_axb_retries_once_on_connect_errors(axb_app):
    client, calls = _flaky(axb_app, failures=1)
    broker = AxbBroker("http://testserver", APP_KEY, APP_SECRET, client=client)
    assert broker.bind(OWNER, STAFF, "WO-1", _later(hours=1)).alias_number == "17100000001"
    assert calls[0] == 2 and len(axb_app.state.bindings) == 1


# ---------------------------------------------------------------------------------------------
# Factories and the error type


def test_factories_default_to_outbox_and_pool(tmp_path: Path):
    sms = build_sms({}, outbox_dir=tmp_path)
    assert isinstance(sms, OutboxSms) and sms.directory == tmp_path
    broker = build_broker({})
    assert isinstance(broker, PoolBroker) and broker.capacity == 1000
    assert DEFAULT_POOL == "17000000000-17000000999"
    assert isinstance(build_broker({"number_broker": {"pool": "17000000000-17000000009"}}),
                      PoolBroker)
    with refused("config"):
        build_sms({})                                       # no outbox directory anywhere


def test_factories_build_http_adapters(sms_app, axb_app):
    sms = build_sms({"sms": {"provider": "http", "base_url": "http://testserver",
                             "api_key": SMS_KEY, "sign_name": "阳光物业"}},
                    client=TestClient(sms_app))
    assert isinstance(sms, HttpSms) and sms.send(OWNER, "otp", {"code": "1"}).status == "accepted"
    broker = build_broker({"number_broker": {"provider": "axb", "base_url": "http://testserver",
                                             "app_key": APP_KEY, "app_secret": APP_SECRET}},
                          client=TestClient(axb_app))
    assert isinstance(broker, AxbBroker)
    assert broker.bind(OWNER, STAFF, "WO-1", _later(hours=1)).provider == "axb"
    with refused("config") as info:
        build_broker({"number_broker": {"provider": "axb", "base_url": "https://x"}})
    assert "app_key" in _words(info.value) and "app_secret" in _words(info.value)
    with refused("config"):
        build_sms({"sms": {"provider": "carrier-pigeon"}})


def test_contact_error_hides_anything_that_looks_like_a_number():
    err = ContactError(f"号码 {OWNER} 有误 / number {OWNER_SPACED} is wrong",
                       provider_code=f"E{STAFF}")
    assert _leaks(err) == []
    assert "HTTP 502" in str(ContactError("HTTP 502 / HTTP 502"))      # short numbers stay
    json.dumps({"reason": err.code, "message": str(err)}, ensure_ascii=False)


def test_a_callers_client_must_not_wait_longer_than_five_seconds(sms_app):
    with refused("config"):
        HttpSms("https://sms.example.com", SMS_KEY, "阳光物业", client=httpx.Client(timeout=30))
    with refused("config"):
        AxbBroker("https://axb.example.com", APP_KEY, APP_SECRET,
                  client=httpx.Client(timeout=None))
    HttpSms("https://sms.example.com", SMS_KEY, "阳光物业", client=httpx.Client(timeout=2))
