"""The vault owns every key and clear value: one sealing path that picks the key version itself,
one blind-index builder for imports and corrections, an ``undecryptable`` outcome that is not
passed off as a shredded person, contact under the same rules as a read, sealed request
payloads opened only through the gate."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from ownerguard.domain.model import ResidencyRole
from ownerguard.services.registry import persons as svc
from ownerguard.store.tables import alerts, audit_log, blind_index, persons, residencies, vehicles
from ownerguard.vault import identity, rotation
from ownerguard.vault.identity import Home, Identity
from ownerguard.vault.policy import Outcome, WorkItemRef
from support.helpers import ctx, person_row, store_rows

pytestmark = pytest.mark.postgres


def _find(rt, company_id, phone):
    with rt.uow() as uow:
        found = svc.search(rt, uow, ctx(company_id), svc.SearchTerm("phone", phone))
        uow.commit()
    return found


def test_a_vehicle_added_after_a_person_key_rotation_is_sealed_and_recorded_under_it(rt):
    comp, _, _ = store_rows(rt, [person_row()])
    assert rotation.rotate_persons(rt, actor="t").key_version == 2
    # The same owner comes back in a later sheet, now with a car.
    store_rows(rt, [person_row(plate="京A12345")])
    with rt.uow(read_only=True) as uow:
        (car,) = uow.conn.execute(select(vehicles)).all()
    assert car.key_version == 2
    (pid,) = _find(rt, comp.id, "13812345678")
    with rt.uow() as uow:
        view = rt.gate.read(uow, ctx(comp.id), [pid], ["plate"], reveal=["plate"])[0]
        uow.commit()
    assert view.value("plate") == ["京A12345"]


def test_importer_and_corrections_build_the_same_index():
    """The one builder: the digests an import stores are the ones a correction computes."""
    from ownerguard.vault.blind import BlindIndexer

    indexer = BlindIndexer(b"k" * 32)
    homes = [Home("c1", identity.room_key("1栋", "1单元", "101")),
             Home("c2", identity.room_key("2栋", None, "202"))]
    by_phone = identity.index(indexer, Identity("张三", ["13812345678"], homes=homes))
    assert set(by_phone) == {"name", "phone", "phone_last4", "phone_name"}
    assert len(by_phone["phone_last4"]) == 2                 # one per community
    by_room = identity.index(indexer, Identity("张三", [], homes=homes))
    assert set(by_room) == {"name", "name_room"} and len(by_room["name_room"]) == 2
    with_id = identity.index(indexer, Identity("张三", ["13812345678"], "11010519491231002X",
                                               homes))
    assert "phone_name" not in with_id and "name_room" not in with_id
    known_id = identity.index(indexer, Identity("张三", ["13812345678"], homes=homes,
                                                id_on_record=True))
    assert set(known_id) == {"name", "phone", "phone_last4"}


def test_a_ciphertext_moved_to_another_row_is_undecryptable_and_alerts_the_dpo(rt):
    comp, _, _ = store_rows(rt, [person_row(), person_row(3, name="李四", phone="13900001111",
                                                          id_number=None, number="102")])
    zhang, li = _find(rt, comp.id, "13812345678")[0], _find(rt, comp.id, "13900001111")[0]
    with rt.uow() as uow:
        stolen = uow.conn.execute(select(persons.c.phone_ct).where(persons.c.id == li)).scalar()
        uow.conn.execute(update(persons).where(persons.c.id == zhang).values(phone_ct=stolen))
        uow.commit()
    with rt.uow() as uow:
        view = rt.gate.read(uow, ctx(comp.id), [zhang], ["name", "phone"], reveal=["phone"])[0]
        uow.commit()
    assert view.fields["phone"].outcome is Outcome.DENIED
    assert view.fields["phone"].reason == "undecryptable"     # not passed off as "shredded"
    assert view.value("name") == "张*国"
    with rt.uow(read_only=True) as uow:
        raised = uow.conn.execute(select(alerts.c.kind, alerts.c.severity, alerts.c.subject)
                                  ).all()
        logged = uow.conn.execute(select(audit_log.c.reason).where(
            audit_log.c.subject == zhang, audit_log.c.action == "read")).scalars().all()
    assert [(a.kind, a.severity, a.subject) for a in raised] == \
        [("undecryptable", "high", zhang)]
    assert "undecryptable" in logged


def test_contact_follows_the_consent_rules_of_a_read(rt):
    """Contact for a consent-based purpose reaches only persons who consented (L4): the
    system must not text an owner about parcels who never agreed to parcel service."""
    from ownerguard.services.owners import consent

    comp, _, _ = store_rows(rt, [person_row()])
    (pid,) = _find(rt, comp.id, "13812345678")
    with rt.uow(read_only=True) as uow:
        room = uow.conn.execute(select(residencies.c.room_id)).scalar()
    item = WorkItemRef("WO-1", "work_order", room, "test:alice", True)
    context = ctx(comp.id, role="front_desk", purpose="delivery", work_item=item)
    with rt.uow() as uow:
        decision, phone = rt.gate.phone_for_contact(uow, context, pid, "sms")
        uow.commit()
    assert phone is None and (decision.outcome, decision.reason) == (Outcome.DENIED,
                                                                      "no_consent")
    with rt.uow() as uow:
        consent.set_consent(rt, uow, company_id=comp.id, person_id=pid, kind="purpose",
                            target="delivery", granted=True,
                            notice_version=consent.NOTICE_VERSION, actor="owner")
        uow.commit()
    with rt.uow() as uow:
        decision, phone = rt.gate.phone_for_contact(uow, context, pid, "sms")
        uow.commit()
    assert phone == "13812345678" and decision.reason == "contact_sms"


def test_the_policy_prints_free_text_and_contact_rules(rt):
    text = {r["role"]: r["text"] for r in rt.policy.text_roles()}
    assert text["dpo"] == "clear" and text["steward"] == "masked" and "sysadmin" not in text
    contact = {(r["role"], r["purpose"]): r["work_item"] for r in rt.policy.contact_matrix()}
    assert contact[("technician", "repair")] == "work_order"
    assert contact[("front_desk", "visitor")] == "visit"
    assert not any(role == "sysadmin" for role, _ in contact)


def test_sysadmin_reads_no_free_text(rt):
    from ownerguard.services.staff_access import freetext

    comp, _, _ = store_rows(rt, [person_row()])
    with rt.uow() as uow:
        nid = freetext.write_note(rt, uow, company_id=comp.id, author="t", role="steward",
                                  kind="work_order", text="张建国 13812345678 家里漏水")
        sealed = uow.conn.execute(select(freetext.notes.c.text_ct).where(
            freetext.notes.c.id == nid)).scalar()
        shown = rt.gate.read_text(uow, ctx(comp.id, role="sysadmin"), table="notes",
                                  column="text_ct", row_id=nid, sealed=sealed)
        masked = rt.gate.read_text(uow, ctx(comp.id, role="steward"), table="notes",
                                   column="text_ct", row_id=nid, sealed=sealed, reveal=True)
        uow.commit()
    assert shown.outcome is Outcome.DENIED and shown.value is None
    assert masked.outcome is Outcome.MASKED and "13812345678" not in masked.value


def test_blind_index_after_a_phone_correction_recognises_the_person_in_the_next_import(rt):
    from ownerguard.services.owners import corrections

    comp, _, _ = store_rows(rt, [person_row(id_number=None, role=ResidencyRole.TENANT)])
    (pid,) = _find(rt, comp.id, "13812345678")
    with rt.uow() as uow:
        corrections.apply(rt, uow, ctx(comp.id, role="dpo", purpose="rights_request"), pid,
                          {"phone": "13700001234"})
        uow.commit()
    assert _find(rt, comp.id, "13700001234") == [pid]
    # The next sheet of that room, with the corrected number: the same person, not a new one.
    _, _, counts = store_rows(rt, [person_row(id_number=None, phone="13700001234",
                                              role=ResidencyRole.TENANT)])
    assert counts.persons == 0
    with rt.uow(read_only=True) as uow:
        kinds = sorted(r.kind for r in uow.conn.execute(
            select(blind_index.c.kind).where(blind_index.c.person_id == pid)))
    assert kinds == ["name", "phone", "phone_last4", "phone_name"]
