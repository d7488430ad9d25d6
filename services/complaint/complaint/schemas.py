"""Request and answer shapes of the complaint service."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Channel = Literal["phone", "email", "web", "dealer_api", "on_site", "social_media", "letter"]
Category = Literal[
    "product_quality",
    "delivery",
    "installation",
    "after_sales_service",
    "staff_attitude",
    "billing",
    "other",
]
Severity = Literal["critical", "major", "minor"]
Remedy = Literal["repair", "replace", "refund", "discount", "apology", "other"]
FollowUpOutcome = Literal["satisfied", "neutral", "dissatisfied", "unreachable"]
ActionKind = Literal["containment", "corrective", "preventive"]
ActionStatus = Literal["open", "in_progress", "done", "cancelled"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Product(Strict):
    model: str | None = Field(None, max_length=64)
    serial_number: str | None = Field(None, max_length=64)
    purchase_date: date | None = None


class Attachment(Strict):
    """A file kept in the object store; the complaint keeps its metadata and URL."""

    name: str = Field(min_length=1, max_length=200)
    content_type: str = Field(min_length=1, max_length=100)
    size_bytes: int = Field(ge=0, le=100_000_000)
    url: str = Field(pattern=r"^(https?|s3)://\S+$", max_length=1000)


class ComplaintCreate(Strict):
    channel: Channel
    customer_id: str = Field(min_length=1, max_length=36)
    product: Product = Field(default_factory=Product)
    category: Category
    severity: Severity
    description: str = Field(min_length=1, max_length=10_000)
    attachments: list[Attachment] = Field(default_factory=list, max_length=20)
    requested_outcome: str | None = Field(None, max_length=2000)
    # When the complaint really arrived (a letter opened later); defaults to now.
    received_at: datetime | None = None


class ActionRequest(Strict):
    """The data of ``POST /complaints/{id}/actions/{action}``: ``reason`` (the why of the
    record; required to reject, reopen, reassign, note and follow up) and the fields the
    action takes -- a field the action does not take is refused naming it."""

    reason: str | None = Field(None, max_length=2000)
    department: str | None = Field(None, min_length=1, max_length=64)
    handler_id: str | None = Field(None, min_length=1, max_length=100)
    co_handlers: list[str] | None = Field(None, max_length=20)
    root_cause_code: str | None = Field(None, max_length=24)
    root_cause_text: str | None = Field(None, max_length=5000)
    containment: str | None = Field(None, max_length=5000)
    remedy: Remedy | None = None
    compensation_amount: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=2)
    resolution_text: str | None = Field(None, max_length=5000)
    customer_confirmed: bool | None = None
    customer_feedback: str | None = Field(None, max_length=5000)
    onsite_address: str | None = Field(None, max_length=300)
    onsite_description: str | None = Field(None, max_length=5000)
    follow_up_outcome: FollowUpOutcome | None = None

    def action_fields(self) -> dict[str, object]:
        return self.model_dump(exclude_unset=True, exclude={"reason"})


class ComplaintRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    number: str
    status: str
    version: int
    channel: str
    customer_id: str
    dealer_id: str | None
    region_class: str | None
    key_account: bool
    product_model: str | None
    serial_number: str | None
    purchase_date: date | None
    category: str
    severity: str
    description: str
    requested_outcome: str | None
    attachments: list[Attachment]
    parent_id: str | None
    received_at: datetime
    acknowledge_due: datetime
    resolve_due: datetime
    acknowledged_at: datetime | None
    ack_late: bool
    resolve_late: bool
    overdue: bool
    escalation_level: int
    next_escalation_at: datetime | None
    department: str | None
    handler_id: str | None
    co_handlers: list[str]
    root_cause_code: str | None
    root_cause_text: str | None
    containment: str | None
    remedy: str | None
    compensation_amount: Decimal | None
    compensation_approved_by: str | None
    compensation_approved_at: datetime | None
    resolution_text: str | None
    resolved_at: datetime | None
    customer_confirmed: bool | None
    customer_feedback: str | None
    closed_at: datetime | None
    rejected_at: datetime | None
    reopened_at: datetime | None
    reopen_count: int
    follow_up_outcome: str | None
    followed_up_at: datetime | None
    onsite_requested_at: datetime | None
    ticket_id: str | None
    ticket_number: str | None
    ticket_status: str | None
    ticket_visits: int
    created_by: str
    created_at: datetime
    updated_at: datetime
    allowed_actions: list[str] = []


class ComplaintRow(BaseModel):
    """A complaint as the list and its CSV export show it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    number: str
    status: str
    channel: str
    customer_id: str
    dealer_id: str | None
    key_account: bool
    category: str
    severity: str
    product_model: str | None
    serial_number: str | None
    department: str | None
    handler_id: str | None
    root_cause_code: str | None
    remedy: str | None
    compensation_amount: Decimal | None
    escalation_level: int
    overdue: bool
    received_at: datetime
    acknowledge_due: datetime
    resolve_due: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    ticket_number: str | None
    ticket_status: str | None


class CorrectiveActionCreate(Strict):
    kind: ActionKind
    description: str = Field(min_length=1, max_length=5000)
    owner: str = Field(min_length=1, max_length=100)
    due_date: date


class CorrectiveActionUpdate(Strict):
    status: ActionStatus | None = None
    owner: str | None = Field(None, min_length=1, max_length=100)
    due_date: date | None = None
    reason: str | None = Field(None, max_length=2000)


class CorrectiveActionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    complaint_id: str
    kind: str
    description: str
    owner: str
    due_date: date
    status: str
    done_at: datetime | None
    version: int
    created_at: datetime
