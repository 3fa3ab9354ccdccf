"""Alembic environment: migrate the records database, never the inventory's tables next to it."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import create_engine, pool

import tools.handoffs
import tools.leads
import tools.notifications
import tools.staff
import tools.staff_replies
import tools.visits  # noqa: F401  (each domain module registers its tables on records_metadata)
from tools.database import include_name, records_metadata

config = context.config


def run() -> None:
    """Run the revisions on the caller's connection (`migrate`), or on `sqlalchemy.url` from the alembic CLI."""
    options: dict[str, Any] = {
        "target_metadata": records_metadata,
        "include_name": include_name,
        "render_as_batch": True,  # SQLite alters tables by copying them
        "compare_type": True,
    }
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "", poolclass=pool.NullPool)
    with engine.begin() as conn:
        context.configure(connection=conn, **options)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run tools.database.migrate(url)")
run()
