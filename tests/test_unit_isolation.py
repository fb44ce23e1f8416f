"""The unit tests run with chromadb unimportable (`tests/unit_isolation.py`): the unit modules pass
that way, and the blocker really refuses chromadb."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Modules of pure unit tests, or whose tests not marked e2e are unit tests (their e2e ones are left out).
UNIT_MODULES = (
    "test_query",
    "test_vntext",
    "test_places",
    "test_agencies",
    "test_agency_grammar",
    "test_directives",
    "test_directive_layouts",
    "test_targets",
    "test_document_facts",
    "test_answering_parts",
    "test_answering_list_blocks",
    "test_answering_chain",
    "test_register_scope",
    "test_metadata_kinds",
    "test_clean_tables",
    "test_lexical_incremental",
    "test_text_kernel",
    "test_cue_tables",
)


def _pytest(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_unit_modules_pass_without_chromadb() -> None:
    done = _pytest("-m", "unit", *(f"tests/{m}.py" for m in UNIT_MODULES))
    assert "chromadb made unimportable" in done.stdout, done.stdout[-2000:]
    assert done.returncode == 0, done.stdout[-4000:]
    assert " passed" in done.stdout and " failed" not in done.stdout and " error" not in done.stdout


def test_a_unit_test_importing_chromadb_fails(tmp_path: Path) -> None:
    probe = tmp_path / "test_probe.py"
    probe.write_text(
        "import pytest\n\n\n@pytest.mark.unit\ndef test_reaches_the_store():\n    import chromadb  # noqa: F401\n",
        encoding="utf-8",
    )
    done = _pytest("-p", "tests.unit_isolation", "-m", "unit", str(probe), cwd=tmp_path)
    assert done.returncode == 1, done.stdout[-2000:]
    assert "chromadb imported by a unit test: unit tests must not touch the vector store" in done.stdout
