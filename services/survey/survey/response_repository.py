"""Queries of responses and of their pre-aggregated rollups (analytics)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Table, case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from kefu_shared.auth import Principal
from kefu_shared.http.pagination import apply_keyset, page_from_rows
from kefu_shared.visibility import dealer_scope, visible_or_404
from survey.models import DimensionRollup, Response, Rollup
from survey.scoring import DimensionTally, Tally

ROLLUP_KEYS = ("axis", "key", "month", "dealer_key", "template_key")
DIMENSION_KEYS = ("month", "dealer_key", "template_key", "dimension")


def _one_if(condition: Any) -> Any:
    return case((condition, 1), else_=0)


@dataclass
class ResponseFilter:
    customer_id: str | None = None
    campaign_id: str | None = None
    template_key: str | None = None
    technician_id: str | None = None
    dealer_id: str | None = None
    dissatisfied: bool | None = None
    submitted_from: datetime | None = None
    submitted_to: datetime | None = None


@dataclass
class ReportFilter:
    """The slice an analytics report covers: months (YYYY-MM, inclusive), questionnaire
    and dealer (a dealer always gets its own)."""

    month_from: str | None = None
    month_to: str | None = None
    template_key: str | None = None
    dealer_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class ResponseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, response: Response) -> None:
        self.session.add(response)

    async def get_visible(self, response_id: str, actor: Principal) -> Response:
        stmt = select(Response).where(Response.id == response_id)
        found = (await self.session.execute(stmt)).scalar_one_or_none()
        return visible_or_404(found, actor, what="survey response", ident=response_id)

    async def page(
        self, filters: ResponseFilter, actor: Principal, *, cursor: str | None, limit: int
    ) -> tuple[list[Response], str | None]:
        r = Response
        stmt = select(r)
        for column, value in (
            (r.customer_id, filters.customer_id),
            (r.campaign_id, filters.campaign_id),
            (r.template_key, filters.template_key),
            (r.technician_id, filters.technician_id),
            (r.dissatisfied, filters.dissatisfied),
            (r.dealer_id, dealer_scope(actor, filters.dealer_id)),
        ):
            if value is not None:
                stmt = stmt.where(column == value)
        if filters.submitted_from is not None:
            stmt = stmt.where(r.submitted_at >= filters.submitted_from)
        if filters.submitted_to is not None:
            stmt = stmt.where(r.submitted_at < filters.submitted_to)
        stmt = apply_keyset(
            stmt, [r.submitted_at, r.id], cursor=cursor, limit=limit, descending=True, sort="resp"
        )
        rows = list((await self.session.execute(stmt)).scalars())
        return page_from_rows(rows, limit=limit, key=lambda x: [x.submitted_at, x.id], sort="resp")

    async def campaign_tally(self, campaign_id: str) -> Tally:
        r = Response
        stmt = select(
            func.count(),
            func.count(r.csat),
            func.sum(_one_if(r.csat >= 4)),
            func.sum(r.csat),
            func.count(r.nps),
            func.sum(_one_if(r.nps >= 9)),
            func.sum(_one_if(r.nps <= 6)),
            func.sum(_one_if(r.dissatisfied.is_(True))),
        ).where(r.campaign_id == campaign_id)
        row = (await self.session.execute(stmt)).one()
        n, cn, cs, csum, nn, pro, det, dis = (v or 0 for v in row)
        return Tally(int(n), int(cn), int(cs), float(csum), int(nn), int(pro), int(det), int(dis))

    # -- service recovery and customer events --------------------------------------

    async def reassign(self, merged_ids: list[str], surviving_id: str) -> None:
        await self.session.execute(
            update(Response)
            .where(Response.customer_id.in_(merged_ids))
            .values(customer_id=surviving_id)
        )

    async def for_customer(self, customer_id: str) -> list[Response]:
        stmt = select(Response).where(Response.customer_id == customer_id)
        return list((await self.session.execute(stmt)).scalars())

    # -- pre-aggregation -----------------------------------------------------------

    async def pending_rollup(self, limit: int) -> list[Any]:
        """Responses not rolled up yet (the columns the rollups need, oldest first)."""
        r = Response
        stmt = (
            select(
                r.id,
                r.month,
                r.dealer_id,
                r.template_key,
                r.tier,
                r.region_class,
                r.province,
                r.product_line,
                r.technician_id,
                r.csat,
                r.nps,
                r.dissatisfied,
                r.dimension_scores,
                r.expectations,
                r.servqual_gaps,
            )
            .where(r.rolled_up.is_(False))
            .order_by(r.submitted_at, r.id)
            .limit(limit)
        )
        return list((await self.session.execute(stmt)).all())

    async def mark_rolled_up(self, ids: list[str]) -> None:
        await self.session.execute(
            update(Response)
            .where(Response.id.in_(ids))
            .values(rolled_up=True)
            .execution_options(synchronize_session=False)
        )

    async def add_to_rollups(
        self,
        tallies: Mapping[tuple[str, str, str, str, str], Tally],
        dimensions: Mapping[tuple[str, str, str, str], DimensionTally],
    ) -> None:
        """Add the tallies to the stored ones (an upsert that sums, per key)."""
        await self._upsert(
            Rollup.__table__,  # type: ignore[arg-type]
            ROLLUP_KEYS,
            [dict(zip(ROLLUP_KEYS, k, strict=True)) | vars(t) for k, t in tallies.items()],
        )
        await self._upsert(
            DimensionRollup.__table__,  # type: ignore[arg-type]
            DIMENSION_KEYS,
            [dict(zip(DIMENSION_KEYS, k, strict=True)) | vars(t) for k, t in dimensions.items()],
        )

    async def _upsert(
        self, table: Table, keys: tuple[str, ...], rows: list[dict[str, Any]]
    ) -> None:
        if not rows:
            return
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(table)
        sums = {
            c.name: table.c[c.name] + stmt.excluded[c.name]
            for c in table.columns
            if c.name not in keys
        }
        # One statement, many parameter sets (executemany): compiled once, sent in batches.
        await self.session.execute(
            stmt.on_conflict_do_update(index_elements=list(keys), set_=sums), rows
        )

    # -- reports -------------------------------------------------------------------

    def _scope(self, stmt: Any, model: Any, report: ReportFilter, actor: Principal) -> Any:
        if report.month_from:
            stmt = stmt.where(model.month >= report.month_from)
        if report.month_to:
            stmt = stmt.where(model.month <= report.month_to)
        if report.template_key:
            stmt = stmt.where(model.template_key == report.template_key)
        dealer = dealer_scope(actor, report.dealer_id)
        if dealer is not None:
            stmt = stmt.where(model.dealer_key == dealer)
        return stmt

    async def by_axis(
        self, axis: str, report: ReportFilter, actor: Principal
    ) -> list[tuple[str, Tally]]:
        """Tallies per value of ``axis`` (tier, region, province, product_line, technician,
        dealer, month), summed over the slice, ordered by value."""
        r = Rollup
        stmt = select(
            r.key,
            func.sum(r.responses),
            func.sum(r.csat_n),
            func.sum(r.csat_satisfied),
            func.sum(r.csat_sum),
            func.sum(r.nps_n),
            func.sum(r.promoters),
            func.sum(r.detractors),
            func.sum(r.dissatisfied),
        ).where(r.axis == axis)
        stmt = self._scope(stmt, r, report, actor).group_by(r.key).order_by(r.key)
        out = []
        for key, *sums in (await self.session.execute(stmt)).all():
            n, cn, cs, csum, nn, pro, det, dis = (v or 0 for v in sums)
            out.append(
                (
                    key,
                    Tally(
                        int(n), int(cn), int(cs), float(csum), int(nn), int(pro), int(det), int(dis)
                    ),
                )
            )
        return out

    async def dimensions(self, report: ReportFilter, actor: Principal) -> dict[str, DimensionTally]:
        d = DimensionRollup
        stmt = select(
            d.dimension,
            func.sum(d.rating_n),
            func.sum(d.rating_sum),
            func.sum(d.expectation_n),
            func.sum(d.expectation_sum),
            func.sum(d.gap_n),
            func.sum(d.gap_sum),
        )
        stmt = self._scope(stmt, d, report, actor).group_by(d.dimension)
        out = {}
        for name, rn, rs, en, es, gn, gs in (await self.session.execute(stmt)).all():
            out[name] = DimensionTally(
                int(rn or 0),
                float(rs or 0),
                int(en or 0),
                float(es or 0),
                int(gn or 0),
                float(gs or 0),
            )
        return out
