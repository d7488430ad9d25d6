"""platform tables and the local customer copy

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from kefu_shared.migrations import create_platform_tables_v1, drop_platform_tables_v1
from kefu_shared.replicas import create_customer_copy_table_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_platform_tables_v1()
    create_customer_copy_table_v1()


def downgrade() -> None:
    from alembic import op

    op.drop_table("customer_copies")
    drop_platform_tables_v1()
