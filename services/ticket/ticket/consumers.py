"""Event handlers of the ticket service, by event type (:func:`handlers`).

- ``customer.*``: the local customer copy (tier, key account, area class, dealer, credit
  hold) the tickets' targets and approvals come from; merged customers' tickets,
  warranties, agreements and plans move to the surviving one; an erased customer's
  tickets lose address and contact.
- ``complaint.onsite_service_requested``: opens one linked ticket per complaint, however
  often the request arrives.
- ``complaint.received`` naming a technician (or a ticket): a complaint on the scorecard.
- ``survey.response_received`` about a ticket: the technician's satisfaction score.

The runner de-duplicates by event id and commits; handlers don't.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from kefu_shared.consumer import Handler
from kefu_shared.contracts.complaint import ComplaintOnsiteServiceRequested, ComplaintReceived
from kefu_shared.contracts.customer import CustomerErased, CustomerMerged
from kefu_shared.contracts.survey import SurveyResponseReceived
from kefu_shared.events import CloudEvent
from kefu_shared.logging import get_logger
from kefu_shared.replicas import customer_copy_handlers
from ticket import dispatch
from ticket.catalog import TechnicianFeedback
from ticket.models import customer_copies
from ticket.rules import Clocks
from ticket.schemas import TicketCreate
from ticket.service import Opening, open_in
from ticket.settings import TicketSettings

if TYPE_CHECKING:
    from ticket.uow import TicketUnitOfWork

log = get_logger(__name__)
SYSTEM = "system:complaint"


def event_time(event: CloudEvent) -> datetime:
    t = event.time
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def handlers(settings: TicketSettings, clocks: Clocks) -> dict[str, Handler]:
    copy = customer_copy_handlers(customer_copies)

    async def on_merged(uow: TicketUnitOfWork, event: CloudEvent, data: CustomerMerged) -> None:
        await copy["customer.merged"](uow, event, data)
        await uow.tickets.move_customer(list(data.merged_ids), data.surviving_id)
        await uow.coverage.move_customer(list(data.merged_ids), data.surviving_id)
        await uow.plans.move_customer(list(data.merged_ids), data.surviving_id)

    async def on_erased(uow: TicketUnitOfWork, event: CloudEvent, data: CustomerErased) -> None:
        await copy["customer.erased"](uow, event, data)
        await uow.tickets.erase_customer(data.id)

    async def on_onsite_requested(
        uow: TicketUnitOfWork, event: CloudEvent, data: ComplaintOnsiteServiceRequested
    ) -> None:
        if await uow.tickets.by_complaint(data.complaint_id) is not None:
            return  # one linked ticket per complaint, whatever the duplicates
        customer = await uow.tickets.customer(data.customer_id)
        if customer is None:
            raise LookupError(f"customer {data.customer_id} not in the local copy yet")
        if customer.merged_into:
            customer = await uow.tickets.customer(customer.merged_into) or customer
        region_class = data.region_class if data.region_class in ("city", "town", "rural") else None
        ticket_data = TicketCreate(
            type="repair",
            customer_id=customer.id,
            channel="complaint",
            complaint_id=data.complaint_id,
            product_model=data.product_model,
            serial_number=data.serial_number,
            purchase_date=data.purchase_date,
            address=data.address,
            region_class=region_class,  # type: ignore[arg-type]
            priority="urgent"
            if data.severity == "critical"
            else "high"
            if data.severity == "major"
            else None,
            description=data.description,
        )
        at = event_time(event)
        ticket = await open_in(
            uow,
            Opening(ticket_data, origin="complaint"),
            customer=customer,
            actor=SYSTEM,
            settings=settings,
            clocks=clocks,
            now=at,
        )
        if settings.dispatch.auto_assign_on_open and not ticket.approval_required:
            await dispatch.assign_automatically(
                uow, ticket, settings=settings, now=at, clocks=clocks
            )

    async def on_complaint(
        uow: TicketUnitOfWork, event: CloudEvent, data: ComplaintReceived
    ) -> None:
        technician_id = data.technician_id
        if technician_id is None and data.ticket_id:
            ticket = await uow.tickets.get(data.ticket_id)
            technician_id = ticket.technician_id if ticket else None
        if technician_id is None:
            return
        await uow.technicians.add_feedback(
            TechnicianFeedback(
                kind="complaint",
                source_id=data.id,
                technician_id=technician_id,
                ticket_id=data.ticket_id,
                at=data.received_at or event_time(event),
            )
        )

    async def on_survey(
        uow: TicketUnitOfWork, event: CloudEvent, data: SurveyResponseReceived
    ) -> None:
        if data.csat is None or (data.ticket_id is None and data.technician_id is None):
            return
        technician_id = data.technician_id
        if data.ticket_id:
            ticket = await uow.tickets.get(data.ticket_id)
            if ticket is None:
                return  # another service's ticket id, or a survey about something else
            technician_id = technician_id or ticket.technician_id
        if technician_id is None:
            return
        await uow.technicians.add_feedback(
            TechnicianFeedback(
                kind="satisfaction",
                source_id=data.response_id,
                technician_id=technician_id,
                ticket_id=data.ticket_id,
                csat=data.csat,
                at=data.submitted_at or event_time(event),
            )
        )

    return {
        **copy,
        "customer.merged": on_merged,
        "customer.erased": on_erased,
        "complaint.onsite_service_requested": on_onsite_requested,
        "complaint.received": on_complaint,
        "survey.response_received": on_survey,
    }
