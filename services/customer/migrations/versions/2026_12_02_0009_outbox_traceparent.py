"""outbox.traceparent: the trace of the request that wrote the event

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from kefu_shared.migrations import add_outbox_traceparent_v2, drop_outbox_traceparent_v2

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_outbox_traceparent_v2()


def downgrade() -> None:
    drop_outbox_traceparent_v2()
