"""Every query of the classification area.

The run is set-based: a handful of statements whose cost does not depend on Python, each
working over all customers at once (nothing is loaded into Python memory):

1. ``aggregate``: one pass over the ledger builds a temporary table with each customer's
   window revenue, previous-window revenue, invoice counts, last purchase and revenue rank
   (``RANK()``: ties share the better rank).
2. ``stage_changes``: joins customers to it, derives tier / sales stage / pattern / key
   account and inserts a ``classification_results`` row only where something changed,
   generating the event id in SQL when the tier or the key-account flag changed.
3. ``apply_changes``: ``UPDATE customers ... FROM classification_results`` (both dialects).
4. ``emit_events`` (:mod:`customer.classification.outbox`): ``INSERT INTO outbox ... SELECT``
   building the CloudEvents envelope in SQL from the ``CustomerClassified`` contract.
All of it runs in the unit of work's transaction: customers, results, outbox rows and the
run's figures commit together or not at all.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, Float, Integer, Numeric, String, bindparam, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from customer.classification.models import ACTIVE_LOCK, ClassificationResult, ClassificationRun
from customer.classification.outbox import emit_classified
from customer.classification.rules import Boundaries, Window
from kefu_shared.db import UTCDateTime
from kefu_shared.http.pagination import apply_keyset, page_from_rows

_AGGREGATE = """
SELECT s.customer_id, s.revenue, s.previous_revenue, s.orders_current, s.orders_previous,
       s.last_purchase,
       CASE WHEN s.revenue > 0
            THEN RANK() OVER (PARTITION BY s.revenue > 0 ORDER BY s.revenue DESC) END AS rnk
FROM (
    SELECT o.customer_id,
           ROUND(SUM(CASE WHEN o.order_date >= :window_start
                          THEN o.net_amount ELSE 0 END), 2) AS revenue,
           ROUND(SUM(CASE WHEN o.order_date >= :previous_start AND o.order_date < :window_start
                          THEN o.net_amount ELSE 0 END), 2) AS previous_revenue,
           SUM(CASE WHEN o.kind = 'invoice' AND o.order_date >= :window_start
                    THEN 1 ELSE 0 END) AS orders_current,
           SUM(CASE WHEN o.kind = 'invoice' AND o.order_date >= :previous_start
                         AND o.order_date < :window_start
                    THEN 1 ELSE 0 END) AS orders_previous,
           MAX(CASE WHEN o.kind = 'invoice' THEN o.order_date END) AS last_purchase
    FROM orders o
    WHERE o.order_date <= :as_of
    GROUP BY o.customer_id
) s
JOIN customers c ON c.id = s.customer_id
WHERE c.merged_into IS NULL
"""

# x: the new tier; y: what follows from it (stage, key account, pattern); then only changes.
_STAGE = """
INSERT INTO classification_results (
    run_id, customer_id, dealer_id, revenue, previous_revenue, rank,
    previous_tier, tier, previous_sales_stage, sales_stage,
    previous_pattern, transaction_pattern, previous_key_account, key_account, event_id)
SELECT :run_id, y.id, y.dealer_id, y.revenue, y.previous_revenue, y.rnk,
       y.previous_tier, y.tier, y.previous_sales_stage, y.sales_stage,
       y.previous_pattern, y.pattern, y.previous_key_account, y.key_account,
       CASE WHEN y.tier IS NOT NULL
                 AND (y.tier {distinct} y.previous_tier OR y.key_account <> y.previous_key_account)
            THEN {uuid} END
