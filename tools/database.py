"""SQLAlchemy engines and the records database's schema, migrated with Alembic at start-up.

Two databases: the inventory (read-only for the agent) and the records (visits, handoffs, and what later
revisions add). Both get their engines from `make_engine`; only the records are migrated, by `migrate`, and
that is safe when several processes start at once (a file lock for SQLite, an advisory lock for PostgreSQL).
"""

from __future__ import annotations

import logging
import zlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from filelock import FileLock
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event, make_url, select, text
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_S = 30.0
"""How long an SQLite writer waits for another process's write to finish before failing."""
MIGRATION_LOCK_KEY = zlib.crc32(b"kavak-agent records migrations")
"""PostgreSQL advisory lock id held while migrating (any 64-bit number; fixed so every process agrees)."""

records_metadata = MetaData()
"""Tables of the records database; each domain module (visits, handoffs...) adds its own."""


def include_name(name: str | None, type_: str, _parent: Any) -> bool:
    """Alembic compares only the records' own tables: the inventory's may share the database."""
    return type_ != "table" or name in records_metadata.tables


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC on every backend (SQLite keeps no offset of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("datetimes stored in the records database must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, *, read_only: bool = False) -> Engine:
    """An engine for `url`. SQLite files get WAL and a busy timeout so readers never block the writers.

    `read_only` opens an SQLite file without writing to it (no WAL switch): the default inventory is replaced
    whole by a rename, never written in place, so its readers need no journal at all.
    """
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    if url in ("sqlite://", "sqlite:///:memory:"):
        return create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    connect_args: dict[str, Any] = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S}
    if read_only:
        path = make_url(url).database
        return create_engine(f"sqlite:///file:{path}?mode=ro&uri=true", connect_args=connect_args)
    engine = create_engine(url, connect_args=connect_args)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def sqlite_file(url: str) -> Path | None:
    """The file behind an SQLite URL, or None (another backend, or in memory)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for the records database (no alembic.ini needed: the scripts ship in the package)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.set_main_option("file_template", "%%(rev)s")  # revision ids name the files: 0003_leads.py
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision the code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None before the first migration)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(target: str | Engine, revision: str = "head") -> None:
    """Upgrade the records database at `target` to `revision`; concurrent callers wait and then find it done."""
    engine = make_engine(target) if isinstance(target, str) else target
    try:
        path = sqlite_file(str(engine.url))
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            with FileLock(f"{path}.migrate.lock"):
                _upgrade(engine, revision)
        else:
            _upgrade(engine, revision)
    finally:
        if isinstance(target, str):
            engine.dispose()


def _upgrade(engine: Engine, revision: str) -> None:
    if revision == "head" and current_revision(engine) == head_revision():
        return  # the common start-up: nothing to do, no lock taken on PostgreSQL
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Held until this transaction ends; PostgreSQL runs the DDL inside it, so a failure leaves nothing.
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        before = MigrationContext.configure(conn).get_current_revision()
        command.upgrade(alembic_config(conn), revision)
        after = MigrationContext.configure(conn).get_current_revision()
    if before != after:
        log.info("records database migrated from %s to %s", before or "empty", after)


def ping(engine: Engine) -> bool:
    """True when the database answers."""
    with engine.connect() as conn:
        return conn.execute(select(1)).scalar_one() == 1


def utcnow() -> datetime:
    """The current time, timezone-aware (the default clock of the records)."""
    return datetime.now(UTC)
