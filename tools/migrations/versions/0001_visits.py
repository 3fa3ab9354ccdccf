"""Visits: public random ids, one booking per (thread, request), times in UTC.

Adopts the earlier `visits` table (integer ids, kept in the inventory database) when it finds one: it is
renamed `visits_v0` and its rows are copied with new public ids.

Revision ID: 0001_visits
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

from datetime import UTC

import sqlalchemy as sa
from alembic import op

from tools.database import UTCDateTime
from tools.public_ids import new_public_id

revision = "0001_visits"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    legacy = inspector.has_table("visits") and "requested_when" in {c["name"] for c in inspector.get_columns("visits")}
    if legacy:
        op.rename_table("visits", "visits_v0")
    op.create_table(
        "visits",
        sa.Column("visit_id", sa.String(16), nullable=False),
        sa.Column("thread_id", sa.String(200), nullable=False),
        sa.Column("request_key", sa.String(200), nullable=False),
        sa.Column("stock_id", sa.Integer(), nullable=False),
        sa.Column("car", sa.String(160), nullable=False),
        sa.Column("customer_name", sa.String(120)),
        sa.Column("when_at", sa.DateTime(timezone=True)),
        sa.Column("when_text", sa.String(200)),
        sa.Column("branch", sa.String(120)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("visit_id", name="pk_visits"),
        sa.UniqueConstraint("thread_id", "request_key", name="uq_visits_thread_request"),
    )
    op.create_index("ix_visits_thread_created", "visits", ["thread_id", "created_at"])
    op.create_index("ix_visits_when", "visits", ["when_at"])
    if legacy:
        _copy_legacy(bind, inspector.has_table("vehicles"))


def downgrade() -> None:
    op.drop_index("ix_visits_when", table_name="visits")
    op.drop_index("ix_visits_thread_created", table_name="visits")
    op.drop_table("visits")


def _copy_legacy(bind: sa.Connection, has_vehicles: bool) -> None:
    """Copy the earlier visits (status booked, their free-text time kept as the customer's words)."""
    old = sa.table(
        "visits_v0",
        sa.column("visit_id", sa.Integer),
        sa.column("stock_id", sa.Integer),
        sa.column("customer_name", sa.String),
        sa.column("requested_when", sa.String),
        sa.column("thread_id", sa.String),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    new = sa.table(
        "visits",
        *(sa.column(name, sa.String) for name in ("visit_id", "thread_id", "request_key", "car", "customer_name")),
        *(sa.column(name, sa.String) for name in ("when_text", "status")),
        sa.column("stock_id", sa.Integer),
        sa.column("created_at", UTCDateTime()),
        sa.column("updated_at", UTCDateTime()),
    )
    titles: dict[int, str] = {}
    if has_vehicles:
        cars = bind.execute(sa.text("SELECT stock_id, make, model, year FROM vehicles")).all()
        titles = {int(s): f"{make} {model} {year}" for s, make, model, year in cars}
    rows = []
    for row in bind.execute(sa.select(old)).mappings():
        created = row["created_at"]
        created = created.replace(tzinfo=UTC) if created.tzinfo is None else created
        rows.append(
            {
                "visit_id": new_public_id("KV"),
                "thread_id": row["thread_id"] or "unknown",
                "request_key": f"v0-{row['visit_id']}",
                "stock_id": row["stock_id"],
                "car": titles.get(int(row["stock_id"]), ""),
                "customer_name": row["customer_name"],
                "when_text": row["requested_when"],
                "status": "booked",
                "created_at": created,
                "updated_at": created,
            }
        )
    if rows:
        bind.execute(sa.insert(new), rows)
