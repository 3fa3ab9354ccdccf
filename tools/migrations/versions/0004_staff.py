"""Staff accounts, their sign-in sessions (token hashes only) and the replies they send to customers.

Revision ID: 0004_staff
Revises: 0003_leads
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_staff"
down_revision = "0003_leads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_accounts",
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("email", name="pk_staff_accounts"),
    )
    op.create_table(
        "staff_sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name="pk_staff_sessions"),
    )
    op.create_index("ix_staff_sessions_expires", "staff_sessions", ["expires_at"])
    op.create_table(
        "staff_replies",
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("thread_id", sa.String(200), nullable=False),
        sa.Column("staff", sa.String(254), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sid", sa.String(64)),
        sa.Column("error", sa.String(500)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name="pk_staff_replies"),
    )
    op.create_index("ix_staff_replies_thread_created", "staff_replies", ["thread_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_staff_replies_thread_created", table_name="staff_replies")
    op.drop_table("staff_replies")
    op.drop_index("ix_staff_sessions_expires", table_name="staff_sessions")
    op.drop_table("staff_sessions")
    op.drop_table("staff_accounts")
