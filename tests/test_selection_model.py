"""The fitted selection model: stored as plain numbers that score exactly like the fitted
scikit-learn estimators, cut-offs that behave as described, features of real sentences, and the
packaged model file that the answerer loads."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.answering.features import (
    QUESTION_FEATURES,
    UNIT_FEATURES,
    question_features,
    unit_features,
)
from assistant.answering.fitted import core_indices
from assistant.answering.selection_model import Scorer, SelectionModel, packaged_model
from assistant.evidence import TermWeights, measure_units, split_units
from assistant.query import plan_question
from core.contracts import RetrievedChunk
from eval.selection_fit import _fit_logistic, fit_unit_scorer

pytestmark = pytest.mark.unit


def _toy(n: int = 300) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3))
    X[:, 2] = (X[:, 2] > 0).astype(float)  # a binary feature, like most of ours
    y = ((X[:, 0] + 0.8 * X[:, 2] - 0.5 * X[:, 1] + rng.normal(scale=0.5, size=n)) > 0.3).astype(int)
    return X, y


def test_logistic_scorer_matches_sklearn() -> None:
    from sklearn.linear_model import LogisticRegression

    X, y = _toy()
    scorer = _fit_logistic(X, y, ("a", "b", "c"), C=0.5)
    mean, scale = X.mean(axis=0), X.std(axis=0)
    ref = LogisticRegression(C=0.5, max_iter=5000).fit((X - mean) / scale, y).predict_proba((X - mean) / scale)[:, 1]
    ours = [scorer.probability(dict(zip("abc", row, strict=False))) for row in X]
    assert np.allclose(ours, ref, atol=1e-6)


def test_tree_scorer_matches_sklearn_and_survives_json() -> None:
    from sklearn.ensemble import GradientBoostingClassifier

    X, y = _toy()
    scorer = Scorer.from_json(json.loads(json.dumps(fit_unit_scorer("trees", X, y, ("a", "b", "c")).as_json())))
    ref = (
        GradientBoostingClassifier(
            n_estimators=120, max_depth=3, learning_rate=0.08, subsample=0.8, min_samples_leaf=10, random_state=0
        )
        .fit(X, y)
        .predict_proba(X)[:, 1]
    )
    ours = [scorer.probability(dict(zip("abc", row, strict=False))) for row in X]
    assert np.allclose(ours, ref, atol=1e-5)


def test_missing_feature_is_an_error() -> None:
    X, y = _toy()
    scorer = _fit_logistic(X, y, ("a", "b", "c"), C=1.0)
    with pytest.raises(KeyError):
        scorer.probability({"a": 1.0, "b": 0.0})


def _model(relative: float, floor: float, n: int) -> SelectionModel:
    dummy = Scorer("logistic", ("x",), 0.0, (1.0,), (0.0,), (1.0,))
    return SelectionModel(dummy, dummy, 0.5, relative, floor, n)


def test_core_selection_cutoffs() -> None:
    probs = [0.9, 0.95, 0.7, 0.4, 0.85]
    heading = [False, True, False, False, False]  # the 0.95 unit is a lead-in: never chosen
    assert core_indices(probs, heading, _model(0.9, 0.0, 3)) == [0, 4]
    assert core_indices(probs, heading, _model(0.7, 0.0, 2)) == [0, 4]  # capped at two units
    assert core_indices(probs, heading, _model(0.4, 0.0, 5)) == [0, 4, 2, 3]
    assert core_indices(probs, heading, _model(0.4, 0.8, 5)) == [0, 4]  # the floor
    assert core_indices(probs, heading, _model(0.4, 0.0, 1), task_limit=3) == [0, 4, 2]
    assert core_indices([0.2], [True], _model(0.5, 0.0, 3)) == []


def _chunk(text: str, heading: list[str]) -> RetrievedChunk:
    return RetrievedChunk("d:0", "d", "d.txt", 0.03, text, heading, 0, len(text), {"province": "Lai Châu"})


def test_features_of_real_sentences(knowledge) -> None:
    text = (
        "Mục tiêu đến năm 2025:\nPhấn đấu đến năm 2025 có 45 xã đạt chuẩn nông thôn mới.\n"
        "Tổng kinh phí thực hiện là 1.200 tỷ đồng.\nNăm 2020 toàn tỉnh đã tổ chức 12 hội nghị."
    )
    chunk = _chunk(text, ["Kế hoạch thực hiện Chương trình"])
    units = split_units(chunk, 0)
    plan = plan_question("Đến năm 2025 có bao nhiêu xã đạt chuẩn nông thôn mới?", knowledge, [])
    weights = TermWeights([text, "Báo cáo kết quả năm 2020", "Kế hoạch năm 2021 về giao thông"])
    measure_units(units, plan, weights, knowledge)
    rows = unit_features(units, plan, weights, {"d:0": 0.8}, [0.9, 0.85, 0.7, 0.6], knowledge)
    assert [set(r) for r in rows] == [set(UNIT_FEATURES)] * len(units)
    lead, target, money, other = rows
    assert lead["ends_colon"] == 1.0 and lead["heading_unit"] == 1.0
    assert target["asked_unit_figure"] == 1.0 and target["year_match"] == 1.0  # "45 xã", 2025
    assert money["asked_unit_figure"] == 0.0  # tỷ đồng is not a count of xã
    assert other["year_other"] == 1.0 and other["year_match"] == 0.0
    assert target["coverage"] > money["coverage"]
    q = question_features(rows, [0.2, 0.9, 0.3, 0.1])
    assert set(q) == set(QUESTION_FEATURES)
    assert q["best_p"] == 0.9 and q["asked_unit_found"] == 1.0 and q["year_in_best"] == 1.0


def test_packaged_model_is_complete() -> None:
    model = packaged_model()
    assert model is not None, "assistant/data/selection_model.json is missing: run python -m eval.fit_selection"
    assert set(model.unit.features) <= set(UNIT_FEATURES)
    assert set(model.answer.features) <= set(QUESTION_FEATURES)
    assert 0.0 <= model.answer_cutoff < 1.0 and 0.0 < model.relative_cutoff <= 1.0 and model.max_units >= 1
    report = model.report
    assert report["grouping"].startswith("gold source document")
    assert {"unit_in_sample", "unit_cross_validated"} <= set(report["candidates"][report["chosen"]])


def test_fitted_answerer_quotes_the_figure_and_abstains_without_evidence(knowledge) -> None:
    from assistant.answering.answer_config import AnswerConfig
    from assistant.answering.extractive import ExtractiveAnswerer

    model = packaged_model()
    assert model is not None
    text = (
        "Kế hoạch thực hiện Chương trình năm 2025 như sau:\n"
        "Phấn đấu đến năm 2025 toàn tỉnh có 45 xã đạt chuẩn nông thôn mới, chiếm 42% tổng số xã.\n"
        "Tổng kinh phí thực hiện là 1.200 tỷ đồng từ ngân sách trung ương và địa phương.\n"
        "Sở Nông nghiệp và Phát triển nông thôn chủ trì hướng dẫn các huyện rà soát tiêu chí."
    )
    chunk = _chunk(text, ["Mục tiêu và kinh phí"])
    weights = TermWeights(
        [text, "Báo cáo kết quả năm 2020 về giao thông nông thôn", "Hội nghị tổng kết công tác dân vận"]
    )
    answerer = ExtractiveAnswerer(weights, knowledge, AnswerConfig(model=model))
    assert answerer.selection is not None
    plan = plan_question("Tổng kinh phí thực hiện chương trình năm 2025 là bao nhiêu tỷ đồng?", knowledge, [])
    answer = answerer.answer(plan, [chunk], {"d:0": 0.85}, {"Lai Châu"})
    assert not answer.abstained
    assert "1.200 tỷ đồng" in answer.text
    assert all(text[c.start : c.end] == c.quote for c in answer.citations)  # offsets into the chunk = document
    assert not any(c.quote.endswith("như sau:") for c in answer.citations)  # a lead-in is never the answer
    off_topic = plan_question(
        "Năm 2025 tỉnh tổ chức bao nhiêu lớp tập huấn về chuyển đổi số cho thanh niên?", knowledge, []
    )
    assert answerer.answer(off_topic, [chunk], {"d:0": 0.70}, {"Lai Châu"}).abstained
