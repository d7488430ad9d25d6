"""Parts of the complaint aggregate (:class:`complaint.models.Complaint`), by
responsibility: going up the escalation levels, and following facts other services own
(the linked ticket, merged and erased customers). Mixins of the one ORM class; they use
its columns and its ``policy``, ``_facts`` and ``record``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kefu_shared.audit import AuditEntry
from kefu_shared.contracts.complaint import ComplaintEscalated

if TYPE_CHECKING:
    from complaint.policy import ComplaintPolicy


class Escalating:
    """Level by level (supervisor → department manager → general manager), once each."""

    status: Any
    acknowledge_due: Any
    resolve_due: Any
    escalation_level: Any
    next_escalation_at: Any
    overdue: Any
    department: Any
    version: Any
    id: Any
    policy: Any
    bind: Any
    record: Any
    _facts: Any

    # --- escalation --------------------------------------------------------------------

    def _target(self) -> tuple[str, datetime] | None:
        """The deadline the complaint is running against now, if any."""
        if self.status == "received":
            return "acknowledge", self.acknowledge_due
        if self.status in ("acknowledged", "investigating", "resolution_proposed", "reopened"):
            return "resolve", self.resolve_due
        return None

    def _schedule_escalation(self, now: datetime | None = None) -> None:
        target = self._target()
        if target is None or self.escalation_level >= self.policy.top_level:
            self.next_escalation_at = None
            return
        self.next_escalation_at = self.policy.level_due(target[1], self.escalation_level + 1)

    def escalate(
        self, *, policy: ComplaintPolicy, now: datetime, audit: Callable[[AuditEntry], None]
    ) -> list[int]:
        """Go up every level whose time has come (once each); return the levels reached.
        Each level is recorded and raises ``complaint.escalated`` naming its owner."""
        self.bind(policy)
        target = self._target()
        reached: list[int] = []
        while (
            target is not None
            and self.escalation_level < policy.top_level
            and policy.level_due(target[1], self.escalation_level + 1) <= now
        ):
            previous = self.escalation_level
            self.escalation_level += 1
            self.overdue = True
            level_name, owner = policy.level_owner(self.escalation_level, self.department)
            audit(
                AuditEntry(
                    aggregate_type="complaint",
                    aggregate_id=self.id,
                    action="escalate",
                    actor="system",
                    reason=f"{target[0]} overdue since {target[1].isoformat()}: "
                    f"escalated to the {level_name.replace('_', ' ')} ({owner})",
                    changes={"escalation_level": {"from": previous, "to": self.escalation_level}},
                    related_ids=[owner],
                    at=now,
                )
            )
            self.record(
                ComplaintEscalated(
                    **{**self._facts(), "level": self.escalation_level},
                    previous_level=previous,
                    escalated_to=level_name,
                    owner=owner,
                    overdue_target=target[0],
                )
            )
            reached.append(self.escalation_level)
        if reached:
            self.version += 1
        self._schedule_escalation(now)
        return reached


class OutsideFacts:
    """What other services' events change: the linked ticket, the customer's identity."""

    ticket_id: Any
    ticket_number: Any
    ticket_status: Any
    ticket_visits: Any
    customer_id: Any
    description: Any
    requested_outcome: Any
    customer_feedback: Any
    onsite_address: Any
    onsite_description: Any
    attachments: Any
    version: Any

    # --- facts from other services ------------------------------------------------------

    def ticket_progress(
        self, *, ticket_id: str, number: str | None, status: str | None, visits: int | None
    ) -> dict[str, dict[str, Any]]:
        """Follow the linked ticket; returns what changed (for the record)."""
        before = (self.ticket_id, self.ticket_number, self.ticket_status, self.ticket_visits)
        self.ticket_id = ticket_id
        self.ticket_number = number or self.ticket_number
        self.ticket_status = status or self.ticket_status
        if visits is not None:
            self.ticket_visits = max(self.ticket_visits, visits)
        after = (self.ticket_id, self.ticket_number, self.ticket_status, self.ticket_visits)
        names = ("ticket_id", "ticket_number", "ticket_status", "ticket_visits")
        changes = {
            n: {"from": b, "to": a} for n, b, a in zip(names, before, after, strict=True) if a != b
        }
        if changes:
            self.version += 1
        return changes

    def move_to_customer(self, surviving_id: str) -> None:
        """The customer was merged into ``surviving_id``."""
        self.customer_id = surviving_id
        self.version += 1

    def erase_personal_data(self) -> None:
        """The customer was erased (PIPL): free text and attachments may name them."""
        self.description = "(erased)"
        self.requested_outcome = None
        self.customer_feedback = None
        self.onsite_address = None
        self.onsite_description = None
        self.attachments = []
        self.version += 1
