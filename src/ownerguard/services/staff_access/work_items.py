"""Work items — work orders (报修), visit records (访客), renovation applications (装修) — and
their lifecycle: open → assigned → done → closed (open or assigned may also close directly).

A purpose-bound reveal cites a live item (open or assigned) assigned to the actor for the
person's room; once the item is done or closed, its reveals end and its alias numbers are
released.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, insert, select, update

from ownerguard import clock
from ownerguard.domain.model import new_id
from ownerguard.errors import Conflict, Forbidden, Invalid, NotFound, Problem
from ownerguard.i18n import Label
from ownerguard.services.runtime import Runtime
from ownerguard.services.staff_access.accounts import StaffRecord
from ownerguard.store.tables import rooms, work_items
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault.audit import AuditEvent
from ownerguard.vault.policy import WorkItemRef

KINDS = {"work_order": "WO", "visit": "VI", "renovation": "RN"}
LIVE = ("open", "assigned")
TRANSITIONS = {
    "open": {"assigned", "closed"},
    "assigned": {"assigned", "done", "closed"},
    "done": {"closed"},
    "closed": set(),
}
# Who may open work items (front desk, steward, manager, guard at the gate) and who may assign
# or close them; the assignee marks their own item done.
CREATORS = ("front_desk", "steward", "manager", "guard")
ASSIGNERS = ("front_desk", "steward", "manager")

# Status labels: the catalogue's ``wo_status.<status>``.


class WorkItemError(Problem):
    """A work item request that cannot be done (the API and the console catch it), raised as
    one of the kinds below."""


class WorkItemInvalid(WorkItemError, Invalid):
    pass


class WorkItemNotFound(WorkItemError, NotFound):
    pass


class WorkItemConflict(WorkItemError, Conflict):
    pass


@dataclass(frozen=True)
class WorkItem:
    id: str
    number: str
    company_id: str
    community_id: str
    room_id: str
    kind: str
    category: str
    status: str
    assignee: str | None
    created_by: str

    @property
    def ref(self) -> WorkItemRef:
        return WorkItemRef(self.number, self.kind, self.room_id, self.assignee,
                           self.status in LIVE)


def _row_to_item(r) -> WorkItem:
    return WorkItem(r.id, r.number, r.company_id, r.community_id, r.room_id, r.kind,
                    r.category, r.status, r.assignee, r.created_by)


def create(rt: Runtime, uow: UnitOfWork, *, company_id: str, room_id: str, kind: str,
           category: str, actor: str, assignee: str | None = None) -> WorkItem:
    if kind not in KINDS:
        raise WorkItemInvalid("work_item_kind_unknown")
    room = uow.conn.execute(select(rooms.c.community_id).where(rooms.c.id == room_id)).first()
    if room is None:
        raise WorkItemNotFound("work_item_room_not_found")
    today = clock.local_now().strftime("%Y%m%d")
    prefix = f"{KINDS[kind]}-{today}-"
    n = uow.conn.execute(select(func.count()).select_from(work_items).where(
        work_items.c.number.like(prefix + "%"))).scalar_one()
    now = clock.now()
    item = WorkItem(new_id(), f"{prefix}{n + 1:04d}", company_id, room.community_id, room_id,
                    kind, category[:40], "assigned" if assignee else "open", assignee, actor)
    uow.conn.execute(insert(work_items).values(
        id=item.id, number=item.number, company_id=company_id, community_id=item.community_id,
        room_id=room_id, kind=kind, category=item.category, status=item.status,
        assignee=assignee, created_by=actor, created_at=now, updated_at=now))
    _audit(rt, uow, item, actor, "work_item_create")
    return item


def get(uow: UnitOfWork, number: str, company_id: str) -> WorkItem | None:
    r = uow.conn.execute(select(work_items).where(work_items.c.number == number,
                                                  work_items.c.company_id == company_id)).first()
    return _row_to_item(r) if r else None


def transition(rt: Runtime, uow: UnitOfWork, item: WorkItem, status: str, *, actor: str,
               assignee: str | None = None) -> WorkItem:
    if status not in TRANSITIONS[item.status]:
        raise WorkItemConflict("bad_transition", current=Label("wo_status", item.status),
                               target=Label("wo_status", status))
    if status == "assigned" and not assignee:
        raise WorkItemInvalid("assignee_required")
    values = {"status": status, "updated_at": clock.now()}
    if status == "assigned":
        values["assignee"] = assignee
    uow.conn.execute(update(work_items).where(work_items.c.id == item.id).values(**values))
    fresh = _row_to_item(uow.conn.execute(select(work_items).where(
        work_items.c.id == item.id)).one())
    _audit(rt, uow, fresh, actor, f"work_item_{status}")
    if status not in LIVE:
        from ownerguard.services.staff_access.contact_owner import release_for_item

        release_for_item(rt, uow, fresh, actor=actor)
    return fresh


# -- what a staff member may do (the API and the console both call these) -----------------------

def visible(uow: UnitOfWork, who: StaffRecord, number: str) -> WorkItem:
    """The item if it exists in the staff member's communities; otherwise not found (an item
    out of scope looks the same as none)."""
    item = get(uow, number, who.company_id)
    allowed = who.communities
    if item is None or (allowed is not None and item.community_id not in allowed):
        raise WorkItemNotFound("work_order_not_found")
    return item


def open_item(rt: Runtime, uow: UnitOfWork, who: StaffRecord, *, room_id: str, kind: str,
              category: str, assignee: str | None = None) -> WorkItem:
    """A staff member opens an item for a room of their communities."""
    if who.role not in CREATORS:
        raise Forbidden("role_not_permitted")
    item = create(rt, uow, company_id=who.company_id, room_id=room_id, kind=kind,
                  category=category, actor=who.username, assignee=assignee)
    allowed = who.communities
    if allowed is not None and item.community_id not in allowed:
        raise WorkItemNotFound("work_item_room_not_found")
    return item


def move(rt: Runtime, uow: UnitOfWork, who: StaffRecord, item: WorkItem, status: str, *,
         assignee: str | None = None) -> WorkItem:
    """Assign or close (front desk, steward, manager), or mark done (the assignee, or they)."""
    if status in ("assigned", "closed") and who.role not in ASSIGNERS:
        raise Forbidden("role_not_permitted")
    if status == "done" and who.username != item.assignee and who.role not in ASSIGNERS:
        raise Forbidden("work_item_not_assigned")
    return transition(rt, uow, item, status, actor=who.username, assignee=assignee)


def list_items(uow: UnitOfWork, company_id: str, *, communities: set[str] | None = None,
               assignee: str | None = None, live_only: bool = False) -> list[WorkItem]:
    q = select(work_items).where(work_items.c.company_id == company_id)
    if communities is not None:
        q = q.where(work_items.c.community_id.in_(communities))
    if assignee:
        q = q.where(work_items.c.assignee == assignee)
    if live_only:
        q = q.where(work_items.c.status.in_(LIVE))
    return [_row_to_item(r) for r in uow.conn.execute(q.order_by(work_items.c.created_at.desc())
                                                      .limit(500))]


def _audit(rt: Runtime, uow: UnitOfWork, item: WorkItem, actor: str, action: str) -> None:
    rt.audit.append(uow.conn, item.community_id, item.company_id, [AuditEvent(
        actor=actor, role="", action=action, work_item=item.number, outcome=item.status,
        reason=item.kind)])
