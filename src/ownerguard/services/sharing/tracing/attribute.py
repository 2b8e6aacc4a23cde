"""Leak attribution: which share package(s) a leaked copy came from, with evidence.

Each kind of evidence is turned into a log-likelihood ratio (in nats): how much more likely the
leak is if share S is its source than if it is not. They are added (treated as independent,
which they nearly are: an alias says nothing about row order) and the sum is turned into a score
with a uniform prior over all M recorded shares plus ``OTHER_SOURCES`` for "none of them":
``score = σ(L − ln(M + OTHER_SOURCES))``. So a score is roughly the
probability that the share is a source, 0.5 meaning "as likely as not"; a share with no
evidence scores ~1/(M+20), a leak from nobody near 0, a canary alias or a dozen aliases near 1.

Evidence, per share:

* **alias** — leaked phones that are the share's alias numbers. A stranger's number equals a
  given alias with probability ~1e-8, so one hit is strong; hits are scored as a mixture (a
  fraction f of the leak from S, the rest unrelated) so a merged dump still points to every
  package in it, and one hit among 10,000 phones stays weak.
* **canary** — a canary's alias (decisive) or a name whose ``canary_name`` digest is a canary's.
* **names** — leaked names (and rooms) → residents → the shares that contained them. Scored as
  the same mixture against chance: a share holding half the community explains half the rows
  by chance, so only a hit rate above its size counts; the intersection over many rows is what
  singles out one package.
* **order** — matched members appear in the leak in the package's (keyed, random-looking) row
  order: adjacent pairs ascending far above the 1/2 of a shuffle. A shuffled leak gives 0.
* **variant** — phones and rooms written in the formats the package chose for those rows.
* **fields** — the leak's columns are a subset of the share's fields, weighted by how rare that is.

Reads share records, blind-index digests and room structure only; decrypts nothing. Evidence
details carry counts, row numbers and share numbers — never a value from the leak.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, select

from ownerguard.services.sharing.tracing import index
from ownerguard.services.sharing.tracing.leaked import LeakRow, extract, read_leak, unitless
from ownerguard.services.sharing.tracing.variants import classify, field_format
from ownerguard.store.tables import partners, share_members, shares

# A leaked (real) phone equals a given alias number with about this probability: ~1.7e9 mobile
# numbers are in use; 1e-8 is ten times more cautious.
P_STRANGER_ALIAS = 1e-8
# A real resident's name equals a canary's recombined name (surname + two given characters).
P_CANARY_NAME = 1e-4
# How often a leak keeps a fingerprint feature when it comes from the share (a few rows
# retyped or re-sorted locally).
KEEP = 0.9
# Before any evidence, a leak may just as well come from none of the recorded shares (staff, an
# old paper list, a data broker): that possibility counts as this many extra "shares" in the prior.
OTHER_SOURCES = 20
MIN_SCORE = 0.001         # below this a candidate is noise and is not reported
# Rows used for name/room evidence: more adds cost, not certainty. When aliases already explain
# most of the leak, names only confirm, and a smaller sample does.
NAME_SAMPLE = 1000
NAME_SAMPLE_CONFIRM = 300
DELIVERED = ("approved", "revoked", "expired")
DETECTABLE_FIELDS = frozenset(("name", "phone", "rooms", "gender", "id_number"))
_F_GRID = (0.001, 0.003, 0.01, 0.03, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.97, 1.0)


@dataclass
class Suspect:
    share_id: str
    share_number: str
    partner_id: str
    partner_name: str
    score: float
    evidence: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"share_id": self.share_id, "share_number": self.share_number,
                "partner_id": self.partner_id, "partner": self.partner_name,
                "score": self.score, "evidence": self.evidence}


@dataclass
class _Case:
    """What the leak says about one share."""

    alias_rows: int = 0
    canary_alias_rows: list[int] = field(default_factory=list)
    canary_name_rows: list[int] = field(default_factory=list)
    canary_name_weak: int = 0                # canary-name hits that are also a resident's name
    name_rows: int = 0
    # leak row → (row_no in the package, variant or None); first match per leak row
    seen: dict[int, tuple[int, int | None]] = field(default_factory=dict)
    evidence: list[dict] = field(default_factory=list)
    total: float = 0.0

    def add(self, kind: str, detail: str, weight: float) -> None:
        self.evidence.append({"kind": kind, "detail": detail, "weight": round(weight, 2)})
        self.total += weight


def mixture_llr(k: int, n: int, p: float) -> float:
    """Best log-likelihood ratio of "a fraction f of the n rows comes from the share" against
    "none does", when k rows hit the share and a row hits it by chance with probability p."""
    if k <= 0 or n <= 0:
        return 0.0
    p = min(max(p, 1e-12), 0.999)
    best = 0.0
    for f in _F_GRID:
        if f == 1.0 and k < n:
            continue
        miss = (n - k) * math.log(1 - f) if k < n else 0.0
        best = max(best, k * math.log(f / p + 1 - f) + miss)
    return best


def _order_llr(seq: list[int]) -> tuple[float, int, int]:
    """Adjacent pairs ascending: ~1/2 in a shuffle, ~KEEP when the package order survived."""
    pairs = len(seq) - 1
    if pairs < 2:
        return 0.0, 0, max(pairs, 0)
    up = sum(1 for a, b in zip(seq, seq[1:]) if b > a)
    llr = up * math.log(KEEP / 0.5) + (pairs - up) * math.log((1 - KEEP) / 0.5)
    return max(0.0, llr), up, pairs


def _format_llr(matches: int, checks: int, chance: float) -> float:
    llr = matches * math.log(KEEP / chance) + (checks - matches) * math.log(
        (1 - KEEP) / (1 - chance))
    return max(0.0, llr)


# ------------------------------------------------------------------------------------------------


def trace(conn: Connection, keys, rows: list[LeakRow], *, limit: int = 10) -> list[Suspect]:
    """Ranked suspects (best first) for a leak already read into ``LeakRow``s."""
    data = [r for r in rows if not r.empty]
    if not data:
        return []
    cases: dict[str, _Case] = defaultdict(_Case)
    _aliases(conn, data, cases)
    companies = index.company_ids(conn)
    indexers = {c: keys.indexer(conn, c) for c in companies}
    resident_names = _names(conn, indexers, data, cases)
    _canary_names(conn, indexers, data, cases, resident_names)
    if not cases:
        return []

    # The fingerprint checks are per matched row; run them only on the plausible candidates.
    ranked = sorted(cases, key=lambda s: -cases[s].total)[:max(3 * limit, 10)]
    meta = index.share_meta(conn, ranked)
    share_fields = index.all_share_fields(conn)
    prior = math.log(max(1, len(share_fields)) + OTHER_SOURCES)
    leak_fields = _leak_fields(data)
    formats = _Formats({r.index: r for r in data})
    out: list[Suspect] = []
    for share_id in ranked:
        case, m = cases[share_id], meta.get(share_id)
        if m is None:
            continue
        fields = index.split_fields(m.fields)
        _order(case, m.number)
        _variants(case, formats, fields)
        _fields(case, leak_fields, fields, [f for c, f in share_fields if c == m.company_id])
        if case.total <= 0:
            continue
        score = 1.0 / (1.0 + math.exp(-(case.total - prior)))
        if score < MIN_SCORE:
            continue
        case.evidence.sort(key=lambda e: -e["weight"])
        out.append(Suspect(share_id, m.number, m.partner_id, m.partner_name,
                           round(score, 4), case.evidence))
    out.sort(key=lambda s: (-s.score, -cases[s.share_id].total, s.share_number))
    return out[:limit]


def trace_leak(conn: Connection, keys, data: bytes | str, filename: str = "", *,
               limit: int = 10) -> list[Suspect]:
    """``trace`` from the leaked file's bytes (or pasted text)."""
    return trace(conn, keys, extract(read_leak(data, filename)), limit=limit)


