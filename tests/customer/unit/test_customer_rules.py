"""Pure rules of customer profiles: the unified social credit code, region classes."""

from __future__ import annotations

from customer.domain import uscc_check_char, validate_credit_code


def test_credit_code_check_digit() -> None:
    assert validate_credit_code("91330100MA27XL0E2G") == "91330100MA27XL0E2G"
    assert uscc_check_char("91350100M000100Y4") == "3"
    for bad in ("91330100MA27XL0E2J", "9133", "91330100MA27XL0E2I"):
        try:
            validate_credit_code(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad} accepted")
