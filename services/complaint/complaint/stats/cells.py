"""What one complaint contributes to the statistics, and what a change moves.

Every complaint falls in one *cell* (its month, dealer, category, severity, channel,
department, root cause, product model) and adds a vector of counters to it (received,
acknowledged, late..., business seconds to acknowledge and resolve, and a histogram of
those times for the p90). A change of the complaint is the difference of its vector
before and after -- written as delta rows in the same transaction (no hot row to update,
so intakes never wait for each other) and folded into the per-dimension roll-up by the
scheduled sweep (:func:`complaint.stats.repository.StatsRepository.fold`).
"""

from __future__ import annotations

from bisect import bisect_left
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from complaint.models import Complaint

# Keys of a cell; '' stands for "none" (a NULL would break the roll-up's primary key).
KEYS = (
    "month",
    "dealer",
    "category",
    "severity",
    "channel",
    "department",
    "root_cause",
    "product_model",
)
# The dimensions a statistic can be grouped by (each a roll-up of the cells).
DIMENSIONS = KEYS
# Upper edges (business hours) of the time histograms; the last bucket is open.
HOUR_EDGES = (1.0, 2.0, 4.0, 8.0, 16.0, 24.0, 40.0, 80.0, 120.0, 200.0, 400.0)
BUCKETS = len(HOUR_EDGES) + 1
FLAGS = (
    "received",
    "acknowledged",
    "ack_late",
    "resolved",
    "resolve_late",
    "rejected",
    "closed",
    "reopened",
    "overdue",
    "escalated",
)
SUMS = ("ack_seconds", "resolve_seconds")
ACK_HIST = tuple(f"ack_h{i}" for i in range(BUCKETS))
RESOLVE_HIST = tuple(f"resolve_h{i}" for i in range(BUCKETS))
COUNTERS = FLAGS + SUMS + ACK_HIST + RESOLVE_HIST

Cell = tuple[str, ...]
Vector = dict[str, int]
Contribution = tuple[Cell, Vector]


def bucket(seconds: int) -> int:
    return bisect_left(HOUR_EDGES, seconds / 3600)


def contribution(c: Complaint) -> Contribution:
    cell: Cell = (
        c.received_month,
        c.dealer_id or "",
        c.category,
        c.severity,
        c.channel,
        c.department or "",
        c.root_cause_code or "",
        c.product_model or "",
    )
    v: Vector = {
        "received": 1,
        "acknowledged": int(c.acknowledged_at is not None),
        "ack_late": int(c.ack_late),
        "resolved": int(c.resolved_at is not None),
        "resolve_late": int(c.resolve_late),
        "rejected": int(c.status == "rejected"),
        "closed": int(c.status == "closed"),
        "reopened": int(c.reopen_count > 0),
        "overdue": int(c.overdue),
        "escalated": int(c.escalation_level > 0),
    }
    if c.ack_business_s is not None:
        v["ack_seconds"] = c.ack_business_s
        v[ACK_HIST[bucket(c.ack_business_s)]] = 1
    if c.resolve_business_s is not None:
        v["resolve_seconds"] = c.resolve_business_s
        v[RESOLVE_HIST[bucket(c.resolve_business_s)]] = 1
    return cell, {k: n for k, n in v.items() if n}


def delta_rows(before: Contribution | None, after: Contribution | None) -> list[dict[str, Any]]:
    """Delta rows that turn ``before`` into ``after`` (none when nothing moved)."""
    moves: dict[Cell, Vector] = {}
    for sign, part in ((-1, before), (1, after)):
        if part is None:
            continue
        cell, vector = part
        acc = moves.setdefault(cell, {})
        for k, n in vector.items():
            acc[k] = acc.get(k, 0) + sign * n
    rows = []
    for cell, vector in moves.items():
        vector = {k: n for k, n in vector.items() if n}
        if vector:
            rows.append({**dict(zip(KEYS, cell, strict=True)), **vector})
    return rows


def p90_hours(hist: list[int]) -> float | None:
    """The 90th percentile of a time histogram, interpolated inside its bucket (the open
    last bucket answers its lower edge)."""
    total = sum(hist)
    if total <= 0:
        return None
    rank = 0.9 * total
    seen = 0
    for i, n in enumerate(hist):
        if n and seen + n >= rank:
            lo = HOUR_EDGES[i - 1] if i > 0 else 0.0
            if i >= len(HOUR_EDGES):
                return lo
            hi = HOUR_EDGES[i]
            return round(lo + (hi - lo) * (rank - seen) / n, 2)
        seen += n
    return HOUR_EDGES[-1]
