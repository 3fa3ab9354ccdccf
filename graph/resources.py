"""Process-wide resources built once from settings: the inventory toolkit and the chat model."""

from __future__ import annotations

import logging
from functools import lru_cache

from langchain.chat_models import init_chat_model
from langchain_core.language_models import BaseChatModel

from graph.context import Context
from graph.settings import Settings, get_settings
from tools.inventory import InventoryStore
from tools.toolkit import Toolkit

log = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def _toolkit(settings: Settings) -> Toolkit:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if settings.inventory_url:
        store = InventoryStore.from_url(settings.inventory_url)
    else:
        store = InventoryStore.from_csv(settings.inventory_database_url, settings.vehicles_csv)
    return Toolkit.from_store(
        store, default_down_payment_pct=settings.down_payment_pct, default_annual_rate=settings.annual_rate
    )


def get_toolkit(settings: Settings | None = None) -> Toolkit:
    """The inventory store, brand catalog and tools (the default SQLite inventory is loaded from the CSV)."""
    return _toolkit(settings or get_settings())


@lru_cache(maxsize=8)
def _chat_model(spec: str, settings: Settings) -> BaseChatModel:
    kwargs: dict[str, object] = {
        "timeout": settings.model_timeout_s,
        "max_retries": settings.model_max_retries,
    }
    if spec.startswith("openai:"):
        assert settings.openai_api_key is not None
        kwargs["api_key"] = settings.openai_api_key.get_secret_value()
        if settings.openai_base_url:
            kwargs["base_url"] = settings.openai_base_url
    return init_chat_model(spec, temperature=0, **kwargs)  # type: ignore[call-overload]


def get_chat_model(context: Context, settings: Settings | None = None) -> BaseChatModel | None:
    """The model for this run, or None in offline mode (no key, or the run asked for offline)."""
    settings = settings or get_settings()
    if context.offline or settings.offline:
        return None
    return _chat_model(context.model or settings.agent_model, settings)


def clear_caches() -> None:
    """Forget cached settings, toolkit and models (after the environment changed, e.g. in tests)."""
    get_settings.cache_clear()
    _toolkit.cache_clear()
    _chat_model.cache_clear()
