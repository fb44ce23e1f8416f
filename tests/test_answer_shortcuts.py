"""The answer path's shortcuts give what the plain computation gives, on the seed, dev and format
corpora's documents (as the index holds them) and generated notices."""

from __future__ import annotations

import dataclasses
import json
import math
import random
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from assistant.answering.block_layout import _blocks, block_led_at, may_lead_at
from assistant.answering.features import unit_features
from assistant.answering.selection_model import Scorer, Tree, packaged_model
from assistant.evidence import ANSWER_TYPES, asked_types, is_heading_unit, question_terms, terms
from assistant.query import plan_question
from assistant.retrieve import HybridSearch
from assistant.service import ChatService, LexicalTermWeights
from assistant.settings import Settings
from bench.corpus import Vocabulary, generate
from core.chunk_readings import decode_tables, prime_tables
from core.contracts import Filters
from core.contrasts import _lower, members_in
from core.knowledge import Knowledge
from core.sentence_facts import QUESTION_WORDS
from core.sentences import evidence_spans
from core.vntext import fold, has_diacritics
from ingest.clean import clean_blocks, join_blocks
from ingest.loaders import load_bytes
from ingest.pipeline import prepare_bytes

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def documents(shared: Path) -> list[str]:
    """Cleaned document texts of every seed, dev and format file, generated notices, and layouts
    around a table's header cell (blank and whitespace lines, CRLF, a long line before it)."""
    texts = []
    for folder in ("seeds", "dev", "formats"):
        for path in sorted((shared / "corpus" / folder).glob("*.*")):
            try:
                texts.append(join_blocks(clean_blocks(load_bytes(path.read_bytes(), path.name).blocks))[0])
            except Exception:  # a file the loaders refuse holds no document
                continue
    texts += [n.text for n in generate(30, seed=3, vocab=Vocabulary.load())]
    rows = "STT Tên xã Kết quả\n1 Xã A đạt\n2 Xã B đạt\n3 Xã C chưa đạt\n"
    texts += [
        f"Danh sách như sau:\n  \n{rows}",
        f"Bảng 1. Kết quả\n\n   \n{rows}- Ghi chú một\n- Ghi chú hai",
        f"{'x' * 320}\n{rows}",
        f"{rows}",
        "Các bước:\r\n1. Nộp hồ sơ\r\n2. Thẩm định\r\n  \r\n3. Công nhận\r\n",
        "Gồm:\n\n\n- một\n- hai\n\t\n",
    ]
    return texts


def test_a_lead_in_is_found_at_every_offset_as_reading_every_block_finds_it(documents: list[str]) -> None:
    leads = 0
    for n, text in enumerate(documents):
        doc_id = f"doc{n}"
        first: dict[int, object] = {}
        for block in _blocks(doc_id, text):
            for offset in range(block.lead.start, block.lead.end):
                first.setdefault(offset, block)
        leads += len(first)
        for offset in range(-2, len(text) + 2):
            found = block_led_at(doc_id, text, offset)
            want = first.get(offset)
            assert found == want, (n, offset, text[max(0, offset - 40) : offset + 40])
            if want is not None:
                assert may_lead_at(text, offset)
                assert found is not want and found.items is not want.items  # a fresh copy
    assert leads > 5000  # lead-ins, table headers and their captions occur: the check is not vacuous


def _seed_questions(shared: Path) -> list[str]:
    rows = [json.loads(line) for line in (shared / "eval" / "seed_qa.jsonl").read_text("utf-8").splitlines()]
    return [r["question"] for r in rows if r.get("question")]


@pytest.fixture(scope="module")
def seed_rows(shared: Path, knowledge, seed_index) -> list[list[dict[str, float]]]:
    """The unit feature rows the fitted selection scored for every seed question, on the seeds' index."""
    import assistant.answering.fitted as fitted

    seen: list[list[dict[str, float]]] = []

    def recording(*args, **kwargs):  # type: ignore[no-untyped-def]
        rows = unit_features(*args, **kwargs)
        seen.append(rows)
        return rows

    service = ChatService(seed_index, Settings(index_dir=seed_index.index_dir), knowledge)
    original = fitted.unit_features
    fitted.unit_features = recording
    try:
        for question in _seed_questions(shared):
            service.ask(question)
    finally:
        fitted.unit_features = original
    return seen


