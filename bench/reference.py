"""The floor: a bare FastAPI app that validates a small body with pydantic and inserts one
row with SQLAlchemy async + asyncpg (no auth, no middleware, no outbox), and lists a keyset
page. ``bench/requestpath.py`` serves it with uvicorn and the same worker count as Kefu.

    BENCH_REF_DATABASE_URL=postgresql+asyncpg://... uvicorn bench.reference:app --workers 2
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from fastapi import FastAPI
from pydantic import BaseModel, Field
from sqlalchemy import BigInteger, DateTime, String, insert, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

TABLE_SQL = """
CREATE TABLE IF NOT EXISTS bench_rows (
    id BIGSERIAL PRIMARY KEY,
    name VARCHAR(200) NOT NULL,
    email VARCHAR(200),
    created_at TIMESTAMPTZ NOT NULL
)"""


class Base(DeclarativeBase):
    pass


class Row(Base):
    __tablename__ = "bench_rows"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RowIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(None, max_length=200)


class RowOut(RowIn):
    id: int
    created_at: datetime


engine = create_async_engine(
    os.environ.get("BENCH_REF_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1/kefu_bench"),
    pool_size=10,
    max_overflow=10,
)
sessions = async_sessionmaker(engine, expire_on_commit=False)
app = FastAPI()


@app.post("/rows", status_code=201)
async def create(body: RowIn) -> RowOut:
    now = datetime.now(UTC)
    async with sessions() as s:
        row_id = (
            await s.execute(
                insert(Row)
                .values(name=body.name, email=body.email, created_at=now)
                .returning(Row.id)
            )
        ).scalar_one()
        await s.commit()
    return RowOut(id=row_id, name=body.name, email=body.email, created_at=now)


@app.get("/rows")
async def list_rows(limit: int = 25) -> dict[str, object]:
    async with sessions() as s:
        rows = (await s.execute(select(Row).order_by(Row.id.desc()).limit(limit))).scalars()
        items = [RowOut.model_validate(r, from_attributes=True) for r in rows]
    return {"items": items, "limit": limit}


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}
