"""Property-based API testing (schemathesis) against the OpenAPI document of every
service and of the gateway, with an admin and with a dealer token: no server error and
no response that violates its documented schema. Bounded (fixed seed, few examples per
operation) so it runs in every ``make test``, on SQLite and on PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kefu_shared.auth import issue_token
from kefu_shared.devbroker import DevBroker
from kefu_shared.settings import ServiceSettings
from tests.served import ServedStack
from tests.support import SERVICES, DatabaseFactory

pytestmark = pytest.mark.e2e

SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")
TARGETS = (*SERVICES, "gateway")
TOKENS = {"admin": {"roles": ["admin"]}, "dealer": {"roles": ["dealer"], "dealer_id": "D-ST"}}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedStack]:
    workdir = Path(tmp_path_factory.mktemp("schemathesis"))
    dbs = DatabaseFactory(workdir)
    broker = DevBroker(log_path=workdir / "broker.log").start()
    try:
        with ServedStack(dbs, broker.bootstrap) as stack:
            yield stack
    finally:
        broker.stop()
        dbs.cleanup()


@pytest.mark.parametrize("who", sorted(TOKENS))
@pytest.mark.parametrize("target", TARGETS)
def test_no_server_error_and_no_schema_violation(
    served: ServedStack, target: str, who: str, tmp_path: Path
) -> None:
    claims = TOKENS[who]
    token = issue_token(
        ServiceSettings(env="development"),
        subject=f"schemathesis-{who}",
        roles=claims["roles"],  # type: ignore[arg-type]
        dealer_id=claims.get("dealer_id"),  # type: ignore[arg-type]
    )
    result = subprocess.run(
        [
            SCHEMATHESIS,
            "run",
            f"{served.url(target)}/openapi.json",
            "--checks",
            "not_a_server_error,response_schema_conformance",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            "5",
            "--seed",
            "7",
            "--request-timeout",
            "20",
            "--header",
            f"Authorization: Bearer {token}",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-8000:]
    assert "generated" in report, report[-4000:]  # it did send requests
