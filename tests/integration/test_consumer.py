"""Consumers apply each event once, and a poison event cannot block a partition."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiokafka import AIOKafkaProducer

from kefu_shared.consumer import ConsumerRunner
from kefu_shared.contracts.customer import CustomerRegistered
from kefu_shared.devbroker import DevBroker
from kefu_shared.events import CloudEvent, make_event
from kefu_shared.numbering import current_value, next_value
from kefu_shared.uow import UnitOfWork
from tests.support import Stack, eventually, read_topic, running_stack

pytestmark = pytest.mark.integration
TOPIC = "customer.events.v1"


def registered(customer_id: str, name: str) -> CloudEvent:
    return make_event(
        CustomerRegistered(id=customer_id, number="C00000001", kind="individual", name=name),
        source="/services/customer",
        subject=customer_id,
    )


async def _produce(bootstrap: str, items: list[tuple[str, bytes, str | None]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for key, value, ce_type in items:
            headers = [("ce_type", ce_type.encode())] if ce_type else []
            await producer.send_and_wait(TOPIC, value=value, key=key.encode(), headers=headers)
    finally:
        await producer.stop()


@pytest.fixture
async def ticket_only(dbs, broker):  # type: ignore[no-untyped-def]
    # The ticket service's own consumer is off: each test runs its own runner on its DB.
    async with running_stack(
        dbs, broker.bootstrap, ("ticket",), gateway=False, ticket={"consumers_enabled": False}
    ) as s:
        yield s


def counting_runner(stack: Stack, name: str, *, fail_on: str | None = None) -> ConsumerRunner:
    """A runner whose effect is NOT idempotent by itself: it bumps a counter per event."""
    rt = stack.runtime("ticket")

    async def count(uow: UnitOfWork, event: CloudEvent, data: CustomerRegistered) -> None:
        if fail_on is not None and data.name == fail_on:
            raise RuntimeError("handler cannot process this customer")
        await next_value(uow.session, rt.tables.sequences, f"applied:{data.id}")

    return ConsumerRunner(
        name=name,
        settings=stack.settings["ticket"],
        uow_factory=rt.uow,
        inbox=rt.tables.inbox,
        handlers={"customer.registered": count},
    )


async def _applied(stack: Stack, customer_id: str) -> int:
    rt = stack.runtime("ticket")
    async with rt.uow() as uow:
        return await current_value(uow.session, rt.tables.sequences, f"applied:{customer_id}")


async def test_same_event_delivered_twice_is_applied_once(
    ticket_only: Stack, broker: DevBroker
) -> None:
    runner = counting_runner(ticket_only, "dup-test")
    event = registered("cust-dup", "Twice Delivered")
    task = asyncio.create_task(runner.run())
    try:
        await _produce(
            broker.bootstrap,
            [
                ("cust-dup", event.to_json_bytes(), event.type),
                ("cust-dup", event.to_json_bytes(), event.type),
            ],
        )
        await eventually(
            lambda: asyncio.sleep(0, runner.applied + runner.duplicates == 2), timeout=30
        )
    finally:
        await runner.stop()
        await task
    assert runner.applied == 1
    assert runner.duplicates == 1
    assert await _applied(ticket_only, "cust-dup") == 1


async def test_apply_is_idempotent_without_the_broker(ticket_only: Stack) -> None:
    runner = counting_runner(ticket_only, "direct")
    event = registered("cust-direct", "Direct")
    data = CustomerRegistered.model_validate(event.data)
    assert await runner.apply(event, data) is True
    assert await runner.apply(event, data) is False
    assert await _applied(ticket_only, "cust-direct") == 1


async def test_poison_events_go_to_the_dead_letter_topic_and_do_not_block(
    ticket_only: Stack, broker: DevBroker
) -> None:
    runner = counting_runner(ticket_only, "poison-test", fail_on="boom")
    good1, boom, good2 = (
        registered("k", "first"),
        registered("k", "boom"),
        registered("k", "second"),
    )
    invalid_data = registered("k", "x").model_copy(update={"data": {"id": "k"}})
    task = asyncio.create_task(runner.run())
    try:
        # All on one key, hence one partition: the good events around the poison ones
        # must both be applied.
        await _produce(
            broker.bootstrap,
            [
                ("k", good1.to_json_bytes(), good1.type),
                ("k", boom.to_json_bytes(), boom.type),
                ("k", b"{not json", "customer.registered"),
                ("k", invalid_data.to_json_bytes(), invalid_data.type),
                ("k", json.dumps({"hello": "world"}).encode(), None),
                ("k", good2.to_json_bytes(), good2.type),
            ],
        )
        await eventually(lambda: asyncio.sleep(0, runner.applied == 2), timeout=30)
        await eventually(lambda: asyncio.sleep(0, runner.deadlettered == 4), timeout=30)
    finally:
        await runner.stop()
        await task
    assert await _applied(ticket_only, "k") == 2
    dlq = await read_topic(broker.bootstrap, "poison-test.dlq.v1", min_count=4)
    assert len(dlq) == 4
    errors = [h[2]["dlq_error"].decode() for h in dlq]
    assert any("handler cannot process" in e for e in errors)
    assert any("not a CloudEvent" in e for e in errors)
    assert all(h[2]["dlq_consumer"] == b"poison-test" for h in dlq)
    assert {h[2]["dlq_source_topic"] for h in dlq} == {TOPIC.encode()}
    boom_record = next(r for r in dlq if b"handler cannot" in r[2]["dlq_error"])
    assert boom_record[2]["dlq_attempts"] == b"3"
