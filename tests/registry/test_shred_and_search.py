"""Blind-index search and crypto-shredding (invariant 4)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ownerguard.services.registry import persons as svc
from ownerguard.store.tables import audit_log, blind_index, person_keys, persons
from ownerguard.vault import shred_ledger
from ownerguard.vault.audit_verify import verify
from ownerguard.vault.policy import Outcome
from support.helpers import ctx, person_row, store_rows

# The subject is the database: these tests run on PostgreSQL too when it is configured.
pytestmark = pytest.mark.postgres


def _search(rt, comp, kind, value, community_id=None):
    with rt.uow() as uow:
        ids = svc.search(rt, uow, ctx(comp.id), svc.SearchTerm(kind, value),
                         community_id=community_id)
        uow.commit()
    return ids


@pytest.fixture
def two(rt):
    comp, comm, _ = store_rows(rt, [
        person_row(),
        person_row(3, name="李四", phone="13900005678", id_number=None, number="102"),
    ])
    return comp, comm


def test_search_each_kind(rt, two):
    comp, comm = two
    zhang = _search(rt, comp, "phone", "138 1234 5678")
    assert len(zhang) == 1
    assert _search(rt, comp, "id_number", "11010519491231002x") == zhang
    assert _search(rt, comp, "name", "张建国") == zhang
    assert len(_search(rt, comp, "phone", "5678", community_id=comm.id)) == 2
    assert _search(rt, comp, "room", "1栋 1单元 101") == zhang
    assert _search(rt, comp, "phone", "13800000000") == []


def test_last4_is_scoped_to_a_community(rt, two):
    comp, comm = two
    with pytest.raises(ValueError):
        _search(rt, comp, "phone", "5678")
    other = store_rows(rt, [person_row(name="赵六", phone="13600005678", id_number=None)],
                       community="另一个小区")[1]
    assert len(_search(rt, comp, "phone", "5678", community_id=other.id)) == 1


def test_search_is_audited_without_the_value(rt, two):
    comp, _ = two
    _search(rt, comp, "phone", "13812345678")
    with rt.uow(read_only=True) as uow:
        e = uow.conn.execute(select(audit_log).where(audit_log.c.action == "search")).one()
    assert e.fields == "phone" and "13812345678" not in "|".join(map(str, e))


def test_crypto_shredding(rt, two):
    comp, _ = two
    pid = _search(rt, comp, "phone", "13812345678")[0]
    with rt.uow() as uow:
        shred_ledger.shred(rt, uow, ctx(comp.id, purpose="rights_request"), pid)
        uow.commit()
    with rt.uow() as uow:
        view = rt.gate.read(uow, ctx(comp.id), [pid], ["name", "phone"], reveal=["phone"])[0]
        uow.commit()
    assert all(s.outcome is Outcome.DENIED and s.reason == "shredded" and s.value is None
               for s in view.fields.values())
    with rt.uow(read_only=True) as uow:
        assert uow.conn.execute(select(person_keys).where(
            person_keys.c.person_id == pid)).first() is None
        assert uow.conn.execute(select(blind_index).where(
            blind_index.c.person_id == pid)).first() is None
        row = uow.conn.execute(select(persons).where(persons.c.id == pid)).one()
        assert row.state == "shredded" and row.name_ct is not None  # noise without its key
        assert verify(uow.conn).ok   # the audit log still verifies
    assert _search(rt, comp, "phone", "13812345678") == []


def test_shredded_key_cannot_come_back_from_another_person(rt, two):
    """Copying someone else's wrapped key onto the shredded person does not unwrap."""
    comp, _ = two
    pid = _search(rt, comp, "phone", "13812345678")[0]
    other = _search(rt, comp, "phone", "13900005678")[0]
    with rt.uow() as uow:
        shred_ledger.shred(rt, uow, ctx(comp.id), pid)
        donor = uow.conn.execute(select(person_keys).where(
            person_keys.c.person_id == other)).one()._asdict()
        donor["person_id"] = pid
        uow.conn.execute(person_keys.insert().values(**donor))
        uow.conn.execute(persons.update().where(persons.c.id == pid).values(state="active"))
        uow.commit()
    from ownerguard.vault.keys import UnwrapFailed

    with rt.uow() as uow, pytest.raises(UnwrapFailed):
        rt.gate.read(uow, ctx(comp.id), [pid], ["name"])
