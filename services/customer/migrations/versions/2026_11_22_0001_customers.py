"""customers, addresses and the platform tables (outbox, inbox, idempotency, numbers)

Revision ID: 0001
Revises:
Create Date: 2026-11-22 14:56:50.918042
"""

import sqlalchemy as sa
from alembic import op

from kefu_shared.db import UTCDateTime
from kefu_shared.migrations import create_platform_tables_v1, drop_platform_tables_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_platform_tables_v1()
    op.create_table(
        "customers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("phones", sa.JSON(), nullable=False),
        sa.Column("phone_primary", sa.String(length=40), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("preferred_channel", sa.String(length=20), nullable=True),
        sa.Column("gender", sa.String(length=10), nullable=True),
        sa.Column("birthday", sa.Date(), nullable=True),
        sa.Column("occupation", sa.String(length=100), nullable=True),
        sa.Column("income_band", sa.String(length=40), nullable=True),
        sa.Column("preferences", sa.JSON(), nullable=False),
        sa.Column("products_owned", sa.JSON(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=True),
        sa.Column("industry", sa.String(length=40), nullable=True),
        sa.Column("size", sa.String(length=20), nullable=True),
        sa.Column("ownership", sa.String(length=40), nullable=True),
        sa.Column("registered_capital", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("founded_on", sa.Date(), nullable=True),
        sa.Column("contacts", sa.JSON(), nullable=False),
        sa.Column("bank_info", sa.JSON(), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=True),
        sa.Column("source", sa.String(length=30), nullable=True),
        sa.Column("dealer_id", sa.String(length=64), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("province", sa.String(length=50), nullable=True),
        sa.Column("city", sa.String(length=50), nullable=True),
        sa.Column("district", sa.String(length=50), nullable=True),
        sa.Column("region_class", sa.String(length=20), nullable=True),
        sa.Column("area_class", sa.String(length=20), nullable=True),
        sa.Column("business_type", sa.String(length=20), nullable=True),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.Column("sales_stage", sa.String(length=16), nullable=False),
        sa.Column("transaction_pattern", sa.String(length=20), nullable=True),
        sa.Column("worth_cultivating", sa.Boolean(), nullable=False),
        sa.Column("key_account", sa.Boolean(), nullable=False),
        sa.Column("key_account_manual", sa.Boolean(), nullable=False),
        sa.Column("archived_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("merged_into", sa.String(length=36), nullable=True),
        sa.Column("erased_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("number", name=op.f("uq_customers_number")),
    )
    if op.get_bind().dialect.name == "postgresql":
        # Room on each page for in-place (HOT) updates: classification runs rewrite the
        # class columns of many customers at once.
        op.execute("ALTER TABLE customers SET (fillfactor = 70)")
    # Optional columns are indexed only where set: smaller indexes, and a row without the
    # value costs them nothing when it is written.
    for name, column, unique in (
        ("uq_customers_credit_code", "credit_code", True),
        ("ix_customers_dealer_id", "dealer_id", False),
        ("ix_customers_owner", "owner", False),
        ("ix_customers_phone_primary", "phone_primary", False),
    ):
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(
            name, "customers", [column], unique=unique, postgresql_where=where, sqlite_where=where
        )
    op.create_index("ix_customers_name_id", "customers", ["name", "id"])

    op.create_table(
        "customer_addresses",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("province", sa.String(length=50), nullable=True),
        sa.Column("city", sa.String(length=50), nullable=True),
        sa.Column("district", sa.String(length=50), nullable=True),
        sa.Column("street", sa.String(length=300), nullable=True),
        sa.Column("postal_code", sa.String(length=20), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("region_class", sa.String(length=20), nullable=True),
        sa.Column("area_class", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_addresses_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_addresses")),
    )
    with op.batch_alter_table("customer_addresses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_addresses_customer_id"), ["customer_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("customer_addresses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_addresses_customer_id"))

    op.drop_table("customer_addresses")
    drop_platform_tables_v1()
    for name in (
        "ix_customers_name_id",
        "ix_customers_phone_primary",
        "ix_customers_owner",
        "ix_customers_dealer_id",
        "uq_customers_credit_code",
    ):
        op.drop_index(name, table_name="customers")

    op.drop_table("customers")
