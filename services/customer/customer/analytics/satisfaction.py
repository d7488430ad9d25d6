"""Satisfaction on the customer profile, fed by ``survey.response_received``.

Every response is kept (``satisfaction_responses``); the profile shows the newest CSAT
and NPS (by response time, so a late delivery of an old response does not overwrite a
newer score) and a trend over the last responses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from customer.analytics.config import AnalyticsSettings
from customer.analytics.history import event_time
from customer.analytics.models import SatisfactionResponse
from customer.analytics.rules import satisfaction_trend, score_of
from kefu_shared.contracts.survey import SurveyResponseReceived
from kefu_shared.events import CloudEvent
from kefu_shared.logging import get_logger

if TYPE_CHECKING:
    from customer.uow import CustomerUnitOfWork

log = get_logger(__name__)


async def record_survey_response(
    *,
    uow: CustomerUnitOfWork,
    event: CloudEvent,
    data: SurveyResponseReceived,
    settings: AnalyticsSettings,
) -> None:
    """Store a response and refresh latest CSAT/NPS and the trend on the profile."""
    repo = uow.analytics
    resolved = await repo.resolve_customer(data.customer_id)
    if resolved is None:
        log.warning(
            "analytics.unknown_customer_ignored",
            type=event.type,
            event_id=event.id,
            customer_id=data.customer_id,
        )
        return
    data = data.model_copy(update={"customer_id": resolved})
    if await repo.response(data.response_id) is not None:
        return  # the same response re-published under another event id
    repo.add(
        SatisfactionResponse(
            response_id=data.response_id,
            customer_id=data.customer_id,
            responded_at=event_time(event),
            csat=data.csat,
            nps=data.nps,
            score=score_of(data.csat, data.nps),
            dissatisfied=data.dissatisfied,
            ticket_id=data.ticket_id,
            complaint_id=data.complaint_id,
        )
    )
    await repo.flush()
    stats = await repo.stats_for_update(data.customer_id)
    stats.responses, stats.last_response_at = await repo.response_summary(data.customer_id)
    stats.latest_csat = await repo.latest_value(data.customer_id, SatisfactionResponse.csat)
    stats.latest_nps = await repo.latest_value(data.customer_id, SatisfactionResponse.nps)
    scores = await repo.recent_scores(data.customer_id, 2 * settings.trend_window)
    stats.satisfaction_trend = satisfaction_trend(
        scores, window=settings.trend_window, min_delta=settings.trend_min_delta
    )
