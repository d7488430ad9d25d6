"""The bounded input types (kefu_shared.bounds) refuse what would grow a row without limit
or overflow date arithmetic, and name the field; and unhandled errors are logged as a
plain traceback without local variables (kefu_shared.logging, console mode)."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

import pytest
import structlog
from pydantic import BaseModel, ValidationError

from kefu_shared.bounds import (
    MAX_DATE,
    MIN_DATE,
    BoundedDate,
    BoundedDateTime,
    json_object,
    text,
)
from kefu_shared.logging import configure_logging, get_logger


class Form(BaseModel):
    day: BoundedDate | None = None
    at: BoundedDateTime | None = None
    name: text(10) | None = None  # type: ignore[valid-type]
    prefs: json_object(max_bytes=200, max_depth=3, max_keys=5) | None = None  # type: ignore[valid-type]


def _error_field(**data: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        Form(**data)
    return str(caught.value.errors()[0]["loc"][0])


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"day": "0001-01-01"}, "day"),
        ({"day": "9999-12-31"}, "day"),
        ({"at": "0001-01-01T00:00:00+08:00"}, "at"),
        ({"at": "9999-12-31T23:59:59Z"}, "at"),
        ({"name": "x" * 11}, "name"),
        ({"prefs": {"blob": "x" * 300}}, "prefs"),
        ({"prefs": {"a": {"b": {"c": {"d": 1}}}}}, "prefs"),
        ({"prefs": {f"k{i}": i for i in range(6)}}, "prefs"),
        ({"prefs": {"a": {"b": 1, "c": 2, "d": 3}, "e": 4, "f": 5}}, "prefs"),
        ({"prefs": {"list": list(range(6))}}, "prefs"),
    ],
)
def test_out_of_bounds_is_refused_naming_the_field(data: dict[str, Any], field: str) -> None:
    assert _error_field(**data) == field


def test_values_within_bounds_pass_unchanged() -> None:
    form = Form(
        day=MIN_DATE,
        at=datetime(2199, 12, 31, 12),
        name="  ten chars ",
        prefs={"a": {"b": [1, 2]}, "c": "é"},
    )
    assert form.day == date(1900, 1, 1)
    assert date(2199, 12, 31) == MAX_DATE
    assert form.name == "ten chars"
    assert form.prefs == {"a": {"b": [1, 2]}, "c": "é"}


def test_console_logging_prints_a_plain_traceback_without_locals(
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, structlog.get_config())
    configure_logging(service="test", json=False)
    secret_local = "s3cr3t-local-value"  # noqa: F841 - what a locals dump would print
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        get_logger("test.bounds").exception("request.failed")
        logging.getLogger("uvicorn.error").exception("stdlib failure")
    finally:
        out = capsys.readouterr().out
        root.handlers[:], level, config = saved
        root.setLevel(level)
        structlog.configure(**config)
    assert "RuntimeError: boom" in out and "Traceback (most recent call last)" in out
    assert "s3cr3t-local-value" not in out
    assert len(out.splitlines()) < 40
