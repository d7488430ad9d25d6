"""Unit tests of the complaint service: use cases against in-memory fakes (``fakes.py``)
and pure rules (deadlines on the business calendar). No database, no broker."""

from __future__ import annotations

from typing import Any

import pytest

from complaint.policy import ComplaintPolicy
from complaint.settings import ComplaintSettings
from kefu_shared.auth import Principal
from tests.complaint.unit.fakes import FakeComplaintUnitOfWork


@pytest.fixture
def uow() -> FakeComplaintUnitOfWork:
    return FakeComplaintUnitOfWork()


@pytest.fixture
def settings() -> ComplaintSettings:
    return ComplaintSettings(env="test")


@pytest.fixture
def policy(settings: ComplaintSettings) -> ComplaintPolicy:
    return ComplaintPolicy.from_settings(settings)


def person(role: str = "agent", user: str | None = None, **kw: Any) -> Principal:
    return Principal(user_id=user or f"u-{role}", roles=frozenset({role}), **kw)
