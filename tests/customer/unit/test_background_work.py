"""The customer service's background work with fakes: a classification run is requested
together with its durable job, the job handler leaves a finished run alone, and the
scheduled sweeps are the daily credit recalculation and the abandoned-run check."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, cast

import pytest

from customer.background import job_handlers, sweeps
from customer.classification import service as classification
from customer.classification.config import ClassificationSettings
from customer.classification.models import ClassificationRun
from customer.classification.schemas import RunCreate
from customer.settings import CustomerSettings
from kefu_shared.auth import Principal
from kefu_shared.errors import Conflict
from kefu_shared.jobs import Job
from tests.customer.unit.fakes import FakeCustomerUnitOfWork

ANALYST = Principal(user_id="u-analyst", roles=frozenset({"analyst"}))
SETTINGS = ClassificationSettings()


def _uow(uow: FakeCustomerUnitOfWork) -> Any:
    return cast(Any, uow)


async def test_a_requested_run_is_queued_with_its_job_in_one_commit() -> None:
    uow = FakeCustomerUnitOfWork()
    run = await classification.start_classification_run(
        uow=_uow(uow), data=RunCreate(as_of=date(2026, 6, 30)), actor=ANALYST, settings=SETTINGS
    )
    assert run.status == "queued"
    assert uow.commits == 1
    assert [(j["kind"], j["payload"]) for j in uow.jobs] == [
        ("classification.run", {"run_id": run.id})
    ]


async def test_a_second_request_while_one_is_active_is_409_and_queues_nothing() -> None:
    uow = FakeCustomerUnitOfWork()
    first = await classification.start_classification_run(
        uow=_uow(uow), data=RunCreate(), actor=ANALYST, settings=SETTINGS
    )
    with pytest.raises(Conflict) as err:
        await classification.start_classification_run(
            uow=_uow(uow), data=RunCreate(), actor=ANALYST, settings=SETTINGS
        )
    assert err.value.extensions["run_id"] == first.id
    assert len(uow.jobs) == 1


async def test_a_redelivered_job_of_a_finished_run_changes_nothing() -> None:
    uow = FakeCustomerUnitOfWork()
    done = ClassificationRun(
        id="r-1",
        status="succeeded",
        active_lock=None,
        created_at=datetime(2026, 6, 30, tzinfo=UTC),
        as_of=date(2026, 6, 30),
        window_months=12,
        window_start=date(2025, 7, 1),
        window_end=date(2026, 6, 30),
        super_pct=Decimal(1),
        large_pct=Decimal(4),
        medium_pct=Decimal(15),
        thresholds={},
    )
    uow.classification.add(done)
    job = Job(id=7, kind="classification.run", payload={"run_id": "r-1"}, attempt=2, max_attempts=3)
    result = await classification.run_job(job, uow=_uow(uow), settings=SETTINGS)
    assert result == {"run_id": "r-1", "status": "succeeded"}
    assert done.status == "succeeded" and uow.commits == 0


def _settings(interval_s: float) -> CustomerSettings:
    return CustomerSettings(env="development", credit_recalc_interval_s=interval_s)


def test_the_sweeps_are_the_daily_recalculation_and_the_abandoned_run_check() -> None:
    runtime: Any = object()  # the sweeps only use it when they run
    names = [j.name for j in sweeps(runtime, _settings(86400))]
    assert names == ["credit-recalculation", "classification-abandoned-runs"]
    daily = sweeps(runtime, _settings(86400))[0]
    assert daily.every_s == 86400


def test_interval_zero_leaves_the_recalculation_to_a_cronjob() -> None:
    runtime: Any = object()
    names = [j.name for j in sweeps(runtime, _settings(0))]
    assert names == ["classification-abandoned-runs"]


def test_classification_runs_have_a_job_handler() -> None:
    assert set(job_handlers(cast(Any, object()), _settings(0))) == {"classification.run"}
