"""Event handlers of the survey service, by event type.

Customer events keep the local copy (targeting, segments) and follow merges and
erasures into invitations and responses; a closed ticket or complaint sends its survey.
The runner de-duplicates by event id and commits; handlers don't. The handlers are made
for the app's settings (:func:`handlers`), once, by ``main.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kefu_shared.consumer import Handler
from kefu_shared.contracts.complaint import ComplaintClosed
from kefu_shared.contracts.customer import CustomerErased, CustomerMerged
from kefu_shared.contracts.ticket import TicketClosed
from kefu_shared.db import utcnow
from kefu_shared.events import CloudEvent
from kefu_shared.replicas import customer_copy_handlers
from survey import responses
from survey.invitations import Occasion, on_service_closed, product_line
from survey.models import customer_copies
from survey.settings import SurveySettings

if TYPE_CHECKING:
    from survey.uow import SurveyUnitOfWork


def handlers(settings: SurveySettings) -> dict[str, Handler]:
    rules = settings.rules
    copy = customer_copy_handlers(customer_copies)

    async def on_merged(uow: SurveyUnitOfWork, event: CloudEvent, data: CustomerMerged) -> None:
        await copy["customer.merged"](uow, event, data)
        await responses.follow_merge(
            uow=uow, merged_ids=list(data.merged_ids), surviving_id=data.surviving_id
        )

    async def on_erased(uow: SurveyUnitOfWork, event: CloudEvent, data: CustomerErased) -> None:
        await copy["customer.erased"](uow, event, data)
        await responses.follow_erasure(uow=uow, customer_id=data.id)

    async def on_ticket_closed(
        uow: SurveyUnitOfWork, event: CloudEvent, data: TicketClosed
    ) -> None:
        now = utcnow()
        await on_service_closed(
            uow=uow,
            source="ticket",
            source_id=data.id,
            customer_id=data.customer_id,
            template_key=rules.ticket_closed_template,
            occasion=Occasion(
                trigger="ticket_closed",
                trigger_key=f"ticket:{data.id}",
                ticket_id=data.id,
                complaint_id=data.complaint_id,
                technician_id=data.technician_id,
                product_line=product_line(data.product_model, rules.product_lines),
            ),
            served_at=data.closed_at or event.time or now,
            rules=rules,
            now=now,
        )

    async def on_complaint_closed(
        uow: SurveyUnitOfWork, event: CloudEvent, data: ComplaintClosed
    ) -> None:
        now = utcnow()
        await on_service_closed(
            uow=uow,
            source="complaint",
            source_id=data.id,
            customer_id=data.customer_id,
            template_key=rules.complaint_closed_template,
            occasion=Occasion(
                trigger="complaint_closed",
                trigger_key=f"complaint:{data.id}",
                complaint_id=data.id,
                ticket_id=data.ticket_id,
                product_line=product_line(data.product_model, rules.product_lines),
            ),
            served_at=data.closed_at or event.time or now,
            rules=rules,
            now=now,
        )

    return {
        **copy,
        "customer.merged": on_merged,
        "customer.erased": on_erased,
        "ticket.closed": on_ticket_closed,
        "complaint.closed": on_complaint_closed,
    }
