"""Helpers for the browser tests: Debian's Chromium driven by Playwright, screenshots as artifacts.

No browser is ever downloaded: Playwright only drives the system `chromium` (`make browser`
installs it from Debian). Screenshots go to `artifacts/browser/` (git-ignored).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # tests run as root in a container
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "browser"


def require_chromium() -> Path:
    """The system Chromium, or a test failure (never a silent skip) that says how to install it."""
    if not CHROMIUM.is_file():
        pytest.fail(
            f"run `make browser`: no Chromium at {CHROMIUM} (the target installs Debian's chromium; "
            "Playwright must never download a browser)",
            pytrace=False,
        )
    return CHROMIUM


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")


class Shots:
    """Saves `artifacts/browser/<test>-<NN>-<step>.png`, numbered in the order taken."""

    def __init__(self, page, test_name: str) -> None:
        self.page = page
        self.test = safe_name(test_name)
        self.count = 0
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for old in ARTIFACTS.glob(f"{self.test}-*.png"):
            old.unlink()

    def __call__(self, step: str) -> Path:
        self.count += 1
        path = ARTIFACTS / f"{self.test}-{self.count:02d}-{safe_name(step)}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


def squash(text: str) -> str:
    """NFC text with whitespace runs collapsed (what the browser shows vs the stored text)."""
    return " ".join(unicodedata.normalize("NFC", text).split())
