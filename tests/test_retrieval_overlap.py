"""Retrieval's overlap: while the question's vector is computed on a worker thread, the lexical
leg runs and its best chunks are handed to `prepare` (the answer path's remembered readings); the
result is the same with or without it, and the remembered readings equal fresh ones."""

from __future__ import annotations

import pytest

from assistant.evidence import has_quantity, prepare_units, terms
from assistant.query import plan_question
from assistant.retrieve import HybridSearch
from core.finders import find_dates
from core.knowledge import Knowledge

QUESTIONS = [
    "Sở Tài chính có nhiệm vụ gì trong xây dựng nông thôn mới?",
    "Hà Tĩnh có bao nhiêu sản phẩm OCOP?",
    "Lai Châu đặt mục tiêu bao nhiêu xã đạt chuẩn nông thôn mới năm 2025?",
]


@pytest.mark.e2e
def test_prepare_sees_the_lexical_leg_and_changes_nothing(seed_index, knowledge: Knowledge) -> None:
    seen: list[list] = []
    plain = HybridSearch(seed_index, knowledge)
    prepared = HybridSearch(seed_index, knowledge, prepare=seen.append)
    texts = {c.text for c in seed_index.all_chunks()}
    for question in QUESTIONS:
        plan = plan_question(question, knowledge)
        a, b = plain.search(plan, 6), prepared.search(plan, 6)
        assert [c.chunk_id for c in a.chunks] == [c.chunk_id for c in b.chunks]
        assert [round(c.score, 9) for c in a.chunks] == [round(c.score, 9) for c in b.chunks]
        assert seen and 0 < len(seen[-1]) <= 6 and {c.text for c in seen[-1]} <= texts
        best = sorted(b.lexical, key=lambda c: (-b.lexical[c], c))[:6]
        assert [c.chunk_id for c in seen[-1]] == best  # the lexical leg's best, best first


@pytest.mark.unit
def test_remembered_readings_equal_fresh_ones_and_are_not_shared(knowledge: Knowledge) -> None:
    text = (
        "Ngày 17 tháng 02 năm 2014, đồng chí Nguyễn Văn Sơn chủ trì; đến nay có 45 xã đạt chuẩn, "
        "tăng 12% so với năm 2013 (Quyết định số 263/QĐ-TTg)."
    )
    prepare_units([text], knowledge)  # remembered now
    first = terms(text)
    first.append("xxx")
    assert "xxx" not in terms(text)  # callers get their own list
    dates = find_dates(text)
    assert [(d.day, d.month, d.value.year if d.value else None) for d in dates] == [(17, 2, 2014)]
    dates.clear()
    assert len(find_dates(text)) == 1
    names = knowledge.names.find(text)
    assert [n for n, _, _ in names] == ["Nguyễn Văn Sơn"]
    names.clear()
    assert knowledge.names.find(text)
    assert has_quantity(text) and not has_quantity("Quyết định số 263/QĐ-TTg năm 2022")
