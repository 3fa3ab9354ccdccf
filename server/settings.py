"""Settings of the WhatsApp adapter: Twilio credentials, public URL, queue limits; validated at start-up."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator

from graph.settings import blank_to_none
from server.sales_settings import SalesSettings


class ConfigurationError(RuntimeError):
    """The environment cannot run this command (reported at boot, not at the first message)."""


class ServerSettings(SalesSettings):
    """Everything `kavak-agent serve` and `kavak-agent worker` read from the environment (the sales team's too)."""

    twilio_account_sid: str | None = Field(default=None, description="Account SID (AC...) for the REST API.")
    twilio_auth_token: SecretStr | None = Field(
        default=None, description="Auth token: signs webhooks and authenticates REST calls."
    )
    twilio_whatsapp_from: str | None = Field(
        default=None, description="Sender of the replies, e.g. whatsapp:+14155238886."
    )
    public_base_url: str | None = Field(
        default=None,
        description="Base URL Twilio calls (https://bot.example.com); unset: the request's own URL.",
    )
    twilio_api_url: str | None = Field(
        default=None, description="Send REST calls here instead of https://api.twilio.com (stubs, staging)."
    )
    webhook_max_bytes: int = Field(default=32_768, gt=0, description="Largest webhook request body accepted.")
    webhook_max_body_chars: int = Field(default=4_096, gt=0, description="Longest WhatsApp message accepted.")
    dedupe_ttl_s: int = Field(default=172_800, gt=0, description="How long MessageSids and reply records live.")
    burst_debounce_ms: int = Field(
        default=800,
        ge=0,
        description="Wait this long after a customer's last message before starting a turn.",
    )
    burst_max_wait_ms: int = Field(default=3_000, ge=0, description="Longest a turn waits for a burst to end.")
    turn_lock_ttl_s: float = Field(
        default=15.0,
        gt=0,
        description="Per-thread lock lease, renewed every third of it while a turn runs; frees a dead worker's thread.",
    )
    redispatch_s: float = Field(
        default=10.0,
        gt=0,
        description="A thread whose task was lost (dead worker, broker restart) or busy is dispatched again then.",
    )
    twilio_send_attempts: int = Field(default=5, ge=1, le=20, description="REST attempts per message part.")
    twilio_retry_backoff_s: float = Field(default=0.5, ge=0, description="First retry delay; doubles each time.")
    twilio_timeout_s: float = Field(default=10.0, gt=0, description="Timeout of one REST call.")
    redis_cluster_url: str | None = Field(
        default=None,
        description="A Redis Cluster node for the per-thread data (inbox, dedupe, locks, replies); default REDIS_URL.",
    )
    celery_broker_url: str | None = Field(
        default=None,
        description="Celery's broker, a standalone Redis (Celery cannot use a Cluster); default REDIS_URL.",
    )
    embedded_workers: int = Field(default=2, ge=1, le=32, description="In-process worker threads (no Redis).")
    send_delay_s: float = Field(
        default=0.0, ge=0, description="Testing/demos only: sleep between a turn and its sending."
    )
    webchat_enabled: bool = Field(
        default=True, description="Serve the public web chat at / (turn it off where only WhatsApp should answer)."
    )
    webchat_rate_limit: str = Field(
        default="20/minute;200/hour",
        description="Web chat requests allowed per client address, in `limits` notation ('N/second|minute|hour').",
    )
    webchat_max_chars: int = Field(default=4_096, gt=0, le=100_000, description="Longest web chat message.")

    @field_validator("webchat_rate_limit")
    @classmethod
    def _rate_limit_parses(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError(f"not a rate limit like '20/minute;200/hour': {value!r}") from exc
        return value

    @field_validator("celery_broker_url", "redis_cluster_url", mode="before")
    @classmethod
    def _blank_broker_is_none(cls, value: object) -> object:
        return blank_to_none(value)

    @field_validator("twilio_auth_token", mode="before")
    @classmethod
    def _blank_token_is_none(cls, value: object) -> object:
        return blank_to_none(value)

    @field_validator("twilio_account_sid", "twilio_whatsapp_from", "public_base_url", "twilio_api_url", mode="before")
    @classmethod
    def _blank_or_slash(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip().rstrip("/") if value.strip().startswith("http") else value.strip()
            return value or None
        return value

    @property
    def embedded(self) -> bool:
        """True without REDIS_URL: in-process worker, SQLite inbox and checkpointer."""
        return self.redis_url is None

    @property
    def store_url(self) -> str | None:
        """Where the per-thread data lives: REDIS_CLUSTER_URL, else REDIS_URL (None: embedded SQLite)."""
        return self.redis_cluster_url or self.redis_url

    @property
    def broker_url(self) -> str | None:
        """Where Celery's queue lives: CELERY_BROKER_URL, else REDIS_URL."""
        return self.celery_broker_url or self.redis_url

    @property
    def inbox_path(self) -> Path:
        """Embedded mode's inbox, dedupe and reply records (SQLite)."""
        return self.data_dir / "inbox.sqlite"

    @property
    def twilio_configured(self) -> bool:
        """True when replies can be sent and webhooks verified."""
        return bool(self.twilio_account_sid and self.twilio_auth_token and self.twilio_whatsapp_from)

    def validate_for_serving(self) -> None:
        """Raise ConfigurationError when this configuration cannot serve WhatsApp safely."""
        names = {
            "TWILIO_ACCOUNT_SID": self.twilio_account_sid,
            "TWILIO_AUTH_TOKEN": self.twilio_auth_token,
            "TWILIO_WHATSAPP_FROM": self.twilio_whatsapp_from,
        }
        missing = [name for name, value in names.items() if not value]
        if missing and (not self.embedded or len(missing) < len(names)):
            mode = "with REDIS_URL (production)" if not self.embedded else "when Twilio is partly configured"
            raise ConfigurationError(f"{', '.join(missing)} must be set {mode}")
        if self.public_base_url and not self.public_base_url.startswith(("http://", "https://")):
            raise ConfigurationError("PUBLIC_BASE_URL must start with http:// or https://")
        if self.twilio_api_url and not self.twilio_api_url.startswith(("http://", "https://")):
            raise ConfigurationError("TWILIO_API_URL must start with http:// or https://")

    def validate_for_worker(self) -> None:
        """Raise ConfigurationError unless a Celery worker can run (Redis and Twilio configured)."""
        if self.embedded:
            raise ConfigurationError(
                "kavak-agent worker needs REDIS_URL (without it, `serve` runs an in-process worker)"
            )
        self.validate_for_serving()
