"""Staff accounts (argon2-hashed passwords) and their sign-in sessions, kept in the records database.

A session is a random token held in the browser's cookie; the database keeps only its SHA-256, so a copy of the
database signs nobody in. Sessions end at their expiry or at sign-out.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import (
    Boolean,
    Column,
    Engine,
    Index,
    PrimaryKeyConstraint,
    String,
    Table,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from tools.database import UTCDateTime, records_metadata, utcnow

MIN_PASSWORD = 12
MAX_PASSWORD = 1024
MAX_EMAIL = 254
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

staff_accounts = Table(
    "staff_accounts",
    records_metadata,
    Column("email", String(MAX_EMAIL), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("email", name="pk_staff_accounts"),
)

staff_sessions = Table(
    "staff_sessions",
    records_metadata,
    Column("token_hash", String(64), nullable=False),
    Column("email", String(MAX_EMAIL), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("token_hash", name="pk_staff_sessions"),
    Index("ix_staff_sessions_expires", "expires_at"),
)


class StaffError(ValueError):
    """An account change that cannot be made, with a message the person at the terminal can read."""


@dataclass(frozen=True)
class Session:
    """A signed-in staff member."""

    email: str
    created_at: datetime
    expires_at: datetime


def normalize_email(email: str) -> str:
    """The account key: trimmed and lower-cased; StaffError when it is not an address."""
    email = (email or "").strip().lower()
    if len(email) > MAX_EMAIL or not _EMAIL.match(email):
        raise StaffError(f"{email!r} is not an e-mail address")
    return email


def token_hash(token: str) -> str:
    """What the database keeps of a session token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class StaffAccounts:
    """Staff accounts and sessions. Thread-safe; one per process is enough."""

    def __init__(
        self, engine: Engine, clock: Callable[[], datetime] = utcnow, hasher: PasswordHasher | None = None
    ) -> None:
        """argon2id with the library's defaults unless a `hasher` is given (tests use a cheaper one)."""
        self.engine = engine
        self.clock = clock
        self.hasher = hasher or PasswordHasher()
        self._dummy = self.hasher.hash(secrets.token_hex(16))

    def add(self, email: str, password: str, *, reset: bool = False) -> str:
        """Create an account (or, with `reset`, set a new password and reactivate it); the normalized e-mail."""
        email = normalize_email(email)
        if not MIN_PASSWORD <= len(password or "") <= MAX_PASSWORD:
            raise StaffError(f"the password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters")
        now = self.clock()
        hashed = self.hasher.hash(password)
        with self.engine.begin() as conn:
            if reset:
                changed = conn.execute(
                    update(staff_accounts)
                    .where(staff_accounts.c.email == email)
                    .values(password_hash=hashed, active=True, updated_at=now)
                ).rowcount
                if changed:
                    conn.execute(delete(staff_sessions).where(staff_sessions.c.email == email))
                    return email
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(staff_accounts).values(
                        email=email, password_hash=hashed, active=True, created_at=now, updated_at=now
                    )
                )
        except IntegrityError as exc:
            raise StaffError(f"{email} already has an account (use --reset to set a new password)") from exc
        return email

    def verify(self, email: str, password: str) -> str | None:
        """The account's e-mail when the password is right, else None (as slow for unknown addresses)."""
        try:
            email = normalize_email(email)
        except StaffError:
            email = ""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(staff_accounts.c.password_hash, staff_accounts.c.active).where(staff_accounts.c.email == email)
            ).first()
        stored = row.password_hash if row is not None else self._dummy
        try:
            self.hasher.verify(stored, (password or "")[:MAX_PASSWORD])
        except (VerificationError, InvalidHashError):
            return None
        if row is None or not row.active:
            return None
        if self.hasher.check_needs_rehash(stored):
            with self.engine.begin() as conn:
                conn.execute(
                    update(staff_accounts)
                    .where(staff_accounts.c.email == email)
                    .values(password_hash=self.hasher.hash(password), updated_at=self.clock())
                )
        return email

    def deactivate(self, email: str) -> bool:
        """Stop an account from signing in and end its sessions."""
        email = normalize_email(email)
        with self.engine.begin() as conn:
            changed = conn.execute(
                update(staff_accounts)
                .where(staff_accounts.c.email == email)
                .values(active=False, updated_at=self.clock())
            ).rowcount
            conn.execute(delete(staff_sessions).where(staff_sessions.c.email == email))
        return changed == 1

    def emails(self) -> list[str]:
        """Every account, active or not."""
        with self.engine.connect() as conn:
            return list(conn.execute(select(staff_accounts.c.email).order_by(staff_accounts.c.email)).scalars())

    def open_session(self, email: str, lifetime: timedelta) -> str:
        """A new session for a verified account; the token for the cookie."""
        token = secrets.token_urlsafe(32)
        now = self.clock()
        with self.engine.begin() as conn:
            conn.execute(delete(staff_sessions).where(staff_sessions.c.expires_at <= now))
            conn.execute(
                insert(staff_sessions).values(
                    token_hash=token_hash(token), email=email, created_at=now, expires_at=now + lifetime
                )
            )
        return token

    def session(self, token: str | None) -> Session | None:
        """The live session of a cookie's token (an active account, not expired), or None."""
        if not token or len(token) > 100:
            return None
        query = (
            select(staff_sessions.c.email, staff_sessions.c.created_at, staff_sessions.c.expires_at)
            .join(staff_accounts, staff_accounts.c.email == staff_sessions.c.email)
            .where(
                staff_sessions.c.token_hash == token_hash(token),
                staff_sessions.c.expires_at > self.clock(),
                staff_accounts.c.active.is_(True),
            )
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return Session(**row) if row else None

    def close_session(self, token: str | None) -> None:
        """Sign out: the token no longer opens anything."""
        if token:
            with self.engine.begin() as conn:
                conn.execute(delete(staff_sessions).where(staff_sessions.c.token_hash == token_hash(token)))
