"""The authorisation matrix, generated from the grant table: every staff role × purpose × field,
through the HTTP endpoints, in scope and out of scope. Expected outcomes are derived here from
the declarations (grants, field catalogue, purposes: L1, L2, L9) — not from the policy code — so
an unexpected allow or an unexpected deny in any layer fails the test."""

from __future__ import annotations

import pytest

from ownerguard.domain.fields import CATALOGUE
from ownerguard.domain.purposes import PURPOSES, LegalBasis
from ownerguard.domain.staff import STAFF_ROLES
from ownerguard.vault.grants import GRANTS
from ownerguard.vault.policy import Level
from support.staff_world import build_world

FIELDS = list(CATALOGUE)


def expected(role: str, purpose: str, field: str, *, reveal: bool) -> str:
    if PURPOSES[purpose].basis is LegalBasis.NONE:
        return "denied"
    if purpose not in CATALOGUE[field].purposes:
        return "denied"
    level = GRANTS.get((role, purpose), {}).get(field)
    if level is None:
        return "denied"
    if level is Level.MASKED or not reveal:
        return "masked"
    return "clear"


@pytest.fixture
def world(rt, monkeypatch):
    from ownerguard.domain import staff as roles

    # Quotas are tested elsewhere; here every role may make every reveal it is granted.
    for code, r in list(roles.ROLES.items()):
        monkeypatch.setitem(roles.ROLES, code, roles.Role(
            r.code, r.label_zh, r.label_en, r.default_purpose, 10_000, 10_000, r.staff))
    world = build_world(rt)
    # Alice consents to every consent-based purpose, so the matrix shows the grants; the
    # test below withdraws it.
    from ownerguard.domain.consent import NOTICE_VERSION
    from ownerguard.services.owners import consent

    with rt.uow() as uow:
        for p in PURPOSES.values():
            if p.basis is LegalBasis.CONSENT:
                consent.set_consent(rt, uow, company_id=world.company_id,
                                    person_id=world.alice, kind="purpose", target=p.code,
                                    granted=True, notice_version=NOTICE_VERSION, actor="test")
        uow.commit()
    return world


def _reveal_body(world, role, purpose):
    body = {"fields": FIELDS, "purpose": purpose}
    kind = PURPOSES[purpose].work_item
    if kind:
        body["work_order_id"] = world.work_item(role, kind=kind).number
    if purpose == "emergency":
        body["emergency_reason"] = "电梯困人，需要立即联系住户"
    return body


def test_matrix_in_scope(world):
    checked = 0
    for role in STAFF_ROLES:
        h = world.as_(role)
        for purpose in PURPOSES:
            # Masked record: GET /persons/{id}
            r = world.client.get(f"/api/v1/persons/{world.alice}", params={"purpose": purpose},
                                 headers=h)
            want = {f: expected(role, purpose, f, reveal=False) for f in FIELDS}
            if all(v == "denied" for v in want.values()):
                assert r.status_code == 403, (role, purpose, r.text)
            else:
                assert r.status_code == 200, (role, purpose, r.text)
                got = {f: v["outcome"] for f, v in r.json()["fields"].items()}
                for f in FIELDS:
                    if f in got:
                        assert got[f] == want[f], (role, purpose, f, got[f])
                    else:   # the record leaves out fields it would only deny
                        assert want[f] == "denied", (role, purpose, f)
            # Reveal: POST /persons/{id}/reveal with every field
            r = world.client.post(f"/api/v1/persons/{world.alice}/reveal", headers=h,
                                  json=_reveal_body(world, role, purpose))
            want = {f: expected(role, purpose, f, reveal=True) for f in FIELDS}
            if "clear" not in want.values():
                assert r.status_code == 403, (role, purpose, r.text)
            else:
                assert r.status_code == 200, (role, purpose, r.text)
                body = r.json()
                got = {f: "clear" for f in body["values"]}
                got.update({f: ("denied" if v["code"] in _DENY_CODES else "masked")
                            for f, v in body["refused"].items()})
                assert got == want, (role, purpose)
            checked += 1
    assert checked == len(STAFF_ROLES) * len(PURPOSES)


_DENY_CODES = {"field_not_needed", "role_not_permitted", "no_legal_basis", "unknown_role",
               "out_of_scope", "other_company", "shredded"}


def test_matrix_out_of_scope(world):
    """Bob lives in building 2: no building-scoped role sees anything of him, for any purpose;
    the company-wide DPO does."""
    for role in STAFF_ROLES:
        h = world.as_(role)
        for purpose in PURPOSES:
            r = world.client.get(f"/api/v1/persons/{world.bob}", params={"purpose": purpose},
                                 headers=h)
            allowed = role == "dpo" and any(
                expected(role, purpose, f, reveal=False) != "denied" for f in FIELDS)
            assert (r.status_code == 200) is allowed, (role, purpose, r.text)
            if not allowed:
                assert "鲍勃" not in r.text and "13933334444" not in r.text
        listed = world.client.get("/api/v1/persons", headers=h).json()["items"]
        assert (world.bob in [i["id"] for i in listed]) is (role == "dpo"), role


def test_list_endpoint_never_clear(world):
    for role in STAFF_ROLES:
        for item in world.client.get("/api/v1/persons", headers=world.as_(role)).json()["items"]:
            assert all(f["outcome"] in ("masked", "denied") for f in item["fields"].values())


def test_withdrawn_consent_stops_processing_at_once(world):
    """L4: after withdrawal the very next read for that purpose is denied, for every role."""
    from ownerguard.services.owners import consent

    h = world.as_("front_desk")
    before = world.client.get(f"/api/v1/persons/{world.alice}", params={"purpose": "delivery"},
                              headers=h)
    assert before.status_code == 200
    with world.rt.uow() as uow:
        consent.set_consent(world.rt, uow, company_id=world.company_id, person_id=world.alice,
                            kind="purpose", target="delivery", granted=False,
                            notice_version="any", actor="owner")
        uow.commit()
    for role in ("front_desk", "steward", "guard"):
        r = world.client.get(f"/api/v1/persons/{world.alice}", params={"purpose": "delivery"},
                             headers=world.as_(role))
        assert r.status_code == 403 and r.json()["detail"]["code"] == "no_consent", role
    # other purposes go on
    assert world.client.get(f"/api/v1/persons/{world.alice}", params={"purpose": "visitor"},
                            headers=h).status_code == 200
