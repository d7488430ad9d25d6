"""Tables of the classification area.

``classification_runs`` records every run with the rule and its numbers (who, when, window,
cut points, thresholds, boundaries, counts per class) so that a tier can always be explained.

``classification_results`` is the change log of a run: one row per customer whose tier,
sales stage, transaction pattern or key-account flag changed, with the revenue and rank that
decided it and the id of the ``customer.classified`` event it emitted (if any). Unchanged
customers get no row: the current state lives on ``customers``, and a daily run over a
million customers would otherwise write a million rows that say "same as before".
The run's SQL also uses these rows as its staging table (UPDATE customers ... FROM results,
INSERT INTO outbox ... SELECT FROM results), so they cost one write, not two.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from customer.models import Base, Money
from kefu_shared.db import new_uuid, utcnow

Percent = Numeric(5, 2)

# While a run is queued or running its ``active_lock`` holds this value; the unique
# constraint makes "one run at a time" hold across replicas without a lock table.
ACTIVE_LOCK = "classification"


class ClassificationRun(Base):
    __tablename__ = "classification_runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued|running|...
    active_lock: Mapped[str | None] = mapped_column(String(16), unique=True)
    requested_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()

    # the rule
    as_of: Mapped[date] = mapped_column(Date)
    window_months: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[date] = mapped_column(Date)  # inclusive
    window_end: Mapped[date] = mapped_column(Date)  # inclusive (= as_of)
    super_pct: Mapped[Decimal] = mapped_column(Percent)
    large_pct: Mapped[Decimal] = mapped_column(Percent)
    medium_pct: Mapped[Decimal] = mapped_column(Percent)
    thresholds: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    # its numbers
    ranked_customers: Mapped[int | None] = mapped_column(Integer)  # N: revenue > 0 in window
    boundaries: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # last rank of each class
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # customers per tier after run
    pattern_counts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    window_revenue: Mapped[Decimal | None] = mapped_column(Money)
    changed_count: Mapped[int | None] = mapped_column(Integer)
    events_count: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_classification_runs_created_id", "created_at", "id"),)

    @property
    def cut_points(self) -> dict[str, Decimal]:
        return {"super": self.super_pct, "large": self.large_pct, "medium": self.medium_pct}


class ClassificationResult(Base):
    __tablename__ = "classification_results"

    run_id: Mapped[str] = mapped_column(
        ForeignKey("classification_runs.id", ondelete="CASCADE"), primary_key=True
    )
    # No foreign key to customers: a run inserts up to a row per customer and the check
    # would cost an index probe each; customers are archived, never deleted.
    customer_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dealer_id: Mapped[str | None] = mapped_column(String(64))
    revenue: Mapped[Decimal | None] = mapped_column(Money)
    previous_revenue: Mapped[Decimal | None] = mapped_column(Money)
    rank: Mapped[int | None] = mapped_column(Integer)
    previous_tier: Mapped[str | None] = mapped_column(String(16))  # NULL: not classified
    tier: Mapped[str | None] = mapped_column(String(16))
    previous_sales_stage: Mapped[str | None] = mapped_column(String(16))
    sales_stage: Mapped[str] = mapped_column(String(16))
    previous_pattern: Mapped[str | None] = mapped_column(String(20))
    transaction_pattern: Mapped[str | None] = mapped_column(String(20))
    previous_key_account: Mapped[bool] = mapped_column(Boolean)
    key_account: Mapped[bool] = mapped_column(Boolean)
    event_id: Mapped[str | None] = mapped_column(String(36))
