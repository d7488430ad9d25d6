"""audit records and the job table (kefu_shared.audit, kefu_shared.jobs)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from kefu_shared.migrations import (
    create_audit_table_v1,
    create_jobs_table_v1,
    drop_audit_table_v1,
    drop_jobs_table_v1,
)

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_table_v1()
    create_jobs_table_v1()


def downgrade() -> None:
    drop_jobs_table_v1()
    drop_audit_table_v1()
