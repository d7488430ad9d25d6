"""Key-account designation (大客户管理) as a use case against the in-memory unit of work."""

from __future__ import annotations

import pytest

from customer.analytics import key_accounts
from customer.analytics.schemas import KeyAccountUpdate
from customer.models import Customer
from kefu_shared.errors import InvalidInput, NotFound
from tests.customer.unit.conftest import person
from tests.customer.unit.fakes import FakeCustomerUnitOfWork

MANAGER = person("service_manager")


def customer(
    uow: FakeCustomerUnitOfWork, tier: str = "small", dealer: str | None = None
) -> Customer:
    c = Customer(kind="company", name="Pumps Ltd", number="C1", tier=tier, dealer_id=dealer)
    c.key_account = tier in ("super", "large")
    uow.customers.add(c)
    return c


async def designate(uow: FakeCustomerUnitOfWork, c: Customer, **body: object):  # type: ignore[no-untyped-def]
    return await key_accounts.update_key_account(
        uow=uow, customer_id=c.id, data=KeyAccountUpdate(**body), actor=MANAGER
    )


async def test_designating_a_small_customer_makes_it_a_key_account(
    uow: FakeCustomerUnitOfWork,
) -> None:
    c = customer(uow)
    version = c.version
    state = await designate(uow, c, designated=True, manager="li.wei", reason="strategic")
    assert (state.key_account, state.manual, state.manager) == (True, True, "li.wei")
    assert c.version == version + 1  # a new ETag for the customer
    (event,) = uow.events("customer.key_account_changed")
    assert (event.key_account, event.manual, event.manager) == (True, True, "li.wei")  # type: ignore[attr-defined]
    assert uow.analytics.plans[c.id].designated_by == MANAGER.user_id


async def test_removing_the_designation_keeps_a_large_customer_a_key_account(
    uow: FakeCustomerUnitOfWork,
) -> None:
    c = customer(uow, tier="large")
    await designate(uow, c, designated=True)
    state = await key_accounts.remove_designation(uow=uow, customer_id=c.id, actor=MANAGER)
    assert (state.key_account, state.manual) == (True, False)
    # Still a key account all along: no event says otherwise.
    assert uow.events("customer.key_account_changed") == []


async def test_a_new_manager_is_announced_and_a_plain_customer_gets_none(
    uow: FakeCustomerUnitOfWork,
) -> None:
    big = customer(uow, tier="super")
    await designate(uow, big, manager="a")
    await designate(uow, big, manager="b")
    assert [e.manager for e in uow.events("customer.key_account_changed")] == ["a", "b"]  # type: ignore[attr-defined]
    small = customer(uow)
    with pytest.raises(InvalidInput) as exc:
        await designate(uow, small, manager="c")
    assert exc.value.extensions["errors"][0]["field"] == "manager"
    assert small.id not in uow.analytics.plans


async def test_another_dealers_customer_cannot_be_designated(uow: FakeCustomerUnitOfWork) -> None:
    c = customer(uow, dealer="D2")
    with pytest.raises(NotFound):
        await key_accounts.update_key_account(
            uow=uow,
            customer_id=c.id,
            data=KeyAccountUpdate(designated=True),
            actor=person("dealer", dealer_id="D1"),
        )
