"""The escalation sweep: every complaint whose next escalation step is due goes up, level
by level (supervisor → department manager → general manager), once per level.

Run by the service's scheduler (``main.py``) on one replica; safe to run again -- a level
reached is stored on the complaint, so a repeated run finds nothing more to do, and the
due complaints are read ``FOR UPDATE SKIP LOCKED``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from complaint.policy import ComplaintPolicy
from kefu_shared.db import utcnow
from kefu_shared.logging import get_logger

if TYPE_CHECKING:
    from complaint.uow import ComplaintUnitOfWork

log = get_logger(__name__)


async def escalate_overdue(
    uow_factory: Callable[[], ComplaintUnitOfWork],
    policy: ComplaintPolicy,
    *,
    now: datetime | None = None,
) -> int:
    """Escalate what is due at ``now``; return how many levels were reached in all."""
    now = now or utcnow()
    batch = policy.settings.escalation.sweep_batch_size
    levels = 0
    while True:
        async with uow_factory() as uow:
            due = await uow.complaints.due_for_escalation(now, limit=batch)
            reached = 0
            for complaint in due:
                reached += len(complaint.escalate(policy=policy, now=now, audit=uow.audit))
            await uow.commit()
        levels += reached
        if len(due) < batch or reached == 0:
            break
    if levels:
        log.info("complaint.escalation_sweep", levels=levels)
    return levels


async def fold_statistics(uow_factory: Callable[[], ComplaintUnitOfWork]) -> int:
    """Fold the statistics' delta rows into the roll-up (:mod:`complaint.stats`)."""
    async with uow_factory() as uow:
        folded = await uow.stats.fold()
        await uow.commit()
    return folded
