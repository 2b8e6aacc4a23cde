"""A small world for staff-access tests: one company, one community with two buildings, a
household in each, one certified account per staff role, and an HTTP client."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyotp
from fastapi.testclient import TestClient
from sqlalchemy import select

from ownerguard.app import create_app
from ownerguard.domain.staff import STAFF_ROLES
from ownerguard.services.staff_access import accounts as staff_svc
from ownerguard.services.staff_access import work_items
from ownerguard.store.tables import buildings, residencies
from support.helpers import person_row, store_rows

PASSWORD = "Correct-horse-42"


@dataclass
class World:
    rt: object
    client: TestClient
    company_id: str
    community_id: str
    building1: str
    building2: str
    alice: str          # person in building 1 (every building-scoped role's scope)
    bob: str            # person in building 2 (outside it)
    alice_room: str
    tokens: dict[str, str] = field(default_factory=dict)

    def login(self, username: str, *, password: str = PASSWORD, otp: str | None = "auto",
              client: TestClient | None = None):
        if otp == "auto":
            with self.rt.uow() as uow:
                record = staff_svc.get(uow, username=username)
                secret = staff_svc.totp_secret(self.rt, uow, record) if record else None
            otp = pyotp.TOTP(secret).now() if secret else None
        return (client or self.client).post("/api/v1/auth/login", json={
            "username": username, "password": password, "otp": otp})

    def token(self, username: str) -> str:
        if username not in self.tokens:
            r = self.login(username)
            assert r.status_code == 200, r.text
            self.tokens[username] = r.json()["access_token"]
        return self.tokens[username]

    def as_(self, username: str) -> dict:
        return {"Authorization": f"Bearer {self.token(username)}"}

    def work_item(self, assignee: str, kind: str = "work_order", room: str | None = None):
        with self.rt.uow() as uow:
            item = work_items.create(self.rt, uow, company_id=self.company_id,
                                     room_id=room or self.alice_room, kind=kind,
                                     category="测试", actor="test", assignee=assignee)
            uow.commit()
        return item


def add(rt, uow, company_id, username, role, scope, *, certified=True):
    staff_svc.add_staff(rt, uow, company_id=company_id, username=username, role=role,
                        scope=scope, password=PASSWORD, actor="test")
    record = staff_svc.get(uow, username=username)
    if certified:
        staff_svc.record_training(rt, uow, record, method="offline", actor="test")
        staff_svc.record_nda(rt, uow, record, method="paper", actor="test")
    return record


def build_world(rt) -> World:
    comp, comm, _ = store_rows(rt, [
        person_row(2, name="爱丽丝", phone="13811112222", id_number="11010519491231002X",
                   building="1栋", number="101", plate="京A12345"),
        person_row(3, name="鲍勃", phone="13933334444", id_number=None, building="2栋",
                   number="201"),
    ])
    with rt.uow() as uow:
        b = {r.name: r.id for r in uow.conn.execute(select(buildings).where(
            buildings.c.community_id == comm.id))}
        res = uow.conn.execute(select(residencies)).all()
        people = {}
        from ownerguard.store.tables import rooms
        for r in res:
            bid = uow.conn.execute(select(rooms.c.building_id).where(
                rooms.c.id == r.room_id)).scalar_one()
            people[bid] = (r.person_id, r.room_id)
        for role in STAFF_ROLES:
            add(rt, uow, comp.id, role, role, [(comm.id, b["1栋"])])
        add(rt, uow, comp.id, "dpo2", "dpo", [])
        add(rt, uow, comp.id, "rookie", "steward", [(comm.id, None)], certified=False)
        uow.commit()
    alice, alice_room = people[b["1栋"]]
    bob, _ = people[b["2栋"]]
    return World(rt, TestClient(create_app(rt)), comp.id, comm.id, b["1栋"], b["2栋"],
                 alice, bob, alice_room)
