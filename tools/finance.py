"""Exact financing math: a fixed-rate amortized car loan in Decimal, rounded half-up to the cent.

Monthly payment M = L·r / (1 − (1 + r)^−n) with L = price − down payment, r = annual rate / 12, n = months.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

CENT = Decimal("0.01")
DEFAULT_DOWN_PAYMENT_PCT = Decimal("20")
DEFAULT_ANNUAL_RATE = Decimal("0.10")
DEFAULT_MIN_DOWN_PAYMENT_PCT = Decimal("10")
ALLOWED_TERMS_MONTHS: tuple[int, ...] = (36, 48, 60, 72)
MAX_PRICE = Decimal("100000000")


@dataclass(frozen=True)
class FinancingTerms:
    """The dealer's financing terms, defined once (settings fill them; the tools, the knowledge base and the
    replies read them from here)."""

    down_payment_pct: Decimal = DEFAULT_DOWN_PAYMENT_PCT
    """Down payment of an estimate when the customer names none."""
    annual_rate: Decimal = DEFAULT_ANNUAL_RATE
    min_down_payment_pct: Decimal = DEFAULT_MIN_DOWN_PAYMENT_PCT
    allowed_terms: tuple[int, ...] = ALLOWED_TERMS_MONTHS

    def knowledge_values(self, language: str = "es") -> dict[str, str]:
        """The terms as the knowledge base's placeholders ({min_down_payment_pct}, {terms_years}...)."""
        years = [str(t // 12) for t in self.allowed_terms]
        conjunction = " or " if language == "en" else " o "
        return {
            "min_down_payment_pct": plain(self.min_down_payment_pct),
            "default_down_payment_pct": plain(self.down_payment_pct),
            "annual_rate_pct": plain(self.annual_rate * 100),
            "terms_years": ", ".join(years[:-1]) + conjunction + years[-1] if len(years) > 1 else "".join(years),
            "terms_months": _spoken([str(t) for t in self.allowed_terms], conjunction),
        }


def _spoken(items: list[str], conjunction: str) -> str:
    """ "36, 48, 60 o 72" """
    return ", ".join(items[:-1]) + conjunction + items[-1] if len(items) > 1 else "".join(items)


class FinancingError(ValueError):
    """A financing request that cannot be priced, with a message meant for the customer's agent."""


@dataclass(frozen=True)
class FinancingPlan:
    """One priced loan: every amount in pesos, exact to the cent."""

    price: Decimal
    down_payment: Decimal
    down_payment_pct: Decimal
    loan_amount: Decimal
    term_months: int
    annual_rate: Decimal
    monthly_payment: Decimal
    total_paid: Decimal
    total_interest: Decimal

    def as_dict(self) -> dict[str, str | int]:
        """JSON-ready view; amounts as strings with two decimals so no float ever rounds them."""
        return {
            "price": str(self.price),
            "down_payment": str(self.down_payment),
            "down_payment_pct": plain(self.down_payment_pct),
            "loan_amount": str(self.loan_amount),
            "term_months": self.term_months,
            "annual_rate": plain(self.annual_rate),
            "monthly_payment": str(self.monthly_payment),
            "total_paid": str(self.total_paid),
            "total_interest": str(self.total_interest),
        }


def to_decimal(value: object, name: str) -> Decimal:
    """Read a number (int, str, Decimal; floats through their shortest repr) or raise FinancingError."""
    try:
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)  # type: ignore[arg-type]
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise FinancingError(f"{name} must be a number, got {value!r}") from exc
    if not number.is_finite():
        raise FinancingError(f"{name} must be a finite number, got {value!r}")
    return number


def plain(number: Decimal) -> str:
    """A Decimal without trailing zeros or exponent: 20 → "20", 0.10 → "0.1", 12.50 → "12.5"."""
    return format(number.normalize(), "f")


def cents(amount: Decimal) -> Decimal:
    """Round to the cent, half up (the way a payment schedule is printed)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def monthly_payment(loan_amount: Decimal, annual_rate: Decimal, term_months: int) -> Decimal:
    """Level monthly payment of an amortized loan, rounded half-up to the cent."""
    if term_months <= 0:
        raise FinancingError("term_months must be positive")
    if loan_amount <= 0:
        return Decimal("0.00")
    with localcontext() as ctx:
        ctx.prec = 40
        if annual_rate == 0:
            return cents(loan_amount / term_months)
        rate = annual_rate / 12
        payment = loan_amount * rate / (1 - (1 + rate) ** -term_months)
    return cents(payment)


def financing_plan(
    price: object,
    term_months: int,
    down_payment: object | None = None,
    down_payment_pct: object | None = None,
    annual_rate: object | None = None,
    allowed_terms: tuple[int, ...] = ALLOWED_TERMS_MONTHS,
    min_down_payment_pct: object = DEFAULT_MIN_DOWN_PAYMENT_PCT,
) -> FinancingPlan:
    """Price a loan for a car. Give the down payment as an amount or a percentage (default 20%); it must be at
    least `min_down_payment_pct` of the price."""
    price_d = to_decimal(price, "price")
    if price_d <= 0 or price_d > MAX_PRICE:
        raise FinancingError(f"price must be between 1 and {MAX_PRICE:,} pesos")
    price_d = cents(price_d)
    if term_months not in allowed_terms:
        allowed = ", ".join(str(t) for t in allowed_terms)
        years = ", ".join(str(t // 12) for t in allowed_terms)
        raise FinancingError(f"term_months must be one of {allowed} ({years} years); got {term_months}")
    rate = DEFAULT_ANNUAL_RATE if annual_rate is None else to_decimal(annual_rate, "annual_rate")
    if rate > 1:  # "10" meaning 10%
        rate = rate / 100
    if rate < 0 or rate >= 1:
        raise FinancingError("annual_rate must be between 0 and 1 (0.10 = 10%)")
    if down_payment is not None and down_payment_pct is not None:
        raise FinancingError("give either down_payment or down_payment_pct, not both")
    if down_payment is not None:
        down = cents(to_decimal(down_payment, "down_payment"))
        if down < 0 or down >= price_d:
            raise FinancingError(f"down_payment must be at least 0 and less than the price ({price_d:,.2f})")
        pct = cents(down * 100 / price_d)
    else:
        pct = DEFAULT_DOWN_PAYMENT_PCT if down_payment_pct is None else to_decimal(down_payment_pct, "down_payment_pct")
        if pct < 0 or pct >= 100:
            raise FinancingError("down_payment_pct must be at least 0 and below 100")
        down = cents(price_d * pct / 100)
    minimum = to_decimal(min_down_payment_pct, "min_down_payment_pct")
    if down < cents(price_d * minimum / 100):  # in pesos: 22,699 is below 10% of 226,999 (22,699.90)
        raise FinancingError(
            f"down payment must be at least {plain(minimum)}% of the price ({cents(price_d * minimum / 100):,.2f}); "
            f"got {plain(pct)}%"
        )
    loan = price_d - down
    payment = monthly_payment(loan, rate, term_months)
    total_payments = payment * term_months
    return FinancingPlan(
        price=price_d,
        down_payment=down,
        down_payment_pct=pct,
        loan_amount=loan,
        term_months=term_months,
        annual_rate=rate,
        monthly_payment=payment,
        total_paid=cents(down + total_payments),
        total_interest=cents(total_payments - loan),
    )


@dataclass(frozen=True)
class Affordability:
    """The highest car price a monthly budget reaches, and what bounds it."""

    max_price: Decimal
    monthly_payment: Decimal
    """The budget the customer gave."""
    payment_at_max: Decimal
    """The exact payment of a car at `max_price` (never above the budget)."""
    down_payment: Decimal | None
    down_payment_pct: Decimal | None
    term_months: int
    annual_rate: Decimal
    limited_by: str
    """ "payment" (the monthly budget) or "min_down_payment" (the down payment is the minimum share of the price)."""

    def as_dict(self) -> dict[str, str | int | None]:
        """JSON-ready view (amounts as strings)."""
        return {
            "max_price": str(self.max_price),
            "monthly_payment": str(self.monthly_payment),
            "payment_at_max": str(self.payment_at_max),
            "down_payment": None if self.down_payment is None else str(self.down_payment),
            "down_payment_pct": None if self.down_payment_pct is None else plain(self.down_payment_pct),
            "term_months": self.term_months,
            "annual_rate": plain(self.annual_rate),
            "limited_by": self.limited_by,
        }


def max_price_for_payment(
    monthly: object,
    term_months: int,
    down_payment: object | None = None,
    down_payment_pct: object | None = None,
    annual_rate: object | None = None,
    allowed_terms: tuple[int, ...] = ALLOWED_TERMS_MONTHS,
    min_down_payment_pct: object = DEFAULT_MIN_DOWN_PAYMENT_PCT,
) -> Affordability:
    """The highest whole-peso price whose exact monthly payment fits `monthly` (the inverse of the amortisation).

    L = M · (1 − (1 + r)^−n) / r gives the loan a payment reaches; the price is the loan plus the down payment (or
    the loan over 1 − pct). With an amount down, the price is also capped so that the amount is the minimum share.
    """
    budget = cents(to_decimal(monthly, "monthly_payment"))
    if budget <= 0 or budget > MAX_PRICE:
        raise FinancingError("monthly_payment must be a positive amount")
    if term_months not in allowed_terms:
        allowed = ", ".join(str(t) for t in allowed_terms)
        raise FinancingError(f"term_months must be one of {allowed}; got {term_months}")
    rate = DEFAULT_ANNUAL_RATE if annual_rate is None else to_decimal(annual_rate, "annual_rate")
    rate = rate / 100 if rate > 1 else rate
    minimum = to_decimal(min_down_payment_pct, "min_down_payment_pct")
    down = pct = None
    if down_payment is not None:
        down = cents(to_decimal(down_payment, "down_payment"))
        if down < 0:
            raise FinancingError("down_payment cannot be negative")
    else:
        pct = DEFAULT_DOWN_PAYMENT_PCT if down_payment_pct is None else to_decimal(down_payment_pct, "down_payment_pct")
        if pct < minimum or pct >= 100:
            raise FinancingError(f"down_payment_pct must be at least {plain(minimum)} and below 100")
    with localcontext() as ctx:
        ctx.prec = 40
        factor = Decimal(term_months) if rate == 0 else (1 - (1 + rate / 12) ** -term_months) / (rate / 12)
        loan = budget * factor
        price = loan + down if down is not None else loan / (1 - pct / 100)  # type: ignore[operator]
    limited_by = "payment"
    if down is not None and minimum > 0 and down * 100 / minimum < price:
        price, limited_by = down * 100 / minimum, "min_down_payment"
    best = price.to_integral_value(rounding="ROUND_CEILING") + 1  # payments are rounded: walk down to the last fit
    if limited_by == "min_down_payment":
        best = price.to_integral_value(rounding="ROUND_FLOOR")
    while best > 0 and _payment_for(best, down, pct, rate, term_months) > budget:
        best -= 1
    if best <= 0:
        raise FinancingError("that monthly payment does not reach any price")
    return Affordability(
        max_price=best,
        monthly_payment=budget,
        payment_at_max=_payment_for(best, down, pct, rate, term_months),
        down_payment=down,
        down_payment_pct=pct,
        term_months=term_months,
        annual_rate=rate,
        limited_by=limited_by,
    )


def _payment_for(price: Decimal, down: Decimal | None, pct: Decimal | None, rate: Decimal, months: int) -> Decimal:
    """Exact payment of a car at `price` with the given down payment (amount or percentage)."""
    down_amount = down if down is not None else cents(price * pct / 100)  # type: ignore[operator]
    return monthly_payment(price - down_amount, rate, months)
