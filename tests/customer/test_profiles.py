"""Customer profiles: registration, reading, validation."""

from __future__ import annotations

from customer.domain import uscc_check_char, validate_credit_code
from tests.customer.conftest import CustomerHarness


def test_credit_code_check_digit() -> None:
    assert validate_credit_code("91330100MA27XL0E2G") == "91330100MA27XL0E2G"
    assert uscc_check_char("91350100M000100Y4") == "3"
    for bad in ("91330100MA27XL0E2J", "9133", "91330100MA27XL0E2I"):
        try:
            validate_credit_code(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad} accepted")


async def test_register_assigns_increasing_numbers_and_emits_event(
    customer_svc: CustomerHarness,
) -> None:
    a = await customer_svc.create_customer(name="A")
    b = await customer_svc.create_customer(name="B")
    assert a["number"] < b["number"]
    events = await customer_svc.events("customer.registered")
    assert [e.subject for e in events] == [a["id"], b["id"]]
