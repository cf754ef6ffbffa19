"""What the web page's browser tests share: the time zone and sizes pages open with, what a page logged,
and screenshots saved as test artifacts in .artifacts/browser (git-ignored)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from playwright.sync_api import Page

# UTC+10 all year (no daylight saving): a deadline typed as 17:00 there is 07:00 UTC, whatever the date.
TIME_ZONE = "Australia/Brisbane"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}  # a common phone's CSS pixels

ARTIFACTS = Path(__file__).resolve().parents[2] / ".artifacts" / "browser"
screenshots_saved: list[Path] = []


@dataclasses.dataclass
class PageLog:
    """What the page said in the browser's console, and the exceptions its scripts did not catch."""

    console_errors: list[str] = dataclasses.field(default_factory=list)
    uncaught: list[str] = dataclasses.field(default_factory=list)


def save_screenshot(page: Page, name: str) -> Path:
    """The whole page as .artifacts/browser/<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    screenshots_saved.append(path)
    return path