def trace_phone(conn: Connection, keys, phone: str, *, limit: int = 10) -> list[Suspect]:
    """A number that called or texted an owner: which package's alias (or canary) it is."""
    return trace(conn, keys, extract([[phone]]), limit=limit)


# -- evidence gathering --------------------------------------------------------------------------


def _aliases(conn: Connection, data: list[LeakRow], cases: dict[str, _Case]) -> None:
    phones = {p for r in data for p in r.phones}
    if not phones:
        return
    members = index.members_by_alias(conn, phones)
    canaries = index.canaries_by_alias(conn, phones - members.keys())
    with_phone = 0
    hit_rows: dict[str, int] = defaultdict(int)
    for r in data:
        if not r.phones:
            continue
        with_phone += 1
        hit: set[str] = set()
        for p in r.phones:
            m = members.get(p)
            if m is not None and m[0] not in hit:
                hit.add(m[0])
                cases[m[0]].seen.setdefault(r.index, (m[2], m[3]))
            c = canaries.get(p)
            if c is not None:
                cases[c[0]].canary_alias_rows.append(r.index)
                cases[c[0]].seen.setdefault(r.index, (c[1], None))
        for s in hit:
            hit_rows[s] += 1
    if not hit_rows and not canaries:
        return
    sizes = {sid: m.persons_count or 0 for sid, m in index.share_meta(conn, hit_rows).items()}
    for share_id, k in hit_rows.items():
        case = cases[share_id]
        case.alias_rows = k
        size = max(sizes.get(share_id, 0), k)
        case.add("alias", f"泄露表 {with_phone} 行带手机号，其中 {k} 行的号码是本包分配的别名号码",
                 mixture_llr(k, with_phone, size * P_STRANGER_ALIAS))
    for case in cases.values():
        if case.canary_alias_rows:
            hits = sorted(set(case.canary_alias_rows))
            case.add("canary", f"本包金丝雀住户的别名号码出现在泄露表第 {_rows(hits)} 行，"
                     "该号码只发给过本包接收方",
                     len(hits) * -math.log(P_STRANGER_ALIAS))