def test_logistic_probabilities_at_once_are_the_row_by_row_numbers(seed_rows) -> None:
    scorer = packaged_model().unit
    assert scorer.kind == "logistic" and scorer.probabilities.__self__ is scorer
    assert sum(len(rows) for rows in seed_rows) > 1000
    for rows in seed_rows:
        assert scorer.probabilities(rows) == [scorer.probability(r) for r in rows]  # exactly, not close
    rng = random.Random(7)
    for _ in range(200):  # any values: signed zeros, huge and tiny terms, ties
        rows = [
            {
                f: rng.choice([0.0, -0.0, 1.0, rng.uniform(-1, 1), rng.uniform(-1e6, 1e6), 1e-300])
                for f in scorer.features
            }
            for _ in range(rng.randint(1, 60))
        ]
        assert scorer.probabilities(rows) == [scorer.probability(r) for r in rows]
    with pytest.raises(KeyError):
        scorer.probabilities([{}])
    trees = Scorer(
        "trees",
        ("a", "b"),
        0.1,
        trees=(Tree((0, -1, -1), (0.5, 0.0, 0.0), (1, -1, -1), (2, -1, -1), (0.0, -1.0, 2.0)),),
    )
    rows = [{"a": 0.2, "b": 0.0}, {"a": 0.9, "b": 1.0}]
    assert trees.probabilities(rows) == [trees.probability(r) for r in rows]


def _questions(shared: Path) -> list[str]:
    out = []
    for name in ("seed_qa.jsonl", "dev_qa.jsonl"):
        for line in (shared / "eval" / name).read_text("utf-8").splitlines():
            if line.strip():
                out.append(json.loads(line)["question"])
    return out


def test_contrast_classes_spell_their_forms_once_as_spelling_them_each_time(shared: Path, knowledge) -> None:
    classes = knowledge.cues.contrasts.classes
    asked = 0
    for question in _questions(shared) + [fold(q) for q in _questions(shared)[::4]]:
        for c in classes:
            exact = tuple((_lower(f.lstrip("=")), m) for m, fs in c.members for f in fs)
            folded = tuple((fold(f), m) for m, fs in c.members for f in fs if not f.startswith("="))
            assert c.exact_forms() == exact and c.folded_forms() == folded
            if has_diacritics(question):
                named = members_in(question, exact, _lower(c.context), keep_names=True)
            else:
                named = members_in(question, folded, fold(c.context), keep_names=True, folded=True)
            want = (next(iter(named)), exact, _lower(c.context)) if len(named) == 1 else None
            assert c.asked_in(question) == want
            asked += want is not None
    assert asked > 10


def _retrieved(search: HybridSearch, knowledge, questions: list[str]) -> list[list[tuple]]:
    filters = (None, Filters(province="Lai Châu"), Filters(province="Hà Giang", year_from=2015))
    out = []
    for question in questions:
        plan = plan_question(question, knowledge)
        for f in filters:
            result = search.search(plan, 8, f)
            out.append([(c.chunk_id, c.score, c.text, c.heading_path, c.start, c.metadata) for c in result.chunks])
    return out


def test_retrieval_reads_the_records_of_boosts_and_top_k_only_and_ranks_as_reading_all(
    shared: Path, knowledge, seed_index, monkeypatch
) -> None:
    search = HybridSearch(seed_index, knowledge)
    questions = _questions(shared)[::5]
    read: list[int] = []
    chunks = type(seed_index).chunks
    monkeypatch.setattr(type(seed_index), "chunks", lambda self, ids: read.append(len(ids)) or chunks(self, ids))
    fast = _retrieved(search, knowledge, questions)
    fast_reads, read[:] = sum(read), []
    _read_every_record(monkeypatch)
    assert fast == _retrieved(search, knowledge, questions)
    assert sum(len(r) for r in fast) > 200 and fast_reads < sum(read)


