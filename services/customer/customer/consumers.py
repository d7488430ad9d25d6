"""Event handlers of the customer service, by event type.

Complaint and ticket events feed the service history and cost to serve, survey
responses the satisfaction on the profile (see customer/analytics and
docs/analytics.md). The runner de-duplicates by event id and commits; handlers don't.
The handlers are made for the app's settings (:func:`handlers`), once, by ``main.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from customer.analytics import history, satisfaction
from customer.settings import CustomerSettings
from kefu_shared.consumer import Handler
from kefu_shared.contracts import complaint, ticket
from kefu_shared.contracts.complaint import ComplaintCompensationApproved
from kefu_shared.contracts.survey import SurveyResponseReceived
from kefu_shared.contracts.ticket import TicketSlaBreached
from kefu_shared.events import REGISTRY, CloudEvent

if TYPE_CHECKING:
    from customer.uow import CustomerUnitOfWork


def _lifecycle_types(base: type[Any]) -> list[str]:
    """Every registered event type whose contract is a subclass of ``base``."""
    return sorted(t for t, cls in REGISTRY.items() if issubclass(cls, base))


def handlers(settings: CustomerSettings) -> dict[str, Handler]:
    """Handler per event type, pricing service work with ``settings.cost`` and judging
    satisfaction with ``settings.analytics``."""
    costs = settings.cost

    async def on_complaint(
        uow: CustomerUnitOfWork, event: CloudEvent, data: complaint.ComplaintEvent
    ) -> None:
        await history.record_complaint_event(uow=uow, event=event, data=data, costs=costs)

    async def on_compensation(
        uow: CustomerUnitOfWork, event: CloudEvent, data: ComplaintCompensationApproved
    ) -> None:
        await history.record_compensation(uow=uow, event=event, data=data, costs=costs)

    async def on_ticket(
        uow: CustomerUnitOfWork, event: CloudEvent, data: ticket.TicketEvent
    ) -> None:
        await history.record_ticket_event(uow=uow, event=event, data=data, costs=costs)

    async def on_sla_breached(
        uow: CustomerUnitOfWork, event: CloudEvent, data: TicketSlaBreached
    ) -> None:
        await history.record_sla_breach(uow=uow, event=event, data=data, costs=costs)

    async def on_survey_response(
        uow: CustomerUnitOfWork, event: CloudEvent, data: SurveyResponseReceived
    ) -> None:
        await satisfaction.record_survey_response(
            uow=uow, event=event, data=data, settings=settings.analytics
        )

    return {
        **{t: on_complaint for t in _lifecycle_types(complaint.ComplaintEvent)},
        "complaint.compensation_approved": on_compensation,
        **{t: on_ticket for t in _lifecycle_types(ticket.TicketEvent)},
        "ticket.sla_breached": on_sla_breached,
        "survey.response_received": on_survey_response,
    }
