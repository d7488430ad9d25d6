"""Automatic assignment: qualified (skill, area, working that day, capacity left), least
load, ties broken by that day's appointments then id; and the use case with fakes."""

from __future__ import annotations

from datetime import UTC, date, datetime

from kefu_shared.auth import Principal
from tests.ticket.unit.fakes import FakeTicketUnitOfWork
from ticket.catalog import Technician
from ticket.rules import Candidate, Clocks, choose_technician
from ticket.schemas import TicketCreate
from ticket.service import open_ticket
from ticket.settings import TicketSettings


def cand(
    id_: str,
    *,
    skills: str = "washer",
    areas: str = "north",
    load: int = 0,
    booked: int = 0,
    capacity: int = 5,
    active: bool = True,
    works: bool = True,
) -> Candidate:
    return Candidate(
        id=id_,
        skills=frozenset(skills.split()),
        areas=frozenset(areas.split()),
        active=active,
        open_tickets=load,
        booked_that_day=booked,
        capacity_per_day=capacity,
        works_that_day=works,
    )


def pick(
    *cands: Candidate, line: str | None = "washer", region: str | None = "north"
) -> str | None:
    chosen = choose_technician(list(cands), product_line=line, region=region)
    return chosen.id if chosen else None


def test_only_technicians_with_the_skill_and_the_area_qualify() -> None:
    assert pick(cand("a", skills="fridge"), cand("b", areas="south")) is None
    assert (
        pick(cand("a", skills="fridge", load=0), cand("b", skills="fridge washer", load=9)) == "b"
    )
    assert pick(cand("a", areas="south", load=0), cand("b", areas="south north", load=9)) == "b"


def test_least_load_wins() -> None:
    assert pick(cand("a", load=3), cand("b", load=1), cand("c", load=2)) == "b"


def test_full_days_inactive_and_days_off_do_not_qualify() -> None:
    assert (
        pick(cand("a", load=0, booked=5, capacity=5), cand("b", load=4, booked=4, capacity=5))
        == "b"
    )
    assert pick(cand("a", active=False), cand("b", load=7)) == "b"
    assert pick(cand("a", works=False), cand("b", load=7)) == "b"


def test_ties_go_to_fewer_appointments_that_day_then_the_smaller_id() -> None:
    assert pick(cand("a", load=2, booked=3), cand("b", load=2, booked=1)) == "b"
    assert pick(cand("b", load=2, booked=1), cand("a", load=2, booked=1)) == "a"


async def test_open_ticket_assigns_the_least_loaded_and_counts_the_load(
    uow: FakeTicketUnitOfWork, settings: TicketSettings, clocks: Clocks, agent: Principal
) -> None:
    week = {d: "08:00-18:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    for tid, load in (("t-busy", 4), ("t-free", 1), ("t-other-area", 0)):
        uow.technicians.add(
            Technician(
                id=tid,
                name=tid,
                skills=["washer"],
                areas=["south" if "area" in tid else "north"],
                working_hours=week,
                capacity_per_day=5,
                open_tickets=load,
            )
        )
    now = datetime(2026, 11, 16, 2, tzinfo=UTC)
    ticket = await open_ticket(
        uow=uow,
        data=TicketCreate(type="repair", customer_id="c1", product_line="washer", region="north"),
        actor=agent,
        settings=settings,
        clocks=clocks,
        now=now,
    )
    assert ticket.technician_id == "t-free" and ticket.status == "assigned"
    assert uow.technicians.rows["t-free"].open_tickets == 2
    assert [e.event_type for e in uow.committed] == ["ticket.opened", "ticket.assigned"]
    assert uow.events("ticket.assigned")[0].automatic is True  # type: ignore[attr-defined]
    assert uow.actions(ticket.id) == ["opened", "assign"]


async def test_a_ticket_stays_open_when_no_one_qualifies(
    uow: FakeTicketUnitOfWork, settings: TicketSettings, clocks: Clocks, agent: Principal
) -> None:
    uow.technicians.add(
        Technician(
            id="t1",
            name="t1",
            skills=["fridge"],
            areas=["north"],
            working_hours={},
            capacity_per_day=5,
        )
    )
    ticket = await open_ticket(
        uow=uow,
        data=TicketCreate(type="repair", customer_id="c1", product_line="washer", region="north"),
        actor=agent,
        settings=settings,
        clocks=clocks,
        now=datetime(2026, 11, 16, 2, tzinfo=UTC),
    )
    assert ticket.status == "opened" and ticket.technician_id is None
    assert date(2026, 11, 16) == ticket.created_at.date()
