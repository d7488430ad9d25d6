"""analytics tables: service history, cost-to-serve ledger, satisfaction, key-account plans

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from kefu_shared.db import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Money = sa.Numeric(precision=18, scale=2)


def _customer_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["customer_id"],
        ["customers.id"],
        name=f"fk_{table}_customer_id_customers",
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "customer_service_stats",
        sa.Column("customer_id", sa.String(36), nullable=False),
        sa.Column("complaints_total", sa.Integer(), nullable=False),
        sa.Column("complaints_open", sa.Integer(), nullable=False),
        sa.Column("complaints_reopened", sa.Integer(), nullable=False),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.Column("tickets_total", sa.Integer(), nullable=False),
        sa.Column("tickets_open", sa.Integer(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("sla_breaches", sa.Integer(), nullable=False),
        sa.Column("last_complaint_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_ticket_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("cost_to_serve", Money, nullable=False),
        sa.Column("responses", sa.Integer(), nullable=False),
        sa.Column("latest_csat", sa.Float(), nullable=True),
        sa.Column("latest_nps", sa.Integer(), nullable=True),
        sa.Column("last_response_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("satisfaction_trend", sa.String(10), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        _customer_fk("customer_service_stats"),
        sa.PrimaryKeyConstraint("customer_id", name="pk_customer_service_stats"),
    )

    op.create_table(
        "service_cases",
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(36), nullable=False),
        sa.Column("number", sa.String(40), nullable=True),
        sa.Column("case_type", sa.String(30), nullable=True),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("opened_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("status_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("fee_booked", Money, nullable=False),
        sa.Column("fee_at", UTCDateTime(timezone=True), nullable=True),
        _customer_fk("service_cases"),
        sa.PrimaryKeyConstraint("kind", "case_id", name="pk_service_cases"),
    )
    op.create_index("ix_service_cases_customer_kind", "service_cases", ["customer_id", "kind"])

    op.create_table(
        "service_costs",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.String(36), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("component", sa.String(30), nullable=False),
        sa.Column("case_kind", sa.String(10), nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("amount", Money, nullable=False),
        sa.Column("occurred_at", UTCDateTime(timezone=True), nullable=False),
        _customer_fk("service_costs"),
        sa.PrimaryKeyConstraint("id", name="pk_service_costs"),
        sa.UniqueConstraint("event_id", "component", name="uq_service_costs_event_component"),
    )
    op.create_index(
        "ix_service_costs_customer_occurred", "service_costs", ["customer_id", "occurred_at"]
    )
    op.create_index("ix_service_costs_occurred", "service_costs", ["occurred_at"])

    op.create_table(
        "satisfaction_responses",
        sa.Column("response_id", sa.String(64), nullable=False),
        sa.Column("customer_id", sa.String(36), nullable=False),
        sa.Column("responded_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("csat", sa.Float(), nullable=True),
        sa.Column("nps", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("dissatisfied", sa.Boolean(), nullable=False),
        sa.Column("ticket_id", sa.String(64), nullable=True),
        sa.Column("complaint_id", sa.String(64), nullable=True),
        _customer_fk("satisfaction_responses"),
        sa.PrimaryKeyConstraint("response_id", name="pk_satisfaction_responses"),
    )
    op.create_index(
        "ix_satisfaction_responses_customer_time",
        "satisfaction_responses",
        ["customer_id", "responded_at"],
    )

    op.create_table(
        "key_account_plans",
        sa.Column("customer_id", sa.String(36), nullable=False),
        sa.Column("manager", sa.String(100), nullable=True),
        sa.Column("service_plan", sa.Text(), nullable=True),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("designated_by", sa.String(100), nullable=True),
        sa.Column("designated_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(100), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        _customer_fk("key_account_plans"),
        sa.PrimaryKeyConstraint("customer_id", name="pk_key_account_plans"),
    )
    op.create_index("ix_key_account_plans_manager", "key_account_plans", ["manager"])


def downgrade() -> None:
    op.drop_index("ix_key_account_plans_manager", table_name="key_account_plans")
    op.drop_table("key_account_plans")
    op.drop_index("ix_satisfaction_responses_customer_time", table_name="satisfaction_responses")
    op.drop_table("satisfaction_responses")
    op.drop_index("ix_service_costs_occurred", table_name="service_costs")
    op.drop_index("ix_service_costs_customer_occurred", table_name="service_costs")
    op.drop_table("service_costs")
    op.drop_index("ix_service_cases_customer_kind", table_name="service_cases")
    op.drop_table("service_cases")
    op.drop_table("customer_service_stats")
