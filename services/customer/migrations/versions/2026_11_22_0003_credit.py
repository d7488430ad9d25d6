"""credit tables

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

import kefu_shared.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Money = sa.Numeric(precision=18, scale=2)


def upgrade() -> None:
    op.create_table(
        "credit_profiles",
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("computed_rating", sa.String(length=3), nullable=False),
        sa.Column("override_rating", sa.String(length=3), nullable=True),
        sa.Column("rating", sa.String(length=3), nullable=False),
        sa.Column("factors", sa.JSON(), nullable=False),
        sa.Column("credit_limit", Money, nullable=True),
        sa.Column("payment_terms_days", sa.Integer(), nullable=False),
        sa.Column("collateral_amount", Money, nullable=False),
        sa.Column("outstanding", Money, nullable=False),
        sa.Column("overdue_amount", Money, nullable=False),
        sa.Column("max_overdue_days", sa.Integer(), nullable=False),
        sa.Column("revenue_12m", Money, nullable=False),
        sa.Column("on_hold", sa.Boolean(), nullable=False),
        sa.Column("hold_code", sa.String(length=20), nullable=True),
        sa.Column("hold_reason", sa.Text(), nullable=True),
        sa.Column("hold_since", kefu_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("blocked_amount", Money, nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("override_by", sa.String(length=100), nullable=True),
        sa.Column("override_at", kefu_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("calculated_at", kefu_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", kefu_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_credit_profiles_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_credit_profiles")),
    )
    op.create_index(
        "ix_credit_profiles_on_hold", "credit_profiles", ["on_hold", "customer_id"], unique=False
    )
    op.create_index("ix_credit_profiles_rating", "credit_profiles", ["rating"], unique=False)

    op.create_table(
        "credit_history",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("at", kefu_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("change", sa.String(length=20), nullable=False),
        sa.Column("previous_rating", sa.String(length=3), nullable=True),
        sa.Column("rating", sa.String(length=3), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("previous_limit", Money, nullable=True),
        sa.Column("credit_limit", Money, nullable=True),
        sa.Column("payment_terms_days", sa.Integer(), nullable=True),
        sa.Column("on_hold", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_credit_history_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_history")),
    )
    op.create_index(
        "ix_credit_history_customer_id", "credit_history", ["customer_id", "id"], unique=False
    )

    # Receivables ageing reads a customer's invoices by kind; payments are matched to the
    # invoice they settle by order_ref.
    op.create_index("ix_orders_customer_kind", "orders", ["customer_id", "kind"], unique=False)
    op.create_index("ix_payments_order_ref", "payments", ["order_ref"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_payments_order_ref", table_name="payments")
    op.drop_index("ix_orders_customer_kind", table_name="orders")
    op.drop_index("ix_credit_history_customer_id", table_name="credit_history")
    op.drop_table("credit_history")
    op.drop_index("ix_credit_profiles_rating", table_name="credit_profiles")
    op.drop_index("ix_credit_profiles_on_hold", table_name="credit_profiles")
    op.drop_table("credit_profiles")
