"""What happens to service history when duplicate customers are merged."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from customer.analytics.config import AnalyticsSettings
from customer.analytics.history import COMPLAINT, TICKET
from customer.analytics.models import SatisfactionResponse, ServiceCase, ServiceCost
from customer.analytics.repository import AnalyticsRepository
from customer.analytics.satisfaction import satisfaction_trend


async def merge_service_history(
    session: AsyncSession, *, survivor_id: str, merged_ids: list[str], settings: AnalyticsSettings
) -> None:
    """Duplicates merged into one customer: their cases, costs and survey responses follow
    the survivor, counters add up, and latest satisfaction and trend are recomputed."""
    for model in (ServiceCase, ServiceCost, SatisfactionResponse):
        await session.execute(
            update(model).where(model.customer_id.in_(merged_ids)).values(customer_id=survivor_id)
        )
    repo = AnalyticsRepository(session)
    merged_stats = [s for s in [await repo.stats(i) for i in merged_ids] if s is not None]
    stats = await repo.stats_for_update(survivor_id)
    for other in merged_stats:
        for counter in ("complaints_reopened", "escalations", "visits", "sla_breaches"):
            setattr(stats, counter, (getattr(stats, counter) or 0) + (getattr(other, counter) or 0))
        stats.cost_to_serve = (stats.cost_to_serve or Decimal(0)) + (other.cost_to_serve or 0)
        await session.delete(other)
    await session.flush()
    counts = await repo.case_counts(survivor_id)
    stats.complaints_total, stats.complaints_open, stats.last_complaint_at = counts.get(
        COMPLAINT, (0, 0, None)
    )
    stats.tickets_total, stats.tickets_open, stats.last_ticket_at = counts.get(TICKET, (0, 0, None))
    stats.responses, stats.last_response_at = await repo.response_summary(survivor_id)
    stats.latest_csat = await repo.latest_value(survivor_id, SatisfactionResponse.csat)
    stats.latest_nps = await repo.latest_value(survivor_id, SatisfactionResponse.nps)
    scores = await repo.recent_scores(survivor_id, 2 * settings.trend_window)
    stats.satisfaction_trend = satisfaction_trend(
        scores, window=settings.trend_window, min_delta=settings.trend_min_delta
    )
