"""Background credit recalculation: overdue days grow while nothing happens, so holds for
"more than 90 days overdue" must appear without anyone touching the ledger."""

from __future__ import annotations

import asyncio

from customer.credit import service
from customer.settings import CustomerSettings
from customer.uow import customer_uow
from kefu_shared.auth import Principal
from kefu_shared.logging import get_logger
from kefu_shared.service import ServiceRuntime

log = get_logger(__name__)
SYSTEM = Principal(user_id="system:credit-recalculation", roles=frozenset({"admin"}))


async def recalculate_periodically(runtime: ServiceRuntime, settings: CustomerSettings) -> None:
    """Run ``recalculate_all`` every ``credit_recalc_interval_s`` (idempotent; replicas
    running it at once do the same work twice, never wrong work)."""
    interval = settings.credit_recalc_interval_s
    if interval <= 0:
        return
    await asyncio.sleep(settings.credit_recalc_first_delay_s)
    while True:
        try:
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
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("credit.recalculation_failed")
        await asyncio.sleep(interval)
