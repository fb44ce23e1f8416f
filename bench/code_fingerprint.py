"""A fingerprint of the product code and data, so benchmark numbers name the tree they belong to (and
what others changed in it while the benchmark ran)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODE_DIRS = ("assistant", "ingest", "vectorstore", "eval", "prompts")


def code_files() -> dict[str, str]:
    """sha256 of every product code and data file (others edit them while we run)."""
    files = {}
    for top in CODE_DIRS:
        for path in sorted((ROOT / top).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                files[str(path.relative_to(ROOT))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


def fingerprint(files: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()[:16]


def code_note(start: dict[str, str], end: dict[str, str]) -> str:
    """The fingerprint line: the tree the numbers belong to, and what changed while running."""
    line = f"product code fingerprint {fingerprint(start)} (sha256 over {', '.join(d + '/' for d in CODE_DIRS)})"
    changed = sorted(k for k in start.keys() | end.keys() if start.get(k) != end.get(k))
    if not changed:
        return line + ", unchanged during the run"
    return (
        line + f"; **changed during the run:** {', '.join(changed)} — every product module is imported by the first "
        "configuration and the data files are read once and cached, "
        "so all rows should still reflect the tree at the start"
    )
