"""tickets, visits, follow-ups, warranties, agreements, response standards, technicians,
technician feedback, maintenance plans; ticket numbers from a PostgreSQL sequence

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

import kefu_shared.db
from kefu_shared.migrations import create_number_sequence, drop_number_sequence

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_number_sequence("ticket")
    op.create_table(
        "maintenance_plans",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("dealer_id", sa.String(length=64), nullable=True),
        sa.Column("serial_number", sa.String(length=100), nullable=False),
        sa.Column("product_model", sa.String(length=100), nullable=True),
        sa.Column("product_line", sa.String(length=60), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("region", sa.String(length=60), nullable=True),
        sa.Column("region_class", sa.String(length=10), nullable=True),
        sa.Column("interval_days", sa.Integer(), nullable=False),
        sa.Column("next_due_on", sa.Date(), nullable=False),
        sa.Column("lead_days", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("last_ticket_id", sa.String(length=36), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", kefu_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_plans")),
    )
    with op.batch_alter_table("maintenance_plans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_maintenance_plans_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_maintenance_plans_dealer_id"), ["dealer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_maintenance_plans_next_due_on"), ["next_due_on"], unique=False
        )

    op.create_table(
        "response_standards",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("region_class", sa.String(length=10), nullable=False),
        sa.Column("ticket_type", sa.String(length=20), nullable=False),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.Column("first_contact_hours", sa.Float(), nullable=False),
        sa.Column("on_site_hours", sa.Float(), nullable=False),
        sa.Column("resolution_hours", sa.Float(), nullable=False),
        sa.Column("around_the_clock", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", kefu_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_standards")),
    )
    with op.batch_alter_table("response_standards", schema=None) as batch_op:
        batch_op.create_index(
            "uq_response_standards_cell", ["region_class", "ticket_type", "tier"], unique=True
        )

    op.create_table(
        "service_agreements",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("dealer_id", sa.String(length=64), nullable=True),
        sa.Column("serial_number", sa.String(length=100), nullable=True),
        sa.Column("coverage", sa.JSON(), nullable=False),
        sa.Column("parts_covered", sa.Boolean(), nullable=False),
        sa.Column("response_level", sa.String(length=20), nullable=False),
        sa.Column("fee", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", kefu_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_agreements")),
    )
    with op.batch_alter_table("service_agreements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_service_agreements_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_service_agreements_dealer_id"), ["dealer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_service_agreements_serial_number"), ["serial_number"], unique=False
        )

    op.create_table(
        "technician_feedback",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.String(length=36), nullable=False),
        sa.Column("technician_id", sa.String(length=36), nullable=False),
        sa.Column("ticket_id", sa.String(length=36), nullable=True),
        sa.Column("csat", sa.Float(), nullable=True),
        sa.Column("at", kefu_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_technician_feedback")),
    )
    with op.batch_alter_table("technician_feedback", schema=None) as batch_op:
        batch_op.create_index(
            "ix_technician_feedback_technician_at", ["technician_id", "at"], unique=False
        )
        batch_op.create_index("uq_technician_feedback_source", ["kind", "source_id"], unique=True)

    op.create_table(
        "technicians",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.String(length=100), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("areas", sa.JSON(), nullable=False),
        sa.Column("working_hours", sa.JSON(), nullable=False),
        sa.Column("capacity_per_day", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("open_tickets", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", kefu_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_technicians")),
        sa.UniqueConstraint("user_id", name=op.f("uq_technicians_user_id")),
    )
    op.create_table(
        "tickets",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=True),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("dealer_id", sa.String(length=64), nullable=True),
        sa.Column("complaint_id", sa.String(length=36), nullable=True),
        sa.Column("tier", sa.String(length=16), nullable=True),
        sa.Column("key_account", sa.Boolean(), nullable=False),
        sa.Column("product_model", sa.String(length=100), nullable=True),
        sa.Column("product_line", sa.String(length=60), nullable=True),
        sa.Column("serial_number", sa.String(length=100), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("region", sa.String(length=60), nullable=True),
        sa.Column("region_class", sa.String(length=10), nullable=False),
        sa.Column("contact_name", sa.String(length=100), nullable=True),
        sa.Column("contact_phone", sa.String(length=40), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "requested_window_start", kefu_shared.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("requested_window_end", kefu_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("in_warranty", sa.Boolean(), nullable=False),
        sa.Column("agreement_id", sa.String(length=36), nullable=True),
        sa.Column("fee", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("approval_required", sa.Boolean(), nullable=False),
        sa.Column("approved_by", sa.String(length=100), nullable=True),
        sa.Column("approved_at", kefu_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sla_targets", sa.JSON(), nullable=False),
        sa.Column("first_contact_due", kefu_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("on_site_due", kefu_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolve_due", kefu_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("first_contact_at", kefu_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("on_site_at", kefu_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", kefu_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "first_contact_breached_at", kefu_shared.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("on_site_breached_at", kefu_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolve_breached_at", kefu_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sla_next_due", kefu_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sla_breached", sa.Boolean(), nullable=False),
        sa.Column("paused_since", kefu_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("waiting_for", sa.String(length=10), nullable=True),
        sa.Column("pauses", sa.JSON(), nullable=False),
        sa.Column("technician_id", sa.String(length=36), nullable=True),
        sa.Column("appointment_start", kefu_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("appointment_end", kefu_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("appointment_day", sa.Date(), nullable=True),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("result", sa.String(length=20), nullable=True),
        sa.Column("first_time_fix", sa.Boolean(), nullable=True),
        sa.Column("confirmation_code", sa.String(length=12), nullable=False),
        sa.Column("closed_at", kefu_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.String(length=500), nullable=True),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("repeat_of", sa.String(length=36), nullable=True),
        sa.Column("repeat_of_technician_id", sa.String(length=36), nullable=True),
        sa.Column("maintenance_plan_id", sa.String(length=36), nullable=True),
        sa.Column("maintenance_due_on", sa.Date(), nullable=True),
        sa.Column("created_at", kefu_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", kefu_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("number", name=op.f("uq_tickets_number")),
    )
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.create_index(
            "ix_tickets_complaint_id",
            ["complaint_id"],
            unique=False,
            postgresql_where=sa.text("complaint_id IS NOT NULL"),
            sqlite_where=sa.text("complaint_id IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_tickets_completed_at",
            ["completed_at"],
            unique=False,
            postgresql_where=sa.text("completed_at IS NOT NULL"),
            sqlite_where=sa.text("completed_at IS NOT NULL"),
        )
        batch_op.create_index("ix_tickets_created_at_id", ["created_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tickets_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(
            "ix_tickets_dealer_id",
            ["dealer_id"],
            unique=False,
            postgresql_where=sa.text("dealer_id IS NOT NULL"),
            sqlite_where=sa.text("dealer_id IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_tickets_repeat_of_technician",
            ["repeat_of_technician_id", "created_at"],
            unique=False,
            postgresql_where=sa.text("repeat_of_technician_id IS NOT NULL"),
            sqlite_where=sa.text("repeat_of_technician_id IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_tickets_serial_number",
            ["serial_number"],
            unique=False,
            postgresql_where=sa.text("serial_number IS NOT NULL"),
            sqlite_where=sa.text("serial_number IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_tickets_sla_next_due",
            ["sla_next_due"],
            unique=False,
            postgresql_where=sa.text("sla_next_due IS NOT NULL"),
            sqlite_where=sa.text("sla_next_due IS NOT NULL"),
        )
        batch_op.create_index("ix_tickets_status_region", ["status", "region"], unique=False)
        batch_op.create_index(
            "ix_tickets_technician_day", ["technician_id", "appointment_day"], unique=False
        )
        batch_op.create_index(
            "uq_tickets_maintenance_due",
            ["maintenance_plan_id", "maintenance_due_on"],
            unique=True,
            postgresql_where=sa.text("maintenance_plan_id IS NOT NULL"),
            sqlite_where=sa.text("maintenance_plan_id IS NOT NULL"),
        )

    op.create_table(
        "warranties",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("serial_number", sa.String(length=100), nullable=False),
        sa.Column("product_model", sa.String(length=100), nullable=True),
        sa.Column("product_line", sa.String(length=60), nullable=True),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("dealer_id", sa.String(length=64), nullable=True),
        sa.Column("purchase_date", sa.Date(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", kefu_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warranties")),
        sa.UniqueConstraint("serial_number", name=op.f("uq_warranties_serial_number")),
    )
    with op.batch_alter_table("warranties", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_warranties_customer_id"), ["customer_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_warranties_dealer_id"), ["dealer_id"], unique=False)

    op.create_table(
        "technician_areas",
        sa.Column("technician_id", sa.String(length=36), nullable=False),
        sa.Column("region", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            name=op.f("fk_technician_areas_technician_id_technicians"),
        ),
        sa.PrimaryKeyConstraint("technician_id", "region", name=op.f("pk_technician_areas")),
    )
    with op.batch_alter_table("technician_areas", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_technician_areas_region"), ["region"], unique=False)

    op.create_table(
        "technician_skills",
        sa.Column("technician_id", sa.String(length=36), nullable=False),
        sa.Column("product_line", sa.String(length=60), nullable=False),
        sa.ForeignKeyConstraint(
            ["technician_id"],
            ["technicians.id"],
            name=op.f("fk_technician_skills_technician_id_technicians"),
        ),
        sa.PrimaryKeyConstraint("technician_id", "product_line", name=op.f("pk_technician_skills")),
    )
    with op.batch_alter_table("technician_skills", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_technician_skills_product_line"), ["product_line"], unique=False
        )

    op.create_table(
        "ticket_follow_ups",
        sa.Column("ticket_id", sa.String(length=36), nullable=False),
        sa.Column("contacted_at", kefu_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("contacted_by", sa.String(length=100), nullable=False),
        sa.Column("satisfied", sa.Boolean(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_follow_ups_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_ticket_follow_ups")),
    )
    op.create_table(
        "ticket_visits",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("ticket_id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.String(length=36), nullable=True),
        sa.Column("travel_started_at", kefu_shared.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("arrived_at", kefu_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", kefu_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("promised_by", kefu_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("on_time", sa.Boolean(), nullable=True),
        sa.Column("work_done", sa.Text(), nullable=True),
        sa.Column("parts", sa.JSON(), nullable=False),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("parts_charged", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("signed_off_at", kefu_shared.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("result", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_visits_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_visits")),
    )
    with op.batch_alter_table("ticket_visits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ticket_visits_technician_id"), ["technician_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ticket_visits_ticket_id"), ["ticket_id"], unique=False)
        batch_op.create_index("uq_ticket_visits_number", ["ticket_id", "number"], unique=True)


def downgrade() -> None:
    drop_number_sequence("ticket")
    with op.batch_alter_table("ticket_visits", schema=None) as batch_op:
        batch_op.drop_index("uq_ticket_visits_number")
        batch_op.drop_index(batch_op.f("ix_ticket_visits_ticket_id"))
        batch_op.drop_index(batch_op.f("ix_ticket_visits_technician_id"))

    op.drop_table("ticket_visits")
    op.drop_table("ticket_follow_ups")
    with op.batch_alter_table("technician_skills", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_technician_skills_product_line"))

    op.drop_table("technician_skills")
    with op.batch_alter_table("technician_areas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_technician_areas_region"))

    op.drop_table("technician_areas")
    with op.batch_alter_table("warranties", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warranties_dealer_id"))
        batch_op.drop_index(batch_op.f("ix_warranties_customer_id"))

    op.drop_table("warranties")
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_tickets_maintenance_due",
            postgresql_where=sa.text("maintenance_plan_id IS NOT NULL"),
            sqlite_where=sa.text("maintenance_plan_id IS NOT NULL"),
        )
        batch_op.drop_index("ix_tickets_technician_day")
        batch_op.drop_index("ix_tickets_status_region")
        batch_op.drop_index(
            "ix_tickets_sla_next_due",
            postgresql_where=sa.text("sla_next_due IS NOT NULL"),
            sqlite_where=sa.text("sla_next_due IS NOT NULL"),
        )
        batch_op.drop_index(
            "ix_tickets_serial_number",
            postgresql_where=sa.text("serial_number IS NOT NULL"),
            sqlite_where=sa.text("serial_number IS NOT NULL"),
        )
        batch_op.drop_index(
            "ix_tickets_repeat_of_technician",
            postgresql_where=sa.text("repeat_of_technician_id IS NOT NULL"),
            sqlite_where=sa.text("repeat_of_technician_id IS NOT NULL"),
        )
        batch_op.drop_index(
            "ix_tickets_dealer_id",
            postgresql_where=sa.text("dealer_id IS NOT NULL"),
            sqlite_where=sa.text("dealer_id IS NOT NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_tickets_customer_id"))
        batch_op.drop_index("ix_tickets_created_at_id")
        batch_op.drop_index(
            "ix_tickets_completed_at",
            postgresql_where=sa.text("completed_at IS NOT NULL"),
            sqlite_where=sa.text("completed_at IS NOT NULL"),
        )
        batch_op.drop_index(
            "ix_tickets_complaint_id",
            postgresql_where=sa.text("complaint_id IS NOT NULL"),
            sqlite_where=sa.text("complaint_id IS NOT NULL"),
        )

    op.drop_table("tickets")
    op.drop_table("technicians")
    with op.batch_alter_table("technician_feedback", schema=None) as batch_op:
        batch_op.drop_index("uq_technician_feedback_source")
        batch_op.drop_index("ix_technician_feedback_technician_at")

    op.drop_table("technician_feedback")
    with op.batch_alter_table("service_agreements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_agreements_serial_number"))
        batch_op.drop_index(batch_op.f("ix_service_agreements_dealer_id"))
        batch_op.drop_index(batch_op.f("ix_service_agreements_customer_id"))

    op.drop_table("service_agreements")
    with op.batch_alter_table("response_standards", schema=None) as batch_op:
        batch_op.drop_index("uq_response_standards_cell")

    op.drop_table("response_standards")
    with op.batch_alter_table("maintenance_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_maintenance_plans_next_due_on"))
        batch_op.drop_index(batch_op.f("ix_maintenance_plans_dealer_id"))
        batch_op.drop_index(batch_op.f("ix_maintenance_plans_customer_id"))

    op.drop_table("maintenance_plans")
