"""Every service's migrations build exactly the schema its models describe."""

from __future__ import annotations

import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from tests.support import SERVICES, DatabaseFactory

pytestmark = pytest.mark.integration

METADATA_MODULES = {
    "customer": "customer.tables",
    "complaint": "complaint.models",
    "ticket": "ticket.tables",
    "survey": "survey.models",
}


@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_match_models(dbs: DatabaseFactory, service: str) -> None:
    metadata = importlib.import_module(METADATA_MODULES[service]).Base.metadata
    engine = create_async_engine(dbs.url(service))
    try:
        async with engine.connect() as conn:

            def diff(sync_conn):  # type: ignore[no-untyped-def]
                ctx = MigrationContext.configure(sync_conn, opts={"compare_type": True})
                return compare_metadata(ctx, metadata)

            differences = await conn.run_sync(diff)
    finally:
        await engine.dispose()
    assert differences == [], f"{service}: models and migrations differ: {differences}"
