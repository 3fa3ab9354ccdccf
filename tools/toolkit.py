"""The agent's tools as LangChain tools: thin JSON wrappers over the pure functions of this package.

Each tool returns a JSON-ready dict; a request the tool cannot serve returns `{"error": "..."}` instead of
raising, so the agent can explain it to the customer. Arguments the graph adds itself (the conversation, the
request key, the clock) are `InjectedToolArg`s: a model never sees or fills them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cached_property
from typing import Annotated, Any

from langchain_core.tools import BaseTool, InjectedToolArg, StructuredTool

from tools.finance import FinancingError, FinancingTerms, financing_plan, max_price_for_payment
from tools.handoffs import HandoffError, Handoffs
from tools.inventory import InventoryError, InventoryStore, SearchFilters
from tools.knowledge import KnowledgeBase
from tools.normalize import BrandCatalog
from tools.visits import DEALER_TZ, Visit, VisitError, Visits


@dataclass
class Toolkit:
    """The inventory, its brand catalog, the records and the financing terms the tools share."""

    store: InventoryStore
    catalog: BrandCatalog
    knowledge: KnowledgeBase
    visits: Visits | None = None
    """Where bookings live (the records database); None: a search-only toolkit that cannot book."""
    handoffs: Handoffs | None = None
    """Where handoffs to a person are recorded; None: nobody to hand over to."""
    terms: FinancingTerms = field(default_factory=FinancingTerms)

    @classmethod
    def from_store(
        cls,
        store: InventoryStore,
        visits: Visits | None = None,
        handoffs: Handoffs | None = None,
        terms: FinancingTerms | None = None,
    ) -> Toolkit:
        """Toolkit over a store: its catalog built from the makes and models in stock, the dealer's knowledge."""
        terms = terms or FinancingTerms()
        knowledge = KnowledgeBase.load(values=terms.knowledge_values)
        catalog = BrandCatalog.build(store.catalog())
        catalog.places = knowledge.place_names()  # "Patio Santa Fe", "soy de León": places, never cars
        return cls(
            store=store,
            catalog=catalog,
            knowledge=knowledge,
            visits=visits,
            handoffs=handoffs,
            terms=terms,
        )

    # ------------------------------------------------------------------------------------------ inventory

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
        transmission: str | None = None,
        bluetooth: bool | None = None,
        car_play: bool | None = None,
        min_seats: int | None = None,
        all_wheel_drive: bool | None = None,
        sort: str = "price_asc",
        limit: int = 5,
    ) -> dict[str, Any]:
        """Cars in stock matching every filter, in the order asked (cheapest first), with the total of matches.
        Seats and all-wheel drive are read from the version codes ("7 PASAJEROS", "AWD")."""
        filters = SearchFilters(
            make, model, body_type, min_price, max_price, min_year, max_year, max_km, transmission, bluetooth,
            car_play, min_seats, all_wheel_drive, sort, limit,
        )  # fmt: skip
        try:
            return self.store.search(filters).as_dict()
        except InventoryError as exc:
            return {"error": str(exc), "results": [], "total": 0}

    # ------------------------------------------------------------------------------------------ financing

    def calculate_financing(
        self,
        price: int | float | str,
        term_months: int,
        down_payment: int | float | str | None = None,
        down_payment_pct: int | float | str | None = None,
    ) -> dict[str, Any]:
        """Exact amortized monthly payment (Decimal, half-up to the cent) for a car's inventory price."""
        if down_payment is None and down_payment_pct is None:
            down_payment_pct = str(self.terms.down_payment_pct)
        try:
            plan = financing_plan(
                price,
                term_months,
                down_payment=down_payment,
                down_payment_pct=down_payment_pct,
                annual_rate=self.terms.annual_rate,
                allowed_terms=self.terms.allowed_terms,
                min_down_payment_pct=self.terms.min_down_payment_pct,
            )
        except FinancingError as exc:
            return self._financing_error(exc)
        return plan.as_dict()

    def max_price_for_payment(
        self,
        monthly_payment: int | float | str,
        term_months: int,
        down_payment: int | float | str | None = None,
        down_payment_pct: int | float | str | None = None,
    ) -> dict[str, Any]:
        """The highest car price a monthly payment reaches (exact inverse of calculate_financing)."""
        try:
            result = max_price_for_payment(
                monthly_payment,
                term_months,
                down_payment=down_payment,
                down_payment_pct=down_payment_pct,
                annual_rate=self.terms.annual_rate,
                allowed_terms=self.terms.allowed_terms,
                min_down_payment_pct=self.terms.min_down_payment_pct,
            )
        except FinancingError as exc:
            return self._financing_error(exc)
        return result.as_dict()

    def _financing_error(self, exc: FinancingError) -> dict[str, Any]:
        return {
            "error": str(exc),
            "allowed_terms_months": list(self.terms.allowed_terms),
            "min_down_payment_pct": float(self.terms.min_down_payment_pct),
        }

    # ------------------------------------------------------------------------------------------ visits

    def schedule_visit(
        self,
        stock_id: int,
        customer_name: str | None = None,
        when: str | None = None,
        thread_id: Annotated[str | None, InjectedToolArg] = None,
        request_key: Annotated[str | None, InjectedToolArg] = None,
        when_iso: Annotated[str | None, InjectedToolArg] = None,
        branch: Annotated[str | None, InjectedToolArg] = None,
        now: Annotated[datetime | None, InjectedToolArg] = None,
    ) -> dict[str, Any]:
        """Book a visit to see a car in stock; returns the confirmation.

        The graph adds the hidden arguments: the conversation (`thread_id`), the inbound message that asked
        (`request_key`: the same request books once), the resolved time (`when_iso`), the `branch` and the clock.
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
                now=now,
            )
        except VisitError as exc:
            return {"error": str(exc)}
        return visit.as_tool_output()

    def reschedule_visit(
        self,
        when: str,
        visit_id: str | None = None,
        thread_id: Annotated[str | None, InjectedToolArg] = None,
        day: Annotated[str | None, InjectedToolArg] = None,
        hour: Annotated[str | None, InjectedToolArg] = None,
        now: Annotated[datetime | None, InjectedToolArg] = None,
    ) -> dict[str, Any]:
        """Move the conversation's visit (the newest one unless `visit_id` says which) to another time.

        The graph passes what the customer's words pin down: a new `day` (ISO date) and/or `hour` ("HH:MM"); the
        other keeps the booked one ("el viernes, misma hora"). Both missing: the customer must say when.
        """
        try:
            visit = self._visit_of(thread_id, visit_id)
            booked = visit.when
            new_day = date.fromisoformat(day) if day else booked.date() if booked else None
            new_hour = time.fromisoformat(hour) if hour else booked.time() if booked else None
            if new_day is None or new_hour is None or not (day or hour):
                return {"error": "missing day or hour", "missing": "day" if new_day is None else "hour",
                        **visit.as_tool_output()}  # fmt: skip
            at = datetime.combine(new_day, new_hour, tzinfo=DEALER_TZ)
            moved = self._visits().reschedule(visit.visit_id, at.isoformat(), when, thread_id=thread_id, now=now)
        except VisitError as exc:
            return {"error": str(exc)}
        return {**moved.as_tool_output(), "previous_when": visit.when_text, "previous_when_iso": visit.when_iso}

    def cancel_visit(
        self,
        visit_id: str | None = None,
        thread_id: Annotated[str | None, InjectedToolArg] = None,
    ) -> dict[str, Any]:
        """Cancel the conversation's visit (the newest one unless `visit_id` says which)."""
        try:
            visit = self._visit_of(thread_id, visit_id)
            return self._visits().cancel(visit.visit_id, thread_id=thread_id).as_tool_output()
        except VisitError as exc:
            return {"error": str(exc)}

    def find_visit(
        self,
        customer_name: str | None = None,
        thread_id: Annotated[str | None, InjectedToolArg] = None,
    ) -> dict[str, Any]:
        """The conversation's booked visits (under a name when given), newest first."""
        try:
            visits = self._visits()
            found = visits.find(thread_id or "", customer_name) if customer_name else visits.for_thread(thread_id or "")
        except VisitError as exc:
            return {"error": str(exc)}
        return {"visits": [v.as_tool_output() for v in found], "total": len(found)}

    def set_visit_name(
        self,
        customer_name: str,
        thread_id: Annotated[str | None, InjectedToolArg] = None,
    ) -> dict[str, Any]:
        """Put the customer's name on the conversation's booked visits."""
        try:
            updated = self._visits().set_customer_name(thread_id or "", customer_name)
        except VisitError as exc:
            return {"error": str(exc)}
        return {"visits": [v.as_tool_output() for v in updated], "total": len(updated)}

    def _visits(self) -> Visits:
        if self.visits is None:
            raise VisitError("visits cannot be managed here")
        return self.visits

    def _visit_of(self, thread_id: str | None, visit_id: str | None) -> Visit:
        visits = self._visits()
        if visit_id:
            found = visits.get(visit_id)
            if found is None or found.thread_id != thread_id:
                raise VisitError(f"there is no visit {visit_id!r} in this conversation")
            return found
        booked = visits.for_thread(thread_id or "")
        if not booked:
            raise VisitError("this conversation has no booked visit")
        return booked[0]

    # ------------------------------------------------------------------------------------------ dealer

    def search_knowledge(
        self, query: str, language: str | None = None, limit: int = 3, topic: str | None = None
    ) -> dict[str, Any]:
        """Sections of the dealer's knowledge base that answer a question, best first; `topic` (a section id the
        question is known to be about) comes first."""
        passages = self.knowledge.search(query, language, max(1, min(limit, 5)))
        if topic:
            if topic not in self.knowledge.ids:
                return {
                    "error": f"no section {topic!r}; sections: {', '.join(self.knowledge.ids)}",
                    "passages": passages,
                }
            first = next((p for p in passages if p["id"] == topic), None) or self.knowledge.section(
                topic, language or "es"
            ).passage(0.0)
            passages = [first, *(p for p in passages if p["id"] != topic)][: max(1, min(limit, 5))]
        return {"passages": passages}

    def request_human(
        self,
        reason: str,
        summary: str = "",
        thread_id: Annotated[str | None, InjectedToolArg] = None,
        details: Annotated[dict[str, Any] | None, InjectedToolArg] = None,
    ) -> dict[str, Any]:
        """Hand the conversation to a person (an advisor writes to the customer); the agent then stays silent."""
        if self.handoffs is None:
            return {"error": "no advisor can take conversations here"}
        try:
            handoff = self.handoffs.request(thread_id or "", reason, {"text": summary, **(details or {})})  # type: ignore[arg-type]
        except HandoffError as exc:
            return {"error": str(exc)}
        return {"handoff_id": handoff.handoff_id, "status": handoff.status, "reason": handoff.reason}

    # ------------------------------------------------------------------------------------------ tools

    @cached_property
    def tools(self) -> dict[str, BaseTool]:
        """The tools by name, built once."""
        return {tool.name: tool for tool in self.as_tools()}

    def as_tools(self) -> list[BaseTool]:
        """Every tool as a LangChain `StructuredTool` (for a tool-calling model or ToolNode)."""
        terms = ", ".join(str(t) for t in self.terms.allowed_terms)
        specs: list[tuple[Callable[..., Any], str]] = [
            (self.normalize_brand, "Map a make/model as a customer wrote it ('Chebys', 'nisan') to the inventory's "
             "canonical make and model; make null with suggestions (or requested_model) when not in stock."),
            (self.search_inventory, "Search cars in stock (canonical make/model; body_type sedan, hatchback, suv, "
             "pickup, minivan, coupe; transmission automatic/manual; min_seats and all_wheel_drive as the versions "
             "state them; prices in MXN; sort price_asc, price_desc, year_desc, km_asc)."),
            (self.calculate_financing, f"Monthly payment of a car loan: price is the car's inventory price; "
             f"term_months one of {terms}; down payment as amount or percentage."),
            (self.max_price_for_payment, "The highest car price a monthly payment reaches with a down payment and "
             "term (then search under it)."),
            (self.schedule_visit, "Book a visit to see or test-drive a car in stock (by stock_id)."),
            (self.reschedule_visit, "Move the customer's booked visit to another time."),
            (self.cancel_visit, "Cancel the customer's booked visit."),
            (self.find_visit, "The customer's booked visits (optionally under a name)."),
            (self.set_visit_name, "Put the customer's name on their booked visits."),
            (self.search_knowledge, "Search the dealer's knowledge base (warranty, returns, financing, documents, "
             "trade-in, branches, hours...)."),
            (self.request_human, "Hand the conversation to a human advisor (reason: customer_request, complaint, "
             "not_understood, unknown_question, credit_decision)."),
        ]  # fmt: skip
        return [StructuredTool.from_function(fn, name=fn.__name__, description=text) for fn, text in specs]
