"""The complaint aggregate (客户投诉记录表) and the tables of the complaint service.

A complaint changes state only through :meth:`Complaint.act` (the state machine of
:mod:`complaint.workflow`) and raises its events from there; the escalation sweep uses
:meth:`Complaint.escalate`, the consumers :meth:`Complaint.ticket_progress` and
:meth:`Complaint.erase_personal_data`. Statistics tables are in :mod:`complaint.stats.tables`
(imported at the end so that ``Base.metadata`` holds every table)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from complaint.escalating import Escalating, OutsideFacts
from kefu_shared.audit import AuditEntry, audit_transition
from kefu_shared.contracts.complaint import (
    ComplaintAcknowledged,
    ComplaintAssigned,
    ComplaintClosed,
    ComplaintCompensationApproved,
    ComplaintOnsiteServiceRequested,
    ComplaintReceived,
    ComplaintRejected,
    ComplaintReopened,
    ComplaintResolved,
)
from kefu_shared.db import PlatformTables, ServiceBase, make_metadata, new_uuid, utcnow
from kefu_shared.replicas import customer_copy_table
from kefu_shared.uow import EventRecorder
from kefu_shared.workflow import TransitionRecord

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from complaint.policy import ComplaintPolicy

Money = Numeric(18, 2)


def _where_set(column: str) -> dict[str, Any]:
    where = text(f"{column} IS NOT NULL")
    return {"postgresql_where": where, "sqlite_where": where}


class Base(ServiceBase):
    __abstract__ = True
    metadata = make_metadata()


platform = PlatformTables(Base.metadata, audit=True, jobs=True)
customer_copies = customer_copy_table(Base.metadata)


class Complaint(Escalating, OutsideFacts, EventRecorder, Base):
    __tablename__ = "complaints"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(24))
    version: Mapped[int] = mapped_column(Integer)

    # intake
    channel: Mapped[str] = mapped_column(String(20))
    customer_id: Mapped[str] = mapped_column(String(36), index=True)
    dealer_id: Mapped[str | None] = mapped_column(String(64))
    region_class: Mapped[str | None] = mapped_column(String(20))
    key_account: Mapped[bool] = mapped_column(Boolean)
    product_model: Mapped[str | None] = mapped_column(String(64))
    serial_number: Mapped[str | None] = mapped_column(String(64))
    purchase_date: Mapped[date | None] = mapped_column(Date)
    category: Mapped[str] = mapped_column(String(24))
    severity: Mapped[str] = mapped_column(String(10))
    description: Mapped[str] = mapped_column(Text)
    requested_outcome: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list[Any]] = mapped_column(JSON)
    parent_id: Mapped[str | None] = mapped_column(String(36))  # follow-up of a complaint
    survey_response_id: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column()
    received_month: Mapped[str] = mapped_column(String(7))  # calendar timezone, YYYY-MM

    # deadlines and escalation
    acknowledge_due: Mapped[datetime] = mapped_column()
    resolve_due: Mapped[datetime] = mapped_column()
    acknowledged_at: Mapped[datetime | None] = mapped_column()
    ack_business_s: Mapped[int | None] = mapped_column(Integer)
    ack_late: Mapped[bool] = mapped_column(Boolean)
    resolve_late: Mapped[bool] = mapped_column(Boolean)
    overdue: Mapped[bool] = mapped_column(Boolean)  # missed a deadline at some point
    escalation_level: Mapped[int] = mapped_column(Integer)
    next_escalation_at: Mapped[datetime | None] = mapped_column()

    # assignment
    department: Mapped[str | None] = mapped_column(String(64))
    handler_id: Mapped[str | None] = mapped_column(String(100))
    co_handlers: Mapped[list[str]] = mapped_column(JSON)

    # investigation (8D, light)
    root_cause_code: Mapped[str | None] = mapped_column(String(24))
    root_cause_text: Mapped[str | None] = mapped_column(Text)
    containment: Mapped[str | None] = mapped_column(Text)

    # resolution
    remedy: Mapped[str | None] = mapped_column(String(16))
    compensation_amount: Mapped[Decimal | None] = mapped_column(Money)
    compensation_approved_by: Mapped[str | None] = mapped_column(String(100))
    compensation_approved_at: Mapped[datetime | None] = mapped_column()
    resolution_text: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column()
    resolve_business_s: Mapped[int | None] = mapped_column(Integer)
    customer_confirmed: Mapped[bool | None] = mapped_column(Boolean)
    customer_feedback: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column()
    rejected_at: Mapped[datetime | None] = mapped_column()
    reopened_at: Mapped[datetime | None] = mapped_column()
    reopen_count: Mapped[int] = mapped_column(Integer)

    # relationship repair (客户关系的修复)
    follow_up_outcome: Mapped[str | None] = mapped_column(String(16))
    followed_up_at: Mapped[datetime | None] = mapped_column()

    # on-site service: the linked ticket's progress, from ticket events
    onsite_address: Mapped[str | None] = mapped_column(String(300))
    onsite_description: Mapped[str | None] = mapped_column(Text)
    onsite_requested_at: Mapped[datetime | None] = mapped_column()
    ticket_id: Mapped[str | None] = mapped_column(String(36))
    ticket_number: Mapped[str | None] = mapped_column(String(40))
    ticket_status: Mapped[str | None] = mapped_column(String(24))
    ticket_visits: Mapped[int] = mapped_column(Integer)

    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("ix_complaints_received_at_id", "received_at", "id"),
        Index(
            "ix_complaints_dealer_received", "dealer_id", "received_at", **_where_set("dealer_id")
        ),
        Index("ix_complaints_handler_id", "handler_id", **_where_set("handler_id")),
        Index("ix_complaints_ticket_id", "ticket_id", **_where_set("ticket_id")),
        # The escalation sweep reads only complaints with a next step due.
        Index(
            "ix_complaints_next_escalation",
            "next_escalation_at",
            **_where_set("next_escalation_at"),
        ),
    )
    __mapper_args__ = {
        "version_id_col": version,
        "version_id_generator": False,
    }

    _DEFAULTS: ClassVar[dict[str, Any]] = {
        "status": "received",
        "version": 1,
        "key_account": False,
        "attachments": list,
        "co_handlers": list,
        "ack_late": False,
        "resolve_late": False,
        "overdue": False,
        "escalation_level": 0,
        "reopen_count": 0,
        "ticket_visits": 0,
    }

    def __init__(self, **kw: Any) -> None:
        for key, default in self._DEFAULTS.items():
            if kw.get(key) is None:
                kw[key] = default() if callable(default) else default
        kw.setdefault("id", new_uuid())
        super().__init__(**kw)

    @property
    def etag(self) -> str:
        return f'"{self.id}.{self.version}"'

    # --- the rules bound for a use case --------------------------------------------------

    @property
    def policy(self) -> ComplaintPolicy:
        policy: ComplaintPolicy | None = self.__dict__.get("_policy")
        if policy is None:
            raise RuntimeError("bind a ComplaintPolicy to the complaint before changing it")
        return policy

    def bind(self, policy: ComplaintPolicy) -> Complaint:
        self.__dict__["_policy"] = policy
        return self

    # --- lifecycle ---------------------------------------------------------------------

    def receive(self, policy: ComplaintPolicy) -> None:
        """Set the deadlines of a new complaint and raise ``complaint.received``."""
        self.bind(policy)
        self.acknowledge_due = policy.acknowledge_due(
            self.received_at, self.severity, self.key_account
        )
        self.resolve_due = policy.resolve_due(self.received_at, self.severity, self.key_account)
        self._schedule_escalation()
        self.record(
            ComplaintReceived(
                **self._facts(),
                purchase_date=self.purchase_date,
                requested_outcome=self.requested_outcome,
                received_at=self.received_at,
            )
        )

    def act(
        self,
        action: str,
        *,
        policy: ComplaintPolicy,
        actor: str,
        audit: Callable[[AuditEntry], None],
        fields: Mapping[str, Any] | None = None,
        reason: str | None = None,
        at: datetime | None = None,
    ) -> TransitionRecord:
        """Apply ``action`` through the state machine; the record goes to ``audit``."""
        from complaint.workflow import COMPLAINT_WORKFLOW

        self.bind(policy)
        record = COMPLAINT_WORKFLOW.apply(
            self,
            action,
            actor=actor,
            reason=reason,
            fields=fields,
            at=at or utcnow(),
            audit=audit_transition(audit, aggregate_type="complaint", aggregate_id=self.id),
        )
        return record

    def transitioned(self, record: TransitionRecord) -> None:
        """Called by the state machine after an action: timestamps, deadlines, events."""
        self.version += 1
        at = record.at
        handler = getattr(self, f"_on_{record.action}", None)
        if handler is not None:
            handler(record)
        self._schedule_escalation(at)

    def _on_acknowledge(self, record: TransitionRecord) -> None:
        self.acknowledged_at = record.at
        self.ack_business_s = self.policy.business_seconds(self.received_at, record.at)
        if record.at > self.acknowledge_due:
            self.ack_late = self.overdue = True
        self.record(
            ComplaintAcknowledged(
                **self._facts(record), acknowledged_at=record.at, late=self.ack_late
            )
        )

    def _on_assign(self, record: TransitionRecord) -> None:
        self.record(
            ComplaintAssigned(
                **self._facts(record),
                department=self.department,
                handler_id=self.handler_id,
                co_handlers=list(self.co_handlers or []),
            )
        )

    _on_reassign = _on_assign

    def _on_approve_compensation(self, record: TransitionRecord) -> None:
        assert self.compensation_amount is not None  # the guard saw it above the threshold
        self.compensation_approved_by = record.actor
        self.compensation_approved_at = record.at
        self.record(
            ComplaintCompensationApproved(
                id=self.id,
                customer_id=self.customer_id,
                amount=self.compensation_amount,
                currency=self.policy.settings.resolution.currency,
                number=self.number,
                remedy=self.remedy,
                approved_by=record.actor,
                dealer_id=self.dealer_id,
            )
        )

    def _on_propose_resolution(self, record: TransitionRecord) -> None:
        # A new proposal needs its own approval.
        self.compensation_approved_by = None
        self.compensation_approved_at = None

    def _on_resolve(self, record: TransitionRecord) -> None:
        self.resolved_at = record.at
        self.resolve_business_s = self.policy.business_seconds(self.received_at, record.at)
        if record.at > self.resolve_due:
            self.resolve_late = self.overdue = True
        self.record(
            ComplaintResolved(
                **self._facts(record),
                remedy=self.remedy,
                compensation_amount=self.compensation_amount,
                root_cause_category=self.root_cause_code,
                resolved_at=record.at,
                late=self.resolve_late,
            )
        )

    def _on_close(self, record: TransitionRecord) -> None:
        self.closed_at = record.at
        self.record(
            ComplaintClosed(
                **self._facts(record),
                closed_at=record.at,
                customer_confirmed=self.customer_confirmed,
                handler_id=self.handler_id,
                ticket_id=self.ticket_id,
            )
        )

    def _on_reject(self, record: TransitionRecord) -> None:
        self.rejected_at = record.at
        facts = self._facts(record)
        facts.pop("reason")
        self.record(ComplaintRejected(**facts, reason=record.reason or ""))

    def _on_reopen(self, record: TransitionRecord) -> None:
        self.reopened_at = record.at
        self.reopen_count += 1
        self.resolved_at = self.closed_at = None
        self.resolve_business_s = None
        self.customer_confirmed = None
        self.resolve_late = False
        # A new resolution target from now; escalation goes on from the level reached.
        self.resolve_due = self.policy.resolve_due(record.at, self.severity, self.key_account)
        self.record(
            ComplaintReopened(
                **self._facts(record),
                reopen_count=self.reopen_count,
                survey_response_id=self.__dict__.get("_survey_response_id"),
            )
        )

    def _on_request_onsite(self, record: TransitionRecord) -> None:
        self.onsite_requested_at = record.at
        self.ticket_id = self.ticket_number = self.ticket_status = None
        self.ticket_visits = 0
        self.record(
            ComplaintOnsiteServiceRequested(
                complaint_id=self.id,
                customer_id=self.customer_id,
                complaint_number=self.number,
                product_model=self.product_model,
                serial_number=self.serial_number,
                purchase_date=self.purchase_date,
                address=self.onsite_address,
                region_class=self.region_class,
                description=self.onsite_description or self.description,
                category=self.category,
                severity=self.severity,
                key_account=self.key_account,
                dealer_id=self.dealer_id,
            )
        )

    def _on_follow_up(self, record: TransitionRecord) -> None:
        self.followed_up_at = record.at

    def reopen_for_survey(
        self,
        *,
        policy: ComplaintPolicy,
        response_id: str,
        audit: Callable[[AuditEntry], None],
    ) -> None:
        """A dissatisfied post-complaint survey reopens the complaint (service recovery)."""
        self.__dict__["_survey_response_id"] = response_id
        try:
            self.act(
                "reopen",
                policy=policy,
                actor="system",
                audit=audit,
                reason=f"dissatisfied survey response {response_id}",
            )
        finally:
            self.__dict__.pop("_survey_response_id", None)

    # --- event payloads ----------------------------------------------------------------

    def _facts(self, record: TransitionRecord | None = None) -> dict[str, Any]:
        return {
            "id": self.id,
            "number": self.number,
            "customer_id": self.customer_id,
            "dealer_id": self.dealer_id,
            "category": self.category,
            "severity": self.severity,
            "status": self.status,
            "level": self.escalation_level,
            "channel": self.channel,
            "key_account": self.key_account,
            "product_model": self.product_model,
            "serial_number": self.serial_number,
            "acknowledge_due": self.acknowledge_due,
            "resolve_due": self.resolve_due,
            "reason": record.reason if record else None,
            "actor": record.actor if record else None,
        }


from complaint.records import CorrectiveAction, SurveyRecovery  # noqa: E402,F401
from complaint.stats import tables as _stats_tables  # noqa: E402,F401  (Base.metadata)
