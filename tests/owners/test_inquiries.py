"""Written inquiries (书面质疑) end to end: the company answers by the deadline, the owner
accepts or escalates to the owners' committee, the committee sees the inquiry and nothing else
personal, and an unresolved inquiry becomes a regulator dossier (owner-portal issue; L17, L18).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import insert, update

from ownerguard import clock
from ownerguard.services.oversight import alerts
from ownerguard.services.owners import inquiries
from ownerguard.store.tables import communities
from ownerguard.store.tables import inquiries as inquiry_rows
from support.owner_world import ALICE_PHONE, BOB_PHONE, owner_token, world  # noqa: F401
from support.staff_world import add

# The subject is the database: these tests run on PostgreSQL too when it is configured.
pytestmark = pytest.mark.postgres

LETTER = "上周有装修公司打我电话13811112222，说是从物业拿到的名单，请说明是谁查看了我的信息。"


def _owner(world, phone):
    return {"Authorization": f"Bearer {owner_token(world, phone)}"}


def _file(world, h, **extra) -> dict:
    r = world.client.post("/api/v1/me/inquiries", headers=h,
                          json={"kind": "leak", "text": LETTER, **extra})
    assert r.status_code == 201, r.text
    return r.json()


def _set_due(world, iid, due: date) -> None:
    with world.rt.uow() as uow:
        uow.conn.execute(update(inquiry_rows).where(inquiry_rows.c.id == iid)
                         .values(due_date=due))
        uow.commit()


def test_answer_accept_lifecycle(world):
    """L17: the company answers in writing; the owner reads the answer and accepts."""
    alice = _owner(world, ALICE_PHONE)
    item = _file(world, alice)
    assert item["status"] == "open" and item["due"] > clock.today().isoformat()
    r = world.client.post(f"/api/v1/inquiries/{item['id']}/answer",
                          headers=world.as_("manager"),
                          json={"text": "经查，无员工导出您的信息；已提醒全体员工。"})
    assert r.status_code == 200 and r.json()["status"] == "answered"
    detail = world.client.get(f"/api/v1/me/inquiries/{item['id']}", headers=alice).json()
    kinds = [e["kind"] for e in detail["timeline"]]
    assert kinds == ["filed", "answer"]
    # The owner reads both letters in clear: they are theirs.
    assert detail["timeline"][0]["text"] == LETTER
    assert "已提醒全体员工" in detail["timeline"][1]["text"]
    assert detail["timeline"][1]["by"].startswith("项目经理（员工")
    assert detail["can_accept"] and detail["can_escalate"]
    r = world.client.post(f"/api/v1/me/inquiries/{item['id']}/accept", headers=alice)
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    # Closed: no more answers.
    r = world.client.post(f"/api/v1/inquiries/{item['id']}/answer",
                          headers=world.as_("manager"), json={"text": "补充说明"})
    assert r.status_code == 409


def test_company_reads_the_letter_masked_unless_the_dpo_reveals(world):
    item = _file(world, _owner(world, ALICE_PHONE))
    shown = world.client.get(f"/api/v1/inquiries/{item['id']}",
                             headers=world.as_("manager")).json()
    assert ALICE_PHONE not in json.dumps(shown, ensure_ascii=False)
    assert shown["person_id"] == world.alice          # the company must know whom to answer
    # A manager asking to reveal still gets it masked; the DPO gets it in clear.
    again = world.client.get(f"/api/v1/inquiries/{item['id']}?reveal=true",
                             headers=world.as_("manager")).json()
    assert ALICE_PHONE not in json.dumps(again, ensure_ascii=False)
    clear = world.client.get(f"/api/v1/inquiries/{item['id']}?reveal=true",
                             headers=world.as_("dpo")).json()
    assert clear["timeline"][0]["text"] == LETTER


def test_other_staff_roles_cannot_see_inquiries(world):
    _file(world, _owner(world, ALICE_PHONE))
    for role in ("front_desk", "steward", "guard", "technician", "finance", "sysadmin"):
        r = world.client.get("/api/v1/inquiries", headers=world.as_(role))
        assert r.status_code == 403, role


def test_escalation_needs_an_answer_or_a_passed_deadline(world):
    """L17/L18: the owner may go to the committee once answered, or when the company let the
    deadline pass; not before."""
    alice = _owner(world, ALICE_PHONE)
    item = _file(world, alice)
    r = world.client.post(f"/api/v1/me/inquiries/{item['id']}/escalate", headers=alice)
    assert r.status_code == 409 and r.json()["detail"]["code"] == "not_yet"
    _set_due(world, item["id"], clock.today() - timedelta(days=1))
    detail = world.client.get(f"/api/v1/me/inquiries/{item['id']}", headers=alice).json()
    assert detail["overdue"] and detail["can_escalate"] and detail["can_download_dossier"]
    r = world.client.post(f"/api/v1/me/inquiries/{item['id']}/escalate", headers=alice,
                          json={"text": "物业逾期未答复"})
    assert r.status_code == 200 and r.json()["status"] == "escalated"
    with world.rt.uow() as uow:
        kinds = [a.kind for a in alerts.list_alerts(uow, world.company_id)]
    assert "inquiry_escalated" in kinds


def test_committee_member_sees_only_the_inquiry(world):
    """The committee sees escalated inquiries of its community, their texts masked, and
    nothing that points at the owner: no person id, name, phone or room."""
    alice = _owner(world, ALICE_PHONE)
    quiet = _file(world, alice)                     # never escalated
    item = _file(world, alice)
    committee = world.as_("committee_member")
    assert world.client.get("/api/v1/inquiries", headers=committee).json()["inquiries"] == []
    world.client.post(f"/api/v1/inquiries/{item['id']}/answer", headers=world.as_("dpo"),
                      json={"text": "已核查，未发现异常查看。"})
    world.client.post(f"/api/v1/me/inquiries/{item['id']}/escalate", headers=alice)

    listed = world.client.get("/api/v1/inquiries", headers=committee).json()["inquiries"]
    assert [i["id"] for i in listed] == [item["id"]]
    r = world.client.get(f"/api/v1/inquiries/{quiet['id']}", headers=committee)
    assert r.status_code == 404
    shown = world.client.get(f"/api/v1/inquiries/{item['id']}?reveal=true", headers=committee)
    assert shown.status_code == 200
    body = json.dumps(shown.json(), ensure_ascii=False)
    for secret in (ALICE_PHONE, "爱丽丝", world.alice, "单元101"):   # not "101": hex ids hold it
        assert secret not in body
    assert "person_id" not in shown.json()
    assert [e["kind"] for e in shown.json()["timeline"]] == ["filed", "answer", "escalate"]
    assert shown.json()["timeline"][0]["by"] == "业主本人"

    r = world.client.post(f"/api/v1/inquiries/{item['id']}/committee-reply", headers=committee,
                          json={"text": "业委会已约谈物业，要求一周内书面说明。"})
    assert r.status_code == 200
    detail = world.client.get(f"/api/v1/me/inquiries/{item['id']}", headers=alice).json()
    assert detail["timeline"][-1]["kind"] == "committee_reply"
    assert "约谈物业" in detail["timeline"][-1]["text"]
    # The committee's own access to the persons register stays what it was: masked roll only.
    person = world.client.get(f"/api/v1/persons/{world.alice}", headers=committee)
    if person.status_code == 200:
        assert "爱丽丝" not in json.dumps(person.json(), ensure_ascii=False)
    # Accepting after escalation resolves it.
    r = world.client.post(f"/api/v1/me/inquiries/{item['id']}/accept", headers=alice)
    assert r.json()["status"] == "resolved"


def test_committee_of_another_community_sees_nothing(world):
    alice = _owner(world, ALICE_PHONE)
    item = _file(world, alice)
    _set_due(world, item["id"], clock.today() - timedelta(days=1))
    world.client.post(f"/api/v1/me/inquiries/{item['id']}/escalate", headers=alice)
    with world.rt.uow() as uow:
        other = "c0000000-0000-4000-8000-000000000001"
        uow.conn.execute(insert(communities).values(id=other, company_id=world.company_id,
                                                    name="另一小区", created_at=clock.now()))
        add(world.rt, uow, world.company_id, "committee_other", "committee_member",
            [(other, None)])
        uow.commit()
    h = world.as_("committee_other")
    assert world.client.get("/api/v1/inquiries", headers=h).json()["inquiries"] == []
    assert world.client.get(f"/api/v1/inquiries/{item['id']}", headers=h).status_code == 404
    r = world.client.post(f"/api/v1/inquiries/{item['id']}/committee-reply", headers=h,
                          json={"text": "试图回复"})
    assert r.status_code == 404


def test_owner_b_reaches_nothing_of_owner_a(world):
    """IDOR: every inquiry endpoint answers B about A's inquiry with not-found."""
    item = _file(world, _owner(world, ALICE_PHONE))
    bob = _owner(world, BOB_PHONE)
    base = f"/api/v1/me/inquiries/{item['id']}"
    for method, path in (("get", base), ("post", base + "/accept"),
                         ("post", base + "/escalate"), ("get", base + "/dossier")):
        r = getattr(world.client, method)(path, headers=bob)
        assert r.status_code == 404, (method, path, r.text)
    by_number = world.client.get(f"/api/v1/me/inquiries/{item['number']}", headers=bob)
    assert by_number.status_code == 404
    assert world.client.get("/api/v1/me/inquiries", headers=bob).json()["inquiries"] == []


