"""Events of other services: service recovery from dissatisfied survey responses (once per
response, whatever the duplicates), the linked ticket's progress, merged and erased
customers."""

from __future__ import annotations

from datetime import timedelta

from complaint import recovery
from complaint.models import Complaint
from complaint.policy import ComplaintPolicy
from kefu_shared.contracts.survey import SurveyResponseReceived
from kefu_shared.contracts.ticket import TicketOpened, TicketVisitRecorded
from tests.complaint.unit.builders import file, put_in_state
from tests.complaint.unit.fakes import FakeComplaintUnitOfWork


def response(
    complaint: Complaint, rid: str = "r1", dissatisfied: bool = True
) -> SurveyResponseReceived:
    return SurveyResponseReceived(
        response_id=rid,
        customer_id=complaint.customer_id,
        complaint_id=complaint.id,
        csat=1.0,
        dissatisfied=dissatisfied,
    )


async def deliver(
    uow: FakeComplaintUnitOfWork, policy: ComplaintPolicy, data: SurveyResponseReceived
) -> None:
    """As the consumer runner does: the handler inside an open unit of work, then commit."""
    async with uow:
        await recovery.recover_from_survey(uow=uow, data=data, policy=policy)
        await uow.commit()


async def test_dissatisfied_response_reopens_a_closed_complaint_once(
    uow: FakeComplaintUnitOfWork, policy: ComplaintPolicy
) -> None:
    complaint = put_in_state(await file(uow, policy), "closed")
    for _ in range(3):  # the same response delivered again (another event id)
        await deliver(uow, policy, response(complaint))
    assert complaint.status == "reopened"
    (event,) = uow.events("complaint.reopened")
    assert event.survey_response_id == "r1"  # type: ignore[attr-defined]
    assert uow.complaints.recoveries["r1"].outcome == "reopened"
    assert uow.actions_of(complaint.id).count("reopen") == 1


async def test_outside_the_window_a_linked_follow_up_complaint_is_opened_once(
    uow: FakeComplaintUnitOfWork, policy: ComplaintPolicy
) -> None:
    complaint = put_in_state(await file(uow, policy), "closed")
    complaint.closed_at = complaint.closed_at - timedelta(days=40)  # type: ignore[operator]
    await deliver(uow, policy, response(complaint))
    await deliver(uow, policy, response(complaint))
    assert complaint.status == "closed"
    follow_ups = [c for c in uow.complaints.rows.values() if c.parent_id == complaint.id]
    assert len(follow_ups) == 1
    (follow_up,) = follow_ups
    assert (follow_up.channel, follow_up.survey_response_id) == ("survey", "r1")
    assert (follow_up.customer_id, follow_up.severity) == (
        complaint.customer_id,
        complaint.severity,
    )
    assert len(uow.events("complaint.received")) == 2  # the original and the follow-up


async def test_satisfied_or_unrelated_responses_change_nothing(
    uow: FakeComplaintUnitOfWork, policy: ComplaintPolicy
) -> None:
    complaint = put_in_state(await file(uow, policy), "closed")
    await deliver(uow, policy, response(complaint, dissatisfied=False))
    other = SurveyResponseReceived(
        response_id="r9", customer_id="c1", ticket_id="t1", dissatisfied=True
    )
    await deliver(uow, policy, other)
    assert complaint.status == "closed"
    assert uow.complaints.recoveries == {}


async def test_a_second_response_on_a_reopened_complaint_is_only_noted(
    uow: FakeComplaintUnitOfWork, policy: ComplaintPolicy
) -> None:
    complaint = put_in_state(await file(uow, policy), "resolved")
    await deliver(uow, policy, response(complaint, "r1"))
    await deliver(uow, policy, response(complaint, "r2"))
    assert complaint.reopen_count == 1
    assert uow.complaints.recoveries["r2"].outcome == "noted"


async def test_ticket_events_show_the_linked_ticket_progress(
    uow: FakeComplaintUnitOfWork, policy: ComplaintPolicy
) -> None:
    complaint = put_in_state(await file(uow, policy), "investigating")
    async with uow:
        await recovery.follow_ticket(
            uow=uow,
            event_type="ticket.opened",
            data=TicketOpened(
                id="t1", number="TS-1", customer_id="c1", complaint_id=complaint.id, status="open"
            ),
            visits=None,
        )
        await recovery.follow_ticket(
            uow=uow,
            event_type="ticket.visit_recorded",
            data=TicketVisitRecorded(
                id="t1", number="TS-1", customer_id="c1", status="in_progress", visit_number=2
            ),
            visits=2,
        )
        await uow.commit()
    assert (
        complaint.ticket_id,
        complaint.ticket_number,
        complaint.ticket_status,
        complaint.ticket_visits,
    ) == ("t1", "TS-1", "in_progress", 2)
    assert uow.actions_of(complaint.id)[-2:] == ["ticket_progress", "ticket_progress"]


async def test_merged_customers_complaints_move_to_the_survivor(
    uow: FakeComplaintUnitOfWork, policy: ComplaintPolicy
) -> None:
    complaint = await file(uow, policy, "old")
    async with uow:
        await recovery.follow_merge(uow=uow, merged_ids=["old"], surviving_id="new")
        await uow.commit()
    assert complaint.customer_id == "new"
    assert uow.stats.repeats[("customer", "new")] == 1
    assert ("customer", "old") not in uow.stats.repeats


async def test_erased_customers_complaints_lose_their_words_not_their_facts(
    uow: FakeComplaintUnitOfWork, policy: ComplaintPolicy
) -> None:
    complaint = await file(uow, policy, "c1", requested_outcome="call me at 138...")
    async with uow:
        await recovery.follow_erasure(uow=uow, customer_id="c1")
        await uow.commit()
    assert (complaint.description, complaint.requested_outcome) == ("(erased)", None)
    assert (complaint.category, complaint.severity) == ("product_quality", "major")
