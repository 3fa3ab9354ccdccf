"""Leads, their notes and events, and the notifications outbox.

Revision ID: 0003_leads
Revises: 0002_handoffs
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_leads"
down_revision = "0002_handoffs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leads",
        sa.Column("lead_id", sa.String(16), nullable=False),
        sa.Column("thread_id", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("customer_name", sa.String(120)),
        sa.Column("phone", sa.String(32)),
        sa.Column("cars", sa.JSON(), nullable=False),
        sa.Column("budget", sa.BigInteger()),
        sa.Column("quote", sa.JSON()),
        sa.Column("visit", sa.JSON()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_by", sa.String(120)),
        sa.Column("last_event", sa.String(16)),
        sa.Column("last_event_at", sa.DateTime(timezone=True)),
        sa.Column("contacted_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("lead_id", name="pk_leads"),
        sa.UniqueConstraint("thread_id", name="uq_leads_thread"),
    )
    op.create_index("ix_leads_status_updated", "leads", ["status", "updated_at"])
    op.create_index("ix_leads_updated", "leads", ["updated_at"])
    op.create_table(
        "lead_notes",
        sa.Column("note_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lead_id", sa.String(16), nullable=False),
        sa.Column("author", sa.String(120), nullable=False),
        sa.Column("text", sa.String(2000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.lead_id"], name="fk_lead_notes_lead"),
        sa.PrimaryKeyConstraint("note_id"),
    )
    op.create_index("ix_lead_notes_lead_created", "lead_notes", ["lead_id", "created_at"])
    op.create_table(
        "lead_events",
        sa.Column("event_id", sa.String(16), nullable=False),
        sa.Column("lead_id", sa.String(16), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("event_key", sa.String(200)),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.lead_id"], name="fk_lead_events_lead"),
        sa.PrimaryKeyConstraint("event_id", name="pk_lead_events"),
        sa.UniqueConstraint("lead_id", "event", "event_key", name="uq_lead_events_key"),
    )
    op.create_index("ix_lead_events_lead_created", "lead_events", ["lead_id", "created_at"])
    op.create_table(
        "notifications",
        sa.Column("notification_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.Column("lease_token", sa.String(32)),
        sa.Column("last_error", sa.String(500)),
        sa.Column("external_ref", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
        sa.ForeignKeyConstraint(["event_id"], ["lead_events.event_id"], name="fk_notifications_event"),
        sa.PrimaryKeyConstraint("notification_id"),
        sa.UniqueConstraint("event_id", "channel", name="uq_notifications_event_channel"),
    )
    op.create_index("ix_notifications_status_due", "notifications", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_notifications_status_due", table_name="notifications")
    op.drop_table("notifications")
    op.drop_index("ix_lead_events_lead_created", table_name="lead_events")
    op.drop_table("lead_events")
    op.drop_index("ix_lead_notes_lead_created", table_name="lead_notes")
    op.drop_table("lead_notes")
    op.drop_index("ix_leads_updated", table_name="leads")
    op.drop_index("ix_leads_status_updated", table_name="leads")
    op.drop_table("leads")
