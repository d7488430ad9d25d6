from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from kefu_shared.devbroker import DevBroker
from tests.support import DatabaseFactory, Stack, running_stack


@pytest.fixture(scope="session")
def dbs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(Path(tmp_path_factory.mktemp("db")))
    yield factory
    factory.cleanup()


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[DevBroker]:
    """A fresh Tansu broker per test (memory-only, starts in well under a second)."""
    # A free port can be taken by a parallel test's connection before the broker binds it:
    # try a few.
    for attempt in range(3):
        try:
            b = DevBroker(log_path=tmp_path / "broker.log").start()
            break
        except RuntimeError:
            if attempt == 2:
                raise
    yield b
    b.stop()


@pytest.fixture
async def stack(dbs: DatabaseFactory, broker: DevBroker) -> AsyncIterator[Stack]:
    async with running_stack(dbs, broker.bootstrap) as s:
        yield s
