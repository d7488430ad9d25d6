"""SLA monitoring: the breach sweep, run once across replicas by the scheduler
(``main.py``) every ``settings.sla.sweep_interval_s`` -- a breach is reported within that
interval of its deadline, once per target, whoever looks or not.

Safe to run again: a target reported once carries its ``*_breached_at`` and is never
reported again; replicas never sweep at once (the scheduler's leadership), and on
PostgreSQL the rows are claimed ``FOR UPDATE SKIP LOCKED`` besides.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from kefu_shared.audit import AuditEntry
from kefu_shared.db import utcnow
from kefu_shared.logging import get_logger
from ticket.config import SlaSettings

if TYPE_CHECKING:
    from ticket.uow import TicketUnitOfWork

log = get_logger(__name__)
SYSTEM = "system:sla"


async def sweep_breaches(
    uow: TicketUnitOfWork, *, settings: SlaSettings, now: datetime | None = None
) -> int:
    """Report every deadline passed by ``now``; returns how many targets were breached."""
    now = now or utcnow()
    total = 0
    while True:
        async with uow:
            tickets = await uow.tickets.due_for_breach(now, settings.sweep_batch_size)
            for ticket in tickets:
                for target in ticket.detect_breaches(now, escalate_to=settings.escalate_to):
                    total += 1
                    uow.audit(
                        AuditEntry(
                            aggregate_type="ticket",
                            aggregate_id=ticket.id,
                            action="sla_breached",
                            actor=SYSTEM,
                            reason=f"{target} target passed; escalated to {settings.escalate_to}",
                            changes={"target": {"from": None, "to": target}},
                            at=now,
                        )
                    )
            await uow.commit()
        if len(tickets) < settings.sweep_batch_size:
            break
    if total:
        log.info("ticket.sla_breaches", breached=total)
    return total
