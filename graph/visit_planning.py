"""When a visit can be booked: a car, a day and an hour inside opening hours; otherwise what to ask.

Pure over the turn and the clock (Context.now in tests and evaluations). Times are resolved in Mexico City from
the customer's words ("el sábado a las 11" → Saturday 11:00), completed across turns ("el lunes" … "a las 10").
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Any

from graph.context import Context
from graph.state import State, Step
from graph.understanding import Understanding
from graph.understanding.dates import resolve as resolve_time
from tools.text import fold

OPEN_HOUR, CLOSE_HOUR = time(9, 0), time(18, 0)
"""General opening hours (data/knowledge/branches.csv)."""
LAST_START = timedelta(minutes=30)
"""A visit starts at least this long before closing."""


def latest_start(day: datetime) -> time:
    """The last time a visit can start on a day."""
    return (datetime.combine(day.date(), CLOSE_HOUR) - LAST_START).time()


def open_at(moment: datetime) -> bool:
    """Whether a visit can start at this time."""
    return OPEN_HOUR <= moment.time() <= latest_start(moment)


def nearest_slot(moment: datetime) -> datetime:
    """The open time closest to a closed one (the opening or the last start of that day)."""
    hour = OPEN_HOUR if moment.time() < OPEN_HOUR else latest_start(moment)
    return datetime.combine(moment.date(), hour, tzinfo=moment.tzinfo)


def plan_visit(
    u: Understanding,
    prefs: dict[str, Any],
    state: State,
    context: Context,
    notes: list[str],
    out: dict[str, Any],
    plan: dict[str, Any],
    steps: set[Step],
    has_car: bool,
) -> None:
    """Book when the car, the day and the hour are known and open; otherwise ask for what is missing."""
    now = context.clock()
    earlier = prefs.get("visit_when") if state.get("pending") in ("visit_hour", "visit_name") else None
    if state.get("pending") == "visit_name" and not u.visit_when:
        earlier = None  # the name completes the booking asked for; the time stays as said
    if u.visit_when:
        prefs["visit_when"] = f"{earlier} {u.visit_when}" if earlier else u.visit_when
        prefs.pop("visit_at", None)
    if not has_car:
        out["pending"] = out.get("pending") or "schedule"
        return
    words = prefs.get("visit_when")
    if not words:
        out["pending"] = "schedule"
        return
    moment = resolve_time(fold(u.visit_when or words), now)
    same_day = re.search(r"\b(?:mismo\s+dia|same\s+day|ese\s+dia|that\s+day|el\s+mismo)\b", fold(u.visit_when or ""))
    if moment.day is None and same_day and prefs.get("visit_at"):
        moment = replace(moment, day=datetime.fromisoformat(str(prefs["visit_at"])).date())  # "a las 2, el mismo día"
    if earlier and u.visit_when:  # completing our question: the new words win, the earlier ones fill the gaps
        if moment.day is not None and moment.hour is not None:
            prefs["visit_when"] = u.visit_when  # said whole again ("mañana 5:30pm then")
        before = resolve_time(fold(earlier), now)
        moment = replace(moment, day=moment.day or before.day, hour=moment.hour or before.hour)
    if moment.day is None or moment.hour is None:
        out["pending"] = "visit_hour"
        plan["visit_missing"] = "day" if moment.day is None else "hour"
        if moment.day is not None:
            plan["visit_day"] = moment.day.isoformat()
        return
    at = datetime.combine(moment.day, moment.hour, tzinfo=now.tzinfo)
    if at <= now:
        notes.append("visit:past")
        out["pending"] = "visit_hour"
        return
    if not open_at(at):
        notes.append(f"visit:closed:{nearest_slot(at).isoformat()}")
        plan["topics"] = [*plan.get("topics", []), "opening-hours"]
        steps.add("knowledge")
        out["pending"] = "visit_hour"
        return
    prefs["visit_at"] = at.isoformat()
    if earlier and u.visit_when and prefs.get("visit_when") != u.visit_when:
        prefs["visit_when"] = f"{earlier.split(' a la')[0]} {u.visit_when}".strip()  # "el domingo" + "a las 5"
    if not prefs.get("customer_name"):
        out["pending"] = "visit_name"  # the advisor needs to know whom to expect: ask, then book
        plan["visit_at"] = at.isoformat()
        return
    steps.add("schedule")
