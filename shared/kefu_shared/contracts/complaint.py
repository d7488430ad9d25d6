"""Events published by the complaint service on ``complaint.events.v1``."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from kefu_shared.events import EventData, contract
from kefu_shared.registry import service

TOPIC = service("complaint").events_topic


class ComplaintEvent(EventData):
    id: str
    number: str
    customer_id: str
    category: str | None = None
    severity: str | None = None
    status: str | None = None
    level: int | None = None
    channel: str | None = None
    dealer_id: str | None = None
    acknowledge_due: datetime | None = None
    resolve_due: datetime | None = None
    reason: str | None = None


for _name in (
    "received",
    "acknowledged",
    "assigned",
    "escalated",
    "resolved",
    "closed",
    "reopened",
    "rejected",
):
    _cls = type(f"Complaint{_name.capitalize()}", (ComplaintEvent,), {"__module__": __name__})
    globals()[_cls.__name__] = contract(f"complaint.{_name}", topic=TOPIC)(_cls)


@contract("complaint.onsite_service_requested", topic=TOPIC)
class ComplaintOnsiteServiceRequested(EventData):
    complaint_id: str
    customer_id: str
    product_model: str | None = None
    serial_number: str | None = None
    address: str | None = None
    description: str | None = None
    dealer_id: str | None = None


@contract("complaint.compensation_approved", topic=TOPIC)
class ComplaintCompensationApproved(EventData):
    id: str
    customer_id: str
    amount: Decimal
