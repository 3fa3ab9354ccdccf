"""Handoffs to a person: at most one open or taken per thread (a partial unique index).

Revision ID: 0002_handoffs
Revises: 0001_visits
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_handoffs"
down_revision = "0001_visits"
branch_labels = None
depends_on = None

ACTIVE = sa.text("status IN ('open', 'taken')")


def upgrade() -> None:
    op.create_table(
        "handoffs",
        sa.Column("handoff_id", sa.String(16), nullable=False),
        sa.Column("thread_id", sa.String(200), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True)),
        sa.Column("taken_by", sa.String(120)),
        sa.Column("released_at", sa.DateTime(timezone=True)),
        sa.Column("released_by", sa.String(120)),
        sa.Column("waiting_note_sent_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("handoff_id", name="pk_handoffs"),
    )
    op.create_index(
        "uq_handoffs_active_thread",
        "handoffs",
        ["thread_id"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )
    op.create_index("ix_handoffs_status_created", "handoffs", ["status", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_handoffs_status_created", table_name="handoffs")
    op.drop_index("uq_handoffs_active_thread", table_name="handoffs")
    op.drop_table("handoffs")
