"""The read commands of `ntm` as a new user meets them: --json everywhere, a missing or empty index
is an error that says where it looked (and creates nothing), bad input is named, unknown filter
values list the known ones, and a missing optional extra is one line, not a traceback."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app

pytestmark = pytest.mark.e2e


@pytest.fixture
def run(monkeypatch, tmp_path):
    """Run `ntm ARGS` in-process from an empty working folder (no ntm.toml, no NTM_* variables)."""
    monkeypatch.chdir(tmp_path)
    for var in ("NTM_INDEX_DIR", "NTM_LLM", "NTM_CONFIG"):
        monkeypatch.delenv(var, raising=False)

    def invoke(*args: str | Path):
        return CliRunner().invoke(app, [str(a) for a in args])

    return invoke


def _json(result) -> object:
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    "command",
    [
        ["ask", "Sở Tài chính phải làm gì?"],
        ["docs"],
        ["targets"],
        ["tasks", "--agency", "Sở Tài chính"],
        ["search", "nông thôn mới"],
    ],
)
def test_missing_index_is_an_error_naming_where_it_looked(run, tmp_path, command) -> None:
    result = run(*command, "--json")
    assert result.exit_code == 1
    where = str((tmp_path / ".ntm" / "index").resolve())
    assert where in result.stderr and "ntm ingest" in result.stderr
    assert _json(result)["index"] == where
    assert not (tmp_path / ".ntm").exists()  # a read command never creates an index
    assert "Traceback" not in result.output


def test_empty_index_is_an_error(run, tmp_path, make_index) -> None:
    make_index(tmp_path / "empty").close()
    result = run("ask", "Sở Tài chính phải làm gì?", "--index", tmp_path / "empty")
    assert result.exit_code == 1
    assert "chưa có tài liệu nào" in result.stderr and "ntm ingest" in result.stderr


@pytest.mark.parametrize("question", ["", "   "])
def test_empty_question_is_an_error(run, seed_index, question) -> None:
    result = run("ask", question, "--index", seed_index.index_dir, "--json")
    assert result.exit_code == 2
    assert "câu hỏi trống" in _json(result)["error"]


def test_targets_and_tasks_take_json(run, seed_index) -> None:
    targets = run("targets", "--json", "--index", seed_index.index_dir)
    assert targets.exit_code == 0, targets.output
    rows = _json(targets)
    assert rows and {"indicator", "value", "kind", "chunk_id"} <= set(rows[0])
    tasks = run("tasks", "--agency", "so tai chinh", "--json", "--index", seed_index.index_dir)
    assert tasks.exit_code == 0, tasks.output
    assert all(r["agency"] for r in _json(tasks))


def test_unknown_province_lists_the_indexed_ones(run, seed_index) -> None:
    indexed = sorted({d.metadata["province"] for d in seed_index.documents()} - {""})
    for command in (["targets"], ["tasks", "--agency", "Sở Tài chính"], ["ask", "Sở Tài chính phải làm gì?"]):
        result = run(*command, "--province", "Atlantis", "--json", "--index", seed_index.index_dir)
        assert result.exit_code == 2, command
        payload = _json(result)
        assert payload["unknown"] == "Atlantis" and payload["known"] == indexed
        assert all(p in result.stderr for p in indexed)


def test_province_without_diacritics_is_the_indexed_one(run, seed_index) -> None:
    result = run("targets", "--province", "lai chau", "--json", "--index", seed_index.index_dir)
    assert result.exit_code == 0
    assert _json(result)  # Lai Châu has figures in the seeds


def test_unknown_kind_and_agency_list_the_known_ones(run, seed_index) -> None:
    kind = run("targets", "--kind", "dự báo", "--index", seed_index.index_dir)
    assert kind.exit_code == 2
    assert "kết quả" in kind.stderr and "mục tiêu" in kind.stderr
    ok = run("targets", "--kind", "ket qua", "--json", "--index", seed_index.index_dir)
    assert ok.exit_code == 0 and {r["kind"] for r in _json(ok)} == {"kết quả"}
    agency = run("tasks", "--agency", "Cục Không Tồn Tại Xyz", "--json", "--index", seed_index.index_dir)
    assert agency.exit_code == 2
    assert "Sở Tài chính" in _json(agency)["known"]


def test_docs_prints_a_header_row(run, seed_index) -> None:
    result = run("docs", "--index", seed_index.index_dir)
    assert result.exit_code == 0
    header = result.stdout.splitlines()[0].split()
    assert header[:5] == ["source", "province", "number", "issued", "kind"]
    assert len(result.stdout.splitlines()) == 2 + len(seed_index.documents())
    assert len(_json(run("docs", "--json", "--index", seed_index.index_dir))) == len(seed_index.documents())


def test_missing_llm_extra_is_one_line(run, seed_index, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "langchain_openai", None)  # as if the extra were not installed
    monkeypatch.setenv("NTM_LLM", "openai:qwen2.5-7b-instruct")
    result = run("ask", "Sở Tài chính phải làm gì?", "--index", seed_index.index_dir)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and 'pip install -e ".[llm]"' in lines[0] and "langchain-openai" in lines[0]
    assert "Traceback" not in result.output


def test_ask_text_says_who_answered(run, seed_index) -> None:
    result = run("ask", "Sở Tài chính Lai Châu phải làm gì?", "--index", seed_index.index_dir)
    assert result.exit_code == 0
    assert result.stdout.strip().splitlines()[-1] == "(Từ sổ nhiệm vụ (trích từ văn bản))"
