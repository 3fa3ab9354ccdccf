"""The agent's tools as LangChain tools: thin JSON wrappers over the pure functions of this package.

Each tool returns a JSON-ready dict; a request the tool cannot serve returns `{"error": "..."}` instead of
raising, so the agent can explain it to the customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool

from tools.finance import ALLOWED_TERMS_MONTHS, FinancingError, financing_plan
from tools.inventory import InventoryError, InventoryStore, SearchFilters
from tools.normalize import BrandCatalog

TOOL_NAMES = ("normalize_brand", "search_inventory", "calculate_financing", "schedule_visit")


@dataclass
class Toolkit:
    """The inventory, its brand catalog and the financing defaults the tools share."""

    store: InventoryStore
    catalog: BrandCatalog
    default_down_payment_pct: Decimal = Decimal("20")
    default_annual_rate: Decimal = Decimal("0.10")
    allowed_terms: tuple[int, ...] = ALLOWED_TERMS_MONTHS

    @classmethod
    def from_store(cls, store: InventoryStore, **defaults: Any) -> Toolkit:
        """Toolkit over a store, its catalog built from the makes and models in stock."""
        return cls(store=store, catalog=BrandCatalog.build(store.catalog()), **defaults)

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
        thread_id: str | None = None,
    ) -> dict[str, Any]:
        """Book a visit to see a car in stock; returns the confirmation."""
        try:
            visit_id, vehicle = self.store.book_visit(stock_id, customer_name, when, thread_id)
        except InventoryError as exc:
            return {"error": str(exc)}
        return {
            "visit_id": visit_id,
            "status": "booked",
            "stock_id": vehicle.stock_id,
            "car": vehicle.title,
            "customer_name": customer_name,
            "when": when,
        }

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
