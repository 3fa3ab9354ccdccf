"""The web chat in a real browser (Debian's chromium driven by Playwright) against `kavak-agent serve`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

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


@pytest.fixture
def base_url(tmp_path: Path) -> Iterator[str]:
    """`kavak-agent serve` in embedded mode without Twilio (the web chat needs neither)."""
    with serving(tmp_path) as url:
        yield url


def test_web_chat_conversation_in_chromium(base_url: str) -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(base_url + "/")
            expect(page).to_have_title("Kavak · agente de ventas")
            agent = page.locator(".msg.agent:not(.typing)")

            page.fill("#text", "I need a car.")
            page.click("#send")
            expect(agent).to_have_count(1, timeout=20_000)
            expect(agent.nth(0)).to_contain_text("?")

            page.fill("#text", "Do you have any Chebys under 300k?")
            page.press("#text", "Enter")
            expect(agent).to_have_count(2, timeout=20_000)
            expect(agent.nth(1)).to_contain_text("Onix")
            expect(agent.nth(1)).to_contain_text("Aveo")
            expect(page.locator(".msg.user")).to_have_count(2)

            tools = agent.nth(1).locator(".tool-calls")
            expect(tools).to_be_hidden()
            page.check("#show-tools")
            expect(tools).to_be_visible()
            expect(tools).to_contain_text("normalize_brand")
            expect(tools).to_contain_text("search_inventory")
            expect(tools).to_contain_text('"make":"Chevrolet"')
            expect(agent.nth(0).locator(".tool-calls")).to_contain_text("(no tool calls)")
            page.uncheck("#show-tools")
            expect(tools).to_be_hidden()
        finally:
            browser.close()
