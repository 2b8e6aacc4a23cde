"""Reaching an owner for a work item without showing the number (staff access, item 8).

The gate hands the phone to this use case only — never to the actor — and audits it as a
``contact``. An SMS goes out from an approved template; a call goes through an alias number
bound for the work item's lifetime and released when the item is done or closed. Bindings live
in ``contact_bindings`` so any app process can release them, and a pool broker is restored from
them before every allocation (the app runs as many stateless processes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import insert, select, update

from ownerguard import clock, i18n
from ownerguard.adapters.contact import ContactError, build_broker, build_sms
from ownerguard.adapters.contact.number_broker import AliasBinding
from ownerguard.domain.model import new_id
from ownerguard.errors import Forbidden
from ownerguard.services.runtime import Runtime
from ownerguard.store.tables import companies, contact_bindings
from ownerguard.store.uow import UnitOfWork
from ownerguard.vault.audit import AuditEvent, company_chain
from ownerguard.vault.policy import AccessContext, Outcome

BINDING_LIFETIME = timedelta(days=7)     # an upper bound; closing the item releases it sooner


class ContactRefused(Forbidden):
    """Contact refused before anything is sent (the API and the console catch it). ``code``
    is often the policy's reason, whose words are ``reason.<code>``."""

    def message(self, lang: str | None = None) -> str:
        if i18n.has(f"error.{self.code}"):
            return super().message(lang)
        return i18n.translate(f"reason.{self.code}", lang, **self.params)


@dataclass(frozen=True)
class ContactResult:
    channel: str
    alias_number: str | None       # what the staff member dials (calls)
    message_id: str | None         # provider receipt (SMS)


def _settings(rt: Runtime) -> dict:
    return rt.settings.contact


def sms_sender(rt: Runtime):
    return build_sms(_settings(rt), outbox_dir=rt.settings.home / "outbox")


def _broker(rt: Runtime):
    # One broker per runtime, kept on it (a pool broker's in-memory state is rebuilt from the
    # table before each allocation anyway).
    broker = rt.adapters.get("number_broker")
    if broker is None:
        broker = rt.adapters["number_broker"] = build_broker(_settings(rt))
    return broker


def contact(rt: Runtime, uow: UnitOfWork, ctx: AccessContext, person_id: str, *,
            channel: str, template: str = "callback_request",
            staff_phone: str | None = None) -> ContactResult:
    if channel not in ("sms", "call"):
        raise ContactRefused("unknown_channel")
    if ctx.work_item is None:
        raise ContactRefused("work_item_required")
    decision, phone = rt.gate.phone_for_contact(uow, ctx, person_id, channel)
    if decision.outcome is Outcome.DENIED or phone is None:
        raise ContactRefused(decision.reason)
    try:
        return _deliver(rt, uow, ctx, person_id, phone, channel, template, staff_phone)
    except ContactError as exc:
        # The gate recorded the use of the number; record that delivery failed, and why.
        rt.audit.append(uow.conn, company_chain(ctx.company_id), ctx.company_id, [AuditEvent(
            actor=ctx.actor, role=ctx.role, action="contact", subject=person_id,
            fields=("phone",), purpose=ctx.purpose or "", work_item=ctx.work_item.id,
            outcome="failed", reason=exc.category, client=ctx.client)])
        raise


def _deliver(rt: Runtime, uow: UnitOfWork, ctx: AccessContext, person_id: str, phone: str,
             channel: str, template: str, staff_phone: str | None) -> ContactResult:
    item = ctx.work_item
    assert item is not None          # contact needs a live work item: the gate checked it
    if channel == "sms":
        company = uow.conn.execute(select(companies.c.name).where(
            companies.c.id == ctx.company_id)).scalar_one()
        receipt = sms_sender(rt).send(phone, template, {
            "company": company, "work_order": item.id, "time": "约定时间",
            "callback": "物业服务中心"}, to_ref=person_id)
        return ContactResult("sms", None, receipt.message_id)
    existing = uow.conn.execute(select(contact_bindings.c.alias_number).where(
        contact_bindings.c.person_id == person_id,
        contact_bindings.c.binding_ref == item.id,
        contact_bindings.c.released_at.is_(None))).first()
    if existing:
        return ContactResult("call", existing.alias_number, None)
    broker = _broker(rt)
    if hasattr(broker, "restore"):
        broker.restore(r.alias_number for r in uow.conn.execute(
            select(contact_bindings.c.alias_number).where(
                contact_bindings.c.released_at.is_(None),
                contact_bindings.c.expires_at > clock.now())))
    now = clock.now()
    binding = broker.bind(phone, staff_phone, item.id, now + BINDING_LIFETIME)
    from ownerguard.store.tables import work_items

    item_id = uow.conn.execute(select(work_items.c.id).where(
        work_items.c.number == item.id)).scalar_one()
    uow.conn.execute(insert(contact_bindings).values(
        id=new_id(), company_id=ctx.company_id, work_item_id=item_id, person_id=person_id,
        provider=binding.provider, provider_binding_id=binding.binding_id[:120],
        binding_ref=item.id,
        alias_number=binding.alias_number, bound_at=now, expires_at=binding.expires_at))
    return ContactResult("call", binding.alias_number, None)


def release_for_item(rt: Runtime, uow: UnitOfWork, item, *, actor: str) -> int:
    """Release every alias bound for a work item that is done or closed."""
    rows = uow.conn.execute(select(contact_bindings).where(
        contact_bindings.c.work_item_id == item.id,
        contact_bindings.c.released_at.is_(None))).all()
    if not rows:
        return 0
    broker = _broker(rt)
    released = 0
    for r in rows:
        try:
            broker.release(AliasBinding(r.provider_binding_id, r.alias_number, r.provider,
                                        r.binding_ref, clock.aware(r.expires_at)))
        except ContactError:
            # Left unreleased so a later close or retry tries again: marking it released
            # while the provider still connects calls would hide a live path to the owner.
            continue
        uow.conn.execute(update(contact_bindings).where(contact_bindings.c.id == r.id)
                         .values(released_at=clock.now()))
        released += 1
    return released
