"""Fitting the selection model from the features tables, cross-validated by document.

Unit model: P(unit holds an alternative of a must_include group) — logistic regression and small
gradient-boosted trees are both fitted; the one with the better cross-validated end-to-end proxy is
kept. Answer model: logistic regression of "the evidence holds the answer" on the question
features, trained on out-of-fold unit probabilities (so it learns what an honest best_p means).
Cut-offs (relative share of the best unit, floor, number of units, answer cut-off) are chosen on
out-of-fold probabilities by the simulated answer: it is correct when the chosen units hold every
must_include group, or when an unanswerable question is abstained on. Folds: GroupKFold on the
question's gold document, so no document is both fitted on and scored.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.answering.features import (
    QUESTION_FEATURES,
    UNIT_FEATURES,
    question_features,
)
from assistant.answering.fitted import core_indices
from assistant.answering.selection_model import Scorer, SelectionModel, Tree

N_FOLDS = 5
GRID_RELATIVE = (0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
GRID_FLOOR = (0.0, 0.05, 0.1, 0.2, 0.3)
GRID_UNITS = (1, 2, 3, 4, 5, 6)
GRID_ANSWER = tuple(round(x, 2) for x in np.arange(0.0, 0.96, 0.05))
TASK_LIMIT = 6
AGENCY_REASON = "agency not mentioned"  # the rule the fit may switch off (SelectionModel.agency_rule)
# Answer length: the bound is a median of 600 characters; the simulation estimates a unit's
# quoted length from its words (quotes are trimmed at QUOTE_CHARS) plus the lead line naming the source.
MAX_MEDIAN_CHARS = 500
CHARS_PER_WORD = 5.5
QUOTE_CHARS = 320  # AnswerConfig.max_quote_chars
LEAD_CHARS = 70


@dataclass
class Question:
    key: str
    set: str
    group: str
    answerable: bool
    hard_reason: str  # the answerer's rule-based abstention reason, "" when none
    n_groups: int
    task: bool
    rows: list[dict[str, float]]
    masks: list[int]
    labels: list[int]
    heading: list[bool]
    words: list[float]

    @property
    def hard_abstain(self) -> bool:
        return bool(self.hard_reason) or not self.rows

    def abstains_by_rule(self, agency_rule: bool) -> bool:
        """Rule abstention; "agency not mentioned | <other reason or ->" records what the other
        rules say when the agency rule is switched off."""
        if not self.rows:
            return True
        if agency_rule or not self.hard_reason.startswith(AGENCY_REASON):
            return bool(self.hard_reason)
        return self.hard_reason.partition(" | ")[2] not in ("", "-")


@dataclass
class Fitted:
    model: SelectionModel
    folds: dict[int, SelectionModel]
    fold_of: dict[str, int]  # question group → its fold


def questions_from_tables(units: Sequence[dict[str, str]], questions: Sequence[dict[str, str]]) -> list[Question]:
    by_key: dict[str, list[dict[str, str]]] = {}
    for r in units:
        by_key.setdefault(f"{r['set']}/{r['qid']}", []).append(r)
    out = []
    for q in questions:
        key = f"{q['set']}/{q['qid']}"
        rs = by_key.get(key, [])
        rows = [{f: float(r[f]) for f in UNIT_FEATURES} for r in rs]
        out.append(
            Question(
                key,
                q["set"],
                q["group"],
                q["answerable"] == "1",
                q["hard_reason"],
                int(q["n_groups"]),
                bool(rows and rows[0]["intent_task"]),
                rows,
                [int(r["groups_mask"]) for r in rs],
                [int(r["label"]) for r in rs],
                [r["heading_unit"] == "1" for r in rs],
                [math.expm1(float(r["log_words"])) for r in rs],
            )
        )
    return out


# --- scorers ---------------------------------------------------------------------------------
def fit_unit_scorer(kind: str, X: np.ndarray, y: np.ndarray, features: Sequence[str]) -> Scorer:
    if kind == "logistic":
        return _fit_logistic(X, y, features, C=0.5)
    from sklearn.ensemble import GradientBoostingClassifier

    gb = GradientBoostingClassifier(
        n_estimators=120, max_depth=3, learning_rate=0.08, subsample=0.8, min_samples_leaf=10, random_state=0
    ).fit(X, y)
    init = float(gb._raw_predict_init(X[:1])[0, 0])
    trees = []
    for est in gb.estimators_[:, 0]:
        t = est.tree_
        trees.append(
            Tree(
                tuple(int(f) for f in t.feature),
                tuple(float(v) for v in t.threshold),
                tuple(int(v) for v in t.children_left),
                tuple(int(v) for v in t.children_right),
                tuple(float(v) for v in t.value[:, 0, 0]),
            )
        )
    return Scorer("trees", tuple(features), init, learning_rate=float(gb.learning_rate), trees=tuple(trees))


def _fit_logistic(X: np.ndarray, y: np.ndarray, features: Sequence[str], C: float) -> Scorer:
    from sklearn.linear_model import LogisticRegression

    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale == 0] = 1.0
    lr = LogisticRegression(C=C, max_iter=5000).fit((X - mean) / scale, y)
    return Scorer(
        "logistic",
        tuple(features),
        float(lr.intercept_[0]),
        tuple(float(c) for c in lr.coef_[0]),
        tuple(float(m) for m in mean),
        tuple(float(s) for s in scale),
    )


def _matrix(qs: Sequence[Question], features: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    X = np.array([[r[f] for f in features] for q in qs for r in q.rows], dtype=float)
    y = np.array([label for q in qs for label in q.labels], dtype=int)
    return X, y


def _probs(scorer: Scorer, q: Question) -> list[float]:
    return [scorer.probability(r) for r in q.rows]


# --- simulation and cut-offs -----------------------------------------------------------------
def simulate(q: Question, probs: list[float], p_answer: float, sel: SelectionModel) -> tuple[bool, bool]:
    """(abstained, correct) of the simulated answer."""
    if not q.rows or q.abstains_by_rule(sel.agency_rule) or p_answer < sel.answer_cutoff:
        return True, not q.answerable
    chosen = core_indices(probs, q.heading, sel, TASK_LIMIT if q.task else None)
    covered = 0
    for i in chosen:
        covered |= q.masks[i]
    return False, q.answerable and covered == (1 << q.n_groups) - 1


def objective(qs: Sequence[Question], outcomes: Sequence[tuple[bool, bool]]) -> float:
    """Mean over sets of the share of correct outcomes (answers and abstentions alike)."""
    per: dict[str, list[bool]] = {}
    for q, (_, ok) in zip(qs, outcomes, strict=False):
        per.setdefault(q.set, []).append(ok)
    return float(np.mean([np.mean(v) for v in per.values()]))


def choose_cutoffs(
    qs: Sequence[Question], probs: Sequence[list[float]], p_answer: Sequence[float], unit: Scorer, answer: Scorer
) -> SelectionModel:
    """The grid point with the best simulated objective (the selection part is computed once per
    selection cut-off, the answer cut-off then only decides who abstains)."""
    ranked = []
    for q, ps in zip(qs, probs, strict=False):
        order = sorted((i for i in range(len(ps)) if not q.heading[i]), key=lambda i: (-ps[i], i))
        ranked.append([(ps[i], q.masks[i], min(QUOTE_CHARS, CHARS_PER_WORD * q.words[i])) for i in order])
    full_mask = [(1 << q.n_groups) - 1 for q in qs]
    sets = sorted({q.set for q in qs})
    set_index = [sets.index(q.set) for q in qs]
    set_n = np.bincount(set_index, minlength=len(sets))
    pa = np.array(p_answer)
    hard_by_rule = {rule: np.array([not q.rows or q.abstains_by_rule(rule) for q in qs]) for rule in (True, False)}
    answerable = np.array([q.answerable for q in qs])
    best: tuple[float, tuple[float, float, int, float, bool]] | None = None
    for rel, floor, n in itertools.product(GRID_RELATIVE, GRID_FLOOR, GRID_UNITS):
        ok = np.zeros(len(qs), dtype=bool)
        chars = np.zeros(len(qs))
        for j, (q, r) in enumerate(zip(qs, ranked, strict=False)):
            if not r or not q.answerable:
                continue
            cut = max(floor, rel * r[0][0])
            chosen = [(m, c) for p, m, c in r if p >= cut][: TASK_LIMIT if q.task else n] or [r[0][1:]]
            covered = 0
            for m, _ in chosen:
                covered |= m
            ok[j] = covered == full_mask[j]
            chars[j] = LEAD_CHARS + sum(c for _, c in chosen)
        for cut, rule in itertools.product(GRID_ANSWER, (True, False)):
            abstain = hard_by_rule[rule] | (pa < cut)
            if (~abstain).any() and np.median(chars[~abstain]) > MAX_MEDIAN_CHARS:
                continue
            correct = np.where(abstain, ~answerable, ok)
            score = float(np.mean(np.bincount(set_index, weights=correct, minlength=len(sets)) / set_n))
            if best is None or score > best[0] + 1e-9:
                best = (score, (rel, floor, n, cut, rule))
    assert best is not None
    rel, floor, n, cut, rule = best[1]
    return SelectionModel(unit, answer, float(cut), rel, floor, n, type_check=True, agency_rule=rule)


def _folds(qs: Sequence[Question], k: int) -> list[int]:
    from sklearn.model_selection import GroupKFold

    groups = [q.group for q in qs]
    fold = [0] * len(qs)
    for f, (_, test) in enumerate(GroupKFold(n_splits=k).split(np.zeros(len(qs)), groups=groups)):
        for i in test:
            fold[i] = f
    return fold


def fit_model(qs: Sequence[Question], kind: str, features: Sequence[str]) -> SelectionModel:
    """Unit model on all of `qs`; answer model and cut-offs on inner out-of-fold probabilities."""
    with_units = [q for q in qs if q.rows]
    inner = _folds(with_units, N_FOLDS)
    oof: dict[str, list[float]] = {}
    for f in range(N_FOLDS):
        train = [q for q, g in zip(with_units, inner, strict=False) if g != f]
        scorer = fit_unit_scorer(kind, *_matrix(train, features), features)
        for q, g in zip(with_units, inner, strict=False):
            if g == f:
                oof[q.key] = _probs(scorer, q)
    unit = fit_unit_scorer(kind, *_matrix(with_units, features), features)
    answer_qs = [q for q in with_units if not q.abstains_by_rule(agency_rule=False)]
    # without unit vectors the product has no unit cosines: the answer model must not see them either
    q_features = tuple(f for f in QUESTION_FEATURES if "dense_unit" in features or f != "best_dense_unit")
    QX = np.array([[question_features(q.rows, oof[q.key])[f] for f in q_features] for q in answer_qs])
    Qy = np.array([int(q.answerable and _evidence(q)) for q in answer_qs])
    answer = _fit_logistic(QX, Qy, q_features, C=0.5)
    probs = [oof.get(q.key, []) for q in qs]
    p_answer = [
        answer.probability(question_features(q.rows, p)) if q.rows else 0.0 for q, p in zip(qs, probs, strict=False)
    ]
    return choose_cutoffs(qs, probs, p_answer, unit, answer)


def _evidence(q: Question) -> bool:
    covered = 0
    for m in q.masks:
        covered |= m
    return covered == (1 << q.n_groups) - 1


# --- report ----------------------------------------------------------------------------------
def unit_metrics(qs: Sequence[Question], probs: Sequence[list[float]]) -> dict[str, float]:
    from sklearn.metrics import roc_auc_score

    y = [label for q in qs for label in q.labels]
    p = [x for ps in probs for x in ps]
    at1, at3 = [], []
    for q, ps in zip(qs, probs, strict=False):
        if not any(q.labels):
            continue
        order = sorted(range(len(ps)), key=lambda i: -ps[i])
        at1.append(q.labels[order[0]])
        at3.append(sum(q.labels[i] for i in order[:3]) / min(3, len(order)))
    return {
        "auc": round(float(roc_auc_score(y, p)), 4),
        "precision@1": round(float(np.mean(at1)), 4),
        "precision@3": round(float(np.mean(at3)), 4),
    }


def proxy_metrics(qs: Sequence[Question], outcomes: Sequence[tuple[bool, bool]]) -> dict[str, dict[str, float]]:
    """Simulated accuracy and abstention P/R per set (chosen units hold every group)."""
    out: dict[str, dict[str, float]] = {}
    for name in dict.fromkeys(q.set for q in qs):
        pairs = [(q, o) for q, o in zip(qs, outcomes, strict=False) if q.set == name]
        ans = [o[1] for q, o in pairs if q.answerable]
        abst = [q for q, o in pairs if o[0]]
        unans = [o[0] for q, o in pairs if not q.answerable]
        out[name] = {
            "accuracy": round(float(np.mean(ans)), 3),
            "abstention_precision": round(sum(not q.answerable for q in abst) / len(abst), 3) if abst else None,
            "abstention_recall": round(float(np.mean(unans)), 3) if unans else None,
        }
    return out


def evaluate(
    qs: Sequence[Question], models: Sequence[SelectionModel]
) -> tuple[list[list[float]], list[tuple[bool, bool]]]:
    probs, outcomes = [], []
    for q, m in zip(qs, models, strict=False):
        ps = _probs(m.unit, q) if q.rows else []
        pa = m.answer.probability(question_features(q.rows, ps)) if q.rows else 0.0
        probs.append(ps)
        outcomes.append(simulate(q, ps, pa, m))
    return probs, outcomes


def fit_all(
    units: Sequence[dict[str, str]],
    questions: Sequence[dict[str, str]],
    kinds: Sequence[str] = ("logistic", "trees"),
    feature_sets: dict[str, Sequence[str]] | None = None,
    allow_unit_vectors: bool = False,
) -> Fitted:
    """Every candidate (model kind × feature set) cross-validated; the best CV proxy is kept.
    Candidates using unit vectors are measured and reported, but only chosen with
    `allow_unit_vectors` (the service embeds units only when given a UnitDense)."""
    qs = questions_from_tables(units, questions)
    feature_sets = feature_sets or {
        "all": UNIT_FEATURES,
        "no_dense_unit": tuple(f for f in UNIT_FEATURES if f not in ("dense_unit", "dense_gap")),
    }
    outer = _folds(qs, N_FOLDS)
    candidates: dict[str, Any] = {}
    best_name, best_cv = "", -1.0
    for kind, (fs_name, fs) in itertools.product(kinds, feature_sets.items()):
        name = f"{kind}/{fs_name}"
        full = fit_model(qs, kind, fs)
        folds = {f: fit_model([q for q, g in zip(qs, outer, strict=False) if g != f], kind, fs) for f in range(N_FOLDS)}
        p_in, o_in = evaluate(qs, [full] * len(qs))
        p_cv, o_cv = evaluate(qs, [folds[g] for g in outer])
        with_units = [i for i, q in enumerate(qs) if q.rows]
        rep = {
            "unit_in_sample": unit_metrics([qs[i] for i in with_units], [p_in[i] for i in with_units]),
            "unit_cross_validated": unit_metrics([qs[i] for i in with_units], [p_cv[i] for i in with_units]),
            "proxy_in_sample": proxy_metrics(qs, o_in),
            "proxy_cross_validated": proxy_metrics(qs, o_cv),
            "objective_in_sample": round(objective(qs, o_in), 4),
            "objective_cross_validated": round(objective(qs, o_cv), 4),
            "cutoffs": full.as_json()["selection"],
        }
        candidates[name] = (full, folds, rep)
        print(
            name, rep["objective_in_sample"], rep["objective_cross_validated"], rep["unit_cross_validated"], flush=True
        )
        uses_vectors = "dense_unit" in fs
        rep["uses_unit_vectors"] = uses_vectors
        if (allow_unit_vectors or not uses_vectors) and rep["objective_cross_validated"] > best_cv:
            best_name, best_cv = name, rep["objective_cross_validated"]
    full, folds, _ = candidates[best_name]
    full.report.update(
        {
            "chosen": best_name,
            "folds": N_FOLDS,
            "grouping": "gold source document (GroupKFold)",
            "n_questions": len(qs),
            "n_units": sum(len(q.rows) for q in qs),
            "candidates": {n: c[2] for n, c in candidates.items()},
        }
    )
    fold_of = {q.group: g for q, g in zip(qs, outer, strict=False)}
    return Fitted(full, folds, fold_of)
