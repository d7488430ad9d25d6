"""Database plumbing: async engines for SQLite and PostgreSQL, naming conventions,
portable column types and the platform tables every service owns (outbox, inbox,
idempotency keys, number sequences; audit records and jobs where used)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    event,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT autoincrement is not a rowid alias on SQLite; INTEGER PRIMARY KEY is.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


def violates_unique(exc: IntegrityError, column: str) -> bool:
    """Whether ``exc`` is a unique violation on ``column``: what a use case turns into a 409
    when a concurrent request inserted the same value between its check and its insert.
    PostgreSQL names the key (``Key (column)=``) and the index; SQLite ``table.column``."""
    text = str(exc.orig)
    return "unique" in text.lower() and column in text


def new_uuid() -> str:
    return str(uuid.uuid4())


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both dialects (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def make_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


class ServiceBase(DeclarativeBase):
    """Subclass once per service (``class Base(ServiceBase): metadata = make_metadata()``)."""

    __abstract__ = True
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[str]: JSON()}


def outbox_table(metadata: MetaData) -> Table:
    """Events waiting for the relay; written in the transaction of the state change."""
    table = Table(
        "outbox",
        metadata,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("topic", String(200), nullable=False),
        Column("key", String(200), nullable=False),
        Column("type", String(200), nullable=False),
        Column("payload", Text, nullable=False),
        Column("created_at", UTCDateTime(), nullable=False, default=utcnow),
        Column("published_at", UTCDateTime(), nullable=True),
        Column("attempts", Integer, nullable=False, default=0),
        Column("last_error", Text, nullable=True),
        # W3C trace context of the request that wrote the event (kefu_shared.tracing).
        Column("traceparent", String(55), nullable=True),
    )
    # The relay's sweep reads only unpublished rows: keep that index small.
    Index(
        "ix_outbox_unpublished",
        table.c.id,
        postgresql_where=table.c.published_at.is_(None),
        sqlite_where=table.c.published_at.is_(None),
    )
    return table


def inbox_table(metadata: MetaData) -> Table:
    """Events a consumer has applied; written in the transaction of the effect."""
    return Table(
        "inbox",
        metadata,
        Column("consumer", String(100), primary_key=True),
        Column("event_id", String(64), primary_key=True),
        Column("type", String(200), nullable=False),
        Column("processed_at", UTCDateTime(), nullable=False, default=utcnow),
    )


def idempotency_table(metadata: MetaData) -> Table:
    """Responses of POST requests sent with an Idempotency-Key, replayed on retry."""
    return Table(
        "idempotency_keys",
        metadata,
        Column("scope", String(200), primary_key=True),
        Column("key", String(200), primary_key=True),
        Column("fingerprint", String(64), nullable=False),
        Column("status_code", Integer, nullable=True),
        Column("headers", Text, nullable=True),
        Column("body", Text, nullable=True),
        Column("created_at", UTCDateTime(), nullable=False, default=utcnow),
    )


def sequences_table(metadata: MetaData) -> Table:
    """Counters behind human-readable numbers (customer, complaint, ticket numbers)."""
    return Table(
        "number_sequences",
        metadata,
        Column("name", String(50), primary_key=True),
        Column("value", BigInteger, nullable=False, default=0),
    )


def audit_table(metadata: MetaData) -> Table:
    """Who did what, when and why to an aggregate, and which fields changed
    (:mod:`kefu_shared.audit`; a service opts in with ``PlatformTables(..., audit=True)``)."""
    table = Table(
        "audit_records",
        metadata,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column("aggregate_type", String(50), nullable=False),
        Column("aggregate_id", String(64), nullable=False),
        Column("at", UTCDateTime(), nullable=False),
        Column("actor", String(100), nullable=False),
        Column("action", String(50), nullable=False),
        Column("reason", String(500), nullable=True),
        # Names of the changed fields always; their values only where the caller keeps
        # them (never personal data, which erasure must be able to remove).
        Column("fields", JSON, nullable=False),
        Column("changes", JSON, nullable=False),
        Column("related_ids", JSON, nullable=False),
        Column("correlation_id", String(128), nullable=True),
    )
    Index("ix_audit_records_aggregate", table.c.aggregate_type, table.c.aggregate_id, table.c.id)
    return table


def jobs_table(metadata: MetaData) -> Table:
    """Durable background jobs (:mod:`kefu_shared.jobs`; a service opts in with
    ``PlatformTables(..., jobs=True)``)."""
    table = Table(
        "jobs",
        metadata,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column("kind", String(100), nullable=False),
        Column("payload", JSON, nullable=False),
        Column("status", String(20), nullable=False),
        Column("attempts", Integer, nullable=False),
        Column("max_attempts", Integer, nullable=False),
        Column("run_after", UTCDateTime(), nullable=False),
        Column("lease_expires_at", UTCDateTime(), nullable=True),
        Column("claimed_by", String(200), nullable=True),
        Column("last_error", Text, nullable=True),
        Column("result", JSON, nullable=True),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("updated_at", UTCDateTime(), nullable=False),
        Column("finished_at", UTCDateTime(), nullable=True),
    )
    # The claim query reads queued jobs by due time and running ones by lease.
    Index("ix_jobs_status_run_after", table.c.status, table.c.run_after)
    Index("ix_jobs_kind_id", table.c.kind, table.c.id)
    return table


class PlatformTables:
    """The platform tables of one service's metadata; the audit records and the job table
    are there for the services that use them (each needs its migration)."""

    def __init__(self, metadata: MetaData, *, audit: bool = False, jobs: bool = False) -> None:
        self.outbox = outbox_table(metadata)
        self.inbox = inbox_table(metadata)
        self.idempotency = idempotency_table(metadata)
        self.sequences = sequences_table(metadata)
        self.audit = audit_table(metadata) if audit else None
        self.jobs = jobs_table(metadata) if jobs else None


def create_engine(url: str, *, echo: bool = False, pool_size: int = 10) -> AsyncEngine:
    """An async engine; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        engine = create_async_engine(
            url, echo=echo, connect_args={"timeout": 30}, json_serializer=_json_dumps
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    # No pool_pre_ping: on asyncpg it costs BEGIN, a ping and ROLLBACK -- three round trips
    # and a transaction -- before every unit of work. A connection the server dropped fails
    # one request instead; SQLAlchemy then invalidates the whole pool, and pool_recycle
    # retires connections before server or proxy idle timeouts do.
    return create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
        json_serializer=_json_dumps,
    )


def _json_dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)