def _sample(rows: list[LeakRow], size: int) -> list[LeakRow]:
    if len(rows) <= size:
        return rows
    step = len(rows) / size                    # evenly spaced: keeps the leak's order
    return [rows[int(i * step)] for i in range(size)]


def _names(conn: Connection, indexers: dict, data: list[LeakRow],
           cases: dict[str, _Case]) -> set[str]:
    """Name/room evidence. Returns the leaked names that are some resident's name."""
    explained = sum(c.alias_rows for c in cases.values())
    size = NAME_SAMPLE_CONFIRM if explained * 2 >= len(data) else NAME_SAMPLE
    sample = _sample([r for r in data if r.names or r.rooms], size)
    if not sample:
        return set()
    candidates: dict[int, set[str]] = {}
    known_names: set[str] = set()
    for company, indexer in indexers.items():
        digest_of = {n: indexer.digest("name", n) for r in sample for n in r.names}
        by_digest = index.persons_by_name(conn, company, digest_of.values())
        by_name = {n: by_digest.get(d, []) for n, d in digest_of.items()}
        known_names.update(n for n, ids in by_name.items() if ids)
        named = {r.index: {p for n in r.names for p in by_name[n]} for r in sample if r.names}
        homes = index.room_keys_by_person(
            conn, {p for r in sample if r.rooms for p in named.get(r.index, ())})
        roomless = [r for r in sample if r.rooms and not r.names]
        residents = index.residents_by_room_key(
            conn, company, {k for r in roomless for k in _room_forms(r)}) if roomless else {}
        for r in sample:
            if r.names:
                found = named[r.index]
                if r.rooms:      # a name in another room is another person
                    forms = _room_forms(r)
                    found = {p for p in found if homes.get(p, set()) & forms}
            else:
                found = set().union(*(residents.get(k, set()) for k in _room_forms(r)))
            if found:
                candidates.setdefault(r.index, set()).update(found)
    if not candidates:
        return known_names

    members = index.members_by_person(conn, {p for ps in candidates.values() for p in ps})
    hits: dict[str, int] = defaultdict(int)
    for row_index, persons in candidates.items():
        per_share: dict[str, list] = defaultdict(list)
        for p in persons:
            for m in members.get(p, ()):
                per_share[m[0]].append(m)
        for share_id, ms in per_share.items():
            hits[share_id] += 1
            if len(ms) == 1:      # two homonyms in one package: no row number to trust
                cases[share_id].seen.setdefault(row_index, (ms[0][2], ms[0][3]))
    if not hits:
        return known_names
    n = len(candidates)
    mean_candidates = sum(len(ps) for ps in candidates.values()) / n
    by_community, by_company = index.populations(conn)
    meta = index.share_meta(conn, hits)
    for share_id, k in hits.items():
        share = meta.get(share_id)
        if share is None:
            continue
        population = by_community.get(share.community_id) or by_company.get(share.company_id) or 1
        size = max(share.persons_count or 0, k)
        fraction = min(size / max(population, size), 0.999)
        chance = 1 - (1 - fraction) ** mean_candidates
        case = cases[share_id]
        case.name_rows = k
        case.add("names", f"抽查泄露表中 {n} 行可识别的住户（姓名/房号），其中 {k} 行是本包成员；"
                 f"本包含 {size} 人，约占其小区住户的 {fraction:.0%}",
                 mixture_llr(k, n, chance))
    return known_names


