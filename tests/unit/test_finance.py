"""Financing math against hand-checked amortization values."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools.finance import FinancingError, financing_plan, monthly_payment
from tools.toolkit import Toolkit


@pytest.mark.parametrize(
    ("term", "expected"),
    [(36, "5859.70"), (48, "4605.82"), (60, "3858.45"), (72, "3364.28")],
)
def test_onix_with_20_percent_down_matches_the_reference_schedule(term: int, expected: str) -> None:
    plan = financing_plan(226999, term)
    assert plan.down_payment == Decimal("45399.80")
    assert plan.loan_amount == Decimal("181599.20")
    assert plan.monthly_payment == Decimal(expected)


def test_hand_computed_loan_of_100000_at_12_percent_over_36_months() -> None:
    # r = 0.01, n = 36: 100000 * 0.01 / (1 - 1.01^-36) = 3321.4309... → 3321.43
    assert monthly_payment(Decimal(100000), Decimal("0.12"), 36) == Decimal("3321.43")


def test_zero_rate_divides_evenly_and_zero_loan_costs_nothing() -> None:
    assert monthly_payment(Decimal(120000), Decimal(0), 48) == Decimal("2500.00")
    assert monthly_payment(Decimal(0), Decimal("0.1"), 48) == Decimal("0.00")


def test_rounding_is_half_up_to_the_cent() -> None:
    # 1000/3 = 333.333.. → 333.33 ; 2000/3 = 666.666.. → 666.67
    assert monthly_payment(Decimal(1000), Decimal(0), 3) == Decimal("333.33")
    assert monthly_payment(Decimal(2000), Decimal(0), 3) == Decimal("666.67")


def test_totals_add_up() -> None:
    plan = financing_plan(300000, 60, down_payment_pct=30)
    assert plan.down_payment == Decimal("90000.00")
    assert plan.total_paid == plan.down_payment + plan.monthly_payment * 60
    assert plan.total_interest == plan.monthly_payment * 60 - plan.loan_amount


def test_down_payment_as_amount() -> None:
    plan = financing_plan(226999, 48, down_payment=50000)
    assert plan.loan_amount == Decimal("176999.00")
    assert plan.down_payment_pct == Decimal("22.03")


@pytest.mark.parametrize("term", [0, 12, 24, 30, 84, 120])
def test_terms_outside_3_to_6_years_are_refused_naming_the_allowed_ones(term: int) -> None:
    with pytest.raises(FinancingError, match="36, 48, 60, 72"):
        financing_plan(226999, term)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"down_payment": 226999},
        {"down_payment": -1},
        {"down_payment_pct": 100},
        {"down_payment_pct": -5},
        {"down_payment": 1000, "down_payment_pct": 20},
        {"annual_rate": "abc"},
    ],
)
def test_bad_down_payments_and_rates_are_clear_errors(kwargs: dict) -> None:
    with pytest.raises(FinancingError):
        financing_plan(226999, 48, **kwargs)


@pytest.mark.parametrize("price", [0, -10, "NaN", "nope", 10**12])
def test_absurd_prices_are_refused(price: object) -> None:
    with pytest.raises(FinancingError):
        financing_plan(price, 48)


@given(
    price=st.integers(min_value=50_000, max_value=5_000_000),
    pct=st.integers(min_value=10, max_value=90),  # the dealer finances from 10% down (MIN_DOWN_PAYMENT_PCT)
    term=st.sampled_from([36, 48, 60, 72]),
)
def test_payment_schedule_amortizes_the_loan(price: int, pct: int, term: int) -> None:
    plan = financing_plan(price, term, down_payment_pct=pct)
    balance = plan.loan_amount
    rate = plan.annual_rate / 12
    for _ in range(term):
        balance = balance * (1 + rate) - plan.monthly_payment
    # Rounding the payment to the cent leaves at most a few pesos after n months.
    assert abs(balance) < Decimal(term) * Decimal("0.01") * 2


@pytest.mark.parametrize("kwargs", [{"down_payment_pct": 0}, {"down_payment_pct": "9.99"}, {"down_payment": 20_000}])
def test_a_down_payment_below_the_minimum_is_refused_with_the_minimum_amount(kwargs: dict) -> None:
    with pytest.raises(FinancingError, match=r"at least 10% of the price \(22,699\.90\)"):
        financing_plan(226999, 48, **kwargs)
    assert financing_plan(226999, 48, down_payment=22_699.90).down_payment_pct == Decimal("10.00")


def test_an_amount_just_below_the_minimum_is_refused() -> None:
    # 22,699 is 9.9996% of 226,999: below the 22,699.90 the refusal itself names as the minimum
    with pytest.raises(FinancingError, match=r"22,699\.90"):
        financing_plan(226999, 48, down_payment=22_699)


def test_the_minimum_is_a_setting_zero_allows_zero_down() -> None:
    plan = financing_plan(226999, 48, down_payment_pct=0, min_down_payment_pct=0)
    assert (
        plan.loan_amount == Decimal("226999.00") and plan.monthly_payment > financing_plan(226999, 48).monthly_payment
    )
    with pytest.raises(FinancingError, match="at least 25%"):
        financing_plan(226999, 48, min_down_payment_pct=25)  # the default 20% is below a 25% minimum


def test_the_tool_refuses_zero_down_with_the_settings_minimum(monkeypatch: pytest.MonkeyPatch) -> None:
    from graph.resources import clear_caches, get_toolkit

    out = get_toolkit().tools["calculate_financing"].invoke({"price": 338999, "term_months": 72, "down_payment_pct": 0})
    assert "error" in out and out["min_down_payment_pct"] == 10 and "33,899.90" in out["error"]
    monkeypatch.setenv("MIN_DOWN_PAYMENT_PCT", "15")
    clear_caches()
    out = (
        get_toolkit().tools["calculate_financing"].invoke({"price": 338999, "term_months": 72, "down_payment_pct": 10})
    )
    assert "error" in out and out["min_down_payment_pct"] == 15


def test_tool_returns_error_objects_not_exceptions() -> None:
    from tools.inventory import InventoryStore

    toolkit = Toolkit.from_store(InventoryStore.from_csv("sqlite://"))
    out = toolkit.tools["calculate_financing"].invoke({"price": 226999, "term_months": 84})
    assert "error" in out and out["allowed_terms_months"] == [36, 48, 60, 72]
    ok = toolkit.tools["calculate_financing"].invoke({"price": 226999, "term_months": 48})
    assert ok["monthly_payment"] == "4605.82" and ok["down_payment_pct"] == "20"
