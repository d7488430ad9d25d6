"""Unit tests of the ticket service: use cases against in-memory fakes (``fakes.py``) and
pure rules. Nothing here opens a database or a broker."""

from __future__ import annotations

import pytest

from kefu_shared.auth import Principal
from kefu_shared.calendar import CalendarSettings
from tests.ticket.unit.fakes import FakeTicketUnitOfWork
from ticket.repository import CustomerCopy
from ticket.rules import Clocks
from ticket.settings import TicketSettings


@pytest.fixture
def uow() -> FakeTicketUnitOfWork:
    fake = FakeTicketUnitOfWork()
    fake.tickets.customers["c1"] = CustomerCopy(
        id="c1",
        dealer_id=None,
        tier="medium",
        key_account=False,
        area_class="city",
        on_credit_hold=False,
        status="active",
    )
    return fake


@pytest.fixture
def settings() -> TicketSettings:
    return TicketSettings(env="development", calendar=CalendarSettings())


@pytest.fixture
def clocks(settings: TicketSettings) -> Clocks:
    return Clocks(settings.calendar)


@pytest.fixture
def agent() -> Principal:
    return Principal(user_id="agent-1", roles=frozenset({"agent"}))
