"""Every query of the customer service."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from customer.models import Customer


class CustomerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, customer: Customer) -> None:
        self.session.add(customer)

    async def get(self, customer_id: str, *, with_addresses: bool = True) -> Customer | None:
        stmt = select(Customer).where(Customer.id == customer_id)
        if with_addresses:
            stmt = stmt.options(selectinload(Customer.addresses))
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def by_credit_code(self, code: str) -> Customer | None:
        stmt = select(Customer).where(Customer.credit_code == code)
        return (await self.session.execute(stmt)).scalar_one_or_none()
