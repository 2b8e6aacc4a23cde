"""A fake SMS vendor implementing the contract ``HttpSms`` documents, for tests.

``POST /sms/send`` with ``Authorization: Bearer <api_key>`` and JSON ``{"phone", "sign_name",
"template", "params"}`` → ``{"code": "OK", "message_id": …}``. Refusals are shaped like real
vendors' and, like some of them, quote the phone number in ``message`` — so tests can check that
``HttpSms`` never passes that text on.

Triggers: a wrong key → HTTP 401 ``Unauthorized``; a template it does not know →
``isv.SMS_TEMPLATE_ILLEGAL``; a phone starting with ``199`` → ``isv.BUSINESS_LIMIT_CONTROL``.
"""

from __future__ import annotations

import uuid

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

KNOWN_TEMPLATES = frozenset({"repair_visit", "callback_request", "otp"})


def create_fake_sms(api_key: str = "test-api-key") -> FastAPI:
    app = FastAPI()
    app.state.sent = []            # accepted messages, phone included (memory only, tests only)

    @app.post("/sms/send")
    async def send(request: Request) -> JSONResponse:
        if request.headers.get("authorization") != f"Bearer {api_key}":
            return JSONResponse({"code": "Unauthorized", "message": "bad api key"}, status_code=401)
        body = await request.json()
        phone = body.get("phone", "")
        if not (isinstance(phone, str) and len(phone) == 11 and phone.isdigit()):
            return JSONResponse({"code": "isv.MOBILE_NUMBER_ILLEGAL",
                                 "message": f"invalid mobile {phone}"})
        if body.get("template") not in KNOWN_TEMPLATES:
            return JSONResponse({"code": "isv.SMS_TEMPLATE_ILLEGAL",
                                 "message": f"template not approved for {phone}"})
        if phone.startswith("199"):
            return JSONResponse({"code": "isv.BUSINESS_LIMIT_CONTROL",
                                 "message": f"触发号码天级流控 {phone}"})
        message_id = uuid.uuid4().hex
        app.state.sent.append({**body, "message_id": message_id})
        return JSONResponse({"code": "OK", "message_id": message_id})

    return app
