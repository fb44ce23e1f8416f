"""Audit what NTM Assistant ships (scripts/shipped_requirements.py) with pip-audit; exit 1 on any
known vulnerability. `make audit` runs it; CI runs `make audit`.

    PIP_AUDIT=.venv-audit/bin/pip-audit .venv/bin/python scripts/audit_shipped.py shipped.txt

pip-audit needs an advisory service: PyPI's per-release JSON API (`/pypi/<name>/<version>/json`,
its default) or OSV. Where neither answers — on a machine whose package mirror serves no
per-release JSON and has no other network, every package comes back "not found on PyPI" — nothing
can be audited; then this says so, names the service, and exits 3 (or 0 with
NTM_AUDIT_OFFLINE_OK=1, which CI sets there: an audit that could not run is reported, never passed
off as clean). A partial audit lists the packages it could not check.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

EXIT_VULNERABLE = 1
EXIT_UNAUDITABLE = 3


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    requirements = Path(argv[0])
    tool = os.environ.get("PIP_AUDIT", "pip-audit")
    service = os.environ.get("NTM_AUDIT_SERVICE", "pypi")
    with tempfile.TemporaryDirectory() as tmp:
        report_path = Path(tmp) / "audit.json"
        done = subprocess.run(
            [
                tool,
                "-r",
                str(requirements),
                "--no-deps",
                "--disable-pip",
                "--progress-spinner",
                "off",
                "--vulnerability-service",
                service,
                "-f",
                "json",
                "-o",
                str(report_path),
            ],
            capture_output=True,
            text=True,
        )
        if not report_path.exists():
            print(f"audit: pip-audit failed (exit {done.returncode}): {done.stderr.strip()[-800:]}", file=sys.stderr)
            return EXIT_UNAUDITABLE
        report = json.loads(report_path.read_text("utf-8"))
    deps = report.get("dependencies", [])
    vulnerable = [d for d in deps if d.get("vulns")]
    skipped = [d for d in deps if d.get("skip_reason")]
    audited = len(deps) - len(skipped)
    for d in vulnerable:
        for v in d["vulns"]:
            fixes = ", ".join(v.get("fix_versions") or []) or "no fixed release"
            print(
                f"VULNERABLE {d['name']}=={d['version']}: {v['id']} (fixed in {fixes}) {v.get('description', '')[:160]}"
            )
    if vulnerable:
        print(f"audit: {len(vulnerable)} of {len(deps)} shipped packages have known vulnerabilities", file=sys.stderr)
        return EXIT_VULNERABLE
    if deps and not audited:
        print(
            f"audit: NOT RUN — the advisory service '{service}' answered for none of the {len(deps)} shipped packages "
            f"(first: {skipped[0]['skip_reason']}). pip-audit needs PyPI's per-release JSON API or OSV; this "
            "machine's package mirror serves neither, so no vulnerability could be checked.",
            file=sys.stderr,
        )
        return 0 if os.environ.get("NTM_AUDIT_OFFLINE_OK") == "1" else EXIT_UNAUDITABLE
    if skipped:
        names = ", ".join(f"{d['name']}=={d['version']}" for d in skipped)
        print(f"audit: could not check {len(skipped)} package(s): {names}", file=sys.stderr)
    print(f"audit: no known vulnerabilities in {audited} shipped packages")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
