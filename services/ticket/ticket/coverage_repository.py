"""Queries of warranties, service agreements and the response-time standards matrix."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kefu_shared.auth import Principal
from kefu_shared.http.pagination import apply_keyset, page_from_rows
from kefu_shared.visibility import dealer_scope, visible_or_404
from ticket.catalog import ResponseStandard, ServiceAgreement, Warranty

# The matrix has at most 4 × 7 × 7 cells (with "*"); read whole, it stays small.
MAX_CELLS = 1000


class CoverageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, obj: Warranty | ServiceAgreement | ResponseStandard) -> None:
        self.session.add(obj)

    async def delete(self, obj: ResponseStandard) -> None:
        await self.session.delete(obj)

    # --- warranties -------------------------------------------------------------------

    async def warranty_by_serial(self, serial_number: str) -> Warranty | None:
        stmt = select(Warranty).where(Warranty.serial_number == serial_number)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def warranty_visible(self, warranty_id: str, actor: Principal) -> Warranty:
        return visible_or_404(
            await self.session.get(Warranty, warranty_id), actor, what="warranty", ident=warranty_id
        )

    async def warranties_page(
        self,
        *,
        actor: Principal,
        customer_id: str | None,
        serial_number: str | None,
        dealer_id: str | None,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[Warranty], str | None]:
        stmt = select(Warranty)
        scope = dealer_scope(actor, dealer_id)
        if scope is not None:
            stmt = stmt.where(Warranty.dealer_id == scope)
        if customer_id:
            stmt = stmt.where(Warranty.customer_id == customer_id)
        if serial_number:
            stmt = stmt.where(Warranty.serial_number == serial_number)
        stmt = apply_keyset(
            stmt, [Warranty.created_at, Warranty.id], cursor=cursor, limit=limit, sort="w"
        )
        rows = list((await self.session.execute(stmt)).scalars().all())
        return page_from_rows(rows, limit=limit, key=lambda w: [w.created_at, w.id], sort="w")

    # --- agreements ---------------------------------------------------------------------

    async def agreement_visible(self, agreement_id: str, actor: Principal) -> ServiceAgreement:
        return visible_or_404(
            await self.session.get(ServiceAgreement, agreement_id),
            actor,
            what="service agreement",
            ident=agreement_id,
        )

    async def agreement_for(
        self, *, customer_id: str, serial_number: str | None, day: date
    ) -> ServiceAgreement | None:
        """The agreement in force that day: one naming the serial wins over a
        customer-wide one; among equals the latest to start."""
        stmt = select(ServiceAgreement).where(
            ServiceAgreement.customer_id == customer_id,
            ServiceAgreement.starts_on <= day,
            ServiceAgreement.ends_on >= day,
        )
        if serial_number:
            stmt = stmt.where(
                or_(
                    ServiceAgreement.serial_number.is_(None),
                    ServiceAgreement.serial_number == serial_number,
                )
            )
        else:
            stmt = stmt.where(ServiceAgreement.serial_number.is_(None))
        rows = list((await self.session.execute(stmt.limit(50))).scalars().all())
        if not rows:
            return None
        return max(rows, key=lambda a: (a.serial_number is not None, a.starts_on, a.id))

    async def agreements_page(
        self,
        *,
        actor: Principal,
        customer_id: str | None,
        dealer_id: str | None,
        limit: int,
        cursor: str | None,
    ) -> tuple[list[ServiceAgreement], str | None]:
        stmt = select(ServiceAgreement)
        scope = dealer_scope(actor, dealer_id)
        if scope is not None:
            stmt = stmt.where(ServiceAgreement.dealer_id == scope)
        if customer_id:
            stmt = stmt.where(ServiceAgreement.customer_id == customer_id)
        stmt = apply_keyset(
            stmt,
            [ServiceAgreement.created_at, ServiceAgreement.id],
            cursor=cursor,
            limit=limit,
            sort="a",
        )
        rows = list((await self.session.execute(stmt)).scalars().all())
        return page_from_rows(rows, limit=limit, key=lambda a: [a.created_at, a.id], sort="a")

    # --- response standards -------------------------------------------------------------

    async def standards(self) -> list[ResponseStandard]:
        stmt = select(ResponseStandard).order_by(ResponseStandard.id).limit(MAX_CELLS)
        return list((await self.session.execute(stmt)).scalars().all())

    async def standard(self, standard_id: str) -> ResponseStandard | None:
        return await self.session.get(ResponseStandard, standard_id)

    async def standard_cell(
        self, region_class: str, ticket_type: str, tier: str
    ) -> ResponseStandard | None:
        stmt = select(ResponseStandard).where(
            ResponseStandard.region_class == region_class,
            ResponseStandard.ticket_type == ticket_type,
            ResponseStandard.tier == tier,
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def standards_page(
        self, *, limit: int, cursor: str | None
    ) -> tuple[list[ResponseStandard], str | None]:
        stmt = apply_keyset(
            select(ResponseStandard),
            [ResponseStandard.created_at, ResponseStandard.id],
            cursor=cursor,
            limit=limit,
            sort="s",
        )
        rows = list((await self.session.execute(stmt)).scalars().all())
        return page_from_rows(rows, limit=limit, key=lambda s: [s.created_at, s.id], sort="s")

    # --- merged / erased customers ---------------------------------------------------------

    async def move_customer(self, from_ids: list[str], to_id: str) -> None:
        for model in (Warranty, ServiceAgreement):
            await self.session.execute(
                update(model).where(model.customer_id.in_(from_ids)).values(customer_id=to_id)
            )
