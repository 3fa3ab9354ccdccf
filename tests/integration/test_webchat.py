"""The web chat in a real browser (Debian's chromium driven by Playwright) against `kavak-agent serve`.

Screenshots at desktop and phone widths go to the test's folder, or to $SCREENSHOTS_DIR (the README's images).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Locator, Page, Route, expect, sync_playwright

from tests.support.serve import serving

pytestmark = pytest.mark.integration

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1024, "height": 720}
PHONE = {"width": 375, "height": 720}
TURN_MS = 20_000


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`kavak-agent serve` in embedded mode without Twilio (the web chat needs neither)."""
    with serving(tmp_path_factory.mktemp("webchat"), WEBCHAT_RATE_LIMIT="1000/minute") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def agent_messages(page: Page) -> Locator:
    return page.locator(".msg.agent:not(.typing)")


def send(page: Page, text: str, replies: int) -> None:
    page.fill("#text", text)
    page.press("#text", "Enter")
    expect(agent_messages(page)).to_have_count(replies, timeout=TURN_MS)


def test_conversation_formatting_tool_cards_reload_and_layouts(base_url: str, browser: Browser, shots: Path) -> None:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(base_url + "/")
    expect(page).to_have_title("Kavak · agente de ventas")
    expect(page.locator(".notice")).to_contain_text("Escribe para empezar")
    send(page, "I need a car.", 1)
    send(page, "Do you have any Chebys under 300k?", 2)
    send(page, "How much is the monthly payment for the Onix over 4 years?", 3)
    agent = agent_messages(page)
    expect(agent.nth(1)).to_contain_text("Spark 2021")  # the five cheapest Chevrolets under 300k
    # WhatsApp formatting: the payment is bold and the asterisks are gone.
    expect(agent.nth(2).locator("strong")).to_have_text("$4,605.82")
    expect(agent.nth(2)).not_to_contain_text("*")

    cards = agent.nth(1).locator(".card")
    expect(agent.nth(1).locator(".tools")).to_be_hidden()
    page.check("#show-tools")
    expect(cards).to_have_count(2)
    search = agent.nth(1).locator('.card[data-tool="search_inventory"]')
    expect(search.locator(".card-summary")).to_have_text("7 resultado(s)")
    for arg in ("make: Chevrolet", "max_price: $300,000"):
        expect(search.locator(".arg", has_text=arg)).to_have_count(1)
    expect(search.locator(".rows tr")).to_have_count(4)  # header + the first 3 cars, not 7 JSON blobs
    expect(search.locator(".rows")).to_contain_text("Aveo")
    finance = agent.nth(2).locator('.card[data-tool="calculate_financing"] .card-summary')
    expect(finance).to_contain_text("4,605.82/mes · 48 meses")
    expect(agent.nth(0).locator(".tools")).to_contain_text("sin herramientas")
    search.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "webchat-desktop.png"))
    raw = search.locator("details pre")
    expect(raw).to_be_hidden()
    search.locator("details summary").click()
    expect(raw).to_contain_text('"stock_id"')

    # A reload shows the same conversation, tool cards included.
    page.reload()
    expect(agent_messages(page)).to_have_count(3)
    expect(page.locator(".msg.user")).to_have_count(3)
    expect(agent_messages(page).nth(2).locator("strong")).to_have_text("$4,605.82")
    expect(agent_messages(page).nth(1).locator(".card")).to_have_count(2)

    # 375 px: one header line, nothing wider than the screen.
    page.set_viewport_size(PHONE)
    header = page.locator("header").bounding_box()
    assert header is not None and header["height"] <= 60, header
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for selector in ("#show-tools", "#new-chat", "#send"):
        box = page.locator(selector).bounding_box()
        assert box is not None and box["x"] + box["width"] <= PHONE["width"], selector
    page.uncheck("#show-tools")
    page.screenshot(path=str(shots / "webchat-phone.png"))
    for name in ("webchat-desktop.png", "webchat-phone.png"):
        assert 5_000 < (shots / name).stat().st_size < 250_000, name

    page.click("#new-chat")
    expect(page.locator(".msg")).to_have_count(0)
    page.reload()
    expect(page.locator(".msg")).to_have_count(0)
    context.close()


