"""Render the pieces of a reply: lists of cars, one car, payments, visits and the search criteria in words.

Every number comes from a tool output or the customer's own preferences; formats are the ones customers read on
WhatsApp ($226,999, $4,605.82, 28,430 km, "sábado 28 de noviembre, 11:00").
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from prompts.replies import (
    BODY_NAMES,
    CRITERIA,
    FEATURE_NAMES,
    MONTHS,
    TRANSMISSION_NAMES,
    WEEKDAYS,
    phrase,
    version_facts,
)
from tools.inventory import all_wheel_drive_of


def money(amount: Any, decimals: bool = False) -> str:
    """Pesos as customers read them: $226,999 or $4,605.82."""
    value = Decimal(str(amount))
    if decimals:
        return f"${value:,.2f}"
    return f"${value:,.0f}" if value == value.to_integral_value() else f"${value:,.2f}"


def number(value: Any) -> str:
    """A Decimal-like value without trailing zeros: 20 → "20", 12.5 → "12.5"."""
    text = f"{Decimal(str(value)):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def title(car: dict[str, Any]) -> str:
    """ "Chevrolet Onix 2021" (a model named like its make is not repeated: "Mazda 3 2019")."""
    make, model = str(car.get("make", "")), str(car.get("model", ""))
    name = model if model.lower().startswith(make.lower()) else f"{make} {model}".strip()
    return f"{name} {car.get('year', '')}".strip()


def when_text(iso: str | None, language: str, fallback: str | None = None) -> str:
    """ "sábado 28 de noviembre, 11:00" / "Saturday, November 28, 11:00" from an ISO datetime."""
    if not iso:
        return fallback or ""
    moment = datetime.fromisoformat(iso)
    day = WEEKDAYS[language if language in WEEKDAYS else "es"][moment.weekday()]
    month = MONTHS[language if language in MONTHS else "es"][moment.month - 1]
    if language == "en":
        return f"{day}, {month} {moment.day}, {moment:%H:%M}"
    return f"{day} {moment.day} de {month}, {moment:%H:%M}"


def day_text(iso_day: str, language: str) -> str:
    """ "el sábado 28 de noviembre" for the question about the hour."""
    moment = datetime.fromisoformat(iso_day)
    day = WEEKDAYS[language if language in WEEKDAYS else "es"][moment.weekday()]
    month = MONTHS[language if language in MONTHS else "es"][moment.month - 1]
    return f"{day}, {month} {moment.day}" if language == "en" else f"{day} {moment.day} de {month}"


EQUIPMENT_WORDS = {
    "es": {"with": "con {}", "without": "sin {}", "unknown": "transmisión sin indicar", "awd": "tracción integral",
           "awd_unknown": "tracción integral sin indicar"},
    "en": {"with": "with {}", "without": "no {}", "unknown": "transmission not stated", "awd": "all-wheel drive",
           "awd_unknown": "all-wheel drive not stated"},
}  # fmt: skip


def equipment_text(car: dict[str, Any], asked: list[str], language: str) -> str:
    """ " (con CarPlay, sin Bluetooth, automático)": what the record says of the equipment asked about."""
    words = EQUIPMENT_WORDS[language if language in EQUIPMENT_WORDS else "es"]
    said: list[str] = []
    for feature in ("car_play", "bluetooth"):
        if feature in asked:
            said.append(words["with" if car.get(feature) else "without"].format(FEATURE_NAMES[language][feature]))
    if "transmission" in asked:
        gearbox = car.get("transmission")
        said.append(TRANSMISSION_NAMES[language][gearbox] if gearbox else words["unknown"])
    if "awd" in asked:  # "is it AWD?": only when the version says so; otherwise not stated
        said.append(
            words["awd"]
            if car.get("all_wheel_drive") or all_wheel_drive_of(str(car.get("version", "")))
            else words["awd_unknown"]
        )
    return f" ({', '.join(said)})" if said else ""


def car_line(n: int, car: dict[str, Any], language: str, monthly: str | None = None, covered: bool = False) -> str:
    """One numbered line of a list ("1. Chevrolet Aveo 2017, 119,157 km: $138,999"), with its payment, or said to
    be covered by the down payment."""
    key = "results_line_covered" if covered else "results_line_payment" if monthly else "results_line"
    return phrase(key, language, n=n, name=title(car), km=f"{car['km']:,}", price=money(car["price"]), monthly=monthly)


def car_details(car: dict[str, Any], language: str, formal: bool) -> str:
    """What the record says of one car: version, mileage, equipment, price."""
    extras = [FEATURE_NAMES[language][f] for f in ("car_play", "bluetooth") if car.get(f)]
    if car.get("transmission"):
        name = TRANSMISSION_NAMES[language][car["transmission"]]
        extras.insert(0, f"{name} transmission" if language == "en" else name)
    joiner = " and " if language == "en" else " y "
    lead = (", " + ("with " if language == "en" else "")) if extras else ""
    if extras and language == "es":
        lead = ", " + ("transmisión " if car.get("transmission") else "con ")
    extras_text = lead + joiner.join(extras) if extras else ""
    if extras and language == "es" and car.get("transmission") and len(extras) > 1:
        extras_text = f", transmisión {extras[0]}, con {joiner.join(extras[1:])}"
    return phrase(
        "car_details",
        language,
        formal,
        car=title(car),
        version=car.get("version", "").strip(),
        facts=facts_text(car, language),
        km=f"{car['km']:,}",
        extras=extras_text,
        price=money(car["price"]),
    )


def facts_text(car: dict[str, Any], language: str) -> str:
    """ " (motor 1.5 L, 7 pasajeros)": what the version code says, or ""."""
    facts = version_facts(str(car.get("version", "")), language)
    return f" ({', '.join(facts)})" if facts else ""


def describe_filters(filters: dict[str, Any], language: str, around: int | None = None) -> tuple[str, str]:
    """The search criteria in words: (" de Chevrolet", " de hasta $300,000"), each "" or starting with a space."""
    words = CRITERIA[language]
    name = " ".join(str(filters[k]) for k in ("make", "model") if filters.get(k))
    if filters.get("model") and str(filters["model"]).lower().startswith(str(filters.get("make", "")).lower()):
        name = str(filters["model"])
    body = BODY_NAMES[language].get(filters.get("body_type") or "", "")
    subject = " ".join(p for p in (name, body) if p)
    parts: list[str] = []
    if filters.get("transmission") and language == "en":
        subject = " ".join(p for p in (words[filters["transmission"]], subject) if p)  # "automatic sedan options"
    elif filters.get("transmission"):
        parts.append(words[filters["transmission"]])
    if around is not None:
        parts.append(words["around_price"].format(v=money(around)))
    else:
        for key in ("max_price", "min_price"):
            if filters.get(key) is not None:
                parts.append(words[key].format(v=money(filters[key])))
    low, high = filters.get("min_year"), filters.get("max_year")
    if low is not None and low == high:
        parts.append(words["year"].format(v=low))
    elif low is not None and high is not None:
        parts.append(words["years"].format(low=low, high=high))
    elif low is not None:
        parts.append(words["min_year"].format(v=low))
    elif high is not None:
        parts.append(words["max_year"].format(v=high))
    if filters.get("max_km") is not None:
        parts.append(words["max_km"].format(v=f"{filters['max_km']:,}"))
    equipment = [words[f] for f in ("bluetooth", "car_play", "all_wheel_drive") if filters.get(f)]
    if equipment:  # "con Bluetooth y CarPlay", not "con Bluetooth con CarPlay"
        lead = equipment[0].split(" ")[0]
        rest = [e.removeprefix(lead + " ") if e.startswith(lead + " ") else e for e in equipment[1:]]
        parts.append(join([equipment[0], *rest], language))
    if filters.get("min_seats"):
        parts.append(words["min_seats"].format(n=filters["min_seats"]))
    return (words["subject"].format(v=subject) if subject else "", (" " + " ".join(parts)) if parts else "")


def join(items: list[str], language: str) -> str:
    """ "a, b y c" / "a, b and c"."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    conj = " and " if language == "en" else " y "
    return ", ".join(items[:-1]) + conj + items[-1]
