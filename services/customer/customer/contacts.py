"""Use cases of a customer's contact log (客户接触记录) and lifecycle history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from customer.records import CustomerHistory, CustomerInteraction
from customer.schemas import InteractionCreate
from kefu_shared.auth import Principal
from kefu_shared.db import utcnow
from kefu_shared.errors import BusinessRuleViolation

if TYPE_CHECKING:
    from customer.uow import CustomerUnitOfWork


async def customer_history(
    *,
    uow: CustomerUnitOfWork,
    customer_id: str,
    actor: Principal,
    limit: int,
    cursor: str | None,
) -> tuple[list[CustomerHistory], str | None]:
    """Lifecycle history (newest first)."""
    async with uow:
        await uow.customers.get_visible(customer_id, actor, with_addresses=False)
        return await uow.customers.history_page(customer_id, limit=limit, cursor=cursor)


async def record_interaction(
    *, uow: CustomerUnitOfWork, customer_id: str, data: InteractionCreate, actor: Principal
) -> CustomerInteraction:
    """Log a contact with the customer (inquiry, sample request, visit...)."""
    async with uow:
        customer = await uow.customers.get_visible(customer_id, actor, with_addresses=False)
        if customer.status in ("merged", "erased"):
            raise BusinessRuleViolation(f"customer is {customer.status}")
        interaction = CustomerInteraction(
            customer_id=customer.id,
            kind=data.kind,
            at=data.at or utcnow(),
            channel=data.channel,
            product_line=data.product_line,
            notes=data.notes,
            created_by=actor.user_id,
            created_at=utcnow(),
        )
        uow.customers.add_interaction(interaction)
        customer.contacted()
        await uow.commit()
        return interaction


async def list_interactions(
    *,
    uow: CustomerUnitOfWork,
    customer_id: str,
    actor: Principal,
    kind: list[str],
    limit: int,
    cursor: str | None,
) -> tuple[list[CustomerInteraction], str | None]:
    """A customer's contacts, newest first."""
    async with uow:
        await uow.customers.get_visible(customer_id, actor, with_addresses=False)
        return await uow.customers.interactions_page(
            customer_id, kinds=kind, limit=limit, cursor=cursor
        )
