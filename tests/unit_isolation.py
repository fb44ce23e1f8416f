"""Unit tests import no chromadb: when the run selects only unit tests (`pytest -m unit`), chromadb is
made unimportable, so a unit test that reaches the vector store fails, naming the test's import; a
test marked e2e is left out of such a run even in a module marked unit.

Registered by `tests/conftest.py` through `pytest_plugins`; `tests/test_unit_isolation.py` runs the
unit tests this way in a subprocess, so `make test` proves it.
"""

from __future__ import annotations

import importlib.abc
import sys

import pytest

BLOCKED = ("chromadb",)  # the vector store's client: only e2e tests open one


class Unimportable(importlib.abc.MetaPathFinder):
    """A finder that refuses the blocked packages (and their submodules) with a clear message."""

    def find_spec(self, fullname, path=None, target=None):  # type: ignore[no-untyped-def]
        if fullname.split(".")[0] in BLOCKED:
            raise ImportError(f"{fullname} imported by a unit test: unit tests must not touch the vector store")
        return None


def only_unit(config: pytest.Config) -> bool:
    return config.getoption("markexpr", "").strip() == "unit"


def pytest_configure(config: pytest.Config) -> None:
    if only_unit(config):
        if any(name.split(".")[0] in BLOCKED for name in sys.modules):
            raise pytest.UsageError(f"{BLOCKED} already imported before the unit tests were collected")
        sys.meta_path.insert(0, Unimportable())


def pytest_report_header(config: pytest.Config) -> str | None:
    return f"unit tests only: {', '.join(BLOCKED)} made unimportable" if only_unit(config) else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test marked e2e is never a unit test, even in a module marked unit."""
    if only_unit(config):
        e2e = [item for item in items if item.get_closest_marker("e2e")]
        if e2e:
            config.hook.pytest_deselected(items=e2e)
            items[:] = [item for item in items if not item.get_closest_marker("e2e")]
