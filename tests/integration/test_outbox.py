"""The state change and its outbox row commit or roll back together."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from customer import service
from customer.models import Customer, platform
from customer.schemas import CustomerCreate
from kefu_shared.auth import Principal
from kefu_shared.contracts.customer import CustomerUpdated
from kefu_shared.events import CloudEvent
from tests.support import Stack, running_stack

pytestmark = pytest.mark.integration
AGENT = Principal(user_id="agent-1", roles=frozenset({"agent"}))


async def _counts(stack: Stack) -> tuple[int, int]:
    rt = stack.runtime("customer")
    async with rt.uow() as uow:
        customers = (
            await uow.session.execute(select(func.count()).select_from(Customer))
        ).scalar_one()
        events = (
            await uow.session.execute(select(func.count()).select_from(platform.outbox))
        ).scalar_one()
    return customers, events


@pytest.fixture
async def customer_only(dbs, broker):  # type: ignore[no-untyped-def]
    # Relay off: the rows must stay in the outbox for the test to see them.
    async with running_stack(
        dbs, broker.bootstrap, ("customer",), gateway=False, customer={"relay_enabled": False}
    ) as s:
        yield s


async def test_committed_customer_has_its_outbox_row(customer_only: Stack) -> None:
    rt = customer_only.runtime("customer")
    created = await service.register_customer(
        uow=rt.uow(),
        data=CustomerCreate(kind="individual", name="Wang Fang"),
        actor=AGENT,
        settings=customer_only.settings["customer"],
    )
    async with rt.uow() as uow:
        row = (
            await uow.session.execute(
                select(platform.outbox).where(platform.outbox.c.key == created.id)
            )
        ).one()
    event = CloudEvent.model_validate_json(row.payload)
    assert row.type == "customer.registered"
    assert row.topic == "customer.events.v1"
    assert row.published_at is None
    assert event.subject == created.id
    assert await _counts(customer_only) == (1, 1)


async def test_error_before_commit_writes_neither_state_nor_event(customer_only: Stack) -> None:
    rt = customer_only.runtime("customer")
    with pytest.raises(RuntimeError):
        async with rt.uow() as uow:
            customer = Customer(kind="individual", name="Li Lei", number="C99999999")
            uow.session.add(customer)
            customer.registered()
            await uow.session.flush()
            raise RuntimeError("crash between the change and the commit")
    assert await _counts(customer_only) == (0, 0)


async def test_failed_outbox_write_rolls_back_the_state_change(
    customer_only: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    rt = customer_only.runtime("customer")
    created = await service.register_customer(
        uow=rt.uow(),
        data=CustomerCreate(kind="individual", name="Zhao Min"),
        actor=AGENT,
        settings=customer_only.settings["customer"],
    )
    async with rt.uow() as uow:
        first_event_id = (
            await uow.session.execute(select(platform.outbox.c.event_id))
        ).scalar_one()

    # Make the next outbox insert collide with the existing row's unique event id.
    import kefu_shared.uow as uow_module

    real_make_event = uow_module.make_event

    def colliding(*args, **kwargs):  # type: ignore[no-untyped-def]
        return real_make_event(*args, **kwargs).model_copy(update={"id": first_event_id})

    monkeypatch.setattr(uow_module, "make_event", colliding)
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        async with rt.uow() as uow:
            customer = await uow.session.get(Customer, created.id)
            assert customer is not None
            customer.name = "Zhao Min (renamed)"
            customer.changed(["name"])
            await uow.commit()

    async with rt.uow() as uow:
        customer = await uow.session.get(Customer, created.id)
        assert customer is not None
        assert customer.name == "Zhao Min"
        assert customer.version == 1
    assert await _counts(customer_only) == (1, 1)


async def test_events_of_one_transaction_keep_their_recorded_order(customer_only: Stack) -> None:
    rt = customer_only.runtime("customer")
    created = await service.register_customer(
        uow=rt.uow(),
        data=CustomerCreate(kind="individual", name="Sun Li"),
        actor=AGENT,
        settings=customer_only.settings["customer"],
    )
    async with rt.uow() as uow:
        customer = await uow.session.get(Customer, created.id)
        assert customer is not None
        for i in range(3):
            customer.name = f"Sun Li {i}"
            customer.changed(["name"])
        await uow.commit()
    async with rt.uow() as uow:
        rows = (
            (
                await uow.session.execute(
                    select(platform.outbox.c.payload).order_by(platform.outbox.c.id)
                )
            )
            .scalars()
            .all()
        )
    names = [CloudEvent.model_validate_json(p).data["name"] for p in rows]
    assert names == ["Sun Li", "Sun Li 0", "Sun Li 1", "Sun Li 2"]
    assert CustomerUpdated.event_type == "customer.updated"
