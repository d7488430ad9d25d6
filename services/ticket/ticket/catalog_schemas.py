"""Request and response models of warranties, agreements, response standards,
technicians, scorecards and maintenance plans."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from kefu_shared.calendar import WEEKDAYS, parse_intervals
from ticket.schemas import Day, Read, RegionClass, Strict, Target, TicketType

ResponseLevel = Literal["standard", "priority", "premium"]


class WarrantyCreate(Strict):
    serial_number: str = Field(min_length=1, max_length=100)
    customer_id: str = Field(min_length=1, max_length=36)
    product_model: str | None = Field(None, max_length=100)
    product_line: str | None = Field(None, max_length=60)
    purchase_date: Day
    months: int | None = Field(None, ge=0, le=240, description="default: per product line")


class WarrantyRead(Read):
    id: str
    serial_number: str
    product_model: str | None
    product_line: str | None
    customer_id: str
    dealer_id: str | None
    purchase_date: date
    months: int
    ends_on: date
    version: int
    created_at: datetime


class WarrantyCheck(Strict):
    serial_number: str
    on: date
    in_warranty: bool
    ends_on: date | None


class AgreementFields(Strict):
    serial_number: str | None = Field(None, max_length=100)
    coverage: list[TicketType] | None = None
    parts_covered: bool | None = None
    response_level: ResponseLevel | None = None
    fee: Decimal | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    starts_on: Day | None = None
    ends_on: Day | None = None


class AgreementCreate(AgreementFields):
    customer_id: str = Field(min_length=1, max_length=36)
    coverage: list[TicketType] = Field(min_length=1)
    starts_on: Day
    ends_on: Day

    @model_validator(mode="after")
    def _period(self) -> AgreementCreate:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        return self


class AgreementUpdate(AgreementFields):
    pass


class AgreementRead(Read):
    id: str
    customer_id: str
    dealer_id: str | None
    serial_number: str | None
    coverage: list[str]
    parts_covered: bool
    response_level: str
    fee: Decimal
    starts_on: date
    ends_on: date
    version: int
    created_at: datetime


class StandardFields(Strict):
    first_contact_hours: float | None = Field(None, gt=0, le=8760)
    on_site_hours: float | None = Field(None, gt=0, le=8760)
    resolution_hours: float | None = Field(None, gt=0, le=8760)
    around_the_clock: list[Target] | None = None


class StandardCreate(StandardFields):
    region_class: RegionClass | Literal["*"]
    ticket_type: TicketType | Literal["*"]
    tier: str = Field(min_length=1, max_length=16, description='customer tier or "*"')
    first_contact_hours: float = Field(gt=0, le=8760)
    on_site_hours: float = Field(gt=0, le=8760)
    resolution_hours: float = Field(gt=0, le=8760)
    around_the_clock: list[Target] = Field(default_factory=list)


class StandardUpdate(StandardFields):
    pass


class StandardRead(Read):
    id: str
    region_class: str
    ticket_type: str
    tier: str
    first_contact_hours: float
    on_site_hours: float
    resolution_hours: float
    around_the_clock: list[str]
    version: int
    created_at: datetime


class TechnicianFields(Strict):
    name: str | None = Field(None, min_length=1, max_length=100)
    user_id: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=40)
    skills: list[str] | None = Field(None, max_length=50)
    areas: list[str] | None = Field(None, max_length=50)
    working_hours: dict[str, str] | None = None
    capacity_per_day: int | None = Field(None, ge=1, le=50)
    active: bool | None = None

    @field_validator("working_hours")
    @classmethod
    def _hours(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value is None:
            return value
        unknown = set(value) - set(WEEKDAYS)
        if unknown:
            raise ValueError(f"unknown weekdays {sorted(unknown)}; use {', '.join(WEEKDAYS)}")
        for spec in value.values():
            parse_intervals(spec)
        return value


class TechnicianCreate(TechnicianFields):
    name: str = Field(min_length=1, max_length=100)
    skills: list[str] = Field(min_length=1, max_length=50)
    areas: list[str] = Field(min_length=1, max_length=50)


class TechnicianUpdate(TechnicianFields):
    pass


class TechnicianRead(Read):
    id: str
    name: str
    user_id: str | None
    phone: str | None
    skills: list[str]
    areas: list[str]
    working_hours: dict[str, Any]
    capacity_per_day: int
    active: bool
    open_tickets: int
    version: int
    created_at: datetime


class Scorecard(Strict):
    technician_id: str
    name: str | None = None
    month: str
    arrivals: int
    on_time_arrivals: int
    on_time_rate: float | None
    completed: int
    first_time_fixes: int
    first_time_fix_rate: float | None
    repeat_repairs: int
    responses: int
    satisfaction: float | None
    complaints: int
    points: Decimal
    rank: int | None = None


class PlanFields(Strict):
    product_model: str | None = Field(None, max_length=100)
    product_line: str | None = Field(None, max_length=60)
    address: str | None = Field(None, max_length=300)
    region: str | None = Field(None, max_length=60)
    region_class: RegionClass | None = None
    interval_days: int | None = Field(None, ge=1, le=3650)
    next_due_on: Day | None = None
    lead_days: int | None = Field(None, ge=0, le=365)
    active: bool | None = None
    notes: str | None = Field(None, max_length=2000)


class PlanCreate(PlanFields):
    customer_id: str = Field(min_length=1, max_length=36)
    serial_number: str = Field(min_length=1, max_length=100)
    interval_days: int = Field(ge=1, le=3650)
    next_due_on: Day


class PlanUpdate(PlanFields):
    pass


class PlanRead(Read):
    id: str
    customer_id: str
    dealer_id: str | None
    serial_number: str
    product_model: str | None
    product_line: str | None
    address: str | None
    region: str | None
    region_class: str | None
    interval_days: int
    next_due_on: date
    lead_days: int | None
    active: bool
    last_ticket_id: str | None
    notes: str | None
    version: int
    created_at: datetime
