"""Versioned prompt files (`<name>.<version>.md`), shipped as package data so an installed
wheel answers exactly like a checkout; read on demand, never at import time."""

from __future__ import annotations

from importlib import resources


def load_prompt(name: str, version: str = "v1") -> str:
    """The text of `prompts/<name>.<version>.md`; a missing file is an error, not an empty prompt."""
    filename = f"{name}.{version}.md"
    resource = resources.files(__name__).joinpath(filename)
    if not resource.is_file():
        raise FileNotFoundError(f"prompt file not found: prompts/{filename}")
    return resource.read_text(encoding="utf-8")
