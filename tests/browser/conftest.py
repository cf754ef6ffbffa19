"""A real browser for the web page's tests: Debian's chromium (installed by apt-get when missing), driven
by Playwright, one new context per test in a fixed time zone. The run's summary says where the
screenshots went."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from taskoverflow_devstack.chromium import HEADLESS_FLAGS, find_or_install_chromium

from browser_pages import ARTIFACTS, DESKTOP, PHONE, TIME_ZONE, PageLog, screenshots_saved

# The machine is shared and may be slow: Playwright's assertions poll up to this long.
expect.set_options(timeout=20_000)


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    found = find_or_install_chromium(tmp_path_factory.mktemp("chromium") / "apt-get.log")
    if found.executable is None:
        pytest.skip(f"no browser for the web page's tests: {found.missing_because}")
    with sync_playwright() as playwright:
        # Each launch runs on a new temporary profile that Playwright makes (it refuses --user-data-dir).
        browser = playwright.chromium.launch(executable_path=str(found.executable), args=list(HEADLESS_FLAGS))
        yield browser
        browser.close()


@pytest.fixture
def page_log() -> PageLog:
    return PageLog()


def _open(browser: Browser, log: PageLog, viewport: dict[str, int]) -> Iterator[Page]:
    context = browser.new_context(viewport=viewport, timezone_id=TIME_ZONE, locale="en-US", accept_downloads=True)
    page = context.new_page()
    page.on("console", lambda message: log.console_errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: log.uncaught.append(str(error)))
    yield page
    context.close()
    # Whatever a test checks, a script error the page did not handle is a bug.
    assert log.uncaught == [], log.uncaught


@pytest.fixture
def page(browser: Browser, page_log: PageLog) -> Iterator[Page]:
    """A desktop-sized page in a new browser context (nothing carried over from another test)."""
    yield from _open(browser, page_log, DESKTOP)


@pytest.fixture
def phone_page(browser: Browser, page_log: PageLog) -> Iterator[Page]:
    """A phone-sized page in a new browser context."""
    yield from _open(browser, page_log, PHONE)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if screenshots_saved:
        names = ", ".join(sorted({path.name for path in screenshots_saved}))
        terminalreporter.write_line(f"web page screenshots in {ARTIFACTS}: {names}")