def _room_forms(row: LeakRow) -> set[str]:
    forms = set(row.rooms)
    forms.update(unitless(k) for k in row.rooms)
    return forms


def _canary_names(conn: Connection, indexers: dict, data: list[LeakRow],
                  cases: dict[str, _Case], resident_names: set[str]) -> None:
    names = {n for r in data for n in r.names}
    if not names:
        return
    rows_of: dict[str, list[int]] = defaultdict(list)
    for r in data:
        for n in r.names:
            rows_of[n].append(r.index)
    for indexer in indexers.values():
        # extract() has already normalised names the way blind.normalise("name") does
        digest_of = {indexer.digest("canary_name", n).hex(): n for n in names}
        for digest, found in index.canaries_by_name(conn, digest_of).items():
            name = digest_of[digest]
            for share_id, row_no in found:
                case = cases[share_id]
                for row_index in rows_of[name]:
                    case.canary_name_rows.append(row_index)
                    case.seen.setdefault(row_index, (row_no, None))
                if name in resident_names:
                    case.canary_name_weak += 1
    for case in cases.values():
        if not case.canary_name_rows:
            continue
        rows = sorted(set(case.canary_name_rows))
        strong = max(len(rows) - case.canary_name_weak, 0)
        # A canary name that is also a resident's name may be that resident: weaker.
        weight = strong * -math.log(P_CANARY_NAME) + case.canary_name_weak * math.log(10)
        case.add("canary", f"泄露表第 {_rows(rows)} 行的姓名与本包金丝雀住户一致（按姓名摘要比对）",
                 weight)


def _order(case: _Case, number: str) -> None:
    seq = [case.seen[i][0] for i in sorted(case.seen)]
    llr, up, pairs = _order_llr(seq)
    if pairs >= 2:
        case.add("order", f"{len(seq)} 行匹配到本包（{number}），其中 {up}/{pairs} 对相邻行保持本包行序"
                 f"（打乱的表约为一半）", llr)


class _Formats:
    """Each leaked row's phone and room format, classified once however many shares ask."""

    def __init__(self, rows: dict[int, LeakRow]):
        self.rows = rows
        self.cache: dict[tuple[int, str], int | None] = {}

    def of(self, row_index: int, field: str) -> tuple[bool, int | None]:
        """(whether the row has that field, its format)."""
        key = (row_index, field)
        if key not in self.cache:
            row = self.rows.get(row_index)
            raws = row.raw.get(field) if row is not None else None
            self.cache[key] = classify(field, raws[0]) if raws else -1
        fmt = self.cache[key]
        return fmt != -1, (None if fmt == -1 else fmt)


