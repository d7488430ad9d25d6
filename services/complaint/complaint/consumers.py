"""Event handlers of the complaint service, by event type: the local customer copy
(``kefu_shared.replicas``) plus merged and erased customers' complaints, the linked
ticket's progress, and service recovery from survey responses. The runner de-duplicates
by event id and commits; handlers don't. Made once for the app's settings by ``main.py``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from complaint import recovery
from complaint.models import customer_copies
from complaint.policy import ComplaintPolicy
from complaint.settings import ComplaintSettings
from kefu_shared.consumer import Handler
from kefu_shared.contracts import ticket
from kefu_shared.contracts.customer import CustomerErased, CustomerMerged
from kefu_shared.contracts.survey import SurveyResponseReceived
from kefu_shared.events import REGISTRY, CloudEvent
from kefu_shared.replicas import customer_copy_handlers

if TYPE_CHECKING:
    from complaint.uow import ComplaintUnitOfWork


def _visits(data: ticket.TicketEvent) -> int | None:
    if isinstance(data, ticket.TicketVisitRecorded):
        return data.visit_number
    if isinstance(data, ticket.TicketCompleted | ticket.TicketClosed):
        return data.visits
    return None


def handlers(settings: ComplaintSettings) -> dict[str, Handler]:
    policy = ComplaintPolicy.from_settings(settings)
    copies = customer_copy_handlers(customer_copies)

    async def on_merged(uow: ComplaintUnitOfWork, event: CloudEvent, data: CustomerMerged) -> None:
        await copies["customer.merged"](uow, event, data)
        await recovery.follow_merge(
            uow=uow, merged_ids=list(data.merged_ids), surviving_id=data.surviving_id
        )

    async def on_erased(uow: ComplaintUnitOfWork, event: CloudEvent, data: CustomerErased) -> None:
        await copies["customer.erased"](uow, event, data)
        await recovery.follow_erasure(uow=uow, customer_id=data.id)

    async def on_ticket(
        uow: ComplaintUnitOfWork, event: CloudEvent, data: ticket.TicketEvent
    ) -> None:
        await recovery.follow_ticket(
            uow=uow, event_type=event.type, data=data, visits=_visits(data)
        )

    async def on_survey_response(
        uow: ComplaintUnitOfWork, event: CloudEvent, data: SurveyResponseReceived
    ) -> None:
        await recovery.recover_from_survey(uow=uow, data=data, policy=policy)

    ticket_types: list[Any] = sorted(
        t for t, cls in REGISTRY.items() if issubclass(cls, ticket.TicketEvent)
    )
    return {
        **copies,
        "customer.merged": on_merged,
        "customer.erased": on_erased,
        **dict.fromkeys(ticket_types, on_ticket),
        "survey.response_received": on_survey_response,
    }
