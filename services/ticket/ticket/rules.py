"""The ticket service's rules as plain functions (no database): warranty at its boundary
dates, the fee, SLA targets and deadlines with pauses, and the auto-assignment choice.
Use cases call them; unit tests check them with hand-computed cases."""

from __future__ import annotations

import calendar as month_calendar
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from kefu_shared.calendar import Calendar, CalendarSettings, make_calendar
from ticket.config import SLA_TARGETS, SlaSettings, WarrantySettings

# --- warranty ------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """``day`` plus calendar months; the 31st of a shorter month is its last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, month_calendar.monthrange(year, month)[1]))


def warranty_ends_on(purchase_date: date, months: int) -> date:
    """The last day covered: a 12-month warranty bought on 2025-03-15 covers through
    2026-03-14; on 2026-03-15 the work is out of warranty."""
    return add_months(purchase_date, months) - timedelta(days=1)


def in_warranty(ends_on: date | None, service_day: date) -> bool:
    return ends_on is not None and service_day <= ends_on


@dataclass(frozen=True)
class AgreementTerms:
    id: str
    coverage: tuple[str, ...]
    response_level: str
    fee: Decimal


@dataclass(frozen=True)
class Charge:
    in_warranty: bool
    agreement_id: str | None
    fee: Decimal
    response_factor: float = 1.0


def charge_for(
    *,
    ticket_type: str,
    warranty_ends_on: date | None,
    service_day: date,
    agreement: AgreementTerms | None,
    settings: WarrantySettings,
) -> Charge:
    """In/out of warranty and the fee: no fee in warranty; an agreement covering the type
    charges its own fee; otherwise the type's list fee. The agreement's response level
    tightens the targets whether or not it pays."""
    warranted = in_warranty(warranty_ends_on, service_day)
    covered = agreement is not None and ticket_type in agreement.coverage
    factor = (
        settings.response_level_factors.get(agreement.response_level, 1.0) if agreement else 1.0
    )
    if warranted:
        fee = Decimal("0.00")
    elif covered:
        assert agreement is not None
        fee = agreement.fee
    else:
        fee = settings.fees.get(ticket_type, Decimal("0.00"))
    return Charge(
        in_warranty=warranted,
        agreement_id=agreement.id if agreement else None,
        fee=fee,
        response_factor=factor,
    )


# --- SLA targets -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    hours: float
    around_the_clock: bool = False


@dataclass(frozen=True)
class StandardCell:
    """A configured cell of the matrix ("*" matches anything)."""

    region_class: str
    ticket_type: str
    tier: str
    first_contact_hours: float
    on_site_hours: float
    resolution_hours: float
    around_the_clock: tuple[str, ...] = ()

    def specificity(self) -> int:
        return sum(v != "*" for v in (self.region_class, self.ticket_type, self.tier))


def targets_for(
    *,
    region_class: str,
    ticket_type: str,
    tier: str | None,
    key_account: bool,
    cells: Sequence[StandardCell],
    settings: SlaSettings,
    response_factor: float = 1.0,
) -> dict[str, Target]:
    """The targets of a new ticket: the most specific configured cell that matches, else
    the defaults (on-site per region class, key accounts' on-site target halved). An
    agreement's response level multiplies on-site and resolution targets."""
    matching = [
        c
        for c in cells
        if c.region_class in ("*", region_class)
        and c.ticket_type in ("*", ticket_type)
        and c.tier in ("*", tier or "*")
    ]
    if matching:
        cell = max(matching, key=StandardCell.specificity)
        hours = {
            "first_contact": cell.first_contact_hours,
            "on_site": cell.on_site_hours,
            "resolution": cell.resolution_hours,
        }
        nonstop = set(cell.around_the_clock)
    else:
        on_site = settings.on_site_hours[region_class]
        if key_account:
            on_site *= settings.key_account_factor
        hours = {
            "first_contact": settings.first_contact_hours,
            "on_site": on_site,
            "resolution": settings.resolution_hours[ticket_type],
        }
        nonstop = set(settings.around_the_clock)
    hours["on_site"] *= response_factor
    hours["resolution"] *= response_factor
    return {name: Target(hours[name], name in nonstop) for name in SLA_TARGETS}


class Clocks:
    """The two calendars a target can run on, built once from the installation's calendar."""

    def __init__(self, settings: CalendarSettings) -> None:
        self.business = make_calendar(settings)
        self.nonstop = make_calendar(settings, around_the_clock=True)

    def of(self, target: Target | dict[str, Any]) -> Calendar:
        nonstop = (
            target.around_the_clock
            if isinstance(target, Target)
            else bool(target.get("around_the_clock"))
        )
        return self.nonstop if nonstop else self.business


def deadlines(
    opened_at: datetime, targets: dict[str, Target], clocks: Clocks
) -> dict[str, datetime]:
    return {
        name: clocks.of(t).add_business_hours(opened_at, t.hours) for name, t in targets.items()
    }


def shifted_after_pause(
    due: datetime, paused_at: datetime, resumed_at: datetime, calendar: Calendar
) -> datetime:
    """The deadline after a pause: the (working) time that was left when the clock
    stopped, counted again from the moment it runs again. A deadline already passed when
    the pause began stays where it was."""
    if due <= paused_at:
        return due
    left = calendar.business_time_between(paused_at, due)
    return calendar.add_business_time(resumed_at, left)


# --- auto-assignment -----------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A technician as auto-assignment sees it for one ticket's day."""

    id: str
    skills: frozenset[str]
    areas: frozenset[str]
    active: bool
    open_tickets: int
    booked_that_day: int
    capacity_per_day: int
    works_that_day: bool = True
    name: str = field(default="", compare=False)


def choose_technician(
    candidates: Sequence[Candidate], *, product_line: str | None, region: str | None
) -> Candidate | None:
    """The rule (docs/dispatch.md): among active technicians who have the ticket's product
    line as a skill (any, when the ticket names none), serve its region, work that day and
    have capacity left that day (appointments < capacity per day), the one with the fewest
    open tickets; ties go to the fewest appointments that day, then the smallest id."""
    qualified = [
        c
        for c in candidates
        if c.active
        and (product_line is None or product_line in c.skills)
        and (region is None or region in c.areas)
        and c.works_that_day
        and c.booked_that_day < c.capacity_per_day
    ]
    if not qualified:
        return None
    return min(qualified, key=lambda c: (c.open_tickets, c.booked_that_day, c.id))
