"""Queries of the analytics area: service history, satisfaction and key-account plans.

The set-based reporting queries (contribution, Pareto, composition, key-account lists)
live in :mod:`customer.analytics.reports`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from customer.analytics.models import (
    CustomerServiceStats,
    KeyAccountPlan,
    SatisfactionResponse,
    ServiceCase,
    ServiceCost,
)
from customer.models import Customer


class AnalyticsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def customer_exists(self, customer_id: str) -> bool:
        return await self.resolve_customer(customer_id) is not None

    async def resolve_customer(self, customer_id: str) -> str | None:
        """The customer an event belongs to now: a merged duplicate's survivor, or None."""
        for _ in range(5):  # merges chain at most a few times
            row = (
                await self.session.execute(
                    select(Customer.id, Customer.merged_into).where(Customer.id == customer_id)
                )
            ).first()
            if row is None:
                return None
            if row.merged_into is None:
                return str(row.id)
            customer_id = row.merged_into
        return None

    async def stats(self, customer_id: str) -> CustomerServiceStats | None:
        return await self.session.get(CustomerServiceStats, customer_id)

    async def stats_for_update(self, customer_id: str) -> CustomerServiceStats:
        stats = await self.session.get(CustomerServiceStats, customer_id)
        if stats is None:
            stats = CustomerServiceStats(
                customer_id=customer_id,
                complaints_total=0,
                complaints_open=0,
                complaints_reopened=0,
                escalations=0,
                tickets_total=0,
                tickets_open=0,
                visits=0,
                sla_breaches=0,
                responses=0,
                cost_to_serve=0,
            )
            self.session.add(stats)
        return stats

    async def case(self, kind: str, case_id: str) -> ServiceCase | None:
        return await self.session.get(ServiceCase, (kind, case_id))

    def add(self, obj: Any) -> None:
        self.session.add(obj)

    async def case_counts(self, customer_id: str) -> dict[str, tuple[int, int, datetime | None]]:
        """Per kind: (total, open, latest opened_at) of a customer's cases."""
        stmt = (
            select(
                ServiceCase.kind,
                func.count(),
                func.sum(case((ServiceCase.is_open, 1), else_=0)),
                func.max(ServiceCase.opened_at),
            )
            .where(ServiceCase.customer_id == customer_id)
            .group_by(ServiceCase.kind)
        )
        rows = (await self.session.execute(stmt)).all()
        out: dict[str, tuple[int, int, datetime | None]] = {}
        for kind, total, open_, latest in rows:
            out[kind] = (int(total), int(open_ or 0), latest)
        return out

    async def response(self, response_id: str) -> SatisfactionResponse | None:
        return await self.session.get(SatisfactionResponse, response_id)

    async def recent_responses(self, customer_id: str, limit: int) -> list[SatisfactionResponse]:
        stmt = (
            select(SatisfactionResponse)
            .where(SatisfactionResponse.customer_id == customer_id)
            .order_by(
                SatisfactionResponse.responded_at.desc(), SatisfactionResponse.response_id.desc()
            )
            .limit(limit)
        )
        return list((await self.session.execute(stmt)).scalars().all())

    async def recent_scores(self, customer_id: str, limit: int) -> list[float]:
        stmt = (
            select(SatisfactionResponse.score)
            .where(
                SatisfactionResponse.customer_id == customer_id,
                SatisfactionResponse.score.is_not(None),
            )
            .order_by(
                SatisfactionResponse.responded_at.desc(), SatisfactionResponse.response_id.desc()
            )
            .limit(limit)
        )
        return [float(s) for s in (await self.session.execute(stmt)).scalars().all()]

    async def latest_value(self, customer_id: str, column: Any) -> Any:
        """The newest non-null value of ``column`` among a customer's responses."""
        stmt = (
            select(column)
            .where(SatisfactionResponse.customer_id == customer_id, column.is_not(None))
            .order_by(
                SatisfactionResponse.responded_at.desc(), SatisfactionResponse.response_id.desc()
            )
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def response_summary(self, customer_id: str) -> tuple[int, datetime | None]:
        stmt = select(func.count(), func.max(SatisfactionResponse.responded_at)).where(
            SatisfactionResponse.customer_id == customer_id
        )
        count, latest = (await self.session.execute(stmt)).one()
        return int(count), latest

    async def cost_breakdown(self, customer_id: str) -> dict[str, Any]:
        stmt = (
            select(ServiceCost.component, func.sum(ServiceCost.amount))
            .where(ServiceCost.customer_id == customer_id)
            .group_by(ServiceCost.component)
            .order_by(ServiceCost.component)
        )
        return {c: a for c, a in (await self.session.execute(stmt)).all()}

    async def plan(self, customer_id: str) -> KeyAccountPlan | None:
        return await self.session.get(KeyAccountPlan, customer_id)
