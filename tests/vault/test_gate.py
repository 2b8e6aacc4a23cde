"""The gate: policy decisions per field, audit in the same transaction, deny by default."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ownerguard.services.registry import persons as svc
from ownerguard.store.tables import audit_log
from ownerguard.vault.audit import AuditWriteFailed
from ownerguard.vault.gate import PersonNotFound
from ownerguard.vault.policy import Outcome, community_scope
from support.helpers import ctx, person_row, store_rows

# The subject is the database: these tests run on PostgreSQL too when it is configured.
pytestmark = pytest.mark.postgres


@pytest.fixture
def stored(rt):
    comp, comm, _ = store_rows(rt, [person_row(plate="京A12345"),
                                    person_row(3, name="李四", phone="13900001111",
                                               id_number=None, number="102")])
    with rt.uow() as uow:
        zhang = svc.search(rt, uow, ctx(comp.id), svc.SearchTerm("phone", "13812345678"))[0]
        uow.commit()
    return comp, comm, zhang


def _read(rt, context, pid, fields, reveal=()):
    with rt.uow() as uow:
        views = rt.gate.read(uow, context, [pid], fields, reveal=reveal)
        uow.commit()
    return views[0]


def _audit_rows(rt, subject):
    with rt.uow(read_only=True) as uow:
        return uow.conn.execute(select(audit_log).where(audit_log.c.subject == subject)
                                .order_by(audit_log.c.id)).all()


def test_masked_by_default(rt, stored):
    comp, _, pid = stored
    v = _read(rt, ctx(comp.id), pid, ["name", "phone", "id_number", "rooms", "plate"])
    assert v.value("name") == "张*国"
    assert v.value("phone") == ["138****5678"]
    assert v.value("id_number") == "110105**********2X"
    assert v.value("rooms") == ["1栋1单元***"]
    assert v.value("plate")[0].startswith("京A") and "12345" not in v.value("plate")[0]
    assert {s.outcome for s in v.fields.values()} == {Outcome.MASKED}


def test_reveal_with_purpose_is_clear_and_audited(rt, stored):
    comp, _, pid = stored
    v = _read(rt, ctx(comp.id), pid, ["name", "phone"], reveal=["phone"])
    assert v.value("phone") == ["13812345678"]
    assert v.fields["name"].outcome is Outcome.MASKED
    entries = [e for e in _audit_rows(rt, pid) if e.action == "read"]
    by_outcome = {e.outcome: e for e in entries}
    assert by_outcome["clear"].fields == "phone" and by_outcome["clear"].reason == "revealed"
    assert by_outcome["masked"].fields == "name"
    assert by_outcome["clear"].purpose == "record_keeping"
    assert by_outcome["clear"].actor == "test:alice"
    for e in entries:  # the audit never carries a value
        assert "13812345678" not in "".join(str(x) for x in e)


def test_minimisation_l2_id_not_for_billing(rt, stored):
    """L2: an ID number is not needed to pay a fee, so even a reveal is denied."""
    comp, _, pid = stored
    v = _read(rt, ctx(comp.id, purpose="billing"), pid, ["phone", "id_number"],
              reveal=["phone", "id_number"])
    assert v.fields["id_number"].outcome is Outcome.DENIED
    assert v.fields["id_number"].reason == "field_not_needed"
    assert v.fields["id_number"].value is None
    # The operator holds only masked access for billing.
    assert v.fields["phone"].outcome is Outcome.MASKED
    assert v.fields["phone"].reason == "reveal_not_permitted"


@pytest.mark.parametrize("role, purpose, reason", [
    ("operator", "marketing", "no_legal_basis"),       # L1
    ("operator", None, "no_purpose"),
    ("operator", "made_up", "unknown_purpose"),
    ("janitor", "record_keeping", "unknown_role"),     # deny by default
    ("sysadmin", "record_keeping", "role_not_permitted"),  # never reads PII
    ("importer", "record_keeping", "role_not_permitted"),
])
def test_denials_with_reasons(rt, stored, role, purpose, reason):
    comp, _, pid = stored
    v = _read(rt, ctx(comp.id, role=role, purpose=purpose), pid, ["name", "phone"],
              reveal=["phone"])
    assert all(s.outcome is Outcome.DENIED and s.reason == reason and s.value is None
               for s in v.fields.values())
    assert _audit_rows(rt, pid)[-1].outcome == "denied"


def test_out_of_scope_and_other_company(rt, stored):
    comp, comm, pid = stored
    other_comp, _, _ = store_rows(rt, [person_row(name="王五", phone="13700000000",
                                                  id_number=None)], company="别家物业",
                                  community="别家小区")
    v = _read(rt, ctx(comp.id, scope=community_scope({"another-community"})), pid, ["name"])
    assert v.fields["name"].reason == "out_of_scope"
    v = _read(rt, ctx(other_comp.id), pid, ["name"])
    assert v.fields["name"].reason == "other_company"
    v = _read(rt, ctx(comp.id, scope=community_scope({comm.id})), pid, ["name"])
    assert v.fields["name"].outcome is Outcome.MASKED


def test_work_item_required_for_repair_reveal(rt, stored):
    comp, _, pid = stored
    from ownerguard.services.runtime import default_policy
    from ownerguard.vault.policy import Level, Policy, WorkItemRef

    policy = Policy({("technician", "repair"): {"phone": Level.REVEAL}})
    base = ctx(comp.id, role="technician", purpose="repair")
    assert policy.decide(base, "phone", reveal=True).reason == "work_item_required"
    item = WorkItemRef("WO-1", "work_order", "room-1", "test:alice", live=True)
    live = ctx(comp.id, role="technician", purpose="repair", work_item=item)
    assert policy.decide(live, "phone", reveal=True).outcome is Outcome.CLEAR
    assert policy.decide(live, "phone", reveal=True,
                         work_item_problem="work_item_closed").reason == "work_item_closed"
    assert live.work_item_problem("work_order", frozenset({"room-1"})) is None
    assert live.work_item_problem("work_order", frozenset({"room-2"})) == "work_item_other_room"
    other = ctx(comp.id, role="technician", purpose="repair", work_item=item, actor="bob")
    assert other.work_item_problem("work_order", frozenset({"room-1"})) == \
        "work_item_not_assigned"
    closed = WorkItemRef("WO-1", "work_order", "room-1", "test:alice", live=False)
    assert ctx(comp.id, work_item=closed).work_item_problem(
        "work_order", frozenset({"room-1"})) == "work_item_closed"
    assert default_policy().decide(live, "phone", reveal=True).outcome is Outcome.CLEAR


def test_uncertified_staff_see_masked_only(rt, stored):
    comp, _, pid = stored
    v = _read(rt, ctx(comp.id, certified=False), pid, ["phone"], reveal=["phone"])
    assert v.fields["phone"].outcome is Outcome.MASKED
    assert v.fields["phone"].reason == "not_certified"


def test_emergency_reveal_needs_a_reason(rt, stored):
    comp, _, pid = stored
    from ownerguard.vault.policy import Level, Policy

    policy = Policy({("guard", "emergency"): {"phone": Level.REVEAL}})
    no_reason = ctx(comp.id, role="guard", purpose="emergency")
    assert policy.decide(no_reason, "phone", reveal=True).reason == "emergency_reason_required"
    with_reason = ctx(comp.id, role="guard", purpose="emergency", emergency_reason=True)
    assert policy.decide(with_reason, "phone", reveal=True).reason == "break_glass"


def test_quota_block_masks_reveals(rt, stored):
    comp, _, pid = stored
    v = _read(rt, ctx(comp.id, reveal_blocked="quota_exceeded"), pid, ["phone"],
              reveal=["phone"])
    assert (v.fields["phone"].outcome, v.fields["phone"].reason) == (Outcome.MASKED,
                                                                     "quota_exceeded")


def test_unknown_person(rt, stored):
    comp, _, _ = stored
    with rt.uow() as uow, pytest.raises(PersonNotFound):
        rt.gate.read(uow, ctx(comp.id), ["nope"], ["name"])


def _refuse_audit_inserts(rt, backend):
    """Make the database itself refuse audit appends, as a full disk or a revoked grant would."""
    from sqlalchemy import text

    with rt.uow() as uow:
        if backend == "sqlite":
            uow.conn.execute(text(
                "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit storage unavailable'); END"))
        else:
            uow.conn.execute(text(
                "CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'audit storage unavailable'; END $$ LANGUAGE plpgsql"))
            uow.conn.execute(text(
                "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log "
                "FOR EACH ROW EXECUTE FUNCTION refuse_audit()"))
        uow.commit()


def test_audit_failure_fails_the_read(rt, stored, backend):
    """Invariant 2: if the audit record cannot be written, nothing is returned."""
    comp, _, pid = stored
    _refuse_audit_inserts(rt, backend)
    returned = None
    with rt.uow() as uow, pytest.raises(AuditWriteFailed) as info:
        returned = rt.gate.read(uow, ctx(comp.id), [pid], ["phone"], reveal=["phone"])
    assert returned is None
    assert "13812345678" not in str(info.value)
    assert not [e for e in _audit_rows(rt, pid) if e.action == "read"]


def test_read_and_audit_share_the_transaction(rt, stored):
    """A rolled-back unit of work leaves no audit entry behind, and a committed one does."""
    comp, _, pid = stored
    with rt.uow() as uow:
        rt.gate.read(uow, ctx(comp.id), [pid], ["name"])
        uow.rollback()
    assert not [e for e in _audit_rows(rt, pid) if e.action == "read"]
    _read(rt, ctx(comp.id), pid, ["name"])
    assert [e for e in _audit_rows(rt, pid) if e.action == "read"]


def test_policy_matrix_printable():
    from ownerguard.services.runtime import default_policy

    rows = default_policy().matrix()
    billing = next(r for r in rows if (r["role"], r["purpose"]) == ("operator", "billing"))
    assert billing["id_number"] == "hidden" and billing["phone"] == "masked"
    assert not [r for r in rows if r["role"] == "sysadmin"]


def test_policy_decision_only_reads_the_table():
    from ownerguard.services.runtime import default_policy

    p = default_policy()
    c = ctx("co")
    assert p.decide(c, "phone", reveal=True).outcome is Outcome.CLEAR
    assert p.decide(c, "phone").outcome is Outcome.MASKED
    assert p.decide(c, "favourite_colour").reason == "unknown_field"
