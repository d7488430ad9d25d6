"""Use cases against the fake unit of work: single use of tokens, expiry, the fatigue
rule and the once-per-close trigger, the events they commit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kefu_shared.auth import Principal
from kefu_shared.db import utcnow
from kefu_shared.errors import Conflict, Gone, InvalidInput, NotFound
from survey import responses, templates
from survey.builtins import POST_SERVICE
from survey.config import SurveyRules
from survey.invitations import Occasion, fatigued, on_service_closed, product_line
from survey.models import Invitation, Skip
from survey.schemas import DraftUpdate
from tests.survey.unit.fakes import FakeSurveyUnitOfWork

RULES = SurveyRules()
ANSWERS = {
    "overall": 2,
    "timeliness": 3,
    "skill": 4,
    "attitude": 4,
    "fixed": "partly",
    "recommend": 5,
}


async def close_ticket(
    uow: FakeSurveyUnitOfWork,
    ticket: str,
    customer: str,
    *,
    days_later: int = 0,
    rules: SurveyRules = RULES,
) -> Invitation | Skip | None:
    now = utcnow() + timedelta(days=days_later)
    result = await on_service_closed(
        uow=uow,  # type: ignore[arg-type]
        source="ticket",
        source_id=ticket,
        customer_id=customer,
        template_key="post_service",
        occasion=Occasion(
            trigger="ticket_closed",
            trigger_key=f"ticket:{ticket}",
            ticket_id=ticket,
            technician_id="tech-1",
            product_line="AC",
        ),
        served_at=now,
        rules=rules,
        now=now,
    )
    await uow.commit()
    return result


@pytest.fixture
async def ready(uow: FakeSurveyUnitOfWork) -> FakeSurveyUnitOfWork:
    await templates.ensure_builtins(uow=uow)  # type: ignore[arg-type]
    uow.customers.put("C1", dealer_id="D1", tier="large", region_class="local", province="浙江省")
    uow.customers.put("C2")
    return uow


async def test_ticket_closed_invites_the_customer_once(ready: FakeSurveyUnitOfWork) -> None:
    uow = ready
    first = await close_ticket(uow, "T1", "C1")
    assert isinstance(first, Invitation) and first.status == "sent"
    assert (
        first.dealer_id == "D1"
        and first.template_key == "post_service"
        and first.template_version == 1
    )
    assert len(first.token) >= 43
    again = await close_ticket(uow, "T1", "C1")  # redelivered / closed again
    assert again is None
    [event] = uow.events("survey.invitation_sent")
    assert (
        event.ticket_id == "T1" and event.customer_id == "C1" and event.trigger == "ticket_closed"
    )
    assert "token" not in event.model_dump()
    assert len(uow.invitations.contacts) == 1


async def test_fatigue_rule_skips_a_second_survey_within_30_days_and_records_why(
    ready: FakeSurveyUnitOfWork,
) -> None:
    uow = ready
    sent = await close_ticket(uow, "T1", "C1")
    skipped = await close_ticket(uow, "T2", "C1", days_later=29)
    assert isinstance(skipped, Skip) and skipped.reason == "fatigue"
    assert isinstance(sent, Invitation) and skipped.last_invited_at == sent.sent_at
    later = await close_ticket(uow, "T3", "C1", days_later=31)
    assert isinstance(later, Invitation)
    assert len(uow.events("survey.invitation_sent")) == 2
    # the window is configurable
    short = SurveyRules(fatigue_days=7)
    assert isinstance(await close_ticket(uow, "T4", "C1", days_later=39, rules=short), Invitation)


def test_fatigue_window_edges() -> None:
    now = utcnow()
    assert fatigued(now - timedelta(days=29, hours=23), now, 30)
    assert not fatigued(now - timedelta(days=30), now, 30)
    assert not fatigued(None, now, 30)
    assert not fatigued(now, now, 0)


async def test_unknown_or_erased_customer_is_skipped_with_the_reason(
    ready: FakeSurveyUnitOfWork,
) -> None:
    uow = ready
    unknown = await close_ticket(uow, "T1", "nobody")
    assert isinstance(unknown, Skip) and unknown.reason == "unknown_customer"
    uow.customers.put("C3", status="erased")
    erased = await close_ticket(uow, "T2", "C3")
    assert isinstance(erased, Skip) and erased.reason == "customer_erased"
    assert uow.events("survey.invitation_sent") == []


async def test_token_answers_once(ready: FakeSurveyUnitOfWork) -> None:
    uow = ready
    invitation = await close_ticket(uow, "T1", "C1")
    assert isinstance(invitation, Invitation)
    response = await responses.submit_response(
        uow=uow, token=invitation.token, answers=ANSWERS, rules=RULES
    )  # type: ignore[arg-type]
    assert invitation.status == "responded"
    assert response.csat == 2.0 and response.nps == 5 and response.dissatisfied
    assert response.reasons == ["detractor", "low_csat"]
    assert response.tier == "large" and response.province == "浙江省"
    with pytest.raises(Conflict):
        await responses.submit_response(
            uow=uow, token=invitation.token, answers=ANSWERS, rules=RULES
        )  # type: ignore[arg-type]
    [event] = uow.events("survey.response_received")
    assert event.csat == 2.0 and event.nps == 5 and event.dissatisfied
    assert event.ticket_id == "T1" and event.technician_id == "tech-1" and event.dealer_id == "D1"
    assert event.dimension_scores["responsiveness"] == 3.0
    assert len(uow.responses.rows) == 1


async def test_expired_and_unknown_tokens_are_refused(ready: FakeSurveyUnitOfWork) -> None:
    uow = ready
    invitation = await close_ticket(uow, "T1", "C1")
    assert isinstance(invitation, Invitation)
    late = invitation.expires_at + timedelta(seconds=1)
    with pytest.raises(Gone):
        await responses.submit_response(
            uow=uow, token=invitation.token, answers=ANSWERS, rules=RULES, now=late
        )  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        await responses.submit_response(uow=uow, token="x" * 43, answers=ANSWERS, rules=RULES)  # type: ignore[arg-type]
    assert uow.responses.rows == [] and invitation.status == "sent"


async def test_invalid_answers_leave_the_token_unused(ready: FakeSurveyUnitOfWork) -> None:
    uow = ready
    invitation = await close_ticket(uow, "T1", "C1")
    assert isinstance(invitation, Invitation)
    with pytest.raises(InvalidInput):
        await responses.submit_response(
            uow=uow, token=invitation.token, answers={**ANSWERS, "overall": 6}, rules=RULES
        )  # type: ignore[arg-type]
    assert invitation.status == "sent" and uow.responses.rows == []
    assert uow.events("survey.response_received") == []


async def test_published_version_is_immutable(ready: FakeSurveyUnitOfWork) -> None:
    uow = ready
    admin = Principal(user_id="m", roles=frozenset({"service_manager"}))
    template = await uow.templates.by_key("post_service")
    assert template is not None
    with pytest.raises(Conflict):  # version 1 is published: no draft to edit
        await templates.update_draft(
            uow=uow,  # type: ignore[arg-type]
            template_id=template.id,
            data=DraftUpdate(questions=POST_SERVICE.parsed()),
            if_match=template.etag,
            actor=admin,
        )
    t = await templates.new_version(
        uow=uow, template_id=template.id, if_match=template.etag, actor=admin
    )  # type: ignore[arg-type]
    assert t.latest_version == 2 and t.published_version == 1
    t = await templates.publish(uow=uow, template_id=template.id, if_match=t.etag, actor=admin)  # type: ignore[arg-type]
    assert t.published_version == 2
    assert [e.action for e in uow.audited if e.aggregate_id == template.id] == ["published"]
    v1 = await uow.templates.version(template.id, 1)
    assert v1 is not None and v1.status == "published"


def test_product_line_from_the_model() -> None:
    assert product_line("AC-3200", {}) == "AC"
    assert product_line("AC-3200", {"AC-32": "commercial_ac", "AC-": "home_ac"}) == "commercial_ac"
    assert product_line(None, {}) is None
