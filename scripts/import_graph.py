"""The project's import graph by layer, to check it against DESIGN.md's flow.

    python -m scripts.import_graph            # every layer → the layers it imports, with counts
    python -m scripts.import_graph --check    # exit 1 and name each import that breaks the layering

Layers are packages, except that assistant/ holds both the query side (query, retrieve, evidence,
answering) and the composition roots that wire everything together (cli, the web UI, service).
Imports inside functions count: a lazy import is still a dependency.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OURS = ("core", "ingest", "vectorstore", "assistant", "eval", "bench", "prompts", "scripts", "tests", "app")

# The query side: the question is planned, chunks retrieved and the answer composed here, from the
# kernel and the Index's public interface only.
QUERY_SIDE = (
    "assistant.query",
    "assistant.retrieve",
    "assistant.scope",
    "assistant.evidence",
    "assistant.answering",
    "assistant.register",
)

# Which layers each layer may import (itself always).
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "vectorstore": {"core"},
    "ingest": {"core", "vectorstore"},
    "assistant.query_side": {"core", "vectorstore"},
    "assistant": {"core", "vectorstore", "assistant.query_side", "prompts"},
}
# The query side reaches the store only through the Index's public interface.
STORE_INTERFACE = {"vectorstore.index", "vectorstore"}
# Composition roots may import everything below them, ingest included.
ROOTS = ("assistant.cli", "assistant.ui", "assistant.service", "app", "eval", "bench", "scripts", "tests")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str:
    if module.startswith(QUERY_SIDE):
        return "assistant.query_side"
    if module == "app" or module.startswith(ROOTS):
        return "root"
    return module.split(".")[0]


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, imported module) for every absolute import of one of our packages."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        found += [(node.lineno, n) for n in names if n.split(".")[0] in OURS]
    return found


def python_files() -> list[Path]:
    skip = {".venv", ".venv-audit", "artifacts", "data", "build"}
    return sorted(p for p in ROOT.rglob("*.py") if not skip & set(p.relative_to(ROOT).parts))


def violations() -> list[str]:
    """Each import that breaks the layering, as "file:line: importer → imported"."""
    out = []
    for path in python_files():
        importer = module_name(path)
        mine = layer_of(importer)
        if mine == "root":
            continue
        for line, imported in imports_of(path):
            theirs = layer_of(imported)
            if theirs != mine and theirs not in ALLOWED.get(mine, set()):
                out.append(f"{path.relative_to(ROOT)}:{line}: {importer} → {imported}")
            elif mine == "assistant.query_side" and theirs == "vectorstore" and imported not in STORE_INTERFACE:
                out.append(f"{path.relative_to(ROOT)}:{line}: {importer} → {imported} (the store's internals)")
    return out


def edges() -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    for path in python_files():
        mine = layer_of(module_name(path))
        for _, imported in imports_of(path):
            theirs = layer_of(imported)
            if theirs != mine:
                counts[(mine, theirs)] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="fail on imports that break the layering")
    args = parser.parse_args(argv)
    if args.check:
        bad = violations()
        print("\n".join(bad) or "layering: every import follows DESIGN.md's flow")
        return 1 if bad else 0
    for (a, b), n in sorted(edges().items()):
        print(f"{a:22s} → {b:22s} {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
