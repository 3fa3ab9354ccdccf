"""Process settings: secrets, URLs and defaults read once from the environment (and `.env`), validated."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


def blank_to_none(value: object) -> object:
    """An empty or blank variable (`OPENAI_API_KEY=` in .env) means "not set"."""
    return None if isinstance(value, str) and not value.strip() else value


class Settings(BaseSettings):
    """Everything the agent reads from the environment. Unknown variables are ignored."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True)

    openai_api_key: SecretStr | None = Field(default=None, description="Enables OpenAI mode when set.")
    openai_base_url: str | None = Field(default=None, description="OpenAI-compatible endpoint (proxy, Azure, local).")
    agent_model: str = Field(default="openai:gpt-4o-mini", description="provider:model for init_chat_model.")
    model_timeout_s: float = Field(default=20.0, gt=0, description="Seconds before a model call falls back.")
    model_max_retries: int = Field(default=1, ge=0, le=5)
    redis_url: str | None = Field(default=None, description="Redis 8+/Redis Stack: checkpointer (and queue).")
    checkpoint_ttl_minutes: int = Field(default=1440, gt=0, description="Redis checkpoint TTL, refreshed on read.")
    inventory_url: str | None = Field(
        default=None, description="SQLAlchemy URL of an inventory that holds the vehicles table."
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the records database (visits, handoffs); migrated at start-up.",
    )
    data_dir: Path = Field(default=REPO_ROOT / ".kavak", description="Local state: SQLite files.")
    vehicles_csv: Path = Field(default=REPO_ROOT / "data" / "vehicles.csv")
    down_payment_pct: Decimal = Field(default=Decimal("20"), ge=0, lt=100)
    annual_rate: Decimal = Field(default=Decimal("0.10"), ge=0, lt=1)
    langsmith_tracing: bool = Field(default=False, description="LangSmith reads LANGSMITH_* itself.")
    langsmith_api_key: SecretStr | None = None
    langsmith_project: str = "kavak-agent"
    langsmith_endpoint: str | None = None

    @field_validator(
        "openai_api_key",
        "langsmith_api_key",
        "redis_url",
        "inventory_url",
        "database_url",
        "openai_base_url",
        "langsmith_endpoint",
        mode="before",
    )
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return blank_to_none(value)

    @property
    def offline(self) -> bool:
        """True when no model is configured: rule-based understanding and templated replies."""
        return self.openai_api_key is None

    @property
    def inventory_path(self) -> Path:
        """The default inventory: an SQLite file built from VEHICLES_CSV when INVENTORY_URL is not set."""
        return self.data_dir / "inventory.sqlite"

    @property
    def inventory_database_url(self) -> str:
        """The inventory's SQLAlchemy URL (INVENTORY_URL, else the file built from the CSV)."""
        return self.inventory_url or f"sqlite:///{self.inventory_path}"

    @property
    def records_database_url(self) -> str:
        """The records' SQLAlchemy URL: DATABASE_URL, else INVENTORY_URL, else DATA_DIR/records.sqlite."""
        return self.database_url or self.inventory_url or f"sqlite:///{self.data_dir / 'records.sqlite'}"

    @property
    def checkpoint_path(self) -> Path:
        """SQLite checkpointer file used when no Redis is configured."""
        return self.data_dir / "checkpoints.sqlite"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings (read once; tests clear the cache after changing the environment)."""
    return Settings()
