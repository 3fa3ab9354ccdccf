"""`kavak-agent leads` and `kavak-agent staff add` in-process, and the sales settings checked at boot."""

from __future__ import annotations

import csv
import io

import pytest

from cli.main import main
from graph.resources import get_records_engine
from server.app import create_app
from server.settings import ConfigurationError, ServerSettings
from tools.leads import Leads
from tools.staff import StaffAccounts

PASSWORD = "correct horse battery staple"


def test_staff_add_reads_the_password_and_refuses_a_second_account(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["staff", "add", "Ana@Dealer.MX", "--password-stdin"]) == 0
    assert "ana@dealer.mx can sign in" in capsys.readouterr().out
    assert StaffAccounts(get_records_engine()).verify("ana@dealer.mx", PASSWORD) == "ana@dealer.mx"
    monkeypatch.setattr("sys.stdin", io.StringIO("another long password\n"))
    with pytest.raises(SystemExit, match="already has an account"):
        main(["staff", "add", "ana@dealer.mx", "--password-stdin"])
    monkeypatch.setattr("sys.stdin", io.StringIO("another long password\n"))
    assert main(["staff", "add", "ana@dealer.mx", "--password-stdin", "--reset"]) == 0
    assert StaffAccounts(get_records_engine()).verify("ana@dealer.mx", "another long password") == "ana@dealer.mx"
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    with pytest.raises(SystemExit, match="12 to 1024"):
        main(["staff", "add", "luis@dealer.mx", "--password-stdin"])
    with pytest.raises(SystemExit, match="not an e-mail"):
        main(["staff", "add", "luis", "--password-stdin"])


def test_leads_lists_filters_and_exports_csv(capsys: pytest.CaptureFixture[str]) -> None:
    leads = Leads(get_records_engine())
    leads.record("whatsapp:+5215512345678", event="visit_booked", customer_name="=cmd|' /C calc'!A0")
    leads.record("web:abc", event="quoted", cars=["Mazda 3"])
    assert main(["leads", "--status", "visit_booked", "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["status"] for r in rows] == ["visit_booked"]
    assert rows[0]["customer_name"].startswith("'=")  # a spreadsheet shows it, never runs it
    assert main(["leads"]) == 0
    table = capsys.readouterr().out
    assert "Mazda 3" in table and "+5215512345678" in table
    assert main(["leads", "--since", "2999-01-01"]) == 0
    assert capsys.readouterr().out.strip() == "no leads"
    with pytest.raises(SystemExit, match="not a date"):
        main(["leads", "--since", "last week"])
    with pytest.raises(SystemExit):
        main(["leads", "--status", "hot"])


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"sales_notify_to": "+5215599999999", "sales_notify_content_sid": "HX1"}, "whatsapp:"),
        ({"sales_notify_to": "whatsapp:+5215599999999"}, "SALES_NOTIFY_CONTENT_SID"),
        ({"leads_webhook_url": "https://crm.example"}, "LEADS_WEBHOOK_SECRET"),
        ({"leads_webhook_url": "ftp://crm", "leads_webhook_secret": "whsec_c2VjcmV0"}, "http"),
        ({"leads_webhook_secret": "whsec_"}, "whsec_"),
        (
            {"sales_notify_to": "whatsapp:+5215599999999", "sales_notify_content_sid": "HX1"},
            "TWILIO",
        ),
    ],
)
def test_bad_sales_settings_stop_the_boot(settings: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        create_app(ServerSettings(**settings))  # type: ignore[arg-type]


def test_a_bad_login_rate_limit_is_a_settings_error() -> None:
    with pytest.raises(ValueError, match="STAFF_LOGIN_RATE_LIMIT"):
        ServerSettings(staff_login_rate_limit="lots")


def test_blank_variables_stay_unset_for_the_agent_and_the_sales_side() -> None:
    settings = ServerSettings(redis_url=" ", openai_api_key="", leads_webhook_url=" ", staff_cookie_secure="")  # type: ignore[arg-type]
    assert (settings.redis_url, settings.openai_api_key, settings.leads_webhook_url) == (None, None, None)
    assert settings.staff_cookie_secure is None
