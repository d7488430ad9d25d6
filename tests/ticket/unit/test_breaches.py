"""Breach detection: each target reported once when its deadline passes, not while
paused, not when met; the sweep commits the events and the record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.ticket.unit.fakes import FakeTicketUnitOfWork
from ticket.config import SlaSettings
from ticket.models import Ticket
from ticket.sla import sweep_breaches

OPENED = datetime(2026, 11, 16, 1, tzinfo=UTC)


def ticket(**kw: object) -> Ticket:
    t = Ticket(
        number="TS-1",
        type="repair",
        customer_id="c1",
        region_class="city",
        confirmation_code="1",
        first_contact_due=OPENED + timedelta(hours=2),
        on_site_due=OPENED + timedelta(hours=24),
        resolve_due=OPENED + timedelta(hours=72),
        **kw,
    )
    t.refresh_sla_clock()
    return t


def test_each_target_fires_once() -> None:
    t = ticket()
    assert t.detect_breaches(OPENED + timedelta(hours=1), escalate_to="sm") == []
    assert t.detect_breaches(OPENED + timedelta(hours=2), escalate_to="sm") == ["first_contact"]
    assert t.detect_breaches(OPENED + timedelta(hours=3), escalate_to="sm") == []
    assert t.detect_breaches(OPENED + timedelta(hours=100), escalate_to="sm") == [
        "on_site",
        "resolution",
    ]
    assert t.detect_breaches(OPENED + timedelta(hours=200), escalate_to="sm") == []
    events = [p.data for p in t.collect_events()]
    assert [e.target for e in events] == ["first_contact", "on_site", "resolution"]  # type: ignore[attr-defined]
    assert all(e.escalated_to == "sm" for e in events)  # type: ignore[attr-defined]
    assert t.sla_breached and t.sla_next_due is None


def test_met_targets_and_paused_tickets_do_not_breach() -> None:
    t = ticket(first_contact_at=OPENED + timedelta(hours=1))
    assert t.detect_breaches(OPENED + timedelta(hours=30), escalate_to=None) == ["on_site"]
    paused = ticket(paused_since=OPENED)
    paused.refresh_sla_clock()
    assert paused.sla_next_due is None
    assert paused.detect_breaches(OPENED + timedelta(days=30), escalate_to=None) == []
    done = ticket(status="completed")
    assert done.detect_breaches(OPENED + timedelta(days=30), escalate_to=None) == []


async def test_the_sweep_commits_each_breach_once_with_its_record() -> None:
    uow = FakeTicketUnitOfWork()
    a, b = ticket(), ticket()
    uow.tickets.add(a)
    uow.tickets.add(b)
    settings = SlaSettings(sweep_batch_size=1)  # forces several batches
    assert await sweep_breaches(uow, settings=settings, now=OPENED + timedelta(hours=3)) == 2  # type: ignore[arg-type]
    assert await sweep_breaches(uow, settings=settings, now=OPENED + timedelta(hours=4)) == 0  # type: ignore[arg-type]
    assert len(uow.events("ticket.sla_breached")) == 2
    assert uow.actions(a.id) == ["sla_breached"] and uow.actions(b.id) == ["sla_breached"]