FROM (
    SELECT x.*,
           CASE WHEN x.tier IS NULL OR x.tier = 'potential' THEN 'potential'
                WHEN x.tier = 'inactive' THEN 'existing'
                ELSE 'current' END AS sales_stage,
           ((x.tier IS NOT NULL AND x.tier IN ('super', 'large')) OR x.key_account_manual)
               AS key_account,
           CASE
               WHEN x.worth_cultivating THEN 'worth_cultivating'
               WHEN x.tier IN ('potential', 'medium')
                    AND x.inq_current >= :cultivate_min_inquiries
                    AND x.inq_current * 100
                        > x.inq_previous * (100 + :cultivate_inquiry_growth_pct)
                    THEN 'worth_cultivating'
               WHEN x.agg_id IS NULL THEN NULL
               WHEN x.last_purchase IS NULL OR x.last_purchase <= :dormant_since THEN 'dormant'
               WHEN x.previous_revenue > 0
                    AND x.revenue * 100 > x.previous_revenue * (100 + :fast_growth_pct)
                    THEN 'fast_growing'
               WHEN x.tier = 'medium'
                    AND x.orders_current >= :cultivate_min_orders
                    AND x.orders_current * 100
                        > x.orders_previous * (100 + :cultivate_order_growth_pct)
                    THEN 'worth_cultivating'
               WHEN x.previous_revenue > 0 AND x.revenue > 0
                    AND x.orders_current >= :loyal_min_orders
                    AND x.revenue * 100 >= x.previous_revenue * (100 - :loyal_max_decline_pct)
                    THEN 'loyal'
               ELSE 'occasional'
           END AS pattern
    FROM (
        SELECT c.id, c.dealer_id, c.tier AS previous_tier,
               c.sales_stage AS previous_sales_stage,
               c.transaction_pattern AS previous_pattern,
               c.key_account AS previous_key_account,
               c.key_account_manual, c.worth_cultivating,
               a.customer_id AS agg_id, a.revenue, a.previous_revenue, a.orders_current,
               a.orders_previous, a.last_purchase, a.rnk,
               COALESCE(i.inq_current, 0) AS inq_current,
               COALESCE(i.inq_previous, 0) AS inq_previous,
               CASE WHEN a.rnk IS NOT NULL THEN
                        CASE WHEN a.rnk <= :b_super THEN 'super'
                             WHEN a.rnk <= :b_large THEN 'large'
                             WHEN a.rnk <= :b_medium THEN 'medium'
                             ELSE 'small' END
                    WHEN a.customer_id IS NOT NULL THEN 'inactive'
                    -- 潜在客户 needs a first contact; before it, no revenue class at all.
                    WHEN EXISTS (SELECT 1 FROM customer_interactions ct
                                 WHERE ct.customer_id = c.id) THEN 'potential'
                    END AS tier
        FROM customers c
        LEFT JOIN {agg} a ON a.customer_id = c.id
        LEFT JOIN (
            SELECT ci.customer_id,
                   SUM(CASE WHEN ci.at >= :inq_start THEN 1 ELSE 0 END) AS inq_current,
                   SUM(CASE WHEN ci.at < :inq_start THEN 1 ELSE 0 END) AS inq_previous
            FROM customer_interactions ci
            WHERE ci.kind IN ('inquiry', 'sample_request', 'quotation')
              AND ci.at >= :inq_prev_start AND ci.at < :inq_end
            GROUP BY ci.customer_id
        ) i ON i.customer_id = c.id
        WHERE c.merged_into IS NULL
    ) x
) y
WHERE y.tier {distinct} y.previous_tier
   OR y.sales_stage <> y.previous_sales_stage
   OR y.pattern {distinct} y.previous_pattern
   OR y.key_account <> y.previous_key_account
"""

# key_account from the row's current manual flag: a designation made while the run was
# computing is not overwritten.
_APPLY = """
UPDATE customers
SET tier = r.tier,
    sales_stage = r.sales_stage,
    transaction_pattern = r.transaction_pattern,
    key_account = ((r.tier IS NOT NULL AND r.tier IN ('super', 'large'))
                   OR customers.key_account_manual),
    version = customers.version + 1,
    updated_at = :now
