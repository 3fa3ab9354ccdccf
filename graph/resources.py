"""Process-wide resources built once from settings: the inventory, the records, the toolkit and the chat model."""

from __future__ import annotations

import logging
from functools import lru_cache

from langchain.chat_models import init_chat_model
from langchain_core.language_models import BaseChatModel
from sqlalchemy import Engine

from graph.context import Context
from graph.settings import Settings, get_settings
from tools.database import make_engine, migrate
from tools.finance import FinancingTerms
from tools.handoffs import Handoffs
from tools.inventory import InventoryStore
from tools.inventory_build import open_inventory
from tools.leads import Leads
from tools.toolkit import Toolkit
from tools.visits import Visits

log = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def _inventory(settings: Settings) -> InventoryStore:
    if settings.inventory_url:
        return InventoryStore.from_url(settings.inventory_url)
    return open_inventory(settings.inventory_path, settings.vehicles_csv)


def get_inventory(settings: Settings | None = None) -> InventoryStore:
    """The inventory (read-only): INVENTORY_URL, or the SQLite file built once from the CSV."""
    return _inventory(settings or get_settings())


@lru_cache(maxsize=4)
def _records_engine(url: str) -> Engine:
    engine = make_engine(url)
    migrate(engine)
    return engine


def get_records_engine(settings: Settings | None = None) -> Engine:
    """The records database (visits, handoffs...), migrated to the newest revision on first use."""
    settings = settings or get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return _records_engine(settings.records_database_url)


def get_visits(settings: Settings | None = None) -> Visits:
    """Booked visits, checked against the inventory."""
    visits = get_toolkit(settings).visits
    assert visits is not None  # the process toolkit always has them
    return visits


def get_handoffs(settings: Settings | None = None) -> Handoffs:
    """Handoffs to a person."""
    handoffs = get_toolkit(settings).handoffs
    assert handoffs is not None  # the process toolkit always has them
    return handoffs


def get_leads(settings: Settings | None = None) -> Leads:
    """The sales leads (`record(...)` after a turn that books, hands off or quotes)."""
    return Leads(get_records_engine(settings))


@lru_cache(maxsize=4)
def _toolkit(settings: Settings) -> Toolkit:
    store = get_inventory(settings)
    engine = get_records_engine(settings)
    terms = FinancingTerms(
        down_payment_pct=settings.down_payment_pct,
        annual_rate=settings.annual_rate,
        min_down_payment_pct=settings.min_down_payment_pct,
    )
    return Toolkit.from_store(store, visits=Visits(engine, store), handoffs=Handoffs(engine), terms=terms)


def get_toolkit(settings: Settings | None = None) -> Toolkit:
    """The inventory, brand catalog, visits and tools (the inventory and the records are prepared first)."""
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
    """Forget cached settings, inventory, records, toolkit and models (after the environment changed, e.g. in tests)."""
    get_settings.cache_clear()
    _inventory.cache_clear()
    _records_engine.cache_clear()
    _toolkit.cache_clear()
    _chat_model.cache_clear()
