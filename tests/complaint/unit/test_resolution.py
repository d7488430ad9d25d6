"""Resolution: a compensation above the configurable threshold needs a service manager's
approval (complaint.compensation_approved) before the complaint can be resolved."""

from __future__ import annotations

from decimal import Decimal

import pytest

from complaint import service
from complaint.config import ResolutionSettings
from complaint.models import Complaint
from complaint.policy import ComplaintPolicy
from complaint.settings import ComplaintSettings
from kefu_shared.auth import Principal
from kefu_shared.errors import Forbidden
from kefu_shared.workflow import TransitionRefused
from tests.complaint.unit.builders import file, put_in_state
from tests.complaint.unit.conftest import person
from tests.complaint.unit.fakes import FakeComplaintUnitOfWork


async def propose(uow: FakeComplaintUnitOfWork, policy: ComplaintPolicy, amount: str) -> Complaint:
    complaint = put_in_state(await file(uow, policy), "investigating")
    complaint.compensation_amount = None
    await act(
        uow,
        policy,
        complaint,
        "propose_resolution",
        {"remedy": "refund", "compensation_amount": Decimal(amount)},
    )
    return complaint


async def act(
    uow: FakeComplaintUnitOfWork,
    policy: ComplaintPolicy,
    complaint: Complaint,
    action: str,
    fields: dict[str, object] | None = None,
    actor: Principal | None = None,
) -> None:
    await service.act(
        uow=uow,
        complaint_id=complaint.id,
        action=action,
        fields=fields or {},
        reason=None,
        if_match=complaint.etag,
        actor=actor or person("service_manager", user="boss"),
        policy=policy,
    )


@pytest.mark.parametrize("amount", ["0.00", "999.99", "1000.00"])
async def test_compensation_up_to_the_threshold_needs_no_approval(
    uow: FakeComplaintUnitOfWork, policy: ComplaintPolicy, amount: str
) -> None:
    complaint = await propose(uow, policy, amount)
    with pytest.raises(TransitionRefused):
        await act(uow, policy, complaint, "approve_compensation")
    await act(uow, policy, complaint, "resolve", actor=person("agent"))
    assert complaint.status == "resolved"
    assert uow.events("complaint.compensation_approved") == []
    (resolved,) = uow.events("complaint.resolved")
    assert resolved.compensation_amount == Decimal(amount)  # type: ignore[attr-defined]


async def test_compensation_above_the_threshold_waits_for_a_service_manager(
    uow: FakeComplaintUnitOfWork, policy: ComplaintPolicy
) -> None:
    complaint = await propose(uow, policy, "1000.01")
    with pytest.raises(TransitionRefused):
        await act(uow, policy, complaint, "resolve", actor=person("agent"))
    assert "approve_compensation" not in service.allowed_actions(complaint, person("agent"))
    assert "approve_compensation" in service.allowed_actions(complaint, person("service_manager"))
    assert complaint.status == "resolution_proposed"
    await act(uow, policy, complaint, "approve_compensation")
    with pytest.raises(TransitionRefused):  # approved once only
        await act(uow, policy, complaint, "approve_compensation")
    await act(uow, policy, complaint, "resolve", actor=person("agent"))
    (approved,) = uow.events("complaint.compensation_approved")
    assert (approved.amount, approved.approved_by) == (Decimal("1000.01"), "boss")  # type: ignore[attr-defined]
    assert complaint.compensation_approved_by == "boss"


async def test_the_handler_cannot_approve_their_own_compensation(
    uow: FakeComplaintUnitOfWork, policy: ComplaintPolicy
) -> None:
    complaint = await propose(uow, policy, "5000")
    with pytest.raises(Forbidden):
        await act(
            uow,
            policy,
            complaint,
            "approve_compensation",
            actor=person("service_manager", user="h1"),
        )
    assert complaint.compensation_approved_at is None


async def test_the_threshold_is_configurable(uow: FakeComplaintUnitOfWork) -> None:
    policy = ComplaintPolicy.from_settings(
        ComplaintSettings(env="test", resolution=ResolutionSettings(approval_threshold=100))
    )
    complaint = await propose(uow, policy, "150")
    with pytest.raises(TransitionRefused):
        await act(uow, policy, complaint, "resolve")


async def test_a_new_proposal_needs_a_new_approval(
    uow: FakeComplaintUnitOfWork, policy: ComplaintPolicy
) -> None:
    complaint = await propose(uow, policy, "3000")
    await act(uow, policy, complaint, "approve_compensation")
    complaint.status = "investigating"  # the customer refused: investigate again
    await act(
        uow,
        policy,
        complaint,
        "propose_resolution",
        {"remedy": "refund", "compensation_amount": Decimal("4000")},
    )
    with pytest.raises(TransitionRefused):
        await act(uow, policy, complaint, "resolve")


async def test_negative_compensation_is_refused(
    uow: FakeComplaintUnitOfWork, policy: ComplaintPolicy
) -> None:
    with pytest.raises(TransitionRefused):
        await propose(uow, policy, "-1")
