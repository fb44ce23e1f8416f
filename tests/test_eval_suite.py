"""The evaluation suite around the contract: compare, validate, ragas export, reports, the naive
baseline, and several configurations scored in one run (deterministically).

Unit tests use hand-built answers (every number known in advance); e2e tests use 2 seed documents
and 4 seed questions on a real index (Chroma + BM25 + the embedded default model).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.contracts import Answer, Citation, RetrievedChunk
from eval.dataset import QAItem
from eval.metrics import Observation, summarize

ROOT = Path(__file__).resolve().parents[1]
GOLD = "004_2cf336e0c0e404f5"
OTHER = "001_0c4ed19236d5e3b6"
SUITE_QUESTIONS = ("seed-024", "seed-038", "seed-055", "seed-065")  # 2 × 004, 1 × 001, 1 unanswerable


def _eval(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "eval", *args],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )


def _env_without_llm() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("NTM_LLM", "NTM_CONFIG")}


# --- hand-built outputs ---------------------------------------------------------------------
def _item(qid: str, must=(("13 xã",),), kind: str = "result") -> QAItem:
    if kind == "unanswerable":
        return QAItem(qid, f"câu hỏi {qid}?", "Không có trong tài liệu.", (), (), kind, "plain")
    return QAItem(qid, f"câu hỏi {qid}?", "Có 13 xã.", tuple(tuple(g) for g in must), (GOLD,), kind, "plain")


def _answer(text: str, source: str = GOLD, abstained: bool = False) -> Answer:
    chunk = RetrievedChunk(f"{source}:0", source, f"{source}.txt", 0.9, f"đoạn văn: {text}", [], 0, 10)
    cites = [] if abstained else [Citation(1, chunk.chunk_id, chunk.source, "t", "", "", "", text, 0, 5)]
    return Answer(text, cites, abstained, 0.5, [chunk])


def _write(out: Path, answers: dict[str, Answer]) -> Path:
    from eval.runner import assemble, write_outputs

    items = {"q1": _item("q1"), "q2": _item("q2"), "q3": _item("q3"), "u1": _item("u1", kind="unanswerable")}
    observations = [Observation(items[qid], answer, 10.0 + n) for n, (qid, answer) in enumerate(answers.items())]
    metrics = assemble(
        summarize(observations), {"qa_sha256": "x", "corpus": "c", "qa": "q", "n_documents": 1, "top_k": 8}, None
    )
    write_outputs(out, metrics, observations, plots=False)
    return out


GOOD = {
    "q1": _answer("Có 13 xã."),
    "q2": _answer("Có 13 xã đạt chuẩn."),
    "q3": _answer("13 xã"),
    "u1": _answer("Không tìm thấy.", abstained=True),
}


@pytest.mark.unit
def test_compare_exits_zero_when_equal_and_one_on_a_regression(tmp_path: Path) -> None:
    old = _write(tmp_path / "old", GOOD)
    same = _write(tmp_path / "same", GOOD)
    done = _eval("compare", str(old), str(same), "--strict")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no regression" in done.stdout and "0 correct → wrong" in done.stdout

    worse = _write(tmp_path / "worse", {**GOOD, "q2": _answer("Có 12 xã.", source=OTHER)})
    done = _eval("compare", str(old), str(worse))
    assert done.returncode == 1, done.stdout
    assert "WORSE  q2" in done.stdout and "REGRESSION" in done.stdout
    assert "answer.accuracy" in done.stdout and "-0.333" in done.stdout
    assert "first gold rank moved: q2 1→-" in done.stdout
    # the other direction is an improvement, never a failure
    better = _eval("compare", str(worse), str(old))
    assert better.returncode == 0 and "BETTER q2" in better.stdout


@pytest.mark.unit
def test_compare_tolerance_and_strict(tmp_path: Path) -> None:
    old = _write(tmp_path / "old", GOOD)
    worse = _write(tmp_path / "worse", {**GOOD, "q3": _answer("mười ba")})  # accuracy 1.0 → 0.667
    assert _eval("compare", str(old), str(worse), "--tolerance", "0.5").returncode == 0
    assert _eval("compare", str(old), str(worse), "--tolerance", "0.5", "--strict").returncode == 1
    assert _eval("compare", str(old), str(worse), "--tolerance", "0.5", "--gate", "hit@5").returncode == 0
    assert _eval("compare", str(old), str(tmp_path / "missing")).returncode == 2


@pytest.mark.unit
def test_ragas_export_has_ragas_columns_in_answer_order(tmp_path: Path) -> None:
    out = _write(tmp_path / "out", GOOD)
    rows = [json.loads(line) for line in (out / "ragas.jsonl").read_text(encoding="utf-8").splitlines()]
    answers = [json.loads(line) for line in (out / "answers.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == len(answers) == 4
    for row, record in zip(rows, answers, strict=False):
        assert list(row) == ["user_input", "response", "retrieved_contexts", "reference"]
        assert row["user_input"] == record["question"] and row["response"] == record["answer"]
        assert isinstance(row["retrieved_contexts"], list) and all(
            isinstance(c, str) for c in row["retrieved_contexts"]
        )
    assert rows[0]["retrieved_contexts"] == ["đoạn văn: Có 13 xã."]
    assert rows[0]["reference"] == "Có 13 xã."


@pytest.mark.unit
def test_reports_escape_text_from_answers_and_questions(tmp_path: Path) -> None:
    from eval.report import Row, suite_report, to_html, to_markdown

    evil = "<script>alert('x')</script> & <b>"
    out = _write(tmp_path / "out", {**GOOD, "q1": _answer(evil)})
    html_text = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in html_text and "&lt;script&gt;" in html_text
    assert html_text.startswith("<!DOCTYPE html>") and "<style>" in html_text and 'src="http' not in html_text
    assert "<script>" not in (out / "report.md").read_text(encoding="utf-8")
    # the combined report of a multi-config run, too
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    records = [json.loads(line) for line in (out / "answers.jsonl").read_text(encoding="utf-8").splitlines()]
    blocks = suite_report([Row(evil, metrics, records), Row("naive", metrics, records, baseline=True)])
    assert "<script>" not in to_html(blocks) and "<script>" not in to_markdown(blocks)
    assert "&lt;script&gt;" in to_html(blocks)


@pytest.mark.unit
def test_report_command_rebuilds_reports_and_plots_from_the_files(tmp_path: Path) -> None:
    out = _write(tmp_path / "out", GOOD)
    assert not (out / "plots").exists()
    done = _eval("report", str(out))
    assert done.returncode == 0, done.stderr
    assert (out / "plots" / "hit_at_k.png").is_file() and "plots/hit_at_k.png" in (out / "report.html").read_text(
        encoding="utf-8"
    )
    assert _eval("report", str(tmp_path / "nothing")).returncode == 2


@pytest.mark.unit
def test_the_example_config_file_resolves(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from eval.configs import resolve

    monkeypatch.setenv("NTM_CONFIG", str(tmp_path / "none.toml"))
    (config,) = resolve([], [ROOT / "eval" / "examples" / "hybrid-c900.toml"], {})
    assert config.name == "hybrid-c900" and config.overrides["chunk_max_chars"] == 900


# --- validate -------------------------------------------------------------------------------
@pytest.mark.unit
def test_validate_passes_on_the_seed_set(shared: Path) -> None:
    done = _eval("validate", str(shared / "eval" / "seed_qa.jsonl"), "--corpus", str(shared / "corpus" / "seeds"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK: 70 questions" in done.stdout


@pytest.mark.unit
def test_validate_passes_on_corpus_b() -> None:
    datasets = ROOT / "eval" / "datasets"
    done = _eval("validate", str(datasets / "corpus_b_qa.jsonl"), "--corpus", str(datasets / "corpus_b"))
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.unit
def test_validate_fails_naming_the_line_of_each_problem(tmp_path: Path, shared: Path) -> None:
    lines = (shared / "eval" / "seed_qa.jsonl").read_text(encoding="utf-8").splitlines()[:4]
    second = json.loads(lines[1])
    second["must_include"] = [["một cụm từ không có trong văn bản"]]  # bad must_include → line 2
    third = json.loads(lines[2])
    third["sources"] = ["no_such_document"]  # → line 3
    duplicate = json.loads(lines[0])  # duplicate id → line 5
    rows = [
        lines[0],
        json.dumps(second, ensure_ascii=False),
        json.dumps(third, ensure_ascii=False),
        lines[3],
        json.dumps(duplicate, ensure_ascii=False),
    ]
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    done = _eval("validate", str(path), "--corpus", str(shared / "corpus" / "seeds"))
    assert done.returncode == 1, done.stdout
    out = done.stdout
    assert (
        f"{path}, line 2: id {second['id']!r}: must_include group 1 alternative 'một cụm từ không có trong văn bản'"
        in out
    )
    assert f"{path}, line 3: id {third['id']!r}: source 'no_such_document' is not a document" in out
    assert f"{path}, line 5: duplicate id {duplicate['id']!r} (first on line 1)" in out
    assert "INVALID: 3 problem(s)" in out


@pytest.mark.unit
def test_validate_accepts_another_notation_of_a_number_or_date_only() -> None:
    from eval.validate import occurs

    assert occurs("hoàn thành trước 01 năm", "1 năm")
    assert occurs("ngày 17 tháng 02 năm 2014", "17/02/2014")
    assert occurs("có 09 xã đạt chuẩn", "9 xã")
    assert not occurs("có 09 xã đạt chuẩn", "19 xã")
    assert not occurs("đạt 10,05%", "10,5%")


# --- configurations -------------------------------------------------------------------------
@pytest.mark.unit
def test_presets_and_config_files_resolve_to_settings_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from eval.configs import ConfigError, resolve

    monkeypatch.delenv("NTM_LLM", raising=False)
    monkeypatch.setenv("NTM_CONFIG", str(tmp_path / "none.toml"))
    toml = tmp_path / "small.toml"
    toml.write_text('name = "small-chunks"\nchunk_max_chars = 600\nretrieval_legs = "dense"\n', encoding="utf-8")
    configs = resolve(["lexical", "hybrid+register"], [toml], {})
    assert [c.name for c in configs] == ["lexical", "hybrid+register", "small-chunks"]
    assert configs[0].overrides == {"retrieval_legs": "lexical", "use_register": False, "llm": None}
    assert configs[1].overrides["use_register"] is True and configs[2].overrides["chunk_max_chars"] == 600
    with pytest.raises(ConfigError, match="preset 'llm' needs an LLM"):
        resolve(["llm"], [], {})
    assert resolve(["llm"], [], {"llm": "openai:some-model"})[0].name == "llm"
    bad = tmp_path / "bad.toml"
    bad.write_text("top_kk = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown setting 'top_kk'"):
        resolve([], [bad], {})
    with pytest.raises(ConfigError, match="two configurations are named 'dense'"):
        resolve(["dense", "dense"], [], {})


@pytest.mark.unit
def test_run_with_the_llm_preset_and_no_llm_is_a_usage_error(tmp_path: Path, shared: Path) -> None:
    env = {**_env_without_llm(), "NTM_CONFIG": str(tmp_path / "none.toml")}
    done = _eval(
        "run",
        "--corpus",
        str(shared / "corpus" / "seeds"),
        "--qa",
        str(shared / "eval" / "seed_qa.jsonl"),
        "--out",
        str(tmp_path / "out"),
        "--preset",
        "llm",
        "--quiet",
        env=env,
    )
    assert done.returncode == 2 and "NTM_LLM" in done.stderr
    assert not (tmp_path / "out").exists()


# --- e2e: the naive baseline and a multi-config run -----------------------------------------
@pytest.fixture(scope="module")
def two_docs(tmp_path_factory, seeds_dir: Path, shared: Path) -> tuple[Path, Path]:
    """A 2-document corpus and 4 seed questions about it (one unanswerable)."""
    root = tmp_path_factory.mktemp("two-docs")
    corpus = root / "corpus"
    corpus.mkdir()
    for doc in (GOLD, OTHER):
        (corpus / f"{doc}.txt").write_bytes((seeds_dir / f"{doc}.txt").read_bytes())
    lines = [
        line
        for line in (shared / "eval" / "seed_qa.jsonl").read_text(encoding="utf-8").splitlines()
        if json.loads(line)["id"] in SUITE_QUESTIONS
    ]
    assert len(lines) == len(SUITE_QUESTIONS)
    qa = root / "qa.jsonl"
    qa.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return corpus, qa


@pytest.mark.e2e
def test_naive_baseline_answers_with_the_top_chunk_and_four_retrieved_chunks(two_docs, embeddings) -> None:
    from eval.baseline import NaiveBaseline

    corpus, _ = two_docs
    with NaiveBaseline.from_corpus(corpus, embeddings) as naive:
        assert naive.n_documents == 2 and naive.n_chunks >= 8
        answer = naive.ask("Năm 2019 tỉnh Thái Nguyên đặt mục tiêu bao nhiêu xã đạt chuẩn nông thôn mới?")
        assert isinstance(answer, Answer) and not answer.abstained
        assert len(answer.retrieved) == 4 and len(answer.citations) == 4
        assert answer.text == answer.retrieved[0].text and len(answer.text) <= 1000
        assert answer.retrieved[0].source == f"{GOLD}.txt" and "13 xã" in answer.text
        assert [c.chunk_id for c in answer.citations] == [r.chunk_id for r in answer.retrieved]
        unrelated = naive.ask("Cà Mau có bao nhiêu xã đạt chuẩn?")
        assert not unrelated.abstained and len(unrelated.retrieved) == 4


@pytest.fixture(scope="module")
def suite_runs(two_docs, tmp_path_factory) -> tuple[Path, Path]:
    """The same two-preset run with the naive baseline, twice (the second in process)."""
    from eval.configs import resolve
    from eval.suite import run_suite

    corpus, qa = two_docs
    root = tmp_path_factory.mktemp("suite")
    env = {**_env_without_llm(), "NTM_CONFIG": str(root / "none.toml")}
    done = _eval(
        "run",
        "--corpus",
        str(corpus),
        "--qa",
        str(qa),
        "--out",
        str(root / "a"),
        "--preset",
        "lexical",
        "--preset",
        "hybrid",
        "--baseline",
        "naive",
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "eval lexical" in done.stderr and "eval naive" in done.stderr  # progress bars
    run_suite(corpus, qa, root / "b", resolve(["lexical", "hybrid"], [], {}), baseline="naive", progress=False)
    return root / "a", root / "b"


@pytest.mark.e2e
def test_a_two_preset_run_writes_every_configuration_and_a_summary(suite_runs) -> None:
    out, _ = suite_runs
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert [c["name"] for c in summary["configurations"]] == ["lexical", "hybrid", "naive"]
    assert summary["n"] == 4 and [c["baseline"] for c in summary["configurations"]] == [False, False, True]
    assert not (out / "metrics.json").exists()  # only a single-config run writes the contract's file at the top
    for name in ("lexical", "hybrid", "naive"):
        metrics = json.loads((out / name / "metrics.json").read_text(encoding="utf-8"))
        assert list(metrics)[:7] == ["n", "retrieval", "answer", "abstention", "by_type", "latency_ms", "config"]
        assert metrics["n"] == 4 and metrics["config"]["name"] == name
        for file in ("answers.jsonl", "ragas.jsonl", "report.md", "report.html"):
            assert (out / name / file).is_file(), f"{name}/{file}"
    lexical = json.loads((out / "lexical" / "metrics.json").read_text(encoding="utf-8"))
    hybrid = json.loads((out / "hybrid" / "metrics.json").read_text(encoding="utf-8"))
    assert lexical["config"]["retrieval_legs"] == "lexical" and hybrid["config"]["retrieval_legs"] == "dense,lexical"
    assert lexical["config"]["n_chunks"] == hybrid["config"]["n_chunks"]  # one index, shared
    naive = summary["configurations"][2]
    assert naive["abstention"]["recall"] == 0.0 and naive["config"]["top_k"] == 4
    assert naive["hit_at_k"]["4"] == naive["hit_at_k"]["10"]  # 4 chunks retrieved: flat beyond k=4
    for plot in ("accuracy_by_type", "accuracy_by_style", "hit_at_k", "latency"):
        png = out / "plots" / f"{plot}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"plots/{plot}.png" in (out / "report.html").read_text(encoding="utf-8")
        assert f"](plots/{plot}.png)" in (out / "report.md").read_text(encoding="utf-8")
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "| lexical |" in report and "| naive |" in report and "## Accuracy by style" in report
    gate = _eval("check", str(out), "--min", "accuracy=0")
    assert gate.returncode == 2 and "multi-config run" in gate.stderr
    assert _eval("check", str(out / "hybrid"), "--min", "n=4").returncode == 0


@pytest.mark.e2e
def test_results_are_the_same_run_to_run_except_latency(suite_runs) -> None:
    a, b = suite_runs

    def numbers(out: Path) -> list:
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        rows = []
        for c in summary["configurations"]:
            rows.append({k: v for k, v in c.items() if k not in ("latency_ms",)})
            answers = [
                json.loads(x) for x in (out / c["dir"] / "answers.jsonl").read_text(encoding="utf-8").splitlines()
            ]
            rows.append([{k: v for k, v in r.items() if k != "latency_ms"} for r in answers])
        return rows

    assert numbers(a) == numbers(b)
    done = _eval("compare", str(a), str(b), "--strict", "--tolerance", "0")
    assert done.returncode == 0, done.stdout
    assert done.stdout.count("0 correct → wrong · 0 wrong → correct") == 3
