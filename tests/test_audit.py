"""The dependency audit CI runs: what we ship is the runtime closure (no test tools), a known
vulnerability fails, and an audit that could not reach any advisory service is never a pass."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_requirements_are_the_runtime_closure() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "shipped_requirements.py")], capture_output=True, text=True, check=True
    ).stdout
    names = {line.split("==")[0] for line in out.splitlines()}
    assert {"gradio", "chromadb", "torch", "pypdf", "langchain-core"} <= names
    assert not {"pytest", "playwright", "ntm-assistant"} & names
    assert all("+" not in line for line in out.splitlines())  # local build tags dropped (torch+cpu)


def _fake_pip_audit(tmp_path: Path, dependencies: list[dict]) -> Path:
    """A stand-in for the pip-audit executable that writes the given JSON report (as `-o` asks)."""
    script = tmp_path / "pip-audit"
    report = json.dumps({"dependencies": dependencies})
    script.write_text(
        f"#!{sys.executable}\nimport sys\nout = sys.argv[sys.argv.index('-o') + 1]\nopen(out, 'w').write({report!r})\n",
        "utf-8",
    )
    script.chmod(0o755)
    return script


def _audit(tmp_path: Path, dependencies: list[dict], **env: str) -> subprocess.CompletedProcess:
    reqs = tmp_path / "shipped.txt"
    reqs.write_text("jinja2==2.10\n", "utf-8")
    environ = {**os.environ, "PIP_AUDIT": str(_fake_pip_audit(tmp_path, dependencies)), **env}
    if "NTM_AUDIT_OFFLINE_OK" not in env:
        environ.pop("NTM_AUDIT_OFFLINE_OK", None)
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "audit_shipped.py"), str(reqs)],
        capture_output=True,
        text=True,
        env=environ,
    )


def test_a_known_vulnerability_fails(tmp_path: Path) -> None:
    vuln = {"id": "PYSEC-2019-217", "fix_versions": ["2.10.1"], "description": "sandbox escape"}
    done = _audit(tmp_path, [{"name": "jinja2", "version": "2.10", "vulns": [vuln]}])
    assert done.returncode == 1
    assert "VULNERABLE jinja2==2.10: PYSEC-2019-217 (fixed in 2.10.1)" in done.stdout


def test_clean_audit_passes(tmp_path: Path) -> None:
    done = _audit(tmp_path, [{"name": "jinja2", "version": "3.1.6", "vulns": []}])
    assert done.returncode == 0 and "no known vulnerabilities in 1 shipped packages" in done.stdout


def test_an_audit_that_reached_no_service_is_not_a_pass(tmp_path: Path) -> None:
    skipped = [{"name": "jinja2", "version": "2.10", "skip_reason": "Dependency not found on PyPI"}]
    done = _audit(tmp_path, skipped)
    assert done.returncode == 3 and "NOT RUN" in done.stderr
    tolerated = _audit(tmp_path, skipped, NTM_AUDIT_OFFLINE_OK="1")
    assert tolerated.returncode == 0 and "NOT RUN" in tolerated.stderr
