"""Chunk readings stored at ingest (core/chunk_readings): sentence facts and instruction spans
primed from them equal what reading the text gives, without reading it; tables of another
version or cue pattern are ignored; answers are the same with or without stored tables."""

from __future__ import annotations

import dataclasses
import json
import re
import sqlite3
from pathlib import Path

import pytest

from core.chunk_readings import prime_readings
from core.knowledge import Knowledge
from core.memo import Memo
from core.sentence_facts import TEXT_KINDS
from core.sentences import evidence_spans
from ingest.pipeline import prepare_bytes
from tests.support import HashEmbeddings


def _corpus(shared: Path) -> list[Path]:
    return sorted((shared / "corpus" / "seeds").glob("*.txt"))[:3] + sorted((shared / "corpus" / "dev").glob("*"))[::5]


def _stored(paths: list[Path], knowledge: Knowledge) -> list[tuple[str, str]]:
    prepared = [prepare_bytes(p.read_bytes(), str(p), knowledge) for p in paths]
    return [(c.text, p.readings[c.chunk_id]) for p in prepared for c in p.chunks]


def _sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in evidence_spans(text)]


@pytest.mark.unit
def test_primed_sentence_facts_equal_reading_the_sentences(shared: Path, knowledge: Knowledge, monkeypatch):
    stored = _stored(_corpus(shared), knowledge)
    fresh = Knowledge.load()  # another process: it has read nothing yet
    assert prime_readings(fresh, stored) == len(stored)

    def no_reading(text: str):
        raise AssertionError(f"read a sentence whose facts were stored: {text[:60]!r}")

    monkeypatch.setattr(fresh.sentences, "read", no_reading)
    sentences = [s for text, _ in stored for s in _sentences(text)]
    assert len(sentences) > 300
    held = {kind: 0 for kind in TEXT_KINDS}
    for sentence in sentences:
        got, want = fresh.sentences.facts(sentence), knowledge.sentences.read(sentence)
        assert got == want, sentence
        for kind in TEXT_KINDS:
            held[kind] += kind in got.kinds
            assert fresh.sentences.holds(sentence, kind) == (kind in want.kinds)
    assert all(held.values()), held  # every kind occurs in the corpus: the check is not vacuous
    assert sum(bool(knowledge.sentences.read(s).years) for s in sentences) > 20


@pytest.mark.unit
def test_primed_instruction_spans_equal_finding_them(shared: Path, knowledge: Knowledge, monkeypatch):
    injected = shared / "corpus" / "bad" / "prompt-injection_script_onerror.html"
    stored = _stored([injected, *_corpus(shared)[:2]], knowledge)
    want = [knowledge.cues.find_instruction_spans(text) for text, _ in stored]
    fresh = Knowledge.load()
    prime_readings(fresh, stored)
    cues_class = type(fresh.cues)  # frozen: the search is replaced on the class
    monkeypatch.setattr(cues_class, "find_instruction_spans", lambda self, text: pytest.fail("searched a stored chunk"))
    got = [fresh.cues.instruction_spans(text) for text, _ in stored]
    assert got == want
    flagged = sum(bool(spans) for spans in got)
    assert flagged >= 1  # the injected page holds an instruction to the system