def test_markup_never_becomes_html(base_url: str, browser: Browser) -> None:
    page = browser.new_page()
    page.goto(base_url + "/")
    attack = '<img src=x onerror="window.pwned=1"> *<b>negrita</b>* _<script>window.pwned=2</script>_'
    send(page, attack, 1)
    for _ in range(2):
        user = page.locator(".msg.user").last
        expect(user).to_contain_text('<img src=x onerror="window.pwned=1">')
        expect(user.locator("strong")).to_have_text("<b>negrita</b>")
        assert page.locator("#messages img, #messages script, #messages b").count() == 0
        assert page.evaluate("window.pwned") is None
        page.reload()
        expect(page.locator(".msg.user")).to_have_count(1)
    page.close()


def test_connection_errors_are_notices_with_retry(base_url: str, browser: Browser) -> None:
    page = browser.new_page()
    page.goto(base_url + "/")
    page.route("**/chat/api/messages", lambda route: route.abort("connectionrefused"))
    page.fill("#text", "Do you have any Chebys under 300k?")
    page.press("#text", "Enter")
    error = page.locator(".notice.error")
    expect(error).to_contain_text("Sin conexión")
    expect(agent_messages(page)).to_have_count(0)
    page.unroute("**/chat/api/messages")
    error.locator("button.retry").click()
    expect(agent_messages(page)).to_have_count(1, timeout=TURN_MS)
    expect(agent_messages(page).first).to_contain_text("Chevrolet")
    expect(error).to_have_count(0)
    page.close()


def test_long_text_shows_the_limit_instead_of_being_cut(base_url: str, browser: Browser) -> None:
    page = browser.new_page()
    page.goto(base_url + "/")
    expect(page.locator("#count")).to_have_text("0 / 4,096")
    page.fill("#text", "a" * 5000)
    expect(page.locator("#count")).to_have_text("5,000 / 4,096")
    expect(page.locator("#count")).to_have_class("over")
    expect(page.locator("#hint")).to_contain_text("4,096")
    expect(page.locator("#send")).to_be_disabled()
    assert len(page.input_value("#text")) == 5000, "the text was cut"
    page.press("#text", "Enter")
    expect(page.locator(".msg.user")).to_have_count(0)
    page.fill("#text", "a" * 4096)
    expect(page.locator("#send")).to_be_enabled()
    page.close()


def test_docs_and_favicon_work_offline(base_url: str, browser: Browser) -> None:
    page = browser.new_page()
    outside: list[str] = []

    def only_local(route: Route) -> None:
        if urlparse(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    page.goto(base_url + "/docs")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=15_000)
    expect(page.locator(".swagger-ui")).to_contain_text("/chat/api/messages")
    assert outside == [], outside
    icon = page.request.get(base_url + "/favicon.ico")
    assert icon.ok and icon.headers["content-type"].startswith("image/svg+xml")
    page.close()


def test_any_tool_gets_a_card(base_url: str, browser: Browser) -> None:
    """Tools the page does not know (new ones) still render: name, arguments, a count or keys, raw JSON."""
    page = browser.new_page()
    page.goto(base_url + "/")
    turn = {
        "reply": "Te comunico con un asesor.",
        "route": ["consult", "knowledge", "handoff", "respond"],
        "tool_calls": [
            {
                "name": "search_knowledge",
                "args": {"query": "garantía", "k": 2},
                "output": {"passages": [{"title": "Garantía", "source": "warranty.md", "score": 0.91}] * 2},
            },
            {"name": "request_human", "args": {"reason": "quiere hablar con alguien"}, "output": {"ticket": 7}},
            {"name": "broken_tool", "args": {}, "output": {"error": "sin conexión"}},
        ],
    }
    page.route("**/chat/api/messages", lambda route: route.fulfill(json=turn))
    page.check("#show-tools")
    send(page, "quiero hablar con alguien", 1)
    cards = agent_messages(page).first.locator(".card")
    expect(cards).to_have_count(3)
    expect(cards.nth(0).locator(".card-summary")).to_have_text("2 elemento(s)")
    expect(cards.nth(0).locator(".rows tr")).to_have_count(3)
    expect(cards.nth(0).locator(".rows")).to_contain_text("warranty.md")
    expect(cards.nth(1).locator(".card-summary")).to_have_text("ticket")
    expect(cards.nth(1).locator(".arg")).to_have_text("reason: quiere hablar con alguien")
    expect(cards.nth(2).locator(".card-summary")).to_have_text("error: sin conexión")
    page.close()
