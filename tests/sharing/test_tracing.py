"""Leak tracing: fingerprints, canaries, reading leaks, attribution, who_received.

The world: one community of 60 residents (stored through the importer, so names and rooms are
real blind-index digests and residencies), five share packages to four partners built directly
in the tables the producer writes, each package rendered the way the producer renders it
(keyed row order, per-row formats, canaries at their rows). Then leaks of those packages in
every shape the issue names.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from ownerguard import clock
from ownerguard.services.sharing.tracing import (
    VARIANTS,
    detect_variant,
    extract,
    field_format,
    make_canaries,
    read_leak,
    render,
    room_key,
    row_order,
    trace,
    trace_leak,
    trace_phone,
    variant_of,
    who_received,
)
from ownerguard.services.sharing.tracing.attribute import mixture_llr
from ownerguard.store.tables import (
    agreements,
    blind_index,
    partners,
    share_canaries,
    share_members,
    shares,
)
from ownerguard.vault.blind import normalise
from support.helpers import person_row, store_rows

# The subject is the database: these tests run on PostgreSQL too when it is configured.
pytestmark = pytest.mark.postgres

SURNAMES = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何林罗高"
GIVEN = "建国秀英志强丽华伟明玉兰海燕德胜春梅文军桂芳晓东"
HEADER = ["姓名", "手机号", "房号"]


def _names(n: int, rng: random.Random) -> list[str]:
    out: list[str] = []
    while len(out) < n:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        if name not in out and name[1] != name[2]:
            out.append(name)
    return out


@dataclass
class Package:
    share_id: str
    number: str
    partner: str
    fields: list[str]
    rows: list[list[str]] = field(default_factory=list)     # header + data rows, as delivered
    members: list[str] = field(default_factory=list)        # person ids
    canaries: list = field(default_factory=list)
    canary_aliases: list[str] = field(default_factory=list)


@dataclass
class World:
    company_id: str
    persons: dict[str, tuple[str, str]]      # person id -> (name, room label)
    packages: dict[str, Package]
    used_aliases: set[str]


def _alias(rng: random.Random, used: set[str]) -> str:
    while True:
        a = "171" + f"{rng.randrange(10**8):08d}"
        if a not in used:
            used.add(a)
            return a


def _share(conn, company_id: str, community_id: str, partner_id: str, agreement_id: str,
           number: str, fields: list[str], n_persons: int, n_canaries: int) -> str:
    sid = str(uuid.uuid4())
    now = clock.now()
    conn.execute(insert(shares).values(
        id=sid, number=number, company_id=company_id, community_id=community_id,
        partner_id=partner_id, agreement_id=agreement_id, purpose="delivery",
        fields=",".join(fields), clear_fields=",".join(fields), status="approved",
        requested_by="test:steward", requested_at=now - timedelta(days=3),
        decided_by="test:dpo", decided_at=now - timedelta(days=2),
        expires_at=now + timedelta(days=30), persons_count=n_persons,
        canaries_count=n_canaries))
    return sid


def _build_package(conn, indexer, pkg: Package, people: dict[str, tuple[str, str]],
                   members: list[str], n_canaries: int, seed: bytes, rng, used: set[str],
                   buildings: list[str]) -> None:
    """What the producer does: keyed order over members + canaries, variants, aliases."""
    canaries = make_canaries(seed, n_canaries, buildings=buildings,
                             taken_rooms={label for _n, label in people.values()})
    order = row_order(seed, len(members) + len(canaries))
    with_phone = "phone" in pkg.fields
    header = [h for f, h in zip(("name", "phone", "rooms"), HEADER) if f in pkg.fields]
    pkg.rows = [header]
    member_rows, canary_rows = [], []
    for row_no, idx in enumerate(order, start=1):
        if idx < len(members):
            pid = members[idx]
            name, label = people[pid]
            variant = variant_of(seed, pid)
            alias = _alias(rng, used) if with_phone else None
            member_rows.append({"share_id": pkg.share_id, "person_id": pid, "row_no": row_no,
                                "alias": alias, "variant": variant})
        else:
            c = canaries[idx - len(members)]
            name, label, variant = c.name, c.room_label, 0
            alias = _alias(rng, used) if with_phone else None
            pkg.canary_aliases.append(alias)
            canary_rows.append({
                "id": str(uuid.uuid4()), "share_id": pkg.share_id, "row_no": row_no,
                "alias": alias, "values_ct": b"sealed",
                "name_digest": indexer.digest("canary_name", normalise("name", name)).hex()})
        cells = {"name": name, "phone": render("phone", alias, variant) if alias else "",
                 "rooms": render("rooms", label, variant)}
        pkg.rows.append([cells[f] for f in ("name", "phone", "rooms") if f in pkg.fields])
    conn.execute(insert(share_members), member_rows)
    if canary_rows:
        conn.execute(insert(share_canaries), canary_rows)
    pkg.members, pkg.canaries = members, canaries


@pytest.fixture
def world(rt) -> World:
    rng = random.Random(7)
    names = _names(60, rng)
    rooms = [(f"{b}栋", f"{u}单元", f"{f}0{d}") for b in (1, 2) for u in (1, 2)
             for f in range(1, 9) for d in (1, 2)]
    rng.shuffle(rooms)
    rows = [person_row(i + 2, name=n, phone=f"139{i:08d}", id_number=None,
                       building=rooms[i][0], unit=rooms[i][1], number=rooms[i][2])
            for i, n in enumerate(names)]
    comp, comm, _ = store_rows(rt, rows)
    with rt.uow() as uow:
        conn = uow.conn
        indexer = rt.keys.indexer(conn, comp.id)
        by_digest = {indexer.digest("name", n): (n, f"{b}{u}{num}")
                     for n, (b, u, num) in zip(names, rooms)}
        people = {}
        for r in conn.execute(select(blind_index.c.person_id, blind_index.c.digest)
                              .where(blind_index.c.kind == "name")):
            people[r.person_id] = by_digest[bytes(r.digest)]
        # Ordered by name, not by (random) person id: the same packages in every run.
        pids = sorted(people, key=lambda p: people[p])
        now = clock.now()
        partner_ids, agreement_ids = {}, {}
        for pname, kind in (("快递驿站", "courier"), ("装修公司", "decoration"),
                            ("保险代理", "insurer"), ("智能门禁", "iot_vendor")):
            partner_ids[pname] = pid = str(uuid.uuid4())
            conn.execute(insert(partners).values(
                id=pid, company_id=comp.id, name=pname, kind=kind, relationship="provision",
                status="active", created_at=now, created_by="test:dpo"))
            agreement_ids[pname] = aid = str(uuid.uuid4())
            conn.execute(insert(agreements).values(
                id=aid, company_id=comp.id, partner_id=pid, purposes="delivery",
                fields="name,phone,rooms,gender", retention_days=90, deletion_duty="删除并书面确认",
                signed_on=clock.today() - timedelta(days=30),
                expires_on=clock.today() + timedelta(days=335),
                document_sha256=hashlib.sha256(pname.encode()).hexdigest(), created_at=now,
                created_by="test:dpo"))
        plan = [  # number, partner, fields, members, canaries
            ("SH-A", "快递驿站", ["name", "phone", "rooms"], rng.sample(pids, 30), 3),
            ("SH-B", "装修公司", ["name", "phone", "rooms"], rng.sample(pids, 30), 2),
            ("SH-C", "保险代理", ["name", "rooms"], rng.sample(pids, 25), 2),
            ("SH-D", "智能门禁", ["name", "phone", "rooms", "gender"], list(pids), 2),
            ("SH-E", "快递驿站", ["name", "phone", "rooms"], rng.sample(pids, 6), 1),
        ]
        used: set[str] = set()
        packages = {}
        for number, pname, fields, members, n_can in plan:
            sid = _share(conn, comp.id, comm.id, partner_ids[pname], agreement_ids[pname],
                         number, fields, len(members), n_can)
            pkg = Package(sid, number, pname, fields)
            _build_package(conn, indexer, pkg, people, members, n_can,
                           hashlib.sha256(number.encode()).digest(), rng, used, ["1栋", "2栋"])
            packages[number] = pkg
        uow.commit()
    return World(comp.id, people, packages, used)


def _trace_rows(rt, rows: list[list[str]]):
    with rt.uow(read_only=True) as uow:
        return trace(uow.conn, rt.keys, extract(rows))


def _csv(rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(r) for r in rows).encode()


# -- pure parts ----------------------------------------------------------------------------------


def test_row_order_is_a_keyed_permutation():
    a, b = row_order(b"k1" * 16, 50), row_order(b"k2" * 16, 50)
    assert sorted(a) == list(range(50)) and a == row_order(b"k1" * 16, 50)
    assert a != b and a != list(range(50))
    assert {variant_of(b"s" * 32, str(i)) for i in range(200)} == set(range(VARIANTS))


@pytest.mark.parametrize("variant", range(VARIANTS))
def test_render_and_detect_are_inverse(variant):
    phone = render("phone", "17112345678", variant)
    room = render("rooms", "12栋3单元1502", variant)
    assert detect_variant("phone", phone) == field_format("phone", variant)
    assert detect_variant("rooms", room) == field_format("rooms", variant)
    assert render("name", "张建国", variant) == "张建国"
    [leak] = extract([[phone, room]])
    assert leak.phones == ["17112345678"] and leak.rooms == ["12|3|1502"]


def test_formats_look_ordinary():
    assert {render("phone", "17112345678", v) for v in range(3)} == {
        "17112345678", "171 1234 5678", "171-1234-5678"}
    assert {render("rooms", "1栋1单元101", v * 3) for v in range(4)} == {
        "1栋1单元101", "1栋-1单元-101", "1-1-101", "1栋1单元101室"}
    assert render("phone", "010-12345678", 1) == "010-12345678"    # a landline stays as it is


def test_canaries_are_plausible_deterministic_and_free():
    taken = {f"{b}栋{u}单元{f}0{d}" for b in (1, 2) for u in (1, 2) for f in range(1, 7)
             for d in (1, 2)}
    a = make_canaries(b"seed" * 8, 12, buildings=["1栋", "2栋"], taken_rooms=taken)
    assert a == make_canaries(b"seed" * 8, 12, buildings=["1栋", "2栋"], taken_rooms=taken)
    assert a != make_canaries(b"other" * 8, 12, buildings=["1栋", "2栋"], taken_rooms=taken)
    assert len({c.name for c in a}) == 12
    for c in a:
        assert 2 <= len(c.name) <= 4 and c.gender in ("男", "女")
        assert c.room_label not in taken and c.room_label[:2] in ("1栋", "2栋")
        assert "单元" in c.room_label                      # same label style as the real rooms
        [row] = extract([[c.name, c.room_label]])
        assert row.names == [c.name] and row.rooms          # reads back like a resident
    refused = make_canaries(b"seed" * 8, 3, buildings=["1栋"], taken_rooms=set(),
                            reject=lambda name: name.startswith(a[0].name[0]))
    assert all(c.name[0] != a[0].name[0] for c in refused)


def test_read_leak_formats():
    rows = [["姓名", "电话", "房号"], ["张建国", "171\u200b1234 5678", "1栋1单元101"]]
    gbk = "\n".join(";".join(r) for r in rows).encode("gb18030")
    assert read_leak(gbk, "x.csv") == [["姓名", "电话", "房号"],
                                       ["张建国", "1711234 5678", "1栋1单元101"]]
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["手机", "住址"])
    wb.active.append([13812345678, "翠湖苑2栋2单元802室"])
    buf = io.BytesIO()
    wb.save(buf)
    xrows = read_leak(buf.getvalue(), "leak.xlsx")
    [_h, row] = extract(xrows)
    assert row.phones == ["13812345678"] and row.rooms == ["2|2|802"]
    pasted = read_leak("张建国 +86 171 1234 5678 1-1-101\n李秀英\t１３８１２３４５６７８\t5号楼302")
    got = extract(pasted)
    assert got[0].phones == ["17112345678"] and got[0].names == ["张建国"]
    assert got[0].rooms == ["1|1|101"]
    assert got[1].phones == ["13812345678"] and got[1].rooms == ["5||302"]
    split = extract([["3栋", "2单元", "1502", "赵六"]])[0]
    assert split.rooms == ["3|2|1502"] and split.names == ["赵六"]
    assert room_key("1号楼", "2单元", "301室") == "1|2|301"


def test_mixture_llr_needs_more_than_chance():
    assert mixture_llr(50, 100, 0.5) < 1            # half the rows in a half-community share
    assert mixture_llr(100, 100, 0.5) > 60
    assert mixture_llr(1, 10_000, 1e-4) < 1         # one stray alias hit in a big dump
    assert mixture_llr(10, 10, 1e-4) > 80


# -- attribution ---------------------------------------------------------------------------------


def _top(suspects):
    assert suspects, "no suspect"
    return suspects[0]


def test_whole_leak_names_its_package(rt, world):
    pkg = world.packages["SH-A"]
    with rt.uow(read_only=True) as uow:
        suspects = trace_leak(uow.conn, rt.keys, _csv(pkg.rows), "leak.csv")
    top = _top(suspects)
    assert top.share_number == "SH-A" and top.partner_name == "快递驿站"
    assert top.score > 0.99
    kinds = {e["kind"] for e in top.evidence}
    assert {"alias", "canary", "names", "order", "variant", "fields"} <= kinds
    assert all(s.score < 0.5 for s in suspects[1:])


def test_shuffled_rows(rt, world):
    pkg = world.packages["SH-B"]
    body = pkg.rows[1:]
    random.Random(3).shuffle(body)
    top = _top(_trace_rows(rt, [pkg.rows[0]] + body))
    assert top.share_number == "SH-B" and top.score > 0.99
    order = [e for e in top.evidence if e["kind"] == "order"]
    assert order and order[0]["weight"] == 0


def test_dropped_phone_column_names_and_rooms_only(rt, world):
    pkg = world.packages["SH-A"]
    rows = [[r[0], r[2]] for r in pkg.rows]
    random.Random(5).shuffle(rows)                 # and no order left to help
    suspects = _trace_rows(rt, rows)
    top = _top(suspects)
    assert top.share_number == "SH-A" and top.score > 0.9
    assert "alias" not in {e["kind"] for e in top.evidence}
    # The package that holds everyone explains every row by chance: no evidence from names.
    everyone = [s for s in suspects if s.share_number == "SH-D"]
    assert not everyone or everyone[0].score < 0.5


def test_reformatted_phones_and_renamed_columns(rt, world):
    pkg = world.packages["SH-E"]
    rows = [["客户", "联系方式", "地址"]]
    for name, phone, room in pkg.rows[1:]:
        digits = "".join(ch for ch in phone if ch.isdigit())
        rows.append([name, f"+86 {digits[:3]}.{digits[3:7]}.{digits[7:]}".replace(".", " "),
                     "翠湖苑" + room])
    top = _top(_trace_rows(rt, rows))
    assert top.share_number == "SH-E" and top.score > 0.99


def test_ten_row_excerpt(rt, world):
    pkg = world.packages["SH-B"]
    top = _top(_trace_rows(rt, pkg.rows[8:18]))     # no header, ten rows from the middle
    assert top.share_number == "SH-B" and top.score > 0.99


def test_retyped_text_paste(rt, world):
    pkg = world.packages["SH-A"]
    lines = []
    for name, phone, room in pkg.rows[1:15]:
        digits = "".join(ch for ch in phone if ch.isdigit())
        lines.append(f"{name}  {digits[:3]}-{digits[3:]}  {room.replace('-', '')}")
    with rt.uow(read_only=True) as uow:
        top = _top(trace_leak(uow.conn, rt.keys, "\n".join(lines)))
    assert top.share_number == "SH-A" and top.score > 0.99


def test_canary_only(rt, world):
    pkg = world.packages["SH-C"]                    # a package without phones: name + room
    canary = pkg.canaries[0]
    top = _top(_trace_rows(rt, [[canary.name, canary.room_label]]))
    assert top.share_number == "SH-C" and top.score > 0.5
    assert [e["kind"] for e in top.evidence][0] == "canary"
    alias = world.packages["SH-A"].canary_aliases[1]
    with rt.uow(read_only=True) as uow:
        top = _top(trace_phone(uow.conn, rt.keys, alias))
    assert top.share_number == "SH-A" and top.score > 0.99


def test_a_member_alias_that_called_an_owner(rt, world):
    pkg = world.packages["SH-D"]
    with rt.uow(read_only=True) as uow:
        alias = uow.conn.execute(select(share_members.c.alias).where(
            share_members.c.share_id == pkg.share_id).limit(1)).scalar_one()
        top = _top(trace_phone(uow.conn, rt.keys, alias[:3] + " " + alias[3:7] + " " + alias[7:]))
    assert top.share_number == "SH-D" and top.score > 0.5


def test_leak_from_nobody(rt, world):
    rng = random.Random(99)
    taken = {n for n, _ in world.persons.values()}
    names = [n for n in _names(80, rng) if n not in taken][:30]
    rows = [[n, f"13{rng.randrange(10**9):09d}", f"{rng.randint(3, 9)}栋{rng.randint(1, 3)}单元"
             f"{rng.randint(10, 30)}0{rng.randint(1, 4)}"] for n in names]
    suspects = _trace_rows(rt, rows)
    assert all(s.score < 0.2 for s in suspects)
    # Real names in wrong rooms are other people (or nobody), not the package's members.
    real = [[n, f"{rng.randint(3, 9)}栋1单元{rng.randint(10, 30)}01"]
            for n, _ in list(world.persons.values())[:20]]
    assert all(s.score < 0.2 for s in _trace_rows(rt, real))


def test_evidence_carries_no_personal_values(rt, world):
    pkg = world.packages["SH-A"]
    suspects = _trace_rows(rt, pkg.rows)
    text = json.dumps([s.evidence for s in suspects], ensure_ascii=False)
    values = {cell for row in pkg.rows[1:] for cell in row if cell}
    values |= {"".join(ch for ch in v if ch.isdigit()) for v in values}
    values |= {n for n, _ in world.persons.values()} | world.used_aliases
    assert not [v for v in values if v and len(v) >= 2 and v in text]
    for s in suspects:
        assert 0 <= s.score <= 1
        for e in s.evidence:
            assert set(e) == {"kind", "detail", "weight"}
            assert e["kind"] in ("alias", "canary", "order", "variant", "fields", "names")


def test_who_received(rt, world):
    a, c = world.packages["SH-A"], world.packages["SH-C"]
    person = next(p for p in a.members if p in c.members)
    with rt.uow(read_only=True) as uow:
        name_room = who_received(uow.conn, person, {"name", "room"})
        phone = who_received(uow.conn, person, {"name", "phone"})
        gender = who_received(uow.conn, person, {"gender"})
    got = {d["share_number"] for d in name_room}
    assert {"SH-A", "SH-C", "SH-D"} <= got
    assert got == {n for n, p in world.packages.items() if person in p.members}
    assert "SH-C" not in {d["share_number"] for d in phone}
    assert [d["share_number"] for d in gender] == ["SH-D"]
    first = name_room[0]
    assert first["partner"] and first["date"] and first["clear"] is True



def test_bench_smoke(rt):
    from ownerguard_bench.tracing import run

    result = run(rt, packages=12, rows=150, population=600)
    assert result["top_correct"] and result["shuffled_no_phone"]["top_correct"]
    assert result["package_members"] >= 150 and result["trace_s"] > 0
