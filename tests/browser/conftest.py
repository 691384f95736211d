"""Headless Chromium (Debian's package) driven by Playwright, with axe-core checks."""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run ./scripts/install --browser")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # synchronous and safe, so Django's async guard is lifted for browser tests only.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(browser):
    context = browser.new_context(java_script_enabled=True)
    page = context.new_page()
    yield page
    context.close()


class AxeChecker:
    """Runs axe-core on a page and fails with a readable report on any WCAG 2.2 A/AA violation."""

    def __init__(self):
        from axe_playwright_python.sync_playwright import Axe

        self.axe = Axe()
        self.pages_checked: list[str] = []

    def check(self, page, name: str, *, full_page: bool = True) -> None:
        SCREENSHOTS.mkdir(exist_ok=True)
        if full_page:  # a very long page (the API reference) takes minutes to capture whole
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-top.png"))
        results = self.axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}})
        self.pages_checked.append(name)
        assert results.violations_count == 0, f"{name}: {results.generate_report()}"


@pytest.fixture
def axe():
    return AxeChecker()
