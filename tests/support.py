"""Helpers shared by tests: locating the shared kit and comparing texts token by token."""

from __future__ import annotations

import difflib
import os
import re
import unicodedata
from pathlib import Path

import pytest


def shared_dir() -> Path:
    """The `shared/` folder beside the checkout (override with NTM_SHARED_DIR)."""
    env = os.environ.get("NTM_SHARED_DIR")
    path = Path(env) if env else Path(__file__).resolve().parents[2] / "shared"
    if not path.is_dir():
        pytest.skip(f"shared kit not found at {path}")
    return path


def tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ").replace("\u2022", " ")
    return re.findall(r"\w+|[^\w\s]", text)


def token_match(expected: str, got: str) -> float:
    """Similarity of two texts as token sequences (1.0 = identical after collapsing whitespace)."""
    return difflib.SequenceMatcher(None, tokens(expected), tokens(got), autojunk=False).ratio()
