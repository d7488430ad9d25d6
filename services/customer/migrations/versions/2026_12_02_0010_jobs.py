"""jobs: durable background jobs (kefu_shared.jobs) for classification runs

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from kefu_shared.migrations import create_jobs_table_v1, drop_jobs_table_v1

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_jobs_table_v1()


def downgrade() -> None:
    drop_jobs_table_v1()
