"""Local copies of customers kept by the services that need them (ticket, complaint,
survey), fed by ``customer.*`` events. Services never read the customer database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import Boolean, Column, MetaData, String, Table, insert, select, update

from kefu_shared.auth import CurrentPrincipal
from kefu_shared.consumer import Handler
from kefu_shared.contracts.customer import (
    CustomerArchived,
    CustomerClassified,
    CustomerCreditChanged,
    CustomerErased,
    CustomerKeyAccountChanged,
    CustomerMerged,
    CustomerSnapshot,
)
from kefu_shared.db import UTCDateTime, utcnow
from kefu_shared.errors import NotFound
from kefu_shared.events import CloudEvent
from kefu_shared.service import UowDep
from kefu_shared.uow import UnitOfWork

SNAPSHOT_FIELDS = (
    "number",
    "kind",
    "name",
    "dealer_id",
    "region_class",
    "area_class",
    "tier",
    "key_account",
    "status",
    "phone",
    "email",
    "province",
    "city",
    "district",
    "industry",
)


def customer_copy_table(metadata: MetaData) -> Table:
    return Table(
        "customer_copies",
        metadata,
        Column("id", String(36), primary_key=True),
        Column("number", String(32), nullable=False),
        Column("kind", String(16), nullable=False),
        Column("name", String(200), nullable=False),
        Column("dealer_id", String(64), nullable=True, index=True),
        Column("region_class", String(20), nullable=True),
        Column("area_class", String(20), nullable=True),
        Column("tier", String(16), nullable=True),
        Column("key_account", Boolean, nullable=False, default=False),
        Column("status", String(16), nullable=False, default="active"),
        Column("phone", String(40), nullable=True),
        Column("email", String(200), nullable=True),
        Column("province", String(50), nullable=True),
        Column("city", String(50), nullable=True),
        Column("district", String(50), nullable=True),
        Column("industry", String(40), nullable=True),
        Column("credit_rating", String(4), nullable=True),
        Column("on_credit_hold", Boolean, nullable=False, default=False),
        Column("merged_into", String(36), nullable=True),
        Column("updated_at", UTCDateTime(), nullable=False, default=utcnow),
    )


def create_customer_copy_table_v1() -> None:
    """Migration helper: the first version of ``customer_copies``."""
    import sqlalchemy as sa
    from alembic import op

    op.create_table(
        "customer_copies",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("dealer_id", sa.String(64), nullable=True),
        sa.Column("region_class", sa.String(20), nullable=True),
        sa.Column("area_class", sa.String(20), nullable=True),
        sa.Column("tier", sa.String(16), nullable=True),
        sa.Column("key_account", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("phone", sa.String(40), nullable=True),
        sa.Column("email", sa.String(200), nullable=True),
        sa.Column("province", sa.String(50), nullable=True),
        sa.Column("city", sa.String(50), nullable=True),
        sa.Column("district", sa.String(50), nullable=True),
        sa.Column("industry", sa.String(40), nullable=True),
        sa.Column("credit_rating", sa.String(4), nullable=True),
        sa.Column("on_credit_hold", sa.Boolean(), nullable=False),
        sa.Column("merged_into", sa.String(36), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_customer_copies"),
    )
    op.create_index("ix_customer_copies_dealer_id", "customer_copies", ["dealer_id"])


def customer_copy_handlers(table: Table) -> dict[str, Handler]:
    """Handlers that keep ``table`` in step with the customer service."""

    async def _update(uow: UnitOfWork, customer_id: str, values: dict[str, Any]) -> None:
        await uow.session.execute(
            update(table).where(table.c.id == customer_id).values(**values, updated_at=utcnow())
        )

    async def on_snapshot(uow: UnitOfWork, event: CloudEvent, data: CustomerSnapshot) -> None:
        values: dict[str, Any] = {f: getattr(data, f) for f in SNAPSHOT_FIELDS}
        if data.on_credit_hold is not None:
            values["on_credit_hold"] = data.on_credit_hold
        exists = (
            await uow.session.execute(select(table.c.id).where(table.c.id == data.id))
        ).first()
        if exists:
            await _update(uow, data.id, values)
        else:
            values.setdefault("on_credit_hold", False)
            await uow.session.execute(
                insert(table).values(id=data.id, updated_at=utcnow(), **values)
            )

    async def on_classified(uow: UnitOfWork, event: CloudEvent, data: CustomerClassified) -> None:
        await _update(uow, data.id, {"tier": data.tier, "key_account": data.key_account})

    async def on_credit(uow: UnitOfWork, event: CloudEvent, data: CustomerCreditChanged) -> None:
        await _update(uow, data.id, {"credit_rating": data.rating, "on_credit_hold": data.on_hold})

    async def on_key_account(
        uow: UnitOfWork, event: CloudEvent, data: CustomerKeyAccountChanged
    ) -> None:
        await _update(uow, data.id, {"key_account": data.key_account})

    async def on_archived(uow: UnitOfWork, event: CloudEvent, data: CustomerArchived) -> None:
        await _update(uow, data.id, {"status": "archived"})

    async def on_merged(uow: UnitOfWork, event: CloudEvent, data: CustomerMerged) -> None:
        await uow.session.execute(
            update(table)
            .where(table.c.id.in_(data.merged_ids))
            .values(status="merged", merged_into=data.surviving_id, updated_at=utcnow())
        )

    async def on_erased(uow: UnitOfWork, event: CloudEvent, data: CustomerErased) -> None:
        await _update(
            uow, data.id, {"name": "(erased)", "phone": None, "email": None, "status": "erased"}
        )

    return {
        "customer.registered": on_snapshot,
        "customer.updated": on_snapshot,
        "customer.classified": on_classified,
        "customer.credit_changed": on_credit,
        "customer.key_account_changed": on_key_account,
        "customer.archived": on_archived,
        "customer.merged": on_merged,
        "customer.erased": on_erased,
    }


class CustomerCopyRead(BaseModel):
    """A service's local copy of a customer, as the customer service's events left it."""

    id: str
    number: str
    kind: str
    name: str
    dealer_id: str | None = None
    region_class: str | None = None
    area_class: str | None = None
    tier: str | None = None
    key_account: bool = False
    status: str
    phone: str | None = None
    email: str | None = None
    province: str | None = None
    city: str | None = None
    district: str | None = None
    industry: str | None = None
    credit_rating: str | None = None
    on_credit_hold: bool = False
    merged_into: str | None = None
    updated_at: datetime


def customer_copy_router(table: Table, *, prefix: str = "/api/v1") -> APIRouter:
    """Read access to the local copy (operators check replication with it)."""
    router = APIRouter(prefix=prefix, tags=["customer copies"])

    @router.get("/customer-copies/{customer_id}", summary="This service's copy of a customer")
    async def read_copy(
        customer_id: str, uow: UowDep, principal: CurrentPrincipal
    ) -> CustomerCopyRead:
        async with uow:
            row = (
                (await uow.session.execute(select(table).where(table.c.id == customer_id)))
                .mappings()
                .first()
            )
        if row is None or not principal.can_see_dealer(row["dealer_id"]):
            raise NotFound(f"customer {customer_id} not found")
        return CustomerCopyRead.model_validate(dict(row))

    return router
