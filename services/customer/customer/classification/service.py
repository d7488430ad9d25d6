"""Use cases of classification runs.

A run is requested (``request_run``: validated, recorded as queued, one at a time), then
executed (``execute_run``: the set-based SQL of the repository in one transaction). The
API queues a durable job (``classification.run``, :mod:`kefu_shared.jobs`) in the same
transaction as the run, and the service's job worker executes it (``run_job``): a run whose
process died is picked up again when the job's lease expires, and a run whose job gave up
is marked failed by the ``classification-abandoned-runs`` sweep (``fail_abandoned_runs``).
Tests and the benchmark call ``run_classification``, which does both steps and returns the
finished run.

Rules as implemented (domain.md §1, seed 000 ch.1):
- revenue in the window = SUM of the signed base-currency ``net_amount`` of the ledger rows
  dated in ``[as_of - window_months + 1 day, as_of]``: refunds subtract.
- ranked customers: window revenue > 0. A customer whose window revenue is 0 or negative
  (nothing bought, or only refunds) has "no revenue in the window".
- unranked customers with any ledger row dated on or before ``as_of`` (an invoice or a
  refund -- a refund proves an earlier purchase, possibly older than the ledger import)
  are inactive (非积极客户); customers with no ledger row at all are potential (潜在客户).
- tiers by rank against cumulative ceil(N x pct) boundaries (see rules.py); ties share the
  better rank (RANK()), so a tie at a cut point goes to the higher class.
- sales stage: current (现实) for ranked tiers, existing (既有) for inactive, potential.
- key_account = tier in (super, large) OR key_account_manual.
- transaction pattern, first match wins: the manual worth-cultivating flag; dormant (bought
  before, no invoice for ``dormant_days``; refunds only counts as no invoice); fast-growing
  (previous-window revenue > 0 and growth above ``fast_growth_pct``); worth cultivating
  (potential or medium customers whose logged inquiries — inquiries, sample requests,
  quotations — in the last ``cultivate_inquiry_days`` number at least
  ``cultivate_min_inquiries`` and exceed the period before by ``cultivate_inquiry_growth_pct``;
  and medium customers whose invoice count grew by more than ``cultivate_order_growth_pct``
  with at least ``cultivate_min_orders``);
  loyal (revenue in both windows, at least ``loyal_min_orders`` invoices, revenue down by
  at most ``loyal_max_decline_pct``); occasional (any other customer with ledger history);
  none for customers who never transacted.
- ``customer.classified`` is emitted when the tier or the key-account flag changes (other
  services keep both in their copies); a change of pattern or stage alone updates the
  customer and is recorded in the run's results without an event.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from customer.classification.config import ClassificationSettings
from customer.classification.models import ACTIVE_LOCK, ClassificationResult, ClassificationRun
from customer.classification.repository import ClassificationRepository
from customer.classification.rules import Window, boundaries, parameter_errors
from customer.classification.schemas import RunCreate
from kefu_shared.auth import Principal
from kefu_shared.context import current_correlation_id, traceparent_var
from kefu_shared.db import new_uuid, utcnow
from kefu_shared.errors import Conflict, InvalidInput, NotFound
from kefu_shared.jobs import QUEUED, RUNNING, Job
from kefu_shared.logging import get_logger

if TYPE_CHECKING:
    from customer.uow import CustomerUnitOfWork

log = get_logger(__name__)

THRESHOLD_NAMES = (
    "fast_growth_pct",
    "dormant_days",
    "loyal_min_orders",
    "loyal_max_decline_pct",
    "cultivate_order_growth_pct",
    "cultivate_min_orders",
    "cultivate_inquiry_days",
    "cultivate_min_inquiries",
    "cultivate_inquiry_growth_pct",
)


def resolve_parameters(data: RunCreate, settings: ClassificationSettings) -> dict[str, Any]:
    """The request merged over the installation defaults, validated."""
    today = datetime.now(UTC).date()
    as_of = data.as_of or today
    cuts = data.cut_points
    super_pct = cuts.super if cuts and cuts.super is not None else settings.super_pct
    large_pct = cuts.large if cuts and cuts.large is not None else settings.large_pct
    medium_pct = cuts.medium if cuts and cuts.medium is not None else settings.medium_pct
    errors = parameter_errors(super_pct=super_pct, large_pct=large_pct, medium_pct=medium_pct)
    if as_of > today:
        errors.append({"field": "as_of", "message": "must not be in the future"})
    if errors:
        raise InvalidInput("invalid classification parameters", errors=errors)
    given = data.thresholds.model_dump(exclude_none=True) if data.thresholds else {}
    thresholds = {name: given.get(name, getattr(settings, name)) for name in THRESHOLD_NAMES}
    return {
        "as_of": as_of,
        "window_months": data.window_months or settings.window_months,
        "super_pct": super_pct,
        "large_pct": large_pct,
        "medium_pct": medium_pct,
        # JSON column: decimals as strings keep their exact value.
        "thresholds": {k: str(v) if isinstance(v, Decimal) else v for k, v in thresholds.items()},
    }


def _is_stale(run: ClassificationRun, settings: ClassificationSettings, now: datetime) -> bool:
    since = run.started_at or run.created_at
    return now - since > timedelta(seconds=settings.stale_run_after_s)


async def request_run(
    *,
    uow: CustomerUnitOfWork,
    data: RunCreate,
    actor: Principal,
    settings: ClassificationSettings,
    enqueue: bool = False,
) -> ClassificationRun:
    """Record a queued run; 409 while another run is queued or running. With ``enqueue``
    its ``classification.run`` job is queued in the same transaction."""
    params = resolve_parameters(data, settings)
    window = Window.trailing(params["as_of"], params["window_months"])
    async with uow:
        repo = uow.classification
        now = utcnow()
        active = await repo.active()
        if active is not None:
            if not _is_stale(active, settings, now):
                raise Conflict(
                    f"classification run {active.id} is {active.status}",
                    run_id=active.id,
                )
            # Its process died mid-run (its transaction rolled back): free the slot.
            log.warning("classification.stale_run_failed", run_id=active.id)
            _finish(active, status="failed", now=now, error="abandoned: no progress")
            await repo.flush()
        run = ClassificationRun(
            id=new_uuid(),
            status="queued",
            active_lock=ACTIVE_LOCK,
            requested_by=actor.user_id,
            created_at=now,
            window_start=window.start,
            window_end=window.end,
            **params,
        )
        repo.add(run)
        try:
            if enqueue:
                await uow.enqueue(
                    kind=JOB_KIND, payload={"run_id": run.id}, max_attempts=settings.run_attempts
                )
            await uow.commit()
        except IntegrityError:
            # Another request took the slot between our check and our insert.
            raise Conflict("another classification run is queued or running") from None
        return run


def _finish(run: ClassificationRun, *, status: str, now: datetime, error: str | None) -> None:
    run.status = status
    run.active_lock = None
    run.finished_at = now
    run.error = error


async def execute_run(
    *,
    uow: CustomerUnitOfWork,
    run_id: str,
    settings: ClassificationSettings,
    resume: bool = False,
) -> ClassificationRun:
    """Execute a queued run; a failure is recorded on the run (and returned), not raised.
    ``resume`` also takes a run left 'running' by a process that died (its classification
    transaction rolled back, so running it again from the start is right)."""
    async with uow:
        repo = uow.classification
        run = await repo.get(run_id)
        if run is None:
            raise NotFound(f"classification run {run_id} not found")
        if run.status != "queued" and not (resume and run.status == "running"):
            raise Conflict(f"classification run {run_id} is {run.status}")
        if run.status == "running":
            log.warning("classification.run_resumed", run_id=run_id)
        run.status = "running"
        run.started_at = utcnow()
        await uow.commit()
    started = time.perf_counter()
    try:
        async with uow:
            repo = uow.classification
            run = await repo.get(run_id)
            assert run is not None
            await _classify(repo, run, settings)
            run.duration_ms = int((time.perf_counter() - started) * 1000)
            _finish(run, status="succeeded", now=utcnow(), error=None)
            await uow.commit()
        log.info(
            "classification.run_succeeded",
            run_id=run_id,
            changed=run.changed_count,
            events=run.events_count,
            duration_ms=run.duration_ms,
        )
        return run
    except Exception as exc:
        log.exception("classification.run_failed", run_id=run_id)
        async with uow:
            repo = uow.classification
            run = await repo.get(run_id)
            assert run is not None
            run.duration_ms = int((time.perf_counter() - started) * 1000)
            _finish(run, status="failed", now=utcnow(), error=f"{type(exc).__name__}: {exc}"[:2000])
            await uow.commit()
        return run


async def _classify(
    repo: ClassificationRepository, run: ClassificationRun, settings: ClassificationSettings
) -> None:
    window = Window.trailing(run.as_of, run.window_months)
    await repo.tune(work_mem=settings.pg_work_mem)
    await repo.aggregate(window=window)
    n, total = await repo.ranked_totals()
    bounds = boundaries(
        n, super_pct=run.super_pct, large_pct=run.large_pct, medium_pct=run.medium_pct
    )
    dormant_since = run.as_of - timedelta(days=int(run.thresholds["dormant_days"]))
    changed = await repo.stage_changes(
        run_id=run.id,
        bounds=bounds,
        dormant_since=dormant_since,
        as_of=run.as_of,
        thresholds=run.thresholds,
    )
    events = 0
    if changed:
        now = utcnow()
        await repo.apply_changes(run_id=run.id, now=now)
        events = await repo.emit_events(
            run_id=run.id,
            as_of=run.as_of,
            now=now,
            source="/services/customer",
            correlationid=current_correlation_id(),
            traceparent=traceparent_var.get(),
        )
    counts, patterns = await repo.class_counts()
    await repo.drop_aggregate()
    run.ranked_customers = n
    run.window_revenue = total
    run.boundaries = bounds.as_dict()
    run.counts = {
        t: counts.get(t, 0) for t in ("super", "large", "medium", "small", "inactive", "potential")
    }
    run.pattern_counts = patterns
    run.changed_count = changed
    run.events_count = events


async def run_classification(
    *, uow: CustomerUnitOfWork, data: RunCreate, actor: Principal, settings: ClassificationSettings
) -> ClassificationRun:
    """Request and execute a run now (tests, the benchmark, a CLI); returns the finished run."""
    run = await request_run(uow=uow, data=data, actor=actor, settings=settings)
    return await execute_run(uow=uow, run_id=run.id, settings=settings)


async def start_classification_run(
    *, uow: CustomerUnitOfWork, data: RunCreate, actor: Principal, settings: ClassificationSettings
) -> ClassificationRun:
    """Request a run and queue its job (the API: answered 202, executed by the worker)."""
    return await request_run(uow=uow, data=data, actor=actor, settings=settings, enqueue=True)


JOB_KIND = "classification.run"


async def run_job(
    job: Job, *, uow: CustomerUnitOfWork, settings: ClassificationSettings
) -> dict[str, Any]:
    """The handler of ``classification.run`` jobs. Delivery is at least once: a run that
    is already finished is left as it is; one left 'running' by a dead worker is resumed."""
    run_id = str(job.payload["run_id"])
    async with uow:
        run = await uow.classification.get(run_id)
        if run is None:
            raise NotFound(f"classification run {run_id} not found")
        if run.status not in ("queued", "running"):
            return {"run_id": run_id, "status": run.status}
    run = await execute_run(uow=uow, run_id=run_id, settings=settings, resume=True)
    return {"run_id": run_id, "status": run.status}


async def fail_abandoned_runs(*, uow: CustomerUnitOfWork) -> str | None:
    """Mark the active run failed when no job will ever finish it (its job failed, e.g. the
    lease of its last attempt expired, or it predates the job table); return its id. Safe
    to run again: a scheduled sweep."""
    async with uow:
        active = await uow.classification.active()
        if active is None:
            return None
        jobs = uow.jobs_table
        live = await uow.session.execute(
            select(jobs.c.payload).where(
                jobs.c.kind == JOB_KIND, jobs.c.status.in_((QUEUED, RUNNING))
            )
        )
        if any(p.get("run_id") == active.id for p in live.scalars()):
            return None
        # Only if it is still active: its job may have finished it since we read it.
        done = await uow.session.execute(
            update(ClassificationRun)
            .where(ClassificationRun.id == active.id, ClassificationRun.active_lock == ACTIVE_LOCK)
            .values(
                status="failed",
                active_lock=None,
                finished_at=utcnow(),
                error="abandoned: its job stopped before finishing it",
            )
            .execution_options(synchronize_session=False)
        )
        await uow.commit()
        if done.rowcount != 1:  # type: ignore[attr-defined]
            return None
        log.warning("classification.abandoned_run_failed", run_id=active.id)
        return active.id


async def get_run(*, uow: CustomerUnitOfWork, run_id: str) -> ClassificationRun:
    async with uow:
        run = await uow.classification.get(run_id)
        if run is None:
            raise NotFound(f"classification run {run_id} not found")
        return run


async def list_runs(
    *, uow: CustomerUnitOfWork, cursor: str | None, limit: int
) -> tuple[list[ClassificationRun], str | None]:
    async with uow:
        return await uow.classification.page(cursor=cursor, limit=limit)


async def list_results(
    *, uow: CustomerUnitOfWork, run_id: str, cursor: str | None, limit: int
) -> tuple[list[ClassificationResult], str | None]:
    async with uow:
        repo = uow.classification
        if await repo.get(run_id) is None:
            raise NotFound(f"classification run {run_id} not found")
        return await repo.results_page(run_id, cursor=cursor, limit=limit)
