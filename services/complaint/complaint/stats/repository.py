"""Every query of the statistics: delta rows written with a change, the fold of the deltas
into the roll-up (the scheduled sweep), and the reads of the statistics route."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, delete, func, insert, literal, select, text, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from complaint.stats.cells import COUNTERS, DIMENSIONS
from complaint.stats.tables import repeat_counts, stat_deltas, stat_rollup

# The roll-up's dealer key of the rows that count every dealer's complaints.
ALL = "*"


def _upsert(session: AsyncSession) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


class StatsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- writes with a change ----------------------------------------------------------

    async def add_deltas(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            full = [{**dict.fromkeys(COUNTERS, 0), **r} for r in rows]
            await self.session.execute(insert(stat_deltas), full)

    async def count_repeat(self, *, kind: str, key: str, dealer: str | None, by: int = 1) -> None:
        """One more complaint of this customer / product unit (``by`` may be negative)."""
        stmt = _upsert(self.session)(repeat_counts).values(
            kind=kind, key=key, dealer=dealer or "", complaints=by
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["kind", "key"],
            set_={"complaints": repeat_counts.c.complaints + stmt.excluded.complaints},
        )
        await self.session.execute(stmt)

    async def move_customer_repeats(self, from_ids: Sequence[str], to_id: str) -> None:
        rows = (
            await self.session.execute(
                select(repeat_counts.c.dealer, repeat_counts.c.complaints).where(
                    repeat_counts.c.kind == "customer", repeat_counts.c.key.in_(list(from_ids))
                )
            )
        ).all()
        total = sum(r.complaints for r in rows)
        if not total:
            return
        await self.session.execute(
            delete(repeat_counts).where(
                repeat_counts.c.kind == "customer", repeat_counts.c.key.in_(list(from_ids))
            )
        )
        await self.count_repeat(kind="customer", key=to_id, dealer=rows[0].dealer, by=total)

    # --- the fold (scheduled sweep) ----------------------------------------------------

    async def fold(self) -> int:
        """Fold every committed delta row into the roll-up; return how many."""
        session = self.session
        if session.get_bind().dialect.name == "postgresql":
            # Intakes commit deltas concurrently: wait for the ones in flight and hold new
            # ones for the few milliseconds of the fold, so that every row folded is the
            # row deleted (SQLite has one writer anyway).
            await session.execute(
                text("LOCK TABLE complaint_stat_deltas IN SHARE ROW EXCLUSIVE MODE")
            )
        high = (await session.execute(select(func.max(stat_deltas.c.id)))).scalar()
        if high is None:
            return 0
        sums = [func.sum(stat_deltas.c[n]).label(n) for n in COUNTERS]
        month = stat_deltas.c.month
        for dimension in DIMENSIONS:
            value = stat_deltas.c[dimension]
            # Each dealer's rows, and the rows of all dealers together (dealer "*"), so
            # that a statistic reads a few hundred rows whoever asks.
            for dealer, group in (
                (stat_deltas.c.dealer, (stat_deltas.c.dealer,)),
                (literal(ALL), ()),
            ):
                query = (
                    select(literal(dimension), value, month, dealer, *sums)
                    .where(stat_deltas.c.id <= high, true())
                    .group_by(value, month, *group)
                )
                stmt = _upsert(session)(stat_rollup).from_select(
                    ["dimension", "value", "month", "dealer", *COUNTERS], query
                )
                stmt = stmt.on_conflict_do_update(
                    index_elements=["dimension", "value", "month", "dealer"],
                    set_={n: stat_rollup.c[n] + stmt.excluded[n] for n in COUNTERS},
                )
                await session.execute(stmt)
        result = await session.execute(delete(stat_deltas).where(stat_deltas.c.id <= high))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    # --- reads -------------------------------------------------------------------------

    async def by_dimension(
        self,
        dimension: str,
        *,
        month_from: str | None,
        month_to: str | None,
        dealer: str | None,
    ) -> dict[str, dict[str, int]]:
        """Counters per value of ``dimension``: the roll-up plus the deltas not folded yet."""
        out: dict[str, dict[str, int]] = {}
        for table, value in (
            (stat_rollup, stat_rollup.c.value),
            (stat_deltas, stat_deltas.c[dimension]),
        ):
            conds = []
            if table is stat_rollup:
                conds.append(stat_rollup.c.dimension == dimension)
                conds.append(stat_rollup.c.dealer == (ALL if dealer is None else dealer))
            elif dealer is not None:
                conds.append(stat_deltas.c.dealer == dealer)
            if month_from:
                conds.append(table.c.month >= month_from)
            if month_to:
                conds.append(table.c.month <= month_to)
            stmt = (
                select(value.label("value"), *[func.sum(table.c[n]).label(n) for n in COUNTERS])
                .where(and_(true(), *conds))
                .group_by(value)
            )
            for row in (await self.session.execute(stmt)).mappings():
                acc = out.setdefault(row["value"], dict.fromkeys(COUNTERS, 0))
                for n in COUNTERS:
                    acc[n] += int(row[n] or 0)
        return out

    async def top_repeats(
        self, kind: str, *, dealer: str | None, limit: int
    ) -> tuple[int, list[dict[str, Any]]]:
        """How many customers / units complained more than once, and the top ``limit``."""
        conds = [repeat_counts.c.kind == kind, repeat_counts.c.complaints > 1]
        if dealer is not None:
            conds.append(repeat_counts.c.dealer == dealer)
        count = (
            await self.session.execute(
                select(func.count()).select_from(repeat_counts).where(*conds)
            )
        ).scalar_one()
        rows = (
            await self.session.execute(
                select(repeat_counts.c.key, repeat_counts.c.complaints)
                .where(*conds)
                .order_by(repeat_counts.c.complaints.desc(), repeat_counts.c.key)
                .limit(limit)
            )
        ).mappings()
        return int(count), [dict(r) for r in rows]
