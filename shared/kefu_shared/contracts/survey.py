"""Events published by the survey service on ``survey.events.v1``."""

from __future__ import annotations

from kefu_shared.events import EventData, contract
from kefu_shared.registry import service

TOPIC = service("survey").events_topic


@contract("survey.invitation_sent", topic=TOPIC)
class SurveyInvitationSent(EventData):
    invitation_id: str
    customer_id: str
    template: str | None = None
    ticket_id: str | None = None
    complaint_id: str | None = None
    channel: str | None = None


@contract("survey.response_received", topic=TOPIC)
class SurveyResponseReceived(EventData):
    response_id: str
    invitation_id: str | None = None
    customer_id: str
    ticket_id: str | None = None
    complaint_id: str | None = None
    technician_id: str | None = None
    csat: float | None = None
    nps: int | None = None
    dimension_scores: dict[str, float] = {}
    dissatisfied: bool = False