def test_retrieval_reads_every_record_when_the_stores_are_out_of_step(shared: Path, knowledge, seed_index, monkeypatch):
    """A candidate the records lack (another process mid-write) is left out, as reading all did."""
    search = HybridSearch(seed_index, knowledge)
    questions = _questions(shared)[1::9]
    hidden = {r[0][0] for r in _retrieved(search, knowledge, questions) if r}  # every first answer chunk
    chunks = type(seed_index).chunks
    monkeypatch.setattr(
        type(seed_index), "chunks", lambda self, ids: {c: r for c, r in chunks(self, ids).items() if c not in hidden}
    )
    fast = _retrieved(search, knowledge, questions)
    _read_every_record(monkeypatch)
    assert fast == _retrieved(search, knowledge, questions)
    assert not hidden & {c[0] for r in fast for c in r}


def test_question_terms_and_asked_kinds_read_once_per_question_are_the_plain_ones(shared: Path, knowledge) -> None:
    for question in _questions(shared):
        plan = plan_question(question, knowledge)
        text = plan.retrieval_text
        for province in plan.provinces:
            text = re.sub(re.escape(province), " ", text, flags=re.IGNORECASE)
        found = set(terms(text)).union(*(terms(e) for e in plan.expansions))
        want = {t for t in found if not all(p in QUESTION_WORDS for p in t.split("_"))}
        got = question_terms(plan)
        assert got == want and got is not question_terms(plan)  # a fresh set each time: callers may change it
        folded = re.sub(r"\b\w+ nao thi\b", " ", plan.folded)
        assert asked_types(plan) == [n for n, cue in ANSWER_TYPES.items() if re.search(cue, folded)]


class _Every:
    """Holds every word: the gazetteer's first-word indexes then let every word through."""

    def __contains__(self, word: object) -> bool:
        return True

    def get(self, key: object, default: object = None) -> "_Every":
        return self


def test_place_mentions_skipping_words_no_name_starts_with_are_those_of_trying_every_word(
    shared: Path, documents: list[str], monkeypatch
) -> None:
    import core.places as places

    texts = _questions(shared) + [line for text in documents[::3] for line in text.splitlines() if line.strip()]
    texts += [t.lower() for t in texts[::5]] + [fold(t) for t in texts[::5]] + [t.upper() for t in texts[::11]]
    fast = places.load_gazetteer()
    plain = places.load_gazetteer()
    plain._first_words = _Every()  # type: ignore[assignment]
    flags = [(False, False), (True, False), (True, True), (False, True)]
    want = {}
    with monkeypatch.context() as m:
        m.setattr(places, "_UNIT_FIRST", _Every())
        for text in texts:
            for lenient, bare in flags:
                want[text, lenient, bare] = plain.mentions(text, lenient_case=lenient, bare_districts=bare)
    got = {(t, lenient, bare): fast.mentions(t, lenient_case=lenient, bare_districts=bare) for t, lenient, bare in want}
    assert got == want
    assert sum(len(v) for v in want.values()) > 2000  # places are named: the check is not vacuous
    for text in texts[::7]:  # the remembered keys and the per-character unmarking are the plain ones
        assert places._unmarked(text) == "".join(
            {"đ": "d", "Đ": "D"}.get(ch, unicodedata.normalize("NFD", ch)[0]) for ch in text
        )
        for word in text.split():
            assert places._spelling_key(word) == places._spelling_key.__wrapped__(word)
            assert places._folded_key(word) == places._folded_key.__wrapped__(word)


