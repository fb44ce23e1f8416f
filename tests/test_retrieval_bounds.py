"""Retrieval reads the boosts (a heading's agencies, the asked years in a text) only of candidates
that could reach the top k: the top k and their scores must be those of boosting every one."""

from __future__ import annotations

import math

import pytest

from assistant.query import plan_question
from assistant.retrieve import HybridSearch
from core.knowledge import Knowledge

QUESTIONS = [
    "Sở Nông nghiệp và Phát triển nông thôn có nhiệm vụ gì trong xây dựng nông thôn mới?",
    "Sở Tài chính làm gì năm 2024?",
    "UBND các huyện phải làm gì để đạt chuẩn nông thôn mới năm 2020?",
    "Kho bạc Nhà nước có trách nhiệm gì?",
    "Năm 2023 tỉnh có bao nhiêu xã đạt chuẩn nông thôn mới nâng cao?",
    "Văn phòng Điều phối nông thôn mới tỉnh được giao nhiệm vụ gì năm 2019?",
    "Hà Tĩnh có bao nhiêu sản phẩm OCOP?",
    "Mục tiêu của chương trình là gì?",
]


class EveryBoost(HybridSearch):
    """Boosts every candidate (no bound): what the bound must give back."""

    def _most_boost(self, plan):  # type: ignore[no-untyped-def]
        return math.inf


@pytest.mark.e2e
def test_bounded_boosts_keep_the_top_k_and_their_scores(seed_index, knowledge: Knowledge, monkeypatch) -> None:
    bounded, every = HybridSearch(seed_index, knowledge), EveryBoost(seed_index, knowledge)
    boosted: list[int] = []
    real_boost = HybridSearch._boost

    def counted(self, *args):  # type: ignore[no-untyped-def]
        boosted.append(1)
        return real_boost(self, *args)

    monkeypatch.setattr(HybridSearch, "_boost", counted)
    skipped = 0
    for question in QUESTIONS:
        plan = plan_question(question, knowledge)
        for k in (1, 3, 6):
            boosted.clear()
            a = bounded.search(plan, k)
            read = len(boosted)
            boosted.clear()
            b = every.search(plan, k)
            assert [(c.chunk_id, c.score) for c in a.chunks] == [(c.chunk_id, c.score) for c in b.chunks], question
            skipped += len(boosted) - read
    assert skipped > 50  # the bound did leave candidates unread: the check is not vacuous


@pytest.mark.e2e
def test_no_boost_exceeds_the_bound(seed_index, knowledge: Knowledge) -> None:
    search = HybridSearch(seed_index, knowledge)
    chunks = seed_index.all_chunks()
    for question in QUESTIONS:
        plan = plan_question(question, knowledge)
        most = search._most_boost(plan)
        boosts = [search._boost(plan, c.heading_path, c.agencies, c.text) for c in chunks]
        assert max(boosts) <= most
    assert any(
        search._boost(plan_question(QUESTIONS[1], knowledge), c.heading_path, c.agencies, c.text) for c in chunks
    )
