"""Events published by the ticket service on ``ticket.events.v1``."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from kefu_shared.events import EventData, contract
from kefu_shared.registry import service

TOPIC = service("ticket").events_topic


class TicketEvent(EventData):
    id: str
    number: str
    customer_id: str
    type: str | None = None
    status: str | None = None
    technician_id: str | None = None
    complaint_id: str | None = None
    in_warranty: bool | None = None
    fee: Decimal | None = None
    dealer_id: str | None = None


for _name in (
    "opened",
    "assigned",
    "scheduled",
    "visit_recorded",
    "completed",
    "closed",
    "cancelled",
):
    _cls_name = "Ticket" + "".join(p.capitalize() for p in _name.split("_"))
    _cls = type(_cls_name, (TicketEvent,), {"__module__": __name__})
    globals()[_cls_name] = contract(f"ticket.{_name}", topic=TOPIC)(_cls)


@contract("ticket.sla_breached", topic=TOPIC)
class TicketSlaBreached(EventData):
    id: str
    number: str | None = None
    customer_id: str | None = None
    target: str
    due: datetime
    breached_at: datetime
    dealer_id: str | None = None