def test_sweep_reminds_once_then_flags_overdue_once(world):
    """L17: a reminder the working day before the deadline, an overdue alert after it."""
    item = _file(world, _owner(world, ALICE_PHONE))
    due = date(2026, 10, 8)                  # the first working day after 国庆 (1–7 Oct)
    _set_due(world, item["id"], due)
    rt = world.rt
    with rt.uow() as uow:
        assert inquiries.sweep(rt, uow, date(2026, 9, 29)) == {"reminded": 0, "overdue": 0}
        # 30 Sep: the next working day is 8 Oct, the due date, a week away on the calendar.
        assert inquiries.sweep(rt, uow, date(2026, 9, 30)) == {"reminded": 1, "overdue": 0}
        assert inquiries.sweep(rt, uow, date(2026, 10, 8)) == {"reminded": 0, "overdue": 0}
        assert inquiries.sweep(rt, uow, date(2026, 10, 9)) == {"reminded": 0, "overdue": 1}
        assert inquiries.sweep(rt, uow, date(2026, 10, 12)) == {"reminded": 0, "overdue": 0}
        kinds = [a.kind for a in alerts.list_alerts(uow, world.company_id)]
        uow.commit()
    assert kinds.count("inquiry_due") == 1 and kinds.count("inquiry_overdue") == 1


