"""a customer without purchases or contacts has no revenue class (tier NULL)

潜在客户 (potential) needs a first contact: a customer who never bought and has nothing
in the contact log is not classified yet.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TIER = sa.String(length=16)


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.alter_column("tier", existing_type=TIER, nullable=True)
    with op.batch_alter_table("classification_results") as batch:
        batch.alter_column("previous_tier", existing_type=TIER, nullable=True)
        batch.alter_column("tier", existing_type=TIER, nullable=True)
    op.execute(
        "UPDATE customers SET tier = NULL WHERE tier = 'potential'"
        " AND NOT EXISTS (SELECT 1 FROM customer_interactions ci"
        "                 WHERE ci.customer_id = customers.id)"
        " AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = customers.id)"
    )


def downgrade() -> None:
    op.execute("UPDATE customers SET tier = 'potential' WHERE tier IS NULL")
    op.execute("DELETE FROM classification_results WHERE tier IS NULL OR previous_tier IS NULL")
    with op.batch_alter_table("classification_results") as batch:
        batch.alter_column("tier", existing_type=TIER, nullable=False)
        batch.alter_column("previous_tier", existing_type=TIER, nullable=False)
    with op.batch_alter_table("customers") as batch:
        batch.alter_column("tier", existing_type=TIER, nullable=False)
