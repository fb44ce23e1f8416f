"""The fitted model behind sentence selection and abstention, read from a JSON data file.

Two scorers over the named features of `features.py`: P(unit holds the answer) for each candidate
unit, and P(the evidence answers the question) for the question as a whole. They are fitted by
`python -m eval.fit_selection` on every development set, cross-validated by document, and stored
as plain numbers (logistic coefficients or regression trees) — never pickled code. The file also
keeps the cut-offs chosen on the pooled sets and the fit report (in-sample vs cross-validated).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np

from assistant.evidence import Unit


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x > -700 else 0.0


@dataclass(frozen=True)
class Tree:
    """One regression tree as parallel arrays (sklearn's layout); leaves have feature -1."""

    feature: tuple[int, ...]
    threshold: tuple[float, ...]
    left: tuple[int, ...]
    right: tuple[int, ...]
    value: tuple[float, ...]

    def predict(self, x: Sequence[float]) -> float:
        node = 0
        while self.feature[node] >= 0:
            node = self.left[node] if x[self.feature[node]] <= self.threshold[node] else self.right[node]
        return self.value[node]


@dataclass(frozen=True)
class Scorer:
    """A binary classifier over named features: 'logistic' (standardised inputs) or 'trees'
    (gradient-boosted regression trees on the log-odds)."""

    kind: str
    features: tuple[str, ...]
    intercept: float
    coef: tuple[float, ...] = ()
    mean: tuple[float, ...] = ()
    scale: tuple[float, ...] = ()
    learning_rate: float = 1.0
    trees: tuple[Tree, ...] = ()

    def probability(self, row: Mapping[str, float]) -> float:
        x = [float(row[name]) for name in self.features]  # a missing feature is a bug: KeyError
        if self.kind == "logistic":
            z = self.intercept + sum(
                c * (v - m) / s for c, v, m, s in zip(self.coef, x, self.mean, self.scale, strict=False)
            )
        elif self.kind == "trees":
            z = self.intercept + self.learning_rate * sum(t.predict(x) for t in self.trees)
        else:
            raise ValueError(f"unknown scorer kind {self.kind!r}")
        return _sigmoid(z)

    def probabilities(self, rows: Sequence[Mapping[str, float]]) -> list[float]:
        """`probability` of each row, the same numbers: a logistic scorer takes every row's terms
        at once (each term `c * (v - m) / s` as one array operation in that order, and each row's
        terms added left to right by a running sum, as `sum` adds them), which is most of the
        per-unit cost of answering a question otherwise."""
        if self._columns is None or not rows:
            return [self.probability(r) for r in rows]
        values, coef, mean, scale = self._columns
        x = np.array([values(row) for row in rows], dtype=np.float64)  # a missing feature: KeyError
        terms = coef * (x - mean) / scale
        sums = np.add.accumulate(terms, axis=1)[:, -1].tolist()
        return [_sigmoid(self.intercept + z) for z in sums]

    @cached_property
    def _columns(
        self,
    ) -> tuple[Callable[[Mapping[str, float]], tuple[float, ...]], np.ndarray, np.ndarray, np.ndarray] | None:
        """A row's features in order, and the coefficients, means and scales as arrays; None when
        rows are scored one by one (trees; fewer than two features; lengths that differ, which
        `probability` reads up to the shortest)."""
        n = len(self.features)
        if self.kind != "logistic" or n < 2 or not len(self.coef) == len(self.mean) == len(self.scale) == n:
            return None
        coef, mean, scale = (np.array(v, dtype=np.float64) for v in (self.coef, self.mean, self.scale))
        return itemgetter(*self.features), coef, mean, scale

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "features": list(self.features), "intercept": self.intercept}
        if self.kind == "logistic":
            out |= {"coef": list(self.coef), "mean": list(self.mean), "scale": list(self.scale)}
        else:
            out |= {
                "learning_rate": self.learning_rate,
                "trees": [
                    {
                        "feature": list(t.feature),
                        "threshold": list(t.threshold),
                        "left": list(t.left),
                        "right": list(t.right),
                        "value": list(t.value),
                    }
                    for t in self.trees
                ],
            }
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Scorer":
        trees = tuple(
            Tree(tuple(t["feature"]), tuple(t["threshold"]), tuple(t["left"]), tuple(t["right"]), tuple(t["value"]))
            for t in data.get("trees", ())
        )
        return cls(
            data["kind"],
            tuple(data["features"]),
            float(data["intercept"]),
            tuple(data.get("coef", ())),
            tuple(data.get("mean", ())),
            tuple(data.get("scale", ())),
            float(data.get("learning_rate", 1.0)),
            trees,
        )


@dataclass(frozen=True)
class SelectionModel:
    """Unit and answer scorers plus the cut-offs fitted with them."""

    unit: Scorer
    answer: Scorer
    answer_cutoff: float  # abstain below this P(the evidence answers the question)
    relative_cutoff: float  # a unit is shown when its probability is this share of the best one's
    min_probability: float  # ... and at least this probability
    max_units: int
    type_check: bool = True  # also abstain when no close unit holds the asked kind of figure
    agency_rule: bool = True  # abstain on a task question whose named body no evidence chunk mentions
    report: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None = None) -> "SelectionModel":
        """The packaged model (assistant/data/selection_model.json) or the file at `path`."""
        if path is None:
            text = resources.files("assistant").joinpath("data/selection_model.json").read_text("utf-8")
        else:
            text = Path(path).read_text("utf-8")
        return cls.from_json(json.loads(text))

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "SelectionModel":
        sel = data["selection"]
        return cls(
            Scorer.from_json(data["unit"]),
            Scorer.from_json(data["answer"]),
            float(sel["answer_cutoff"]),
            float(sel["relative_cutoff"]),
            float(sel["min_probability"]),
            int(sel["max_units"]),
            bool(sel.get("type_check", True)),
            bool(sel.get("agency_rule", True)),
            dict(data.get("report", {})),
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit.as_json(),
            "answer": self.answer.as_json(),
            "selection": {
                "answer_cutoff": self.answer_cutoff,
                "relative_cutoff": self.relative_cutoff,
                "min_probability": self.min_probability,
                "max_units": self.max_units,
                "type_check": self.type_check,
                "agency_rule": self.agency_rule,
            },
            "report": self.report,
        }

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.as_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


@cache
def packaged_model() -> SelectionModel | None:
    """The packaged model, read once; None before the first `python -m eval.fit_selection`."""
    try:
        return SelectionModel.load()
    except FileNotFoundError:
        return None


class UnitDense:
    """Dense cosine between the question and candidate units, with the index's own embedder.

    Unit vectors are computed at question time for the evidence chunks only and kept in memory
    (a unit seen by an earlier question is not embedded again); `cache` may be shared or
    preloaded (the fitting command keeps one on disk)."""

    def __init__(self, embeddings: Any, cache: dict[str, list[float]] | None = None) -> None:
        self.embeddings = embeddings
        self.cache = cache if cache is not None else {}

    def cosines(self, question: str, units: Sequence[Unit]) -> list[float]:
        if not units:
            return []
        missing = list(dict.fromkeys(u.text for u in units if u.text not in self.cache))
        if missing:
            for text, vec in zip(missing, self.embeddings.embed_documents(missing), strict=False):
                self.cache[text] = _normalised(vec)
        q = _normalised(self.embeddings.embed_query(question))
        return [sum(a * b for a, b in zip(q, self.cache[u.text], strict=False)) for u in units]


def _normalised(vec: Sequence[float]) -> list[float]:
    norm = math.sqrt(sum(v * v for v in vec)) or 1.0
    return [float(v) / norm for v in vec]