FROM classification_results r
WHERE r.run_id = :run_id AND customers.id = r.customer_id
"""

# A version-4 UUID from random bytes (SQLite has no uuid function).
_SQLITE_UUID = (
    "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || "
    "substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) || "
    "substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))"
)


class ClassificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name
        self.pg = self.dialect == "postgresql"
        self._agg = "cls_agg" if self.pg else "temp.cls_agg"

    # -- runs ---------------------------------------------------------------------------

    def add(self, run: ClassificationRun) -> None:
        self.session.add(run)

    async def flush(self) -> None:
        await self.session.flush()

    async def get(self, run_id: str) -> ClassificationRun | None:
        return await self.session.get(ClassificationRun, run_id)

    async def active(self) -> ClassificationRun | None:
        stmt = select(ClassificationRun).where(ClassificationRun.active_lock == ACTIVE_LOCK)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def page(
        self, *, cursor: str | None, limit: int
    ) -> tuple[list[ClassificationRun], str | None]:
        cols = [ClassificationRun.created_at, ClassificationRun.id]
        stmt = apply_keyset(
            select(ClassificationRun),
            cols,
            cursor=cursor,
            limit=limit,
            descending=True,
            sort="-created_at",
        )
        rows = (await self.session.execute(stmt)).scalars().all()
        return page_from_rows(
            rows, limit=limit, key=lambda r: [r.created_at, r.id], sort="-created_at"
        )

    async def results_page(
        self, run_id: str, *, cursor: str | None, limit: int
    ) -> tuple[list[ClassificationResult], str | None]:
        stmt = apply_keyset(
            select(ClassificationResult).where(ClassificationResult.run_id == run_id),
            [ClassificationResult.customer_id],
            cursor=cursor,
            limit=limit,
            sort="customer_id",
        )
        rows = (await self.session.execute(stmt)).scalars().all()
        return page_from_rows(rows, limit=limit, key=lambda r: [r.customer_id], sort="customer_id")

    # -- the set-based run ----------------------------------------------------------------

    async def _set_local(self, name: str, value: str) -> None:
        # set_config(..., true) == SET LOCAL (ends with the transaction), with bind values.
        await self.session.execute(text("SELECT set_config(:n, :v, true)"), {"n": name, "v": value})

    async def tune(self, *, work_mem: str) -> None:
        """Per-transaction planner settings for the big statements (PostgreSQL only)."""
        if self.pg:
            await self._set_local("work_mem", work_mem)

    async def aggregate(self, *, window: Window) -> None:
        """Build the per-customer aggregate of the ledger as a temporary table."""
        if self.pg:
            create = f"CREATE TEMP TABLE cls_agg ON COMMIT DROP AS {_AGGREGATE}"
        else:
            await self.session.execute(text("DROP TABLE IF EXISTS temp.cls_agg"))
            create = f"CREATE TEMP TABLE cls_agg AS {_AGGREGATE}"
        stmt = text(create).bindparams(
            bindparam("window_start", type_=Date),
            bindparam("previous_start", type_=Date),
            bindparam("as_of", type_=Date),
        )
        if self.pg:
            # A million groups: the planner prefers a parallel hash aggregate whose partial
            # states each hold nearly every customer and spill to disk (~20 s for 10M
            # orders); streaming the covering index in customer order takes ~5 s.
            await self._set_local("enable_hashagg", "off")
        await self.session.execute(
            stmt,
            {
                "window_start": window.start,
                "previous_start": window.previous_start,
                "as_of": window.end,
            },
        )
        if self.pg:
            await self._set_local("enable_hashagg", "on")
            await self.session.execute(text("ANALYZE cls_agg"))

    async def ranked_totals(self) -> tuple[int, Decimal]:
        """N (customers with revenue > 0 in the window) and their total revenue."""
        row = (
            await self.session.execute(
                text(f"SELECT COUNT(*), SUM(revenue) FROM {self._agg} WHERE rnk IS NOT NULL")
            )
        ).one()
        return int(row[0]), Decimal(str(row[1] or 0)).quantize(Decimal("0.01"))

    async def stage_changes(
        self,
        *,
        run_id: str,
        bounds: Boundaries,
        dormant_since: date,
        as_of: date,
        thresholds: dict[str, Any],
    ) -> int:
        """Insert a result row for every customer whose classification changes."""
        sql = _STAGE.format(
            uuid="gen_random_uuid()::text" if self.pg else _SQLITE_UUID,
            agg=self._agg,
            distinct="IS DISTINCT FROM" if self.pg else "IS NOT",
        )
        # SQLite has no decimal type: its money columns are REAL, so compare with floats.
        num: Any = Numeric() if self.pg else Float()

        def pct(name: str) -> Decimal | float:
            value = Decimal(str(thresholds[name]))
            return value if self.pg else float(value)

        days = int(thresholds["cultivate_inquiry_days"])
        inq_end = datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=UTC)
        stmt = text(sql).bindparams(
            bindparam("run_id", type_=String),
            bindparam("dormant_since", type_=Date),
            bindparam("inq_start", type_=UTCDateTime()),
            bindparam("inq_prev_start", type_=UTCDateTime()),
            bindparam("inq_end", type_=UTCDateTime()),
            bindparam("cultivate_min_inquiries", type_=Integer),
            bindparam("cultivate_inquiry_growth_pct", type_=num),
            bindparam("fast_growth_pct", type_=num),
            bindparam("loyal_max_decline_pct", type_=num),
            bindparam("cultivate_order_growth_pct", type_=num),
            bindparam("cultivate_min_orders", type_=Integer),
            bindparam("loyal_min_orders", type_=Integer),
            bindparam("b_super", type_=Integer),
            bindparam("b_large", type_=Integer),
            bindparam("b_medium", type_=Integer),
        )
        result = await self.session.execute(
            stmt,
            {
                "run_id": run_id,
                "dormant_since": dormant_since,
                # Inquiries in the last N days (to the end of as_of) against the N before.
                "inq_start": inq_end - timedelta(days=days),
                "inq_prev_start": inq_end - timedelta(days=2 * days),
                "inq_end": inq_end,
                "cultivate_min_inquiries": int(thresholds["cultivate_min_inquiries"]),
                "cultivate_inquiry_growth_pct": pct("cultivate_inquiry_growth_pct"),
                "fast_growth_pct": pct("fast_growth_pct"),
                "loyal_max_decline_pct": pct("loyal_max_decline_pct"),
                "cultivate_order_growth_pct": pct("cultivate_order_growth_pct"),
                "cultivate_min_orders": int(thresholds["cultivate_min_orders"]),
                "loyal_min_orders": int(thresholds["loyal_min_orders"]),
                "b_super": bounds.super,
                "b_large": bounds.large,
                "b_medium": bounds.medium,
            },
        )
        if self.pg:
            # Fresh statistics: without them the planner expects a few rows and updates a
            # million customers through a nested loop in random heap order.
            await self.session.execute(text("ANALYZE classification_results"))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def apply_changes(self, *, run_id: str, now: datetime) -> int:
        stmt = text(_APPLY).bindparams(
            bindparam("run_id", type_=String), bindparam("now", type_=UTCDateTime())
        )
        result = await self.session.execute(stmt, {"run_id": run_id, "now": now})
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def emit_events(self, **params: Any) -> int:
        """Write one ``customer.classified`` CloudEvent per staged tier change to the outbox
        (:func:`customer.classification.outbox.emit_classified`)."""
        return await emit_classified(self.session, dialect=self.dialect, **params)

    async def class_counts(self) -> tuple[dict[str, int], dict[str, int]]:
        """Customers per tier and per transaction pattern after the run (one scan)."""
        rows = (
            await self.session.execute(
                text(
                    "SELECT tier, transaction_pattern, COUNT(*) FROM customers "
                    "WHERE merged_into IS NULL GROUP BY tier, transaction_pattern"
                )
            )
        ).all()
        tiers: dict[str, int] = {}
        patterns: dict[str, int] = {}
        for tier, pattern, n in rows:
            tiers[tier or "none"] = tiers.get(tier or "none", 0) + int(n)
            key = pattern or "none"
            patterns[key] = patterns.get(key, 0) + int(n)
        return tiers, patterns

    async def drop_aggregate(self) -> None:
        if not self.pg:  # PostgreSQL drops it on commit
            await self.session.execute(text("DROP TABLE IF EXISTS temp.cls_agg"))

    async def count_results(self, run_id: str) -> int:
        stmt = select(func.count()).where(ClassificationResult.run_id == run_id)
        return int((await self.session.execute(stmt)).scalar_one())
