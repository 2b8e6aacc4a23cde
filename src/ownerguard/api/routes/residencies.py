"""POST /api/v1/residencies/{id}/move-out — a manager or steward records a move-out (L14).

Only the residency's end date changes; the retention run purges the person once their last
residency has been over for the configured period. The answer holds ids and dates only.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from ownerguard import clock
from ownerguard.api.deps import client_of, require_role, runtime, uow
from ownerguard.services.registry import move_out as svc
from ownerguard.services.staff_access.accounts import StaffRecord
from ownerguard.store.uow import UnitOfWork

router = APIRouter(prefix="/api/v1/residencies", tags=["residencies"])
MOVERS = ("manager", "steward")


class MoveOutIn(BaseModel):
    date: dt.date | None = None     # default: today (China time)


class MoveOutOut(BaseModel):
    residency_id: str
    person_id: str
    end_date: dt.date
    purge_due: dt.date | None


@router.post("/{residency_id}/move-out", response_model=MoveOutOut)
def move_out(residency_id: str, request: Request, body: MoveOutIn | None = None,
             who: StaffRecord = Depends(require_role(*MOVERS)),
             unit: UnitOfWork = Depends(uow)) -> MoveOutOut:
    on = (body.date if body and body.date else
          clock.today())
    done = svc.move_out(runtime(request), unit, residency_id, company_id=who.company_id,
                        actor=who.username, role=who.role, on=on,
                        client=client_of(request), scope=who.scope)
    unit.commit()
    return MoveOutOut(residency_id=done.residency_id, person_id=done.person_id,
                      end_date=done.end_date, purge_due=done.purge_due)
