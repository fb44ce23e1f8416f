"""The task register and targets tracker: extraction on real notices, storage, CLI and answers."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.register import TaskRegister, UnknownAgency
from assistant.service import ChatService
from assistant.settings import Settings
from core.vntext import fold
from ingest.extract import extract_assignments
from ingest.pipeline import prepare_bytes
from ingest.targets import extract_targets
from vectorstore import records

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def _prepared(knowledge, path: Path):
    return prepare_bytes(path.read_bytes(), path.name, knowledge)


@pytest.mark.unit
def test_agency_headings_and_partners(knowledge, seeds_dir: Path) -> None:
    prepared = _prepared(knowledge, next(seeds_dir.glob("003_*.txt")))
    rows = extract_assignments(prepared.document, prepared.chunks, knowledge.registry)
    khdt = [r for r in rows if r.agency == "so-khdt" and "cơ chế quản lý đầu tư" in r.task]
    assert [r.role for r in khdt] == ["chủ trì"]
    partners = {r.agency for r in rows if r.role == "phối hợp" and "cơ chế quản lý đầu tư" in r.task}
    assert partners == {"so-nnptnt", "so-tai-chinh"}  # "Sờ Tài chính" (a typo) is still Sở Tài chính
    # paragraphs after "Sở NN&PTNT phối hợp với …" that open with a bare verb are its tasks too
    nn = [r.task for r in rows if r.agency == "so-nnptnt" and r.role != "phối hợp"]
    assert any("15 xã điểm" in t for t in nn) and any("19 tiêu chí" in t for t in nn)


@pytest.mark.unit
def test_running_sentence_requests_and_semicolon_lists(knowledge, seeds_dir: Path) -> None:
    prepared = _prepared(knowledge, next(seeds_dir.glob("004_*.txt")))
    rows = extract_assignments(prepared.document, prepared.chunks, knowledge.registry)
    shared = [r for r in rows if r.agency == "cac-so-nganh"]
    assert len(shared) >= 4 and all(r.collective for r in shared)  # one task per "; " clause
    assert any("giải ngân" in r.task for r in shared)
    assert {r.agency for r in rows} >= {"cac-so-nganh", "ubnd-huyen", "ubnd-xa"}


@pytest.mark.unit
def test_numbered_agency_list_with_deadlines(knowledge) -> None:
    prepared = _prepared(knowledge, SAMPLE / "01_nghe-an_thong-bao-ket-luan.txt")
    rows = extract_assignments(prepared.document, prepared.chunks, knowledge.registry)
    finance = [r for r in rows if r.agency == "so-tai-chinh" and r.role == "chủ trì"]
    assert finance and finance[0].deadline.endswith("30/6/2022")
    assert not any("Nơi nhận" in r.task or r.task.isupper() for r in rows)  # distribution list, signature


@pytest.mark.unit
def test_targets_planned_and_achieved(knowledge, seeds_dir: Path) -> None:
    prepared = _prepared(knowledge, next(seeds_dir.glob("002_*.txt")))
    found = {(t.value, t.kind) for t in extract_targets(prepared.document, prepared.chunks)}
    assert ("177/181", "kết quả") in found and ("249", "kết quả") in found
    assert ("25", "mục tiêu") in found and ("150", "mục tiêu") in found
    assert not any(v in {"2023", "13/3", "2591"} for v, _ in found)  # years, dates, document numbers


@pytest.mark.e2e
def test_register_lists_direct_and_shared_tasks(knowledge, seed_index, monkeypatch) -> None:
    register = TaskRegister(seed_index, knowledge.registry)
    rows = register.tasks("so ke hoach va dau tu", province="Lai Châu")
    assert rows and all(r.province == "Lai Châu" for r in rows)
    direct = [r for r in rows if not r.shared]
    assert any(r.role == "chủ trì" and "cơ chế quản lý đầu tư" in r.task for r in direct)
    shared = [r for r in rows if r.shared]
    assert shared and all(r.role_label.endswith("(giao chung)") for r in shared)
    assert rows[0].number == "15/TB-UBND"
    with pytest.raises(UnknownAgency):
        register.tasks("Sở Không Tồn Tại")
    everywhere = register.tasks("các sở, ngành")
    provinces = sorted({r.province for r in everywhere})
    assert len(provinces) >= 2  # the seeds' notices come from several provinces
    for within in ([provinces[0]], provinces[:2], ["lai chau", ""], []):
        kept = {fold(p) for p in within}
        assert register.tasks("các sở, ngành", within=within) == [r for r in everywhere if fold(r.province) in kept]
    assert register.tasks("các sở, ngành", province="Lai Châu", within=["Hà Tĩnh"]) == []
    ids = [knowledge.registry.resolve("các sở, ngành").id]
    documents = {r.doc_id for r in seed_index.assignments(ids)}
    some = set(sorted(documents)[:2])
    listed = seed_index.assignments(ids, some)  # the scope's documents go into the SQL
    assert listed == [a for a in seed_index.assignments(ids) if a.doc_id in some] and listed
    monkeypatch.setattr(records, "_MAX_LISTED", 1)  # more documents than SQLite takes: filtered after
    assert seed_index.assignments(ids, some) == listed
    assert seed_index.assignments(ids, set()) == []


@pytest.mark.e2e
def test_register_rows_follow_document_updates(
    knowledge, tmp_path: Path, seeds_dir: Path, make_index, make_ingester
) -> None:

    corpus = tmp_path / "c"
    corpus.mkdir()
    target = corpus / "thai-nguyen.txt"
    target.write_bytes(next(seeds_dir.glob("004_*.txt")).read_bytes())
    index = make_index(tmp_path / "idx")
    ingester = make_ingester(index)
    ingester.ingest_paths([corpus])
    before = TaskRegister(index, knowledge.registry).tasks("các sở, ngành")
    assert any("giải ngân" in r.task for r in before)
    target.write_text(
        target.read_text("utf-8").replace("đẩy nhanh tiến độ giải ngân các nguồn vốn", "rà soát quỹ đất"), "utf-8"
    )
    ingester.ingest_paths([corpus])
    after = TaskRegister(index, knowledge.registry).tasks("các sở, ngành")
    assert not any("giải ngân các nguồn vốn" in r.task for r in after) and any(
        "rà soát quỹ đất" in r.task for r in after
    )
    with index.batch():
        index.remove("thai-nguyen.txt")
    assert TaskRegister(index, knowledge.registry).tasks("các sở, ngành") == []


@pytest.mark.e2e
def test_task_question_answers_from_the_register(knowledge, seed_index) -> None:
    service = ChatService(seed_index, Settings(index_dir=seed_index.index_dir), knowledge)
    answer = service.ask("Sở Kế hoạch và Đầu tư Lai Châu phải làm gì?")
    assert answer.plan.get("answered_by") == "register"
    assert "cơ chế quản lý đầu tư" in answer.text and "chủ trì" in answer.text
    for c in answer.citations:
        text = seed_index.document_text(c.chunk_id.split(":")[0])
        assert text[c.start : c.end] == c.quote and c.number == "15/TB-UBND"


@pytest.mark.e2e
def test_tasks_cli_formats(seed_index, tmp_path: Path) -> None:
    base = [
        sys.executable,
        "-m",
        "assistant.cli",
        "tasks",
        "--agency",
        "VPĐP NTM",
        "--index",
        str(seed_index.index_dir),
    ]
    as_json = subprocess.run(base + ["--format", "json"], capture_output=True, text=True, timeout=300)
    assert as_json.returncode == 0, as_json.stderr
    rows = json.loads(as_json.stdout)
    assert rows and set(rows[0]) == {"agency", "role", "task", "deadline", "source", "number", "issued", "chunk_id"}
    as_csv = subprocess.run(base + ["--format", "csv"], capture_output=True, text=True, timeout=300)
    parsed = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [r["Nhiệm vụ"] for r in parsed] == [r["task"] for r in rows]  # Vietnamese headers; JSON keeps the keys
    xlsx = tmp_path / "tasks.xlsx"
    done = subprocess.run(
        base + ["--format", "xlsx", "--output", str(xlsx)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx).active
    assert sheet.max_row == len(rows) + 1 and sheet.cell(1, 3).value == "Nhiệm vụ"
    targets = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant.cli",
            "targets",
            "--province",
            "Hà Tĩnh",
            "--format",
            "json",
            "--index",
            str(seed_index.index_dir),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    values = {(r["value"], r["kind"]) for r in json.loads(targets.stdout)}
    assert ("177/181", "kết quả") in values and ("4", "mục tiêu") in values


@pytest.mark.unit
def test_register_scores_match_one_to_one() -> None:
    from eval.register_metrics import GoldFileError, assignment_scores, target_scores

    gold = [
        {"id": "g1", "source": "doc", "agency": "so-tai-chinh", "role": "chủ trì", "keywords": ["phân bổ vốn"]},
        {"id": "g2", "source": "doc", "agency": "so-khdt", "role": "phối hợp", "keywords": ["phân bổ vốn"]},
    ]
    extracted = [
        {
            "source": "doc.txt",
            "agency": "so-tai-chinh",
            "role": "chủ trì",
            "task": "Chủ trì tham mưu PHAN BO VON năm 2022",
        },
        {
            "source": "doc.txt",
            "agency": "so-tai-chinh",
            "role": "chủ trì",
            "task": "Phân bổ vốn lần hai",
        },  # no second gold row
        {"source": "other.txt", "agency": "so-khdt", "role": "phối hợp", "task": "phân bổ vốn"},  # wrong source
    ]
    scores = assignment_scores(extracted, gold)
    assert (scores["n_matched"], scores["precision"], scores["recall"]) == (1, round(1 / 3, 4), 0.5)
    assert scores["missed"] == ["g2"] and scores["role_accuracy"] == 1.0
    targets = target_scores(
        [
            {"source": "doc.txt", "value": "31,64%", "kind": "kết quả"},
            {"source": "doc.txt", "value": "09", "kind": "mục tiêu"},
        ],
        [
            {"id": "t1", "source": "doc", "value": "31,64%", "kind": "kết quả"},
            {"id": "t2", "source": "doc", "value": "9", "kind": "kết quả"},
        ],
    )
    assert targets["recall"] == 1.0 and targets["kind_accuracy"] == 0.5
    with pytest.raises(GoldFileError):
        assignment_scores([], [])
