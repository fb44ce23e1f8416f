"""Print `name==version` for every distribution NTM Assistant ships, as installed in this
environment: the dependency closure of `ntm-assistant` with its `llm` extra, without the `test`
extra (pytest, playwright) or the build tools. `make audit` feeds this list to pip-audit.

    .venv/bin/python scripts/shipped_requirements.py [--extra llm ...] > shipped.txt
"""

from __future__ import annotations

import argparse
import re
import sys
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def closure(root: str, extras: set[str]) -> dict[str, str]:
    """{canonical name: installed version} of `root`'s runtime requirements (with `extras`), recursively."""
    found: dict[str, str] = {}
    todo: list[tuple[str, set[str]]] = [(root, extras)]
    while todo:
        name, wanted = todo.pop()
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # an optional dependency not installed here is not shipped here
        key = canonicalize_name(dist.metadata["Name"])
        if key in found and not wanted:
            continue
        found[key] = dist.version
        for line in dist.requires or []:
            req = Requirement(line)
            env = [{"extra": e} for e in wanted] or [{"extra": ""}]
            if req.marker is None or any(req.marker.evaluate(e) for e in env):
                if canonicalize_name(req.name) not in found:
                    todo.append((req.name, set(req.extras)))
    found.pop(canonicalize_name(root), None)  # the project itself is not on PyPI
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default="ntm-assistant")
    parser.add_argument("--extra", action="append", default=None, help="extras shipped (default: llm)")
    args = parser.parse_args(argv)
    extras = set(args.extra if args.extra is not None else ["llm"])
    for name, version in sorted(closure(args.root, extras).items()):
        # a local build tag (torch 2.13.0+cpu) is not on PyPI's advisory index: audit the release
        sys.stdout.write(f"{name}=={re.sub(r'[+].*$', '', version)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
