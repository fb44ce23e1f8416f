"""Shared fixtures: the shared kit here; the default embedder and the index builders in
`tests/fixtures.py`, the browser tests' app and page in `tests/browser_fixtures.py`."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.knowledge import Knowledge
from tests.support import shared_dir

pytest_plugins = ("tests.fixtures", "tests.browser_fixtures", "tests.unit_isolation")


@pytest.fixture(scope="session")
def shared() -> Path:
    return shared_dir()


@pytest.fixture(scope="session")
def seeds_dir(shared: Path) -> Path:
    return shared / "corpus" / "seeds"


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    """The packaged agencies, places, cues, kinds and names, read once for the session (as the
    product's composition roots read them once per process) and passed to what needs them."""
    return Knowledge.load()
