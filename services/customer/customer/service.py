"""Use cases of the customer service. Each takes a unit of work and commits through it."""

from __future__ import annotations

from typing import Any

from customer.domain import classify_region
from customer.models import Customer, CustomerAddress, platform
from customer.repository import CustomerRepository
from customer.schemas import Address, CustomerCreate
from customer.settings import CustomerSettings
from kefu_shared.auth import Principal
from kefu_shared.errors import Conflict, Forbidden, NotFound
from kefu_shared.numbering import next_value
from kefu_shared.uow import UnitOfWork


def _address_rows(addresses: list[Address], settings: CustomerSettings) -> list[CustomerAddress]:
    rows = []
    for pos, a in enumerate(addresses):
        region = a.region_class or classify_region(
            country=a.country,
            province=a.province,
            city=a.city,
            home_country=settings.home_country,
            home_province=settings.home_province,
            home_city=settings.home_city,
        )
        rows.append(
            CustomerAddress(
                **a.model_dump(exclude={"region_class"}), region_class=region, position=pos
            )
        )
    return rows


def _apply_primary_address(customer: Customer, rows: list[CustomerAddress]) -> None:
    primary = rows[0] if rows else None
    customer.province = primary.province if primary else None
    customer.city = primary.city if primary else None
    customer.district = primary.district if primary else None
    customer.region_class = primary.region_class if primary else None
    customer.area_class = primary.area_class if primary else None


async def register_customer(
    *, uow: UnitOfWork, data: CustomerCreate, actor: Principal, settings: CustomerSettings
) -> Customer:
    """Create a customer with a new customer number; emits ``customer.registered``."""
    dealer_id = data.dealer_id
    if actor.is_dealer:
        if dealer_id and dealer_id != actor.dealer_id:
            raise Forbidden("a dealer can only register its own customers")
        dealer_id = actor.dealer_id
    async with uow:
        repo = CustomerRepository(uow.session)
        if data.credit_code and await repo.by_credit_code(data.credit_code):
            raise Conflict(
                "a customer with this unified social credit code exists",
                errors=[{"field": "credit_code", "message": "already registered"}],
            )
        seq = await next_value(uow.session, platform.sequences, "customer")
        fields: dict[str, Any] = data.model_dump(
            exclude={"addresses", "contacts"}, exclude_none=True
        )
        fields["dealer_id"] = dealer_id
        customer = Customer(
            **fields,
            number=f"{settings.number_prefix}{seq:08d}",
            contacts=[c.model_dump(mode="json") for c in data.contacts or []],
            created_by=actor.user_id,
        )
        customer.phone_primary = (data.phones or [None])[0]
        if data.source is None and dealer_id:
            customer.source = "dealer"
        rows = _address_rows(data.addresses or [], settings)
        customer.addresses = rows
        _apply_primary_address(customer, rows)
        repo.add(customer)
        customer.registered()
        await uow.commit()
        return customer


async def get_customer(*, uow: UnitOfWork, customer_id: str, actor: Principal) -> Customer:
    async with uow:
        customer = await CustomerRepository(uow.session).get(customer_id)
        if customer is None or not actor.can_see_dealer(customer.dealer_id):
            # A dealer probing another dealer's id learns nothing: same answer as missing.
            raise NotFound(f"customer {customer_id} not found")
        return customer
