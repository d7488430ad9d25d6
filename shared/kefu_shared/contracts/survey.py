"""Events published by the survey service on ``survey.events.v1``."""

from __future__ import annotations

from datetime import datetime

from kefu_shared.events import EventData, contract
from kefu_shared.registry import service

TOPIC = service("survey").events_topic


@contract("survey.invitation_sent", topic=TOPIC)
class SurveyInvitationSent(EventData):
    """An invitation (with its unguessable token, never in the event) went out."""

    invitation_id: str
    customer_id: str
    template: str | None = None
    template_version: int | None = None
    # What caused it: ticket_closed | complaint_closed | campaign
    trigger: str | None = None
    campaign_id: str | None = None
    ticket_id: str | None = None
    complaint_id: str | None = None
    technician_id: str | None = None
    channel: str | None = None
    expires_at: datetime | None = None
    dealer_id: str | None = None


@contract("survey.response_received", topic=TOPIC)
class SurveyResponseReceived(EventData):
    """A customer answered: scores for the profile, the technician and service recovery."""

    response_id: str
    invitation_id: str | None = None
    customer_id: str
    template: str | None = None
    campaign_id: str | None = None
    ticket_id: str | None = None
    complaint_id: str | None = None
    technician_id: str | None = None
    csat: float | None = None
    nps: int | None = None
    dimension_scores: dict[str, float] = {}
    # SERVQUAL: perception − expectation per dimension (relationship surveys only).
    servqual_gaps: dict[str, float] = {}
    dissatisfied: bool = False
    submitted_at: datetime | None = None
    dealer_id: str | None = None


@contract("survey.reminder_sent", topic=TOPIC)
class SurveyReminderSent(EventData):
    """A campaign invitation not answered yet was reminded (the channel sender resends)."""

    invitation_id: str
    customer_id: str
    campaign_id: str | None = None
    reminder: int  # 1 for the first reminder
    channel: str | None = None
    expires_at: datetime | None = None
    dealer_id: str | None = None
