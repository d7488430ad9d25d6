"""classification tables

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from kefu_shared.db import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Money = sa.Numeric(precision=18, scale=2)
Percent = sa.Numeric(precision=5, scale=2)


def upgrade() -> None:
    op.create_table(
        "classification_runs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("active_lock", sa.String(length=16), nullable=True),
        sa.Column("requested_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("started_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("window_months", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.Date(), nullable=False),
        sa.Column("window_end", sa.Date(), nullable=False),
        sa.Column("super_pct", Percent, nullable=False),
        sa.Column("large_pct", Percent, nullable=False),
        sa.Column("medium_pct", Percent, nullable=False),
        sa.Column("thresholds", sa.JSON(), nullable=False),
        sa.Column("ranked_customers", sa.Integer(), nullable=True),
        sa.Column("boundaries", sa.JSON(), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=True),
        sa.Column("pattern_counts", sa.JSON(), nullable=True),
        sa.Column("window_revenue", Money, nullable=True),
        sa.Column("changed_count", sa.Integer(), nullable=True),
        sa.Column("events_count", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classification_runs")),
        sa.UniqueConstraint("active_lock", name=op.f("uq_classification_runs_active_lock")),
    )
    op.create_index(
        "ix_classification_runs_created_id", "classification_runs", ["created_at", "id"]
    )
    op.create_table(
        "classification_results",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("dealer_id", sa.String(length=64), nullable=True),
        sa.Column("revenue", Money, nullable=True),
        sa.Column("previous_revenue", Money, nullable=True),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("previous_tier", sa.String(length=16), nullable=False),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.Column("previous_sales_stage", sa.String(length=16), nullable=True),
        sa.Column("sales_stage", sa.String(length=16), nullable=False),
        sa.Column("previous_pattern", sa.String(length=20), nullable=True),
        sa.Column("transaction_pattern", sa.String(length=20), nullable=True),
        sa.Column("previous_key_account", sa.Boolean(), nullable=False),
        sa.Column("key_account", sa.Boolean(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["classification_runs.id"],
            name=op.f("fk_classification_results_run_id_classification_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("run_id", "customer_id", name=op.f("pk_classification_results")),
    )


def downgrade() -> None:
    op.drop_table("classification_results")
    op.drop_index("ix_classification_runs_created_id", table_name="classification_runs")
    op.drop_table("classification_runs")
