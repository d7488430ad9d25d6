"""What the survey routes read and answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from survey.questions import Question, Text

Channel = Literal["sms", "email", "wechat", "phone", "link"]
TemplateKind = Literal[
    "post_service", "post_complaint", "relationship", "staff_performance", "custom"
]


class TemplateCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(min_length=2, max_length=40, pattern=r"^[a-z0-9_]+$")
    kind: TemplateKind = "custom"
    name_zh: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    questions: list[Question] = Field(min_length=1, max_length=100)


class DraftUpdate(BaseModel):
    """The draft version's content, replaced as a whole."""

    model_config = ConfigDict(extra="forbid")
    name_zh: str | None = Field(None, min_length=1, max_length=200)
    name_en: str | None = Field(None, min_length=1, max_length=200)
    questions: list[Question] = Field(min_length=1, max_length=100)


class TemplateRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    key: str
    kind: str
    name_zh: str
    name_en: str
    builtin: bool
    published_version: int | None
    latest_version: int
    created_at: datetime
    updated_at: datetime


class TemplateVersionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    template_id: str
    number: int
    status: str
    questions: list[Question]
    created_at: datetime
    published_at: datetime | None = None
    published_by: str | None = None


class SegmentSpec(BaseModel):
    """Who to survey, from this service's copy of the customers."""

    model_config = ConfigDict(extra="forbid")
    tier: list[str] = Field(default_factory=list, max_length=20)
    region_class: list[str] = Field(default_factory=list, max_length=20)
    province: list[str] = Field(default_factory=list, max_length=50)
    industry: list[str] = Field(default_factory=list, max_length=50)
    dealer_id: list[str] = Field(default_factory=list, max_length=200)
    key_account: bool | None = None
    # Customers with a ticket or complaint closed in [served_from, served_to).
    served_from: AwareDatetime | None = None
    served_to: AwareDatetime | None = None


class SampleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    size: int | None = Field(None, ge=1, le=1_000_000)
    share: float | None = Field(None, gt=0, le=1)
    # The same seed and segment give the same sample; chosen at random when not given.
    seed: int | None = Field(None, ge=0, le=2**31 - 1)
    stratify_by_tier: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> SampleSpec:
        if self.size is not None and self.share is not None:
            raise ValueError("give size or share, not both")
        return self


class CampaignCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    template_key: str = Field(min_length=2, max_length=40)
    segment: SegmentSpec = Field(default_factory=SegmentSpec)
    sample: SampleSpec = Field(default_factory=SampleSpec)
    channel: Channel = "sms"
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reminders: bool = True

    @model_validator(mode="after")
    def _dates(self) -> CampaignCreate:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class CampaignUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, min_length=1, max_length=200)
    segment: SegmentSpec | None = None
    sample: SampleSpec | None = None
    channel: Channel | None = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    reminders: bool | None = None


class CampaignRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    template_key: str
    template_version: int | None
    segment: dict[str, Any]
    sample: dict[str, Any]
    channel: str
    starts_at: datetime
    ends_at: datetime
    reminders: bool
    status: str
    targeted: int
    sampled: int
    invited: int
    skipped: int
    job_id: int | None
    created_at: datetime
    updated_at: datetime


class CampaignResults(BaseModel):
    campaign_id: str
    invited: int
    responded: int
    expired: int
    skipped: int
    response_rate: float | None
    csat: float | None
    nps: float | None
    responses: int
    dissatisfied: int


class InvitationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    customer_id: str
    dealer_id: str | None
    template_key: str
    template_version: int
    campaign_id: str | None
    trigger: str
    ticket_id: str | None
    complaint_id: str | None
    technician_id: str | None
    product_line: str | None
    channel: str
    status: str
    sent_at: datetime
    expires_at: datetime
    reminders_sent: int
    responded_at: datetime | None
    # The answer link to send (the token is the customer's credential).
    link: str


class SkipRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    customer_id: str
    trigger: str
    trigger_key: str | None
    campaign_id: str | None
    reason: str
    last_invited_at: datetime | None
    created_at: datetime


class ResponseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    invitation_id: str
    customer_id: str
    dealer_id: str | None
    template_key: str
    template_version: int
    campaign_id: str | None
    ticket_id: str | None
    complaint_id: str | None
    technician_id: str | None
    product_line: str | None
    tier: str | None
    region_class: str | None
    province: str | None
    answers: dict[str, Any]
    csat: float | None
    nps: int | None
    dimension_scores: dict[str, float]
    servqual_gaps: dict[str, float]
    dissatisfied: bool
    reasons: list[str]
    submitted_at: datetime


class PublicSurvey(BaseModel):
    """What the answer page shows: the questionnaire, nothing about any customer."""

    title: Text
    questions: list[Question]
    expires_at: datetime


class PublicAnswers(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answers: dict[str, int | str | list[str] | None] = Field(max_length=200)


class PublicReceipt(BaseModel):
    received: bool = True
    submitted_at: datetime
