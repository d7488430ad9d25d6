"""Maintenance plans (维护与保养): recurring preventive maintenance of a customer's
equipment. The sweep (once across replicas, ``main.py``) opens the plan's maintenance
ticket ``lead_days`` before each due date -- once: the plan moves to its next due date in
the same transaction, and a ticket per (plan, due date) is unique in the database."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from kefu_shared.audit import AuditEntry, changes_between, snapshot
from kefu_shared.auth import Principal
from kefu_shared.db import utcnow
from kefu_shared.errors import InvalidInput
from kefu_shared.http.etag import check_if_match
from kefu_shared.logging import get_logger
from ticket.catalog import MaintenancePlan
from ticket.catalog_schemas import PlanCreate, PlanUpdate
from ticket.rules import Clocks
from ticket.schemas import TicketCreate
from ticket.service import Opening, customer_for, local_day, open_in
from ticket.settings import TicketSettings

if TYPE_CHECKING:
    from ticket.uow import TicketUnitOfWork

log = get_logger(__name__)
SYSTEM = "system:maintenance"
SYSTEM_PRINCIPAL = Principal(user_id=SYSTEM, roles=frozenset({"admin"}))


async def create_plan(
    *, uow: TicketUnitOfWork, data: PlanCreate, actor: Principal
) -> MaintenancePlan:
    async with uow:
        customer = await customer_for(uow, data.customer_id, actor)
        plan = MaintenancePlan(
            **data.model_dump(exclude={"customer_id", "active"}),
            customer_id=customer.id,
            dealer_id=customer.dealer_id,
            active=True if data.active is None else data.active,
            version=1,
        )
        uow.plans.add(plan)
        uow.audit(
            AuditEntry(
                aggregate_type="maintenance_plan",
                aggregate_id=plan.id,
                action="created",
                actor=actor.user_id,
                fields=["serial_number", "interval_days", "next_due_on"],
            )
        )
        await uow.commit()
    return plan


async def get_plan(*, uow: TicketUnitOfWork, plan_id: str, actor: Principal) -> MaintenancePlan:
    async with uow:
        return await uow.plans.visible(plan_id, actor)


async def update_plan(
    *, uow: TicketUnitOfWork, plan_id: str, data: PlanUpdate, if_match: str | None, actor: Principal
) -> MaintenancePlan:
    changes = data.model_dump(exclude_unset=True)
    for required in ("interval_days", "next_due_on", "active"):
        if required in changes and changes[required] is None:
            raise InvalidInput(
                f"{required} cannot be removed", errors=[{"field": required, "message": "required"}]
            )
    async with uow:
        plan = await uow.plans.visible(plan_id, actor)
        check_if_match(if_match, plan.etag)
        before = snapshot(plan, list(changes))
        for key, value in changes.items():
            setattr(plan, key, value)
        diff = changes_between(before, snapshot(plan, list(changes)))
        if diff:
            plan.version += 1
            uow.audit(
                AuditEntry(
                    aggregate_type="maintenance_plan",
                    aggregate_id=plan.id,
                    action="updated",
                    actor=actor.user_id,
                    changes=diff,
                )
            )
        await uow.commit()
    return plan


async def list_plans(
    *,
    uow: TicketUnitOfWork,
    actor: Principal,
    customer_id: str | None,
    dealer_id: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[MaintenancePlan], str | None]:
    async with uow:
        return await uow.plans.page(
            actor=actor, customer_id=customer_id, dealer_id=dealer_id, cursor=cursor, limit=limit
        )


def opens_on(plan: MaintenancePlan, default_lead_days: int) -> date:
    lead = plan.lead_days if plan.lead_days is not None else default_lead_days
    return plan.next_due_on - timedelta(days=lead)


async def sweep_plans(
    uow: TicketUnitOfWork, *, settings: TicketSettings, clocks: Clocks, now: datetime | None = None
) -> int:
    """Open the maintenance tickets whose lead time has begun; returns how many."""
    now = now or utcnow()
    today = local_day(now, settings)
    rules = settings.maintenance
    opened = 0
    while True:
        async with uow:
            plans = await uow.plans.due(
                until=today + timedelta(days=365), limit=rules.sweep_batch_size
            )
            ready = [p for p in plans if opens_on(p, rules.lead_days) <= today]
            for plan in ready:
                customer = await uow.tickets.customer(plan.customer_id)
                if customer is None or customer.status in ("erased", "archived", "merged"):
                    continue
                data = TicketCreate(
                    type="maintenance",
                    customer_id=plan.customer_id,
                    channel="maintenance_plan",
                    product_model=plan.product_model,
                    product_line=plan.product_line,
                    serial_number=plan.serial_number,
                    address=plan.address,
                    region=plan.region,
                    region_class=plan.region_class,  # type: ignore[arg-type]
                    description=f"preventive maintenance due {plan.next_due_on}",
                )
                try:
                    ticket = await open_in(
                        uow,
                        Opening(
                            data,
                            origin="maintenance",
                            maintenance_plan_id=plan.id,
                            maintenance_due_on=plan.next_due_on,
                        ),
                        customer=customer,
                        actor=SYSTEM,
                        settings=settings,
                        clocks=clocks,
                        now=now,
                    )
                except (
                    InvalidInput
                ) as exc:  # e.g. no region class anywhere: a person must fix the plan
                    log.warning("ticket.maintenance_plan_unusable", plan=plan.id, error=str(exc))
                    plan.active = False
                    plan.version += 1
                    continue
                plan.last_ticket_id = ticket.id
                # The next due date; due dates already past are not caught up one by one.
                plan.next_due_on = plan.next_due_on + timedelta(days=plan.interval_days)
                while plan.next_due_on <= today:
                    plan.next_due_on += timedelta(days=plan.interval_days)
                plan.version += 1
                opened += 1
            await uow.commit()
        if len(plans) < rules.sweep_batch_size or not ready:
            break
    if opened:
        log.info("ticket.maintenance_opened", tickets=opened)
    return opened


__all__ = ["SYSTEM_PRINCIPAL", "create_plan", "customer_for", "sweep_plans"]
