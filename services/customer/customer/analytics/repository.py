"""Queries of the analytics area: service history, satisfaction and key-account plans.

The set-based reporting queries (contribution, Pareto, composition, key-account lists)
live in :mod:`customer.analytics.reports`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from customer.analytics.config import AnalyticsSettings
from customer.analytics.models import (
    COMPLAINT,
    TICKET,
    CustomerServiceStats,
    KeyAccountPlan,
    SatisfactionResponse,
    ServiceCase,
    ServiceCost,
)
from customer.analytics.rules import satisfaction_trend
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

    async def flush(self) -> None:
        await self.session.flush()

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
        return [
            float(s) for s in (await self.session.execute(stmt)).scalars().all() if s is not None
        ]

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

    async def merge_service_history(
        self, *, survivor_id: str, merged_ids: Sequence[str], settings: AnalyticsSettings
    ) -> None:
        """Duplicates merged into one customer: their cases, costs and survey responses follow
        the survivor, counters add up, and latest satisfaction and trend are recomputed."""
        for model in (ServiceCase, ServiceCost, SatisfactionResponse):
            await self.session.execute(
                update(model)
                .where(model.customer_id.in_(merged_ids))
                .values(customer_id=survivor_id)
            )
        merged_stats = [s for s in [await self.stats(i) for i in merged_ids] if s is not None]
        stats = await self.stats_for_update(survivor_id)
        for other in merged_stats:
            for counter in ("complaints_reopened", "escalations", "visits", "sla_breaches"):
                setattr(
                    stats, counter, (getattr(stats, counter) or 0) + (getattr(other, counter) or 0)
                )
            stats.cost_to_serve = (stats.cost_to_serve or Decimal(0)) + (other.cost_to_serve or 0)
            await self.session.delete(other)
        await self.session.flush()
        counts = await self.case_counts(survivor_id)
        stats.complaints_total, stats.complaints_open, stats.last_complaint_at = counts.get(
            COMPLAINT, (0, 0, None)
        )
        stats.tickets_total, stats.tickets_open, stats.last_ticket_at = counts.get(
            TICKET, (0, 0, None)
        )
        stats.responses, stats.last_response_at = await self.response_summary(survivor_id)
        stats.latest_csat = await self.latest_value(survivor_id, SatisfactionResponse.csat)
        stats.latest_nps = await self.latest_value(survivor_id, SatisfactionResponse.nps)
        scores = await self.recent_scores(survivor_id, 2 * settings.trend_window)
        stats.satisfaction_trend = satisfaction_trend(
            scores, window=settings.trend_window, min_delta=settings.trend_min_delta
        )
