"""Request and response models of the ticket API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

TicketType = Literal[
    "installation", "repair", "maintenance", "inspection", "return_exchange", "consultation"
]
RegionClass = Literal["city", "town", "rural"]
Priority = Literal["low", "normal", "high", "urgent"]
Channel = Literal[
    "phone", "web", "app", "wechat", "email", "dealer", "complaint", "maintenance_plan"
]
VisitResult = Literal["fixed", "needs_parts", "needs_second_visit", "not_fixable"]
Target = Literal["first_contact", "on_site", "resolution"]


# Instants and days the service computes with (deadlines, warranty ends, month bounds)
# stay far from the ends of the calendar.
Instant = Annotated[AwareDatetime, AfterValidator(lambda v: _in_range(v, v.year))]
Day = Annotated[date, AfterValidator(lambda v: _in_range(v, v.year))]


def _in_range(value: Any, year: int) -> Any:
    if not 1900 <= year <= 2200:
        raise ValueError("must be between the years 1900 and 2200")
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Read(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Window(Strict):
    @model_validator(mode="after")
    def _ordered(self) -> Window:
        start = getattr(self, "requested_window_start", None) or getattr(self, "start", None)
        end = getattr(self, "requested_window_end", None) or getattr(self, "end", None)
        if start is not None and end is not None and end <= start:
            raise ValueError("the window must end after it starts")
        return self


class TicketFields(Window):
    priority: Priority | None = None
    product_model: str | None = Field(None, max_length=100)
    product_line: str | None = Field(None, max_length=60)
    serial_number: str | None = Field(None, max_length=100)
    address: str | None = Field(None, max_length=300)
    region: str | None = Field(None, max_length=60, description="service area (dispatch)")
    region_class: RegionClass | None = Field(
        None, description="city / town / rural; from the customer copy's area class when omitted"
    )
    contact_name: str | None = Field(None, max_length=100)
    contact_phone: str | None = Field(None, max_length=40)
    description: str | None = Field(None, max_length=5000)
    requested_window_start: Instant | None = None
    requested_window_end: Instant | None = None


class TicketCreate(TicketFields):
    type: TicketType
    customer_id: str = Field(min_length=1, max_length=36)
    channel: Channel = "phone"
    complaint_id: str | None = Field(None, max_length=36)
    purchase_date: Day | None = Field(
        None, description="registers the serial's warranty when it has none yet"
    )


class TicketUpdate(TicketFields):
    """JSON merge of the descriptive fields; state changes go through the actions."""


class TicketRead(Read):
    id: str
    number: str
    type: str
    status: str
    version: int
    priority: str
    channel: str | None
    origin: str
    customer_id: str
    dealer_id: str | None
    complaint_id: str | None
    tier: str | None
    key_account: bool
    product_model: str | None
    product_line: str | None
    serial_number: str | None
    address: str | None
    region: str | None
    region_class: str
    contact_name: str | None
    contact_phone: str | None
    description: str | None
    requested_window_start: datetime | None
    requested_window_end: datetime | None
    in_warranty: bool
    agreement_id: str | None
    fee: Decimal
    approval_required: bool
    approved_by: str | None
    approved_at: datetime | None
    sla_targets: dict[str, Any]
    first_contact_due: datetime | None
    on_site_due: datetime | None
    resolve_due: datetime | None
    first_contact_at: datetime | None
    on_site_at: datetime | None
    completed_at: datetime | None
    first_contact_breached_at: datetime | None
    on_site_breached_at: datetime | None
    resolve_breached_at: datetime | None
    sla_next_due: datetime | None
    sla_breached: bool
    paused_since: datetime | None
    waiting_for: str | None
    technician_id: str | None
    appointment_start: datetime | None
    appointment_end: datetime | None
    visits: int
    result: str | None
    first_time_fix: bool | None
    closed_at: datetime | None
    reopen_count: int
    repeat_of: str | None
    maintenance_plan_id: str | None
    maintenance_due_on: date | None
    created_at: datetime
    updated_at: datetime
    created_by: str | None


class TicketCreated(TicketRead):
    # Given to the customer; the technician asks for it at sign-off. Shown only here.
    confirmation_code: str


class ActionRequest(Strict):
    reason: str | None = Field(None, max_length=500)


class AssignRequest(ActionRequest):
    technician_id: str | None = Field(
        None, max_length=36, description="omit for automatic assignment (least load)"
    )


class ScheduleRequest(Window):
    start: Instant
    end: Instant


class CompleteRequest(ActionRequest):
    pass


class ApproveRequest(ActionRequest):
    pass


class PartUsed(Strict):
    part_number: str = Field(min_length=1, max_length=60)
    quantity: int = Field(ge=1, le=10000)
    warranty: bool = Field(description="covered by warranty (not charged)")
    price: Decimal = Field(Decimal("0"), ge=0, max_digits=10, decimal_places=2)


class Photo(Strict):
    file_name: str = Field(min_length=1, max_length=200)
    content_type: str = Field("image/jpeg", max_length=60)
    size_bytes: int | None = Field(None, ge=0)
    taken_at: Instant | None = None
    url: str | None = Field(None, max_length=500)


class VisitStart(Strict):
    travel_started_at: Instant | None = None


class VisitArrival(Strict):
    arrived_at: Instant | None = None


class VisitReport(Strict):
    work_done: str = Field(min_length=1, max_length=5000)
    parts: list[PartUsed] = Field(default_factory=list, max_length=100)
    photos: list[Photo] = Field(default_factory=list, max_length=50)
    result: VisitResult
    confirmation_code: str | None = Field(
        None, max_length=12, description="the customer's sign-off; required when fixed"
    )
    finished_at: Instant | None = None
    reason: str | None = Field(None, max_length=500)


class VisitRead(Read):
    id: str
    ticket_id: str
    number: int
    technician_id: str | None
    travel_started_at: datetime
    arrived_at: datetime | None
    finished_at: datetime | None
    promised_by: datetime | None
    on_time: bool | None
    work_done: str | None
    parts: list[dict[str, Any]]
    photos: list[dict[str, Any]]
    parts_charged: Decimal
    signed_off_at: datetime | None
    result: str | None


class FollowUpCreate(Strict):
    satisfied: bool | None = None
    score: int | None = Field(None, ge=1, le=5)
    notes: str | None = Field(None, max_length=2000)


class FollowUpRead(Read):
    ticket_id: str
    contacted_at: datetime
    contacted_by: str
    satisfied: bool | None
    score: int | None
    notes: str | None