def _variants(case: _Case, formats: _Formats, fields: frozenset[str]) -> None:
    checks = {f: [0, 0] for f in ("phone", "rooms") if f in fields}
    for row_index, (_row_no, variant) in case.seen.items():
        if variant is None:
            continue
        for f, tally in checks.items():
            present, fmt = formats.of(row_index, f)
            if present:
                tally[1] += 1
                tally[0] += fmt == field_format(f, variant)
    chance = {"phone": 1 / 3, "rooms": 1 / 4}
    label = {"phone": "手机号", "rooms": "房号"}
    for f, (matches, total) in checks.items():
        if total:
            case.add("variant", f"{matches}/{total} 行的{label[f]}书写格式与本包为该行生成的格式一致"
                     f"（随机约为 {chance[f]:.0%}）", _format_llr(matches, total, chance[f]))


def _leak_fields(data: list[LeakRow]) -> frozenset[str]:
    """Fields the leak carries in at least a tenth of its rows (a stray match is not a column)."""
    counts: dict[str, int] = defaultdict(int)
    for r in data:
        for f in r.fields:
            counts[f] += 1
    floor = max(1, len(data) // 10)
    return frozenset(f for f, c in counts.items() if c >= floor)


def _fields(case: _Case, leak: frozenset[str], fields: frozenset[str],
            company_fields: list[frozenset[str]]) -> None:
    leak = leak & DETECTABLE_FIELDS
    if not leak or not company_fields:
        return
    common = sum(1 for f in company_fields if leak <= f) / len(company_fields)
    names = "、".join(sorted(leak))
    if leak <= fields:
        case.add("fields", f"泄露表的列（{names}）都在本包提供的字段内；"
                 f"{common:.0%} 的共享包也是如此", math.log(0.95 / max(common, 1e-3)))
    else:
        extra = "、".join(sorted(leak - fields))
        case.add("fields", f"泄露表含本包未提供的字段（{extra}）", math.log(0.05 / max(1 - common, 0.05)))


def _rows(indices: list[int], most: int = 10) -> str:
    shown = "、".join(str(i + 1) for i in indices[:most])
    return shown + (f" 等 {len(indices)} 行" if len(indices) > most else "")


# -- "they knew my name and room" ----------------------------------------------------------------


def who_received(conn: Connection, person_id: str, fields: set[str]) -> list[dict]:
    """Every delivered share that gave this person's ``fields`` (all of them) to a partner,
    oldest first: share number, partner, purpose, date and whether those fields were clear."""
    wanted = {"rooms" if f == "room" else f for f in fields}
    # The delivery date when the schema records it (first download or API fetch), else approval.
    delivered = shares.c.delivered_at if "delivered_at" in shares.c else shares.c.decided_at
    stmt = (select(shares.c.id, shares.c.number, shares.c.partner_id,
                   partners.c.name.label("partner_name"), shares.c.purpose, shares.c.fields,
                   shares.c.clear_fields, shares.c.status, shares.c.requested_at,
                   shares.c.decided_at, delivered.label("delivered_at"))
            .join(shares, shares.c.id == share_members.c.share_id)
            .join(partners, partners.c.id == shares.c.partner_id)
            .where(share_members.c.person_id == person_id, shares.c.status.in_(DELIVERED)))
    out = []
    for r in conn.execute(stmt):
        given = index.split_fields(r.fields)
        if not wanted <= given:
            continue
        when: datetime | None = r.delivered_at or r.decided_at or r.requested_at
        out.append({"share_id": r.id, "share_number": r.number, "partner_id": r.partner_id,
                    "partner": r.partner_name, "purpose": r.purpose, "status": r.status,
                    "fields": sorted(given), "clear": wanted <= index.split_fields(r.clear_fields),
                    "date": when.date().isoformat() if when else None, "at": when})
    out.sort(key=lambda d: (d["at"] is None, d["at"] or datetime.min, d["share_number"]))
    return out