def test_sweep_leaves_answered_inquiries_alone(world):
    item = _file(world, _owner(world, ALICE_PHONE))
    world.client.post(f"/api/v1/inquiries/{item['id']}/answer", headers=world.as_("dpo"),
                      json={"text": "已答复"})
    _set_due(world, item["id"], clock.today() - timedelta(days=3))
    with world.rt.uow() as uow:
        assert inquiries.sweep(world.rt, uow) == {"reminded": 0, "overdue": 0}


def test_regulator_dossier(world):
    """L18: an unresolved inquiry becomes a dossier for 12345 / 网信 / 住建 — PDF, timeline,
    audit extract with entry hashes, legal references; built in memory, audited."""
    alice = _owner(world, ALICE_PHONE)
    # A staff access to flag first.
    world.client.get(f"/api/v1/persons/{world.alice}", headers=world.as_("steward"))
    feed = world.client.get("/api/v1/me/access-log", headers=alice).json()["entries"]
    flagged = next(e for e in feed if e["role"] == "steward")["entry"]
    item = _file(world, alice, kind="suspicious_access", audit_entry=flagged)
    r = world.client.get(f"/api/v1/me/inquiries/{item['id']}/dossier", headers=alice)
    assert r.status_code == 409 and r.json()["detail"]["code"] == "not_ready"

    world.client.post(f"/api/v1/inquiries/{item['id']}/answer", headers=world.as_("manager"),
                      json={"text": "该员工因报修联系您。"})
    world.client.post(f"/api/v1/me/inquiries/{item['id']}/escalate", headers=alice)
    before = sorted(p.name for p in world.rt.settings.home.rglob("*"))
    r = world.client.get(f"/api/v1/me/inquiries/{item['id']}/dossier", headers=alice)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert r.headers["cache-control"] == "no-store"
    assert sorted(p.name for p in world.rt.settings.home.rglob("*")) == before  # nothing stored

    zf = zipfile.ZipFile(io.BytesIO(r.content))
    names = set(zf.namelist())
    assert names == {"dossier.pdf", "dossier.html", "timeline.json", "audit-extract.csv",
                     "MANIFEST.txt"}
    assert zf.read("dossier.pdf").startswith(b"%PDF")
    html = zf.read("dossier.html").decode()
    for expected in (item["number"], LETTER, "爱丽丝", "该员工因报修联系您", "第五十条",
                     "12345", "★"):
        assert expected in html, expected
    manifest = zf.read("MANIFEST.txt").decode()
    for name in names - {"MANIFEST.txt"}:
        assert f"{hashlib.sha256(zf.read(name)).hexdigest()}  {name}" in manifest
    csv_text = zf.read("audit-extract.csv").decode("utf-8-sig")
    assert flagged in csv_text and "steward" in csv_text
    # The extract carries the entries' real chain hashes, so the company can be made to prove them.
    timeline = json.loads(zf.read("timeline.json"))
    assert timeline["inquiry"]["number"] == item["number"]
    detail = world.client.get(f"/api/v1/me/inquiries/{item['id']}", headers=alice).json()
    assert detail["timeline"][-1]["kind"] == "dossier"


@pytest.mark.parametrize("kind", ["bogus", ""])
def test_bad_kind_says_what_to_fix(world, kind):
    r = world.client.post("/api/v1/me/inquiries", headers=_owner(world, ALICE_PHONE),
                          json={"kind": kind or "x", "text": "测试"})
    assert r.status_code == 422 and "信息泄露" in r.json()["detail"]["reason"]
