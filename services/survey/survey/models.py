"""Tables of the survey service: questionnaires and their versions, campaigns, invitations
(the aggregate that sends), responses (the aggregate that scores), what was skipped and
why, and the local copies fed by other services' events."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kefu_shared.contracts.survey import (
    SurveyInvitationSent,
    SurveyReminderSent,
    SurveyResponseReceived,
)
from kefu_shared.db import PlatformTables, ServiceBase, UTCDateTime, make_metadata, new_uuid, utcnow
from kefu_shared.errors import Conflict, Gone
from kefu_shared.replicas import customer_copy_table
from kefu_shared.uow import EventRecorder
from survey.questions import Question
from survey.scoring import ResponseScores


class Base(ServiceBase):
    __abstract__ = True
    metadata = make_metadata()


platform = PlatformTables(Base.metadata, audit=True, jobs=True)
customer_copies = customer_copy_table(Base.metadata)


class Template(Base):
    """A questionnaire (客户满意度调查表); its content lives in numbered versions."""

    __tablename__ = "survey_templates"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    # The newest published version (what new invitations answer); None until published.
    published_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    latest_version: Mapped[int] = mapped_column(Integer, default=1)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    versions: Mapped[list[TemplateVersion]] = relationship(
        lazy="raise", order_by="TemplateVersion.number"
    )
    __mapper_args__ = {
        "version_id_col": version,
        "version_id_generator": False,
    }

    @property
    def etag(self) -> str:
        return f'"{self.id}.{self.version}"'

    # A template has no dealer: every caller who may read templates sees every template.
    dealer_id: ClassVar[None] = None


class TemplateVersion(Base):
    """One version of a questionnaire; once published it never changes (responses point
    to the version they answered)."""

    __tablename__ = "survey_template_versions"
    __table_args__ = (UniqueConstraint("template_id", "number"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    template_id: Mapped[str] = mapped_column(ForeignKey("survey_templates.id"))
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft | published
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    published_by: Mapped[str | None] = mapped_column(String(100), nullable=True)

    def parsed(self) -> list[Question]:
        return [Question.model_validate(q) for q in self.questions]


class Campaign(Base):
    """A survey sent to a sample of a segment of customers (调查活动)."""

    __tablename__ = "survey_campaigns"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(200))
    template_id: Mapped[str] = mapped_column(ForeignKey("survey_templates.id"))
    template_key: Mapped[str] = mapped_column(String(40))
    template_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    segment: Mapped[dict[str, Any]] = mapped_column(JSON)
    sample: Mapped[dict[str, Any]] = mapped_column(JSON)
    channel: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reminders: Mapped[bool] = mapped_column(Boolean, default=True)
    # draft -> sending (its job runs) -> running -> closed; or cancelled
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    targeted: Mapped[int] = mapped_column(Integer, default=0)
    sampled: Mapped[int] = mapped_column(Integer, default=0)
    invited: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    job_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __mapper_args__ = {
        "version_id_col": version,
        "version_id_generator": False,
    }
    dealer_id: ClassVar[None] = None

    @property
    def etag(self) -> str:
        return f'"{self.id}.{self.version}"'

    def touch(self) -> None:
        self.version += 1
        self.updated_at = utcnow()


class Invitation(EventRecorder, Base):
    """An invitation with its unguessable token: answered once, until it expires."""

    __tablename__ = "survey_invitations"
    __table_args__ = (
        UniqueConstraint("campaign_id", "customer_id"),
        Index("ix_survey_invitations_customer_sent", "customer_id", "sent_at"),
        Index("ix_survey_invitations_campaign_status", "campaign_id", "status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[str] = mapped_column(String(36))
    dealer_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    template_id: Mapped[str] = mapped_column(String(36))
    template_key: Mapped[str] = mapped_column(String(40))
    template_version: Mapped[int] = mapped_column(Integer)
    campaign_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    trigger: Mapped[str] = mapped_column(String(20))  # ticket_closed | complaint_closed | campaign
    # "ticket:<id>" / "complaint:<id>": one invitation per closed ticket or complaint.
    trigger_key: Mapped[str | None] = mapped_column(String(80), nullable=True, unique=True)
    ticket_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    complaint_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    technician_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    product_line: Mapped[str | None] = mapped_column(String(40), nullable=True)
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12), default="sent")  # sent|responded|expired
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    def sent(self) -> None:
        """Record that the invitation went out (the token never leaves in an event)."""
        self.record(
            SurveyInvitationSent(
                invitation_id=self.id,
                customer_id=self.customer_id,
                template=self.template_key,
                template_version=self.template_version,
                trigger=self.trigger,
                campaign_id=self.campaign_id,
                ticket_id=self.ticket_id,
                complaint_id=self.complaint_id,
                technician_id=self.technician_id,
                channel=self.channel,
                expires_at=self.expires_at,
                dealer_id=self.dealer_id,
            )
        )

    def remind(self, now: datetime) -> None:
        """Remind the customer of an unanswered campaign invitation."""
        self.reminders_sent += 1
        self.last_reminded_at = now
        self.record(
            SurveyReminderSent(
                invitation_id=self.id,
                customer_id=self.customer_id,
                campaign_id=self.campaign_id,
                reminder=self.reminders_sent,
                channel=self.channel,
                expires_at=self.expires_at,
                dealer_id=self.dealer_id,
            )
        )

    def check_answerable(self, now: datetime) -> None:
        """409 when it was answered, 410 when it expired."""
        if self.status == "responded":
            raise Conflict("this survey has already been answered")
        if self.status == "expired" or now >= self.expires_at:
            raise Gone("this survey link has expired")


class Response(EventRecorder, Base):
    """A customer's answers to one invitation, with the scores computed at submission."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        Index("ix_survey_responses_customer", "customer_id", "submitted_at"),
        Index("ix_survey_responses_campaign", "campaign_id"),
        Index("ix_survey_responses_dealer", "dealer_id", "submitted_at"),
        Index(
            "ix_survey_responses_pending_rollup",
            "submitted_at",
            postgresql_where=text("rolled_up = false"),
            sqlite_where=text("rolled_up = 0"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    invitation_id: Mapped[str] = mapped_column(String(36), unique=True)
    customer_id: Mapped[str] = mapped_column(String(36))
    dealer_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    template_id: Mapped[str] = mapped_column(String(36))
    template_key: Mapped[str] = mapped_column(String(40))
    template_version: Mapped[int] = mapped_column(Integer)
    campaign_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    ticket_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    complaint_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    technician_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    product_line: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # The customer's classes when it answered (analytics by tier and region).
    tier: Mapped[str | None] = mapped_column(String(16), nullable=True)
    region_class: Mapped[str | None] = mapped_column(String(20), nullable=True)
    province: Mapped[str | None] = mapped_column(String(50), nullable=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    csat: Mapped[float | None] = mapped_column(Float, nullable=True)
    nps: Mapped[int | None] = mapped_column(Integer, nullable=True)
    dimension_scores: Mapped[dict[str, float]] = mapped_column(JSON)
    servqual_gaps: Mapped[dict[str, float]] = mapped_column(JSON)
    expectations: Mapped[dict[str, float]] = mapped_column(JSON)
    dissatisfied: Mapped[bool] = mapped_column(Boolean, default=False)
    reasons: Mapped[list[str]] = mapped_column(JSON)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    month: Mapped[str] = mapped_column(String(7))
    rolled_up: Mapped[bool] = mapped_column(Boolean, default=False)

    @classmethod
    def submit(
        cls,
        invitation: Invitation,
        *,
        answers: dict[str, Any],
        scores: ResponseScores,
        reasons: list[str],
        customer: dict[str, Any] | None,
        at: datetime,
    ) -> Response:
        """The response to ``invitation``; records ``survey.response_received``."""
        response = cls(
            id=new_uuid(),
            invitation_id=invitation.id,
            customer_id=invitation.customer_id,
            dealer_id=invitation.dealer_id,
            template_id=invitation.template_id,
            template_key=invitation.template_key,
            template_version=invitation.template_version,
            campaign_id=invitation.campaign_id,
            ticket_id=invitation.ticket_id,
            complaint_id=invitation.complaint_id,
            technician_id=invitation.technician_id,
            product_line=invitation.product_line,
            tier=(customer or {}).get("tier"),
            region_class=(customer or {}).get("region_class"),
            province=(customer or {}).get("province"),
            answers=answers,
            csat=scores.csat,
            nps=scores.nps,
            dimension_scores=scores.dimension_scores,
            servqual_gaps=scores.servqual_gaps,
            expectations=scores.expectations,
            dissatisfied=bool(reasons),
            reasons=reasons,
            submitted_at=at,
            month=at.strftime("%Y-%m"),
            rolled_up=False,
        )
        response.record(
            SurveyResponseReceived(
                response_id=response.id,
                invitation_id=invitation.id,
                customer_id=response.customer_id,
                template=response.template_key,
                campaign_id=response.campaign_id,
                ticket_id=response.ticket_id,
                complaint_id=response.complaint_id,
                technician_id=response.technician_id,
                csat=response.csat,
                nps=response.nps,
                dimension_scores=response.dimension_scores,
                servqual_gaps=response.servqual_gaps,
                dissatisfied=response.dissatisfied,
                submitted_at=at,
                dealer_id=response.dealer_id,
            )
        )
        return response


class Skip(Base):
    """An invitation not sent, and why (fatigue, unknown or erased customer...)."""

    __tablename__ = "survey_skips"
    __table_args__ = (Index("ix_survey_skips_campaign", "campaign_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    customer_id: Mapped[str] = mapped_column(String(36), index=True)
    dealer_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    trigger: Mapped[str] = mapped_column(String(20))
    trigger_key: Mapped[str | None] = mapped_column(String(80), nullable=True)
    campaign_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    reason: Mapped[str] = mapped_column(String(30))  # fatigue | unknown_customer | inactive
    last_invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Recipient(Base):
    """When a customer was last invited: the fatigue rule's row, locked while deciding."""

    __tablename__ = "survey_recipients"

    customer_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    last_invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    invitations: Mapped[int] = mapped_column(Integer, default=0)


class ServiceContact(Base):
    """A closed ticket or complaint: "customers served in a date range" for campaigns."""

    __tablename__ = "survey_service_contacts"
    __table_args__ = (
        UniqueConstraint("source", "source_id"),
        Index("ix_survey_service_contacts_served", "served_at", "customer_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    customer_id: Mapped[str] = mapped_column(String(36), index=True)
    source: Mapped[str] = mapped_column(String(12))  # ticket | complaint
    source_id: Mapped[str] = mapped_column(String(36))
    served_at: Mapped[datetime] = mapped_column(UTCDateTime())
    technician_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    product_line: Mapped[str | None] = mapped_column(String(40), nullable=True)


class Rollup(Base):
    """Pre-aggregated scores: one row per axis value, month, dealer and questionnaire."""

    __tablename__ = "survey_rollups"

    axis: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    dealer_key: Mapped[str] = mapped_column(String(64), primary_key=True)  # "" = no dealer
    template_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    responses: Mapped[int] = mapped_column(Integer, default=0)
    csat_n: Mapped[int] = mapped_column(Integer, default=0)
    csat_satisfied: Mapped[int] = mapped_column(Integer, default=0)
    csat_sum: Mapped[float] = mapped_column(Float, default=0.0)
    nps_n: Mapped[int] = mapped_column(Integer, default=0)
    promoters: Mapped[int] = mapped_column(Integer, default=0)
    detractors: Mapped[int] = mapped_column(Integer, default=0)
    dissatisfied: Mapped[int] = mapped_column(Integer, default=0)


class DimensionRollup(Base):
    """Pre-aggregated dimension ratings, expectations and SERVQUAL gaps per month."""

    __tablename__ = "survey_dimension_rollups"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    dealer_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    template_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(40), primary_key=True)
    rating_n: Mapped[int] = mapped_column(Integer, default=0)
    rating_sum: Mapped[float] = mapped_column(Float, default=0.0)
    expectation_n: Mapped[int] = mapped_column(Integer, default=0)
    expectation_sum: Mapped[float] = mapped_column(Float, default=0.0)
    gap_n: Mapped[int] = mapped_column(Integer, default=0)
    gap_sum: Mapped[float] = mapped_column(Float, default=0.0)
