"""Who has consented, right now (L4, L5): the latest record per person wins.

A grant and a withdrawal are both records; the newest one (by time, then id) decides, so a
withdrawal takes effect on the very next read. The gate asks this before every read for a
consent-based purpose or by a recipient; the owner portal and share packages ask the same
question here, so the answer cannot differ between them.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, bindparam, select

from ownerguard.store.tables import consents

_LATEST = (select(consents.c.person_id, consents.c.granted)
           .where(consents.c.person_id.in_(bindparam("ids", expanding=True)),
                  consents.c.kind == bindparam("kind"), consents.c.target == bindparam("target"))
           .order_by(consents.c.at, consents.c.id))
_BATCH = 500


def recipient_target(partner_id: str, purpose: str) -> str:
    """The consent target of a separate consent to one recipient for one purpose (L5)."""
    return f"{partner_id}:{purpose}"


def granted(conn: Connection, person_ids: Sequence[str], kind: str, target: str) -> set[str]:
    """Of ``person_ids``, those whose latest ``kind``/``target`` record is a grant."""
    latest: dict[str, bool] = {}
    ids = list(person_ids)
    for start in range(0, len(ids), _BATCH):
        for r in conn.execute(_LATEST, {"ids": ids[start:start + _BATCH], "kind": kind,
                                        "target": target}):
            latest[r.person_id] = r.granted      # ordered by time: the last one wins
    return {pid for pid, yes in latest.items() if yes}


def current(conn: Connection, person_id: str) -> dict[tuple[str, str], bool]:
    """(kind, target) → granted for one person, from the latest record of each."""
    out: dict[tuple[str, str], bool] = {}
    for r in conn.execute(select(consents.c.kind, consents.c.target, consents.c.granted)
                          .where(consents.c.person_id == person_id)
                          .order_by(consents.c.at, consents.c.id)):
        out[(r.kind, r.target)] = r.granted
    return out
