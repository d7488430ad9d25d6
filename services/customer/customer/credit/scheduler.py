"""Background credit recalculation: overdue days grow while nothing happens, so holds for
"more than 90 days overdue" must appear without anyone touching the ledger. A scheduled
sweep (:mod:`kefu_shared.scheduler`): one replica runs it, however many are up."""

from __future__ import annotations

from customer.credit import service
from customer.settings import CustomerSettings
from customer.uow import customer_uow
from kefu_shared.auth import Principal
from kefu_shared.logging import get_logger
from kefu_shared.scheduler import PeriodicJob
from kefu_shared.service import ServiceRuntime

log = get_logger(__name__)
SYSTEM = Principal(user_id="system:credit-recalculation", roles=frozenset({"admin"}))


async def recalculate_now(runtime: ServiceRuntime, settings: CustomerSettings) -> None:
    """Recalculate every customer's credit as of today (idempotent: a repeated run after a
    leader takeover changes nothing)."""
    summary = await service.recalculate_all(
        uow=customer_uow(runtime), as_of=None, actor=SYSTEM, policy=settings.credit
    )
    log.info(
        "credit.recalculated",
        customers=summary.customers,
        changed=summary.changed,
        held=summary.held,
        released=summary.released,
    )


def recalculation_sweep(runtime: ServiceRuntime, settings: CustomerSettings) -> list[PeriodicJob]:
    """The daily sweep, every ``credit_recalc_interval_s`` (none when that is 0, e.g. when
    a CronJob calls ``POST /api/v1/credit/recalculate`` instead)."""
    interval = settings.credit_recalc_interval_s
    if interval <= 0:
        return []
    return [
        PeriodicJob(
            "credit-recalculation", every_s=interval, run=lambda: recalculate_now(runtime, settings)
        )
    ]
