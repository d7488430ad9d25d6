"""Intake: the local customer copy decides who the customer is (merged followed, unknown
and another dealer's refused naming the field); the statistics move with each change."""

from __future__ import annotations

import pytest

from complaint.policy import ComplaintPolicy
from kefu_shared.errors import InvalidInput, NotFound
from tests.complaint.unit.builders import file
from tests.complaint.unit.conftest import person
from tests.complaint.unit.fakes import FakeComplaintUnitOfWork


async def test_unknown_customer_is_refused_naming_the_field(
    uow: FakeComplaintUnitOfWork, policy: ComplaintPolicy
) -> None:
    from complaint import service
    from complaint.schemas import ComplaintCreate

    data = ComplaintCreate(
        channel="web",
        customer_id="nobody",
        category="delivery",
        severity="minor",
        description="late",
    )
    with pytest.raises(InvalidInput) as refused:
        await service.receive_complaint(uow=uow, data=data, actor=person(), policy=policy)
    assert refused.value.extensions["errors"][0]["field"] == "customer_id"
    assert uow.complaints.rows == {} and uow.committed == []


async def test_a_dealer_files_only_for_its_own_customers(
    uow: FakeComplaintUnitOfWork, policy: ComplaintPolicy
) -> None:
    uow.customers.put("theirs", dealer_id="d2")
    with pytest.raises(InvalidInput):
        await file(uow, policy, "theirs", actor_role="dealer", dealer_id="d1")
    mine = await file(uow, policy, "mine", actor_role="dealer", dealer_id="d1")
    assert mine.dealer_id == "d1"
    with pytest.raises(NotFound):
        await uow.complaints.get_visible(mine.id, person("dealer", dealer_id="d2"))


async def test_a_merged_customer_files_for_the_survivor(
    uow: FakeComplaintUnitOfWork, policy: ComplaintPolicy
) -> None:
    uow.customers.put("new", key_account=True)
    uow.customers.put("old", status="merged", merged_into="new")
    complaint = await file(uow, policy, "old")
    assert (complaint.customer_id, complaint.key_account) == ("new", True)


async def test_erased_customer_is_refused(
    uow: FakeComplaintUnitOfWork, policy: ComplaintPolicy
) -> None:
    uow.customers.put("gone", status="erased")
    with pytest.raises(InvalidInput):
        await file(uow, policy, "gone")


async def test_statistics_move_with_each_change(
    uow: FakeComplaintUnitOfWork, policy: ComplaintPolicy
) -> None:
    complaint = await file(uow, policy)
    assert uow.stats.totals()["received"] == 1
    assert await uow.complaints.get(complaint.id) is complaint  # handed out for a change
    complaint.act("acknowledge", policy=policy, actor="a", audit=uow.audit)
    complaint.act(
        "assign",
        policy=policy,
        actor="a",
        audit=uow.audit,
        fields={"department": "quality", "handler_id": "h1"},
    )
    await uow.commit()
    totals = uow.stats.totals()
    assert (totals["received"], totals["acknowledged"]) == (1, 1)
    # The complaint moved from "no department" to "quality": the old cell is emptied.
    assert uow.stats.totals(department="")["received"] == 0
    assert uow.stats.totals(department="quality")["received"] == 1
    assert uow.stats.repeats[("customer", "c1")] == 1
    await file(uow, policy)
    assert uow.stats.repeats[("unit", "KF-200|SN-1")] == 2
