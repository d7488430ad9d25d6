"""customer numbers from a PostgreSQL sequence (no row lock held until commit)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from kefu_shared.migrations import create_number_sequence, drop_number_sequence

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_number_sequence("customer")


def downgrade() -> None:
    drop_number_sequence("customer")
