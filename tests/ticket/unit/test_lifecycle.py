"""Use cases of a ticket's lifecycle against the fakes: warranty decided on the opening
day, the fee and the credit-hold approval, targets kept from the opening, dealers, pauses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from kefu_shared.auth import Principal
from kefu_shared.errors import NotFound, PreconditionRequired
from tests.ticket.unit.fakes import FakeTicketUnitOfWork
from ticket.catalog import ResponseStandard, Technician, Warranty
from ticket.repository import CustomerCopy
from ticket.rules import Clocks
from ticket.schemas import TicketCreate
from ticket.service import act, approve_paid_work, open_ticket
from ticket.settings import TicketSettings

# 2026-03-15 10:00 in Shanghai.
ON_15TH = datetime(2026, 3, 15, 2, tzinfo=UTC)
MANAGER = Principal(user_id="sm", roles=frozenset({"service_manager"}))


def warranty(uow: FakeTicketUnitOfWork, serial: str, ends_on: date) -> None:
    uow.coverage.add(
        Warranty(
            serial_number=serial,
            customer_id="c1",
            purchase_date=date(2025, 3, 15),
            months=12,
            ends_on=ends_on,
        )
    )


async def opened(
    uow: FakeTicketUnitOfWork,
    settings: TicketSettings,
    clocks: Clocks,
    actor: Principal,
    now: datetime = ON_15TH,
    **kw: object,
) -> object:
    data = TicketCreate(
        type=kw.pop("type", "repair"), customer_id=kw.pop("customer_id", "c1"), **kw
    )  # type: ignore[arg-type]
    return await open_ticket(
        uow=uow, data=data, actor=actor, settings=settings, clocks=clocks, now=now
    )


async def test_in_warranty_on_its_last_day_out_the_day_after(
    uow: FakeTicketUnitOfWork, settings: TicketSettings, clocks: Clocks, agent: Principal
) -> None:
    warranty(uow, "LAST", date(2026, 3, 15))
    warranty(uow, "OVER", date(2026, 3, 14))
    inside = await opened(uow, settings, clocks, agent, serial_number="LAST")
    outside = await opened(uow, settings, clocks, agent, serial_number="OVER")
    assert (inside.in_warranty, inside.fee) == (True, Decimal("0.00"))  # type: ignore[attr-defined]
    assert (outside.in_warranty, outside.fee) == (False, Decimal("200.00"))  # type: ignore[attr-defined]
    # Late on the 15th in Shanghai is still the 15th (UTC says the 15th too; 00:30 on the
    # 16th in Shanghai is the 15th in UTC and out of warranty).
    late = await opened(
        uow,
        settings,
        clocks,
        agent,
        serial_number="LAST",
        now=datetime(2026, 3, 15, 16, 30, tzinfo=UTC),
    )
    assert late.in_warranty is False  # type: ignore[attr-defined]


async def test_purchase_date_registers_the_warranty_by_product_line(
    uow: FakeTicketUnitOfWork, clocks: Clocks, agent: Principal
) -> None:
    settings = TicketSettings(env="development")
    settings.warranty.months_by_product_line["compressor"] = 36
    t = await opened(
        uow,
        settings,
        clocks,
        agent,
        serial_number="NEW",
        product_line="compressor",
        purchase_date=date(2023, 3, 16),
    )
    assert uow.coverage.warranties["NEW"].ends_on == date(2026, 3, 15)
    assert t.in_warranty is True  # type: ignore[attr-defined]


async def test_paid_work_on_credit_hold_waits_for_approval(
    uow: FakeTicketUnitOfWork, settings: TicketSettings, clocks: Clocks, agent: Principal
) -> None:
    uow.tickets.customers["held"] = CustomerCopy(
        id="held",
        dealer_id=None,
        tier="small",
        key_account=False,
        area_class="town",
        on_credit_hold=True,
        status="active",
    )
    t = await opened(uow, settings, clocks, agent, customer_id="held", type="installation")
    assert t.approval_required and t.status == "opened"  # type: ignore[attr-defined]
    with pytest.raises(PreconditionRequired):
        await approve_paid_work(
            uow=uow,
            ticket_id=t.id,
            actor=MANAGER,
            if_match=None,
            reason=None,  # type: ignore[attr-defined]
            settings=settings,
            clocks=clocks,
        )
    t = await approve_paid_work(
        uow=uow,
        ticket_id=t.id,
        actor=MANAGER,
        if_match=t.etag,
        reason="prepaid",  # type: ignore[attr-defined]
        settings=settings,
        clocks=clocks,
    )
    assert t.approved_by == "sm"
    assert "paid_work_approved" in uow.actions(t.id)
    free = await opened(uow, settings, clocks, agent, customer_id="held", type="consultation")
    assert free.approval_required is False  # type: ignore[attr-defined]


async def test_targets_come_from_the_copy_and_stay_with_the_ticket(
    uow: FakeTicketUnitOfWork, settings: TicketSettings, clocks: Clocks, agent: Principal
) -> None:
    uow.tickets.customers["vip"] = CustomerCopy(
        id="vip",
        dealer_id=None,
        tier="super",
        key_account=True,
        area_class="rural",
        on_credit_hold=False,
        status="active",
    )
    t = await opened(uow, settings, clocks, agent, customer_id="vip")
    assert t.sla_targets["on_site"]["hours"] == 36.0 and t.priority == "high"  # type: ignore[attr-defined]
    uow.coverage.add(
        ResponseStandard(
            region_class="rural",
            ticket_type="*",
            tier="*",
            first_contact_hours=1,
            on_site_hours=10,
            resolution_hours=20,
            around_the_clock=["on_site"],
        )
    )
    assert t.sla_targets["on_site"]["hours"] == 36.0  # type: ignore[attr-defined]
    later = await opened(uow, settings, clocks, agent, customer_id="vip")
    assert later.sla_targets["on_site"] == {"hours": 10, "around_the_clock": True}  # type: ignore[attr-defined]
    assert later.on_site_due == ON_15TH + timedelta(hours=10)  # type: ignore[attr-defined]


async def test_a_dealer_opens_only_for_its_own_customers(
    uow: FakeTicketUnitOfWork, settings: TicketSettings, clocks: Clocks
) -> None:
    uow.tickets.customers["d2c"] = CustomerCopy(
        id="d2c",
        dealer_id="d2",
        tier=None,
        key_account=False,
        area_class="city",
        on_credit_hold=False,
        status="active",
    )
    d1 = Principal(user_id="x", roles=frozenset({"dealer"}), dealer_id="d1")
    with pytest.raises(NotFound):
        await opened(uow, settings, clocks, d1, customer_id="d2c")
    assert uow.committed == []


async def test_waiting_pauses_the_clock_and_resuming_moves_the_deadlines(
    uow: FakeTicketUnitOfWork, settings: TicketSettings, clocks: Clocks, agent: Principal
) -> None:
    monday = datetime(2026, 11, 16, 0, 30, tzinfo=UTC)  # 08:30 Shanghai
    uow.technicians.add(
        Technician(
            id="t1",
            name="t1",
            skills=["washer"],
            areas=["north"],
            working_hours={},
            capacity_per_day=5,
        )
    )
    t = await opened(
        uow, settings, clocks, agent, now=monday, product_line="washer", region="north"
    )
    assert t.status == "assigned"  # type: ignore[attr-defined]
    due = t.on_site_due  # type: ignore[attr-defined]
    t = await act(
        uow=uow,
        ticket_id=t.id,
        action="contact",
        actor=agent,
        if_match=t.etag,
        settings=settings,  # type: ignore[attr-defined]
        clocks=clocks,
        now=monday + timedelta(minutes=30),
    )
    t = await act(
        uow=uow,
        ticket_id=t.id,
        action="wait_for_customer",
        actor=agent,
        if_match=t.etag,
        settings=settings,
        clocks=clocks,
        reason="abroad",
        now=monday + timedelta(hours=1),
    )
    assert t.sla_next_due is None
    # Resumed a working day later (Tuesday 09:30): the deadline moves by 9 working hours.
    t = await act(
        uow=uow,
        ticket_id=t.id,
        action="resume",
        actor=agent,
        if_match=t.etag,
        settings=settings,
        clocks=clocks,
        now=monday + timedelta(days=1, hours=1),
    )
    assert t.on_site_due - due == timedelta(days=1)
    assert t.pauses[0]["waiting_for"] == "customer"
    assert [e.event_type for e in uow.committed][-3:] == [
        "ticket.contacted",
        "ticket.paused",
        "ticket.resumed",
    ]
