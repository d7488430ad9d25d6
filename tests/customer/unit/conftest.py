"""Unit tests of the customer service: use cases against in-memory fakes (``fakes.py``)
and pure rules. Nothing here opens a database or a broker."""

from __future__ import annotations

from typing import Any

import pytest

from customer.settings import CustomerSettings
from kefu_shared.auth import Principal
from tests.customer.unit.fakes import FakeCustomerUnitOfWork


@pytest.fixture
def uow() -> FakeCustomerUnitOfWork:
    return FakeCustomerUnitOfWork()


@pytest.fixture
def settings() -> CustomerSettings:
    return CustomerSettings(env="test", home_province="浙江省", home_city="杭州市")


def person(role: str = "agent", **kw: Any) -> Principal:
    return Principal(user_id=f"u-{role}", roles=frozenset({role}), **kw)
