"""The agent's tools as LangChain tools: thin JSON wrappers over the pure functions of this package.

Each tool returns a JSON-ready dict; a request the tool cannot serve returns `{"error": "..."}` instead of
raising, so the agent can explain it to the customer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Annotated, Any

from langchain_core.tools import BaseTool, InjectedToolArg, StructuredTool

from tools.finance import ALLOWED_TERMS_MONTHS, FinancingError, financing_plan
from tools.inventory import InventoryError, InventoryStore, SearchFilters
from tools.normalize import BrandCatalog
from tools.visits import VisitError, Visits

TOOL_NAMES = ("normalize_brand", "search_inventory", "calculate_financing", "schedule_visit")


@dataclass
class Toolkit:
    """The inventory, its brand catalog, the visits and the financing defaults the tools share."""

    store: InventoryStore
    catalog: BrandCatalog
    visits: Visits | None = None
    """Where schedule_visit books (the records database); None: a search-only toolkit that cannot book."""
    default_down_payment_pct: Decimal = Decimal("20")
    default_annual_rate: Decimal = Decimal("0.10")
    allowed_terms: tuple[int, ...] = ALLOWED_TERMS_MONTHS

    @classmethod
    def from_store(cls, store: InventoryStore, visits: Visits | None = None, **defaults: Any) -> Toolkit:
        """Toolkit over a store, its catalog built from the makes and models in stock."""
        return cls(store=store, catalog=BrandCatalog.build(store.catalog()), visits=visits, **defaults)

    def normalize_brand(self, text: str) -> dict[str, Any]:
        """Canonical make/model for what the customer wrote, or make null with suggestions."""
        return self.catalog.match(text).as_dict()

    def search_inventory(
        self,
        make: str | None = None,
        model: str | None = None,
        body_type: str | None = None,
        min_price: int | None = None,
        max_price: int | None = None,
        min_year: int | None = None,
        max_year: int | None = None,
        max_km: int | None = None,
        limit: int = 5,
    ) -> dict[str, Any]:
        """Cars in stock matching every filter, cheapest first, with the total number of matches."""
        filters = SearchFilters(make, model, body_type, min_price, max_price, min_year, max_year, max_km, limit)
        try:
            return self.store.search(filters).as_dict()
        except InventoryError as exc:
            return {"error": str(exc), "results": [], "total": 0}

    def calculate_financing(
        self,
        price: int | float | str,
        term_months: int,
        down_payment: int | float | str | None = None,
        down_payment_pct: int | float | str | None = None,
        annual_rate: float | str | None = None,
    ) -> dict[str, Any]:
        """Exact amortized monthly payment (Decimal, half-up to the cent) for a car's inventory price."""
        if down_payment is None and down_payment_pct is None:
            down_payment_pct = str(self.default_down_payment_pct)
        try:
            plan = financing_plan(
                price,
                term_months,
                down_payment=down_payment,
                down_payment_pct=down_payment_pct,
                annual_rate=self.default_annual_rate if annual_rate is None else annual_rate,
                allowed_terms=self.allowed_terms,
            )
        except FinancingError as exc:
            return {"error": str(exc), "allowed_terms_months": list(self.allowed_terms)}
        return plan.as_dict()

    def schedule_visit(
        self,
        stock_id: int,
        customer_name: str | None = None,
        when: str | None = None,
        thread_id: Annotated[str | None, InjectedToolArg] = None,
        request_key: Annotated[str | None, InjectedToolArg] = None,
        when_iso: Annotated[str | None, InjectedToolArg] = None,
        branch: Annotated[str | None, InjectedToolArg] = None,
    ) -> dict[str, Any]:
        """Book a visit to see a car in stock; returns the confirmation.

        The graph adds the hidden arguments: the conversation (`thread_id`), the inbound message that asked
        (`request_key`: the same request books once), the resolved time (`when_iso`) and the `branch`.
        """
        if self.visits is None:
            return {"error": "visits cannot be booked here"}
        try:
            visit = self.visits.book(
                stock_id,
                thread_id=thread_id or "unknown",
                request_key=request_key or uuid.uuid4().hex,
                customer_name=customer_name,
                when_iso=when_iso,
                when_text=when,
                branch=branch,
            )
        except VisitError as exc:
            return {"error": str(exc)}
        return visit.as_tool_output()

    @cached_property
    def tools(self) -> dict[str, BaseTool]:
        """The tools by name, built once."""
        return {tool.name: tool for tool in self.as_tools()}

    def as_tools(self) -> list[BaseTool]:
        """The four tools as LangChain `StructuredTool`s (for a tool-calling model or ToolNode)."""
        return [
            StructuredTool.from_function(
                self.normalize_brand,
                name="normalize_brand",
                description="Map a make/model as a customer wrote it ('Chebys', 'nisan') to the inventory's "
                "canonical make and model. Returns make null with suggestions for brands not in stock.",
            ),
            StructuredTool.from_function(
                self.search_inventory,
                name="search_inventory",
                description="Search cars in stock (canonical make/model, body_type one of sedan, hatchback, "
                "suv, pickup, minivan, coupe; prices in MXN pesos). Results are cheapest first.",
            ),
            StructuredTool.from_function(
                self.calculate_financing,
                name="calculate_financing",
                description="Monthly payment of a car loan. price must be the car's inventory price; "
                "term_months one of 36, 48, 60, 72; down payment as amount or percentage (default 20%).",
            ),
            StructuredTool.from_function(
                self.schedule_visit,
                name="schedule_visit",
                description="Book a visit to see or test-drive a car in stock (by stock_id).",
            ),
        ]
