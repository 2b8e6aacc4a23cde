"""Request and response bodies of the REST API."""

from __future__ import annotations

from pydantic import BaseModel, Field


class LoginIn(BaseModel):
    username: str = Field(max_length=80)
    password: str = Field(max_length=200)
    otp: str | None = Field(default=None, max_length=10)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"


class FieldOut(BaseModel):
    outcome: str
    reason: str
    value: str | list[str] | None = None


class PersonOut(BaseModel):
    id: str
    is_minor: bool
    state: str
    fields: dict[str, FieldOut]


class PersonPage(BaseModel):
    items: list[PersonOut]
    page: int
    has_more: bool
    purpose: str | None


class RevealIn(BaseModel):
    fields: list[str] = Field(min_length=1, max_length=20)
    purpose: str = Field(max_length=40)
    work_order_id: str | None = Field(default=None, max_length=40)
    emergency_reason: str | None = Field(default=None, max_length=500)


class RevealOut(BaseModel):
    person_id: str
    purpose: str
    values: dict[str, str | list[str] | None]
    refused: dict[str, dict[str, str]]


class WorkItemIn(BaseModel):
    room_id: str = Field(max_length=40)
    kind: str = Field(default="work_order", max_length=20)
    category: str = Field(default="维修", max_length=40)
    assignee: str | None = Field(default=None, max_length=80)


class WorkItemOut(BaseModel):
    number: str
    kind: str
    category: str
    status: str
    assignee: str | None
    room_id: str
    community_id: str


class AssignIn(BaseModel):
    assignee: str = Field(max_length=80)


class ReviewIn(BaseModel):
    resolution: str = Field(max_length=20)


def person_out(view) -> PersonOut:
    return PersonOut(id=view.person_id, is_minor=view.is_minor, state=view.state,
                     fields={k: FieldOut(outcome=s.outcome.value, reason=s.reason,
                                         value=s.value) for k, s in view.fields.items()})
