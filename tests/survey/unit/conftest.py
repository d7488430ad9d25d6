"""Unit tests of the survey service: pure rules and use cases against in-memory fakes
(``fakes.py``). Nothing here opens a database or a broker."""

from __future__ import annotations

import pytest

from tests.survey.unit.fakes import FakeSurveyUnitOfWork


@pytest.fixture
def uow() -> FakeSurveyUnitOfWork:
    return FakeSurveyUnitOfWork()
