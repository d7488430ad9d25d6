"""Alembic helpers: every service's ``migrations/env.py`` calls :func:`run_env`, and the
dev stack and tests call :func:`upgrade`. The platform tables' first version is frozen in
:func:`create_platform_tables_v1` so later changes get migrations of their own."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from kefu_shared.db import UTCDateTime


def run_env(target_metadata: MetaData, default_url: Callable[[], str]) -> None:
    """Body of a service's migrations/env.py (online and offline modes, async engines)."""
    from alembic import context

    config = context.config
    url = config.get_main_option("sqlalchemy.url") or default_url()

    def configure(**kw: Any) -> None:
        context.configure(
            target_metadata=target_metadata,
            render_as_batch=url.startswith("sqlite"),
            compare_type=True,
            **kw,
        )

    if context.is_offline_mode():
        configure(url=url, literal_binds=True, dialect_opts={"paramstyle": "named"})
        with context.begin_transaction():
            context.run_migrations()
        return

    def do_run(connection: Connection) -> None:
        configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()

    async def run_async() -> None:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                await conn.run_sync(do_run)
                await conn.commit()
        finally:
            await engine.dispose()

    connection = config.attributes.get("connection")
    if connection is not None:
        do_run(connection)
    else:
        asyncio.run(run_async())


def upgrade(service_dir: Path | str, url: str, revision: str = "head") -> None:
    """Apply a service's migrations to ``url`` (blocking; call via a thread from async code)."""
    from alembic import command
    from alembic.config import Config

    service_dir = Path(service_dir)
    if url.startswith("sqlite"):
        _, _, path = url.partition(":///")
        if path and path != ":memory:":
            Path(path).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
    cfg = Config(str(service_dir / "alembic.ini"))
    cfg.set_main_option("script_location", str(service_dir / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url)
    command.upgrade(cfg, revision)


def create_platform_tables_v1() -> None:
    """Create outbox, inbox and idempotency_keys (first version), inside a migration."""
    from alembic import op

    op.create_table(
        "outbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("event_id", name="uq_outbox_event_id"),
    )
    op.create_index(
        "ix_outbox_unpublished",
        "outbox",
        ["id"],
        postgresql_where=sa.text("published_at IS NULL"),
        sqlite_where=sa.text("published_at IS NULL"),
    )
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(100), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("processed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name="pk_inbox"),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.String(200), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("headers", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", name="pk_idempotency_keys"),
    )
    op.create_table(
        "number_sequences",
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_number_sequences"),
    )


def drop_platform_tables_v1() -> None:
    from alembic import op

    op.drop_index("ix_outbox_unpublished", table_name="outbox")
    for table in ("number_sequences", "idempotency_keys", "inbox", "outbox"):
        op.drop_table(table)


def create_number_sequence(counter: str) -> None:
    """Create the PostgreSQL sequence of ``counter`` (see :mod:`kefu_shared.numbering`),
    inside a migration; it continues after the row counter's last value. SQLite keeps the
    row counter, so this does nothing there."""
    from alembic import op

    from kefu_shared.numbering import sequence_name

    if op.get_bind().dialect.name != "postgresql":
        return
    seq = sequence_name(counter)
    op.execute(f"CREATE SEQUENCE IF NOT EXISTS {seq} AS BIGINT MINVALUE 1")
    op.execute(
        sa.text(
            f"SELECT setval('{seq}', COALESCE((SELECT value FROM number_sequences"
            " WHERE name = :name), 0) + 1, false)"
        ).bindparams(name=counter)
    )


def drop_number_sequence(counter: str) -> None:
    """Undo :func:`create_number_sequence`, carrying the last value back to the row."""
    from alembic import op

    from kefu_shared.numbering import sequence_name

    if op.get_bind().dialect.name != "postgresql":
        return
    seq = sequence_name(counter)
    op.execute(
        sa.text(
            "INSERT INTO number_sequences (name, value) "
            f"SELECT :name, last_value - CASE WHEN is_called THEN 0 ELSE 1 END FROM {seq} "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value"
        ).bindparams(name=counter)
    )
    op.execute(f"DROP SEQUENCE IF EXISTS {seq}")


def _big_id() -> sa.Column[int]:
    return sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    )


def create_audit_table_v1() -> None:
    """Create ``audit_records`` (first version of :func:`kefu_shared.db.audit_table`)."""
    from alembic import op

    op.create_table(
        "audit_records",
        _big_id(),
        sa.Column("aggregate_type", sa.String(50), nullable=False),
        sa.Column("aggregate_id", sa.String(64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("related_ids", sa.JSON(), nullable=False),
        sa.Column("correlation_id", sa.String(128), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_records"),
    )
    op.create_index(
        "ix_audit_records_aggregate", "audit_records", ["aggregate_type", "aggregate_id", "id"]
    )


def drop_audit_table_v1() -> None:
    from alembic import op

    op.drop_index("ix_audit_records_aggregate", table_name="audit_records")
    op.drop_table("audit_records")


def create_jobs_table_v1() -> None:
    """Create ``jobs`` (first version of :func:`kefu_shared.db.jobs_table`)."""
    from alembic import op

    op.create_table(
        "jobs",
        _big_id(),
        sa.Column("kind", sa.String(100), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", UTCDateTime(), nullable=False),
        sa.Column("lease_expires_at", UTCDateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(200), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_jobs"),
    )
    op.create_index("ix_jobs_status_run_after", "jobs", ["status", "run_after"])
    op.create_index("ix_jobs_kind_id", "jobs", ["kind", "id"])


def drop_jobs_table_v1() -> None:
    from alembic import op

    op.drop_index("ix_jobs_kind_id", table_name="jobs")
    op.drop_index("ix_jobs_status_run_after", table_name="jobs")
    op.drop_table("jobs")


def add_outbox_traceparent_v2() -> None:
    """Add ``outbox.traceparent`` (the trace of the request that wrote the event)."""
    from alembic import op

    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("traceparent", sa.String(55), nullable=True))


def drop_outbox_traceparent_v2() -> None:
    from alembic import op

    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("traceparent")