def test_primed_chunks_give_their_evidence_spans_as_splitting_them_does(shared: Path, knowledge) -> None:
    paths = sorted((shared / "corpus" / "seeds").glob("*.txt"))[:2] + sorted((shared / "corpus" / "dev").glob("*"))[::6]
    prepared = [prepare_bytes(p.read_bytes(), str(p), knowledge) for p in paths]
    stored = [(c.text, p.readings[c.chunk_id]) for p in prepared for c in p.chunks]
    fresh = Knowledge.load()
    tables = decode_tables(fresh, {str(i): raw for i, (_, raw) in enumerate(stored)})
    prime_tables(fresh, [(text, tables[str(i)]) for i, (text, _) in enumerate(stored)])
    spans = 0
    for text, _ in stored:
        assert fresh.sentences.spans(text) == evidence_spans(text)
        spans += len(evidence_spans(text))
        masked = text[:5] + " " * 40 + text[45:]  # not a primed text (an instruction blanked): split
        assert fresh.sentences.spans(masked) == evidence_spans(masked)
    assert spans > 300
    assert decode_tables(dataclasses.replace(fresh, reading_version="another"), {"a": stored[0][1]}) == {"a": None}


def test_remembered_term_weights_are_the_index_frequencies_weights(shared: Path, knowledge, seed_index) -> None:
    weights = LexicalTermWeights(seed_index.lexical)
    n = max(1, seed_index.lexical.n_chunks)
    words = {t for q in _questions(shared) for t in terms(q)}
    for _ in range(2):  # computed, then remembered
        for t in words:
            df = seed_index.lexical.document_frequency(t)
            assert weights.idf(t) == math.log(1 + (n - df + 0.5) / (df + 0.5))
    assert sum(seed_index.lexical.document_frequency(t) > 0 for t in words) > 200


def test_a_units_heading_test_read_once_is_the_plain_test(documents: list[str]) -> None:
    from assistant.evidence import _is_heading, split_units
    from core.contracts import RetrievedChunk

    headings = 0
    for n, text in enumerate(documents[:40]):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        chunk = RetrievedChunk(f"d{n}:0", f"d{n}", "s", 1.0, text, lines[:2], 0, len(text), {})
        for unit in split_units(chunk, 0):
            plain = _is_heading(unit)
            assert unit.heading is None and is_heading_unit(unit) == plain and unit.heading is plain
            assert is_heading_unit(unit) == plain
            headings += plain
    assert headings > 20


def test_document_records_are_kept_per_index_state(shared: Path, tmp_path: Path, make_index, make_ingester) -> None:
    """`Index.documents_by_id` remembers records per published state: the same objects until a
    write publishes a new one, and always what the plain one-record read gives."""
    from tests.support import HashEmbeddings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    seeds = sorted((shared / "corpus" / "seeds").glob("*.txt"))[:2]
    for path in seeds:
        (corpus / path.name).write_text(path.read_text("utf-8"), encoding="utf-8")
    index = make_index(tmp_path / "index", HashEmbeddings())
    make_ingester(index).ingest_paths([corpus])
    ids = [d.doc_id for d in index.documents()] + ["no-such-document"]

    def plain() -> dict[str, Any]:
        return {d: index.document(d) for d in ids if index.document(d) is not None}

    first = index.documents_by_id(set(ids))
    assert first == plain() and len(first) == 2
    assert index.documents_by_id({ids[0]}) == {ids[0]: first[ids[0]]}  # remembered: the same record
    assert index.documents_by_id(set(ids))[ids[0]] is first[ids[0]]
    changed = corpus / seeds[0].name  # re-ingested with another text: a new index state
    changed.write_text(changed.read_text("utf-8") + "\nSở Tài chính báo cáo kết quả trước ngày 30/12/2024.", "utf-8")
    make_ingester(index).ingest_paths([corpus])
    again = index.documents_by_id(set(ids))
    assert again == plain() and again != first
    index.close()


def _read_every_record(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Make retrieval read every candidate's record before ranking, as it did before the shortcut."""
    rank = HybridSearch._rank

    def reading_all(self, plan, k, fused, scope, records, every_record):  # type: ignore[no-untyped-def]
        records |= self.index.chunks([c for c in fused if c not in records])
        return rank(self, plan, k, fused, scope, records, True)

    monkeypatch.setattr(HybridSearch, "_rank", reading_all)
