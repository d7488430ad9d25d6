"""Technician scorecards (售后服务奖罚规则): a month's on-time arrivals, first-time fixes,
repeat repairs, survey satisfaction and complaints, and reward/penalty points from the
configurable rules (``settings.scorecard``); the monthly ranking orders them by points.

The arithmetic is :func:`score` (unit-tested against hand-computed months); the facts are
counted by grouped queries, one per measure, for one technician or all of them.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from kefu_shared.auth import Principal
from kefu_shared.errors import InvalidInput, NotFound
from ticket.catalog_schemas import Scorecard
from ticket.config import ScorecardSettings
from ticket.settings import TicketSettings

if TYPE_CHECKING:
    from ticket.uow import TicketUnitOfWork

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
EMPTY = {
    "arrivals": 0,
    "on_time": 0,
    "completed": 0,
    "first_time_fixes": 0,
    "repeat_repairs": 0,
    "responses": 0,
    "csat_sum": 0.0,
    "complaints": 0,
}


def month_bounds(month: str, timezone: str) -> tuple[datetime, datetime]:
    """``2026-11`` → the first instant of the month and of the next, in the installation's
    timezone."""
    m = _MONTH.match(month or "")
    if not m:
        raise InvalidInput(
            "month must be YYYY-MM", errors=[{"field": "month", "message": "YYYY-MM"}]
        )
    year, mon = int(m.group(1)), int(m.group(2))
    if not 1900 <= year <= 2200:
        raise InvalidInput(
            "month out of range", errors=[{"field": "month", "message": "1900-2200"}]
        )
    tz = ZoneInfo(timezone)
    start = datetime.combine(date(year, mon, 1), time(0), tz)
    nxt = date(year + (mon == 12), mon % 12 + 1, 1)
    return start, datetime.combine(nxt, time(0), tz)


def this_month(settings: TicketSettings) -> str:
    return datetime.now(ZoneInfo(settings.calendar.timezone)).strftime("%Y-%m")


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def score(
    technician_id: str, month: str, facts: dict[str, Any], rules: ScorecardSettings
) -> Scorecard:
    """The scorecard of one month's facts: rates, and points = on-time × on_time_arrival +
    late × late_arrival + first-time fixes × first_time_fix + repeat repairs ×
    repeat_repair + complaints × complaint + Σ(csat − baseline) × satisfaction_per_point."""
    f = {**EMPTY, **facts}
    late = f["arrivals"] - f["on_time"]
    csat_sum = Decimal(str(f["csat_sum"]))
    points = (
        f["on_time"] * rules.on_time_arrival
        + late * rules.late_arrival
        + f["first_time_fixes"] * rules.first_time_fix
        + f["repeat_repairs"] * rules.repeat_repair
        + f["complaints"] * rules.complaint
        + (csat_sum - f["responses"] * rules.satisfaction_baseline) * rules.satisfaction_per_point
    )
    return Scorecard(
        technician_id=technician_id,
        month=month,
        arrivals=f["arrivals"],
        on_time_arrivals=f["on_time"],
        on_time_rate=_rate(f["on_time"], f["arrivals"]),
        completed=f["completed"],
        first_time_fixes=f["first_time_fixes"],
        first_time_fix_rate=_rate(f["first_time_fixes"], f["completed"]),
        repeat_repairs=f["repeat_repairs"],
        responses=f["responses"],
        satisfaction=round(f["csat_sum"] / f["responses"], 2) if f["responses"] else None,
        complaints=f["complaints"],
        points=points.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
    )


def rank(cards: list[Scorecard]) -> list[Scorecard]:
    """Most points first; equal points share a rank (1, 2, 2, 4), then by technician id."""
    ordered = sorted(cards, key=lambda c: (-c.points, c.technician_id))
    out: list[Scorecard] = []
    for i, card in enumerate(ordered):
        same = out and out[-1].points == card.points
        out.append(card.model_copy(update={"rank": out[-1].rank if same else i + 1}))
    return out


async def scorecard(
    *,
    uow: TicketUnitOfWork,
    technician_id: str,
    month: str,
    settings: TicketSettings,
    actor: Principal,
) -> Scorecard:
    start, end = month_bounds(month, settings.calendar.timezone)
    async with uow:
        technician = await uow.technicians.get(technician_id)
        if technician is None or (
            actor.roles == frozenset({"technician"}) and technician.user_id != actor.user_id
        ):
            raise NotFound(f"technician {technician_id} not found")
        facts = await uow.technicians.month_facts(start=start, end=end, technician_id=technician_id)
    card = score(technician_id, month, facts.get(technician_id, {}), settings.scorecard)
    return card.model_copy(update={"name": technician.name})


async def ranking(
    *, uow: TicketUnitOfWork, month: str, settings: TicketSettings
) -> list[Scorecard]:
    """Every technician's scorecard of the month, ranked (bounded by the technicians)."""
    start, end = month_bounds(month, settings.calendar.timezone)
    async with uow:
        facts = await uow.technicians.month_facts(start=start, end=end, technician_id=None)
        ids = sorted(set(await uow.technicians.all_ids()) | set(facts))
        names = await uow.technicians.names(ids)
    cards = [
        score(t, month, facts.get(t, {}), settings.scorecard).model_copy(
            update={"name": names.get(t)}
        )
        for t in ids
    ]
    return rank(cards)
