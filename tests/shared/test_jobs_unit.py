"""Job retry policy without a database."""

from __future__ import annotations

from kefu_shared.jobs import backoff_s


def test_backoff_doubles_per_attempt_and_is_capped() -> None:
    delays = [backoff_s(a, base_s=5, max_s=60) for a in range(1, 7)]
    assert delays == [5, 10, 20, 40, 60, 60]


def test_zero_base_retries_at_once() -> None:
    assert backoff_s(3, base_s=0, max_s=60) == 0
