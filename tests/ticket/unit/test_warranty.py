"""Warranty at its boundary dates, and the fee: in warranty nothing, covered by an
agreement its fee, otherwise the list fee."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ticket.config import WarrantySettings
from ticket.rules import AgreementTerms, add_months, charge_for, in_warranty, warranty_ends_on


@pytest.mark.parametrize(
    ("purchased", "months", "last_day"),
    [
        (date(2025, 3, 15), 12, date(2026, 3, 14)),
        (
            date(2025, 1, 31),
            1,
            date(2025, 2, 27),
        ),  # 31 Jan + 1 month = 28 Feb, covered through the 27th
        (date(2024, 2, 29), 12, date(2025, 2, 27)),  # leap day: a year later is 28 Feb
        (date(2025, 12, 1), 24, date(2027, 11, 30)),
        (date(2025, 6, 10), 0, date(2025, 6, 9)),  # no warranty at all
    ],
)
def test_warranty_ends_the_day_before_the_anniversary(
    purchased: date, months: int, last_day: date
) -> None:
    assert warranty_ends_on(purchased, months) == last_day


def test_in_warranty_on_the_last_day_and_out_the_next() -> None:
    ends = warranty_ends_on(date(2025, 3, 15), 12)
    assert in_warranty(ends, date(2026, 3, 14)) is True
    assert in_warranty(ends, date(2026, 3, 15)) is False
    assert in_warranty(ends, date(2025, 3, 15)) is True
    assert in_warranty(None, date(2025, 3, 15)) is False


def test_add_months_crosses_years() -> None:
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)


def test_period_per_product_line_is_configurable() -> None:
    settings = WarrantySettings(default_months=12, months_by_product_line={"compressor": 36})
    assert settings.months_for("compressor") == 36
    assert settings.months_for("washer") == 12
    assert settings.months_for(None) == 12


def test_fee_in_warranty_under_agreement_and_out_of_both() -> None:
    settings = WarrantySettings()
    day = date(2026, 3, 15)
    free = charge_for(
        ticket_type="repair",
        warranty_ends_on=date(2026, 3, 15),
        service_day=day,
        agreement=None,
        settings=settings,
    )
    assert (free.in_warranty, free.fee) == (True, Decimal("0.00"))
    paid = charge_for(
        ticket_type="repair",
        warranty_ends_on=date(2026, 3, 14),
        service_day=day,
        agreement=None,
        settings=settings,
    )
    assert (paid.in_warranty, paid.fee) == (False, Decimal("200.00"))
    terms = AgreementTerms("a1", ("repair", "maintenance"), "priority", Decimal("30.00"))
    covered = charge_for(
        ticket_type="repair",
        warranty_ends_on=None,
        service_day=day,
        agreement=terms,
        settings=settings,
    )
    assert (covered.fee, covered.agreement_id, covered.response_factor) == (
        Decimal("30.00"),
        "a1",
        0.5,
    )
    not_covered = charge_for(
        ticket_type="installation",
        warranty_ends_on=None,
        service_day=day,
        agreement=terms,
        settings=settings,
    )
    assert not_covered.fee == Decimal("150.00") and not_covered.response_factor == 0.5