@pytest.mark.unit
def test_tables_of_another_version_or_cue_pattern_are_not_used(shared: Path, knowledge: Knowledge):
    stored = _stored(_corpus(shared)[:1], knowledge)
    text = stored[0][0]
    sentence = _sentences(text)[0]
    other = Knowledge.load()
    assert prime_readings(dataclasses.replace(other, reading_version="another"), stored) == 0
    assert other.sentences._memo.get(sentence) is None and other.cues.instructions.get(text) is None

    # the same version, spans found with another cue pattern: the facts are used, the spans are not
    table = json.loads(stored[0][1])
    table["i"][0] = "another-pattern"
    assert prime_readings(other, [(text, json.dumps(table))]) == 1
    assert other.sentences._memo.get(sentence) == knowledge.sentences.read(sentence)
    assert other.cues.instructions.get(text) is None

    # a table that does not fit the text it is handed with is not taken for it
    short = text[: len(text) // 3]
    third = Knowledge.load()
    prime_readings(third, [(short, stored[0][1])])
    assert all(third.sentences._memo.get(s) is None for s in _sentences(short))


@pytest.mark.unit
def test_holds_checks_a_window_alone_and_reads_the_same_as_facts(knowledge: Knowledge):
    reader = Knowledge.load().sentences
    window = "theo Quyết định số 263/QĐ-TTg ngày 22/02/2022, huyện Tiên Du đạt 100% chỉ tiêu"
    facts = knowledge.sentences.read(window)
    assert {"docnum", "date", "place", "quantity", "year"} <= facts.kinds and "person" not in facts.kinds
    assert facts.years == frozenset() and not facts.action  # "…/2022" is a date and a document number
    for kind in TEXT_KINDS:
        assert reader.holds(window, kind) == (kind in facts.kinds)
    assert reader._memo.get(window) is None  # a window is checked, not remembered
    with pytest.raises(ValueError, match="agency"):
        reader.holds(window, "agency")
    assert knowledge.sentences.read("Sở Tài chính chủ trì thẩm định, năm 2025.").years == frozenset({2025})


@pytest.mark.unit
def test_memo_drops_the_oldest_and_priming_renews_a_key():
    memo: Memo[str, int] = Memo(2)
    memo.put({"a": 1, "b": 2})
    memo.put({"a": 3})  # renewed: "b" is now the oldest
    memo.put({"c": 4})
    assert (memo.get("a"), memo.get("b"), memo.get("c"), len(memo)) == (3, None, 4, 2)
    calls: list[str] = []
    assert memo.get_or_compute("d", lambda k: calls.append(k) or 5) == 5
    assert memo.get_or_compute("d", lambda k: calls.append(k) or 6) == 5 and calls == ["d"]
    with pytest.raises(ValueError):
        Memo(0)


def _answers(index, knowledge: Knowledge, questions: list[str]) -> list[tuple[str, list[str]]]:
    from assistant.service import ChatService
    from assistant.settings import Settings

    service = ChatService(index, Settings(index_dir=index.index_dir), knowledge)
    out = []
    for question in questions:
        answer = service.ask(question)
        out.append((answer.text, [c.quote for c in answer.citations]))
    return out


@pytest.mark.e2e
def test_answers_are_the_same_without_stored_tables(tmp_path: Path, shared: Path, make_index, make_ingester):
    seeds = sorted((shared / "corpus" / "seeds").glob("*.txt"))
    index = make_index(tmp_path / "index", HashEmbeddings())
    make_ingester(index).ingest_paths(seeds)
    rows = [json.loads(line) for line in (shared / "eval" / "seed_qa.jsonl").read_text("utf-8").splitlines() if line]
    questions = [r["question"] for r in rows][::4]
    with_tables = _answers(index, Knowledge.load(), questions)
    with sqlite3.connect(tmp_path / "index" / "records.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM agency_readings").fetchone()[0] > 0
        db.execute("DELETE FROM agency_readings")
    index.refresh()
    assert index.agency_readings(index.chunk_ids()) == {}
    assert _answers(index, Knowledge.load(), questions) == with_tables
    assert sum(bool(re.search(r"\[\d+\]", text)) for text, _ in with_tables) >= len(questions) // 2
    index.close()


@pytest.mark.unit
def test_the_registry_knows_what_it_will_not_parse(shared: Path, knowledge: Knowledge):
    from core.chunk_readings import prime_agency_readings

    stored = _stored(_corpus(shared)[:2], knowledge)
    fresh = Knowledge.load()
    registry = fresh.registry
    heading = "UBND tỉnh giao Sở Tài chính"
    assert not registry.knows(heading)
    registry.find(heading)
    assert registry.knows(heading) and not registry.knows(heading, question=True)
    first = _sentences(stored[0][0])[0]
    assert not registry.knows(first)
    assert prime_agency_readings(fresh, [raw for _, raw in stored]) == len(stored)
    assert registry.knows(first) and not registry.knows(first, question=True)  # questions are always parsed
    assert fresh.sentences._memo.get(first) is None  # only the agency readings were taken
    assert prime_agency_readings(dataclasses.replace(fresh, reading_version="another"), [stored[1][1]]) == 0
