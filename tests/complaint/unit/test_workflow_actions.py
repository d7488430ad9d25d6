"""Every action of the complaint workflow from every state: a legal one moves the
complaint and is recorded, an illegal one is refused (409 with the allowed actions) and
changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from complaint import service
from complaint.policy import ComplaintPolicy
from complaint.workflow import COMPLAINT_WORKFLOW, STATES
from kefu_shared.errors import InvalidInput, PreconditionFailed, PreconditionRequired
from kefu_shared.permissions import has_permission
from kefu_shared.workflow import IllegalTransition, TransitionRefused
from tests.complaint.unit.builders import ACTION_DATA, file, put_in_state
from tests.complaint.unit.conftest import person
from tests.complaint.unit.fakes import FakeComplaintUnitOfWork

ACTIONS = sorted({t.action for t in COMPLAINT_WORKFLOW.transitions})
CASES = [(state, action) for state in STATES for action in ACTIONS]


async def _act(uow, policy, complaint, action, **kw):  # type: ignore[no-untyped-def]
    data = ACTION_DATA.get(action, {})
    return await service.act(
        uow=uow,
        complaint_id=complaint.id,
        action=action,
        fields=dict(kw.get("fields", data.get("fields", {}))),
        reason=kw.get("reason", data.get("reason")),
        if_match=kw.get("if_match", complaint.etag),
        actor=kw.get("actor", person("service_manager")),
        policy=policy,
    )


@pytest.mark.parametrize(("state", "action"), CASES)
async def test_action_from_state(
    uow: FakeComplaintUnitOfWork, policy: ComplaintPolicy, state: str, action: str
) -> None:
    complaint = put_in_state(await file(uow, policy), state)
    if action == "approve_compensation":
        complaint.compensation_amount = Decimal("5000.00")  # above the threshold
    events_before, version = len(uow.committed), complaint.version
    transition = COMPLAINT_WORKFLOW.transition(state, action)
    if transition is None:
        with pytest.raises(IllegalTransition) as refused:
            await _act(uow, policy, complaint, action)
        assert refused.value.extensions["allowed_actions"] == COMPLAINT_WORKFLOW.allowed_actions(
            state
        )
        assert (complaint.status, complaint.version) == (state, version)
        assert len(uow.committed) == events_before
        assert uow.actions_of(complaint.id)[-1] == "receive"
        return
    await _act(uow, policy, complaint, action)
    assert complaint.status == (transition.target or state)
    assert complaint.version == version + 1
    assert uow.actions_of(complaint.id)[-1] == action


EVENT_OF = {
    "acknowledge": "complaint.acknowledged",
    "assign": "complaint.assigned",
    "reassign": "complaint.assigned",
    "resolve": "complaint.resolved",
    "close": "complaint.closed",
    "reject": "complaint.rejected",
    "reopen": "complaint.reopened",
    "request_onsite": "complaint.onsite_service_requested",
}


@pytest.mark.parametrize(("action", "event_type"), sorted(EVENT_OF.items()))
async def test_action_raises_its_event(
    uow: FakeComplaintUnitOfWork, policy: ComplaintPolicy, action: str, event_type: str
) -> None:
    state = COMPLAINT_WORKFLOW.transitions[
        [t.action for t in COMPLAINT_WORKFLOW.transitions].index(action)
    ].sources[0]
    complaint = put_in_state(await file(uow, policy), state)
    await _act(uow, policy, complaint, action)
    (event,) = uow.events(event_type)
    assert (getattr(event, "id", None) or getattr(event, "complaint_id", None)) == complaint.id


async def test_record_says_who_when_why_and_what_changed(
    uow: FakeComplaintUnitOfWork, policy: ComplaintPolicy
) -> None:
    complaint = put_in_state(await file(uow, policy), "acknowledged")
    await _act(uow, policy, complaint, "reassign", actor=person("agent", user="ann"))
    record = uow.records(complaint.id)[-1]
    assert (record.actor, record.action, record.reason) == ("ann", "reassign", "h1 is on leave")
    assert record.changes == {"handler_id": {"from": "h1", "to": "h3"}}


async def test_missing_fields_are_named_and_nothing_changes(
    uow: FakeComplaintUnitOfWork, policy: ComplaintPolicy
) -> None:
    complaint = put_in_state(await file(uow, policy), "received")
    complaint.handler_id = None
    with pytest.raises(InvalidInput) as refused:
        await _act(uow, policy, complaint, "assign", fields={"department": "quality"})
    assert [e["field"] for e in refused.value.extensions["errors"]] == ["handler_id"]
    with pytest.raises(InvalidInput) as refused:
        await _act(uow, policy, complaint, "reject", reason=" ")
    assert [e["field"] for e in refused.value.extensions["errors"]] == ["reason"]
    with pytest.raises(InvalidInput) as refused:
        await _act(uow, policy, complaint, "acknowledge", fields={"remedy": "repair"})
    assert refused.value.extensions["errors"][0]["field"] == "remedy"
    assert (complaint.status, complaint.handler_id) == ("received", None)
    assert uow.actions_of(complaint.id) == ["receive"]


async def test_unknown_root_cause_is_refused(
    uow: FakeComplaintUnitOfWork, policy: ComplaintPolicy
) -> None:
    complaint = put_in_state(await file(uow, policy), "investigating")
    with pytest.raises(TransitionRefused):
        await _act(
            uow, policy, complaint, "record_investigation", fields={"root_cause_code": "gremlins"}
        )
    assert complaint.root_cause_code is None


async def test_start_investigation_needs_a_handler(
    uow: FakeComplaintUnitOfWork, policy: ComplaintPolicy
) -> None:
    complaint = put_in_state(await file(uow, policy), "acknowledged")
    complaint.handler_id = None
    with pytest.raises(TransitionRefused):
        await _act(uow, policy, complaint, "start_investigation")
    assert complaint.status == "acknowledged"


async def test_actions_need_the_current_etag(
    uow: FakeComplaintUnitOfWork, policy: ComplaintPolicy
) -> None:
    complaint = await file(uow, policy)
    with pytest.raises(PreconditionRequired):
        await _act(uow, policy, complaint, "acknowledge", if_match=None)
    with pytest.raises(PreconditionFailed):
        await _act(uow, policy, complaint, "acknowledge", if_match=f'"{complaint.id}.99"')
    assert complaint.status == "received"


async def test_a_dealer_may_add_notes_but_not_move_the_complaint(
    uow: FakeComplaintUnitOfWork, policy: ComplaintPolicy
) -> None:
    dealer = person("dealer", dealer_id="d1")
    complaint = await file(uow, policy, actor_role="dealer", dealer_id="d1")
    assert service.allowed_actions(complaint, dealer) == ["note"]
    assert service.allowed_actions(complaint, person("agent")) == [
        "acknowledge",
        "assign",
        "reassign",
        "reject",
        "note",
    ]
    assert not has_permission(dealer, service.action_permission("acknowledge"))
    await _act(uow, policy, complaint, "note", actor=dealer)
    assert uow.actions_of(complaint.id)[-1] == "note"


async def test_reopen_only_within_the_window(
    uow: FakeComplaintUnitOfWork, policy: ComplaintPolicy
) -> None:
    from datetime import timedelta

    complaint = put_in_state(await file(uow, policy), "closed")
    complaint.closed_at = complaint.closed_at - timedelta(days=31)  # type: ignore[operator]
    with pytest.raises(TransitionRefused):
        await _act(uow, policy, complaint, "reopen")
    complaint.closed_at = complaint.closed_at + timedelta(days=2)  # type: ignore[operator]
    await _act(uow, policy, complaint, "reopen")
    assert (complaint.status, complaint.reopen_count) == ("reopened", 1)
    assert complaint.reopened_at is not None and complaint.resolve_due > complaint.reopened_at
