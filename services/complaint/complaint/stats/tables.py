"""Tables of the statistics: delta rows written with each change, the per-dimension
roll-up the sweep folds them into, and repeat counts per customer and per product unit."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table

from complaint.models import Base
from complaint.stats.cells import COUNTERS, KEYS, SUMS
from kefu_shared.db import BigId


def _counter(name: str) -> Column[int]:
    kind = BigInteger() if name in SUMS else Integer()
    return Column(name, kind, nullable=False, server_default="0")


stat_deltas = Table(
    "complaint_stat_deltas",
    Base.metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    *(Column(k, String(64), nullable=False) for k in KEYS),
    *(_counter(n) for n in COUNTERS),
)

stat_rollup = Table(
    "complaint_stats",
    Base.metadata,
    Column("dimension", String(16), primary_key=True),
    Column("value", String(64), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("dealer", String(64), primary_key=True),
    *(_counter(n) for n in COUNTERS),
)
# A statistic reads one dimension of one dealer (or "*", all of them) over some months.
Index(
    "ix_complaint_stats_read",
    stat_rollup.c.dimension,
    stat_rollup.c.dealer,
    stat_rollup.c.month,
)

# kind "customer" (key: customer id) or "unit" (key: product model + "|" + serial number).
repeat_counts = Table(
    "complaint_repeats",
    Base.metadata,
    Column("kind", String(10), primary_key=True),
    Column("key", String(140), primary_key=True),
    Column("dealer", String(64), nullable=False),
    Column("complaints", Integer, nullable=False),
)
Index(
    "ix_complaint_repeats_top",
    repeat_counts.c.kind,
    repeat_counts.c.complaints,
)
Index(
    "ix_complaint_repeats_rank",
    repeat_counts.c.kind,
    repeat_counts.c.dealer,
    repeat_counts.c.complaints,
)
