"""The evaluation's metric definitions and its output files.

Metrics are tested on hand-built questions and answers so that every number is known in advance.
The question-set contract is in `tests/test_eval_questions.py`, the `eval check` gates in
`tests/test_eval_check.py`, the runner end to end in `tests/test_eval_runner.py`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.contracts import Answer, Citation, RetrievedChunk
from eval.dataset import QAItem
from eval.metrics import (
    EmptyPopulation,
    MetricError,
    Observation,
    abstention_precision,
    abstention_recall,
    accuracy,
    citation_precision,
    contains,
    doc_id,
    evidence_at_k,
    hit_at_k,
    is_correct,
    median_chars,
    mrr_at_k,
    percentile,
    summarize,
)

GOLD = "003_53ad26070fe62449"


# --- builders -------------------------------------------------------------------------------
def qa(id: str = "q1", type: str = "result", must=(("17 xã",),), sources=(GOLD,), style: str = "plain") -> QAItem:
    if type == "unanswerable":
        must, sources = (), ()
    return QAItem(id, "câu hỏi?", "đáp án.", tuple(tuple(g) for g in must), tuple(sources), type, style)


def chunk(source: str, text: str = "", n: int = 0) -> RetrievedChunk:
    return RetrievedChunk(f"{source}:{n}", source, source, 1.0 / (n + 1), text, [], 0, len(text))


def cite(source: str, n: int = 1) -> Citation:
    return Citation(n, f"{source}:0", source, "title", "15/TB-UBND", "Lai Châu", "2014-02-17", "quote", 0, 5)


def ans(text: str = "", abstained: bool = False, citations=(), retrieved=()) -> Answer:
    return Answer(text, list(citations), abstained, 0.5, list(retrieved))


def obs(item: QAItem, answer: Answer, latency: float = 10.0) -> Observation:
    return Observation(item, answer, latency)


# --- matching -------------------------------------------------------------------------------
@pytest.mark.unit
@pytest.mark.parametrize(
    ("text", "alternative", "expected"),
    [
        ("Toàn tỉnh có 17 xa đạt chuẩn", "17 xã", True),  # answer without diacritics
        ("Toàn tỉnh có 17 xã đạt chuẩn", "17 xa", True),  # alternative without diacritics
        ("TOÀN TỈNH CÓ 17 XÃ", "17 xã", True),  # case
        ("có 17\n   xã đạt chuẩn", "17 xã", True),  # whitespace runs
        ("Sở Kế hoạch và Đầu tư", "so ke hoach va dau tu", True),  # đ folds to d
        ("nguồn vốn TPCP năm 2014", "tpcp", True),
        ("Thủy lợi", "Thuỷ lợi", True),  # tone placement does not matter
        ("có 177 xã", "17 xã", False),  # never a substring in the first place
        ("có 117 xã", "17 xã", False),  # digit boundary: 17 is not inside 117
        ("có 17 xã", "177", False),
        ("đạt 6,675 tiêu chí", "6,67", False),  # digit boundary at the end
        ("đạt 6,67 tiêu chí/xã", "6,67", True),
        ("có 09 xã đạt chuẩn", "09 xã", True),
        ("có 09 xã đạt chuẩn", "9 xã", False),  # a different number; the set lists "09 xã" too
        ("giai đoạn 2019-2025", "2019-2025", True),
        ("Sở NN&PTNT", "nn&ptnt", True),
    ],
)
def test_contains_is_case_diacritic_and_whitespace_insensitive(text: str, alternative: str, expected: bool) -> None:
    assert contains(text, alternative) is expected


@pytest.mark.unit
def test_doc_id_is_the_file_name_stem_even_under_folders() -> None:
    assert doc_id(f"{GOLD}.txt") == GOLD
    assert doc_id(f"seeds/sub/{GOLD}.pdf") == GOLD
    assert doc_id(f"seeds\\{GOLD}.docx") == GOLD
    with pytest.raises(MetricError):
        doc_id("")


# --- accuracy and abstention ----------------------------------------------------------------
@pytest.mark.unit
def test_an_abstention_is_never_correct_for_an_answerable_item() -> None:
    item = qa(must=(("17 xã",),))
    assert is_correct(item, ans("Hà Giang có 17 xã đạt chuẩn."))
    assert not is_correct(item, ans("Không tìm thấy; có thể là 17 xã.", abstained=True))


@pytest.mark.unit
def test_every_group_must_have_an_alternative() -> None:
    item = qa(must=(("177/181", "177 xã"), ("50 xã",)))
    assert is_correct(item, ans("177 xã đạt tiêu chí, 50 xã đạt chuẩn nâng cao"))
    assert not is_correct(item, ans("177/181 xã đạt tiêu chí"))


@pytest.mark.unit
def test_accuracy_is_over_answerable_items_and_unanswerable_ones_count_by_abstention() -> None:
    data = [
        obs(qa("a", must=(("17 xã",),)), ans("17 xã")),  # correct
        obs(qa("b", must=(("50 xã",),)), ans("49 xã")),  # wrong
        obs(qa("u1", type="unanswerable"), ans("Tài liệu không nêu.", abstained=True)),
        obs(qa("u2", type="unanswerable"), ans("Đạt 90%.")),  # should have abstained
    ]
    assert accuracy(data) == 0.5  # 1 of the 2 answerable items
    assert is_correct(data[2].item, data[2].answer) and not is_correct(data[3].item, data[3].answer)
    assert abstention_recall(data) == 0.5  # 1 of 2 unanswerable items abstained
    assert abstention_precision(data) == 1.0  # the only abstention was on an unanswerable item
    wrongly = data + [obs(qa("c"), ans("", abstained=True))]
    assert abstention_precision(wrongly) == 0.5
    assert accuracy(wrongly) == pytest.approx(1 / 3)


@pytest.mark.unit
def test_median_chars_is_over_non_abstained_answers() -> None:
    data = [obs(qa("a"), ans("x" * 10)), obs(qa("b"), ans("x" * 30)), obs(qa("c"), ans("y" * 500, abstained=True))]
    assert median_chars(data) == 20.0


# --- citations ------------------------------------------------------------------------------
@pytest.mark.unit
def test_a_citation_counts_only_when_its_source_is_gold() -> None:
    data = [
        obs(qa("a"), ans("17 xã", citations=[cite(f"seeds/{GOLD}.txt", 1), cite("000_other.txt", 2)])),
        obs(qa("b"), ans("17 xã", citations=[cite(f"{GOLD}.pdf")])),
        # not in the population: an abstained answer and an unanswerable item
        obs(qa("c"), ans("", abstained=True, citations=[cite("000_other.txt")])),
        obs(qa("u", type="unanswerable"), ans("Đạt 90%.", citations=[cite("000_other.txt")])),
    ]
    assert citation_precision(data) == pytest.approx(2 / 3)


@pytest.mark.unit
def test_citation_precision_without_citations_is_undefined_not_zero() -> None:
    with pytest.raises(EmptyPopulation):
        citation_precision([obs(qa("a"), ans("17 xã"))])


# --- retrieval ------------------------------------------------------------------------------
@pytest.mark.unit
def test_hit_at_k_and_mrr_on_a_constructed_ranking() -> None:
    others = [chunk(f"other_{i}.txt", n=i) for i in range(12)]
    at_1 = obs(qa("a"), ans(retrieved=[chunk(f"{GOLD}.txt")] + others))
    at_3 = obs(qa("b"), ans(retrieved=others[:2] + [chunk(f"dir/{GOLD}.docx")] + others[2:]))
    at_11 = obs(qa("c"), ans(retrieved=others[:10] + [chunk(f"{GOLD}.txt")]))
    missing = obs(qa("d"), ans(retrieved=others))
    unanswerable = obs(qa("u", type="unanswerable"), ans(abstained=True, retrieved=others))  # not counted
    data = [at_1, at_3, at_11, missing, unanswerable]
    assert hit_at_k(data, 1) == 0.25
    assert hit_at_k(data, 5) == 0.5
    assert hit_at_k(data, 11) == 0.75
    assert mrr_at_k(data, 10) == pytest.approx((1 + 1 / 3 + 0 + 0) / 4)


@pytest.mark.unit
def test_cross_doc_hits_on_any_gold_source() -> None:
    item = qa("x", type="cross_doc", sources=("000_a", "001_b"))
    assert hit_at_k([obs(item, ans(retrieved=[chunk("z.txt"), chunk("001_b.txt")]))], 5) == 1.0


@pytest.mark.unit
def test_evidence_needs_every_group_within_the_top_5_chunk_texts() -> None:
    item = qa(must=(("17 xã",), ("9,6%",)))
    fillers = [chunk("f.txt", "không liên quan", n=i) for i in range(3)]
    found = [chunk("a.txt", "Hà Giang có 17 xa"), *fillers, chunk("b.txt", "đạt 9,6% số xã")]
    late = [chunk("a.txt", "Hà Giang có 17 xã"), *fillers, chunk("c.txt", "x"), chunk("b.txt", "đạt 9,6%")]
    assert evidence_at_k([obs(item, ans(retrieved=found))], 5) == 1.0
    assert evidence_at_k([obs(item, ans(retrieved=late))], 5) == 0.0


# --- missing data raises --------------------------------------------------------------------
@pytest.mark.unit
def test_missing_data_raises_instead_of_returning_zero() -> None:
    with pytest.raises(EmptyPopulation):
        hit_at_k([], 5)
    with pytest.raises(EmptyPopulation):  # no answerable item: retrieval is undefined
        hit_at_k([obs(qa("u", type="unanswerable"), ans(abstained=True))], 5)
    with pytest.raises(EmptyPopulation):
        abstention_precision([obs(qa("a"), ans("17 xã"))])  # nothing abstained
    with pytest.raises(EmptyPopulation):
        abstention_recall([obs(qa("a"), ans("17 xã"))])  # no unanswerable item
    with pytest.raises(EmptyPopulation):
        percentile([], 50)
    with pytest.raises(MetricError):  # a retrieved chunk without a source
        hit_at_k([obs(qa("a"), ans(retrieved=[chunk("")]))], 5)
    with pytest.raises(MetricError):  # an answerable item without gold sources
        hit_at_k([obs(qa("a", sources=()), ans(retrieved=[chunk("a.txt")]))], 5)
    with pytest.raises(MetricError):  # no retrieved list at all
        hit_at_k([obs(qa("a"), Answer("17 xã", [], False, 0.5, None))], 5)  # type: ignore[arg-type]
    with pytest.raises(MetricError):  # no answer text
        accuracy([obs(qa("a"), Answer(None, [], False, 0.5, []))])  # type: ignore[arg-type]
    with pytest.raises(MetricError):  # no latency
        summarize([obs(qa("a"), ans("17 xã"), latency=None)])  # type: ignore[arg-type]


@pytest.mark.unit
def test_percentiles_interpolate_linearly() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 95) == pytest.approx(95.05)
    assert percentile([7.0], 95) == 7.0


@pytest.mark.unit
def test_summarize_has_the_contract_keys_and_nulls_only_undefined_groups() -> None:
    data = [
        obs(
            qa("a", type="task", style="plain"),
            ans("17 xã", citations=[cite(GOLD)], retrieved=[chunk(GOLD, "17 xã")]),
            100,
        ),
        obs(qa("u", type="unanswerable", style="paraphrase"), ans("Không có.", abstained=True), 300),
    ]
    m = summarize(data)
    assert m["n"] == 2
    assert set(m["retrieval"]) == {"hit@1", "hit@5", "mrr@10", "evidence@5"}
    assert {"accuracy", "citation_precision", "median_chars"} <= set(m["answer"])
    assert set(m["abstention"]) == {"precision", "recall"}
    assert set(m["latency_ms"]) == {"p50", "p95"}
    assert m["by_type"]["task"] == {"n": 1, "accuracy": 1.0, "hit@5": 1.0}
    assert m["by_type"]["unanswerable"] == {"n": 1, "accuracy": 1.0, "hit@5": None}
    assert m["by_style"]["paraphrase"]["hit@5"] is None
    assert m["latency_ms"] == {"p50": 200.0, "p95": 290.0}


# --- outputs --------------------------------------------------------------------------------
@pytest.mark.unit
def test_outputs_have_the_contract_shape(tmp_path: Path) -> None:
    from eval.runner import assemble, write_outputs

    data = [
        obs(qa("a", must=(("17 xã",),)), ans("17 xã", citations=[cite(GOLD)], retrieved=[chunk(GOLD, "17 xã")]), 12.34),
        obs(qa("b", must=(("50 xã",),)), ans("<script>x</script> 49 xã", retrieved=[chunk("other.txt", "49")]), 20.0),
        obs(qa("u", type="unanswerable"), ans("Không có.", abstained=True), 30.0),
    ]
    metrics = assemble(
        summarize(data), {"embedding": "e", "top_k": 8, "corpus": "c", "qa": "q", "n_documents": 1}, None
    )
    write_outputs(tmp_path, metrics, data)
    written = json.loads((tmp_path / "metrics.json").read_text(encoding="utf-8"))
    assert list(written)[:7] == ["n", "retrieval", "answer", "abstention", "by_type", "latency_ms", "config"]
    lines = [json.loads(x) for x in (tmp_path / "answers.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [x["id"] for x in lines] == ["a", "b", "u"]
    for key in (
        "id",
        "question",
        "type",
        "style",
        "answer",
        "abstained",
        "citations",
        "retrieved",
        "correct",
        "latency_ms",
    ):
        assert key in lines[0]
    assert lines[0]["retrieved"] == [{"chunk_id": f"{GOLD}:0", "source": GOLD, "score": 1.0}]
    assert [x["correct"] for x in lines] == [True, False, True]
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "## Failed questions (1 of 3)" in report and "### b" in report and "### a" not in report
    assert "<script>" not in report and "“50 xã”" in report
