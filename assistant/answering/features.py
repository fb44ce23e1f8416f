"""Named features of a candidate answer unit, and of a question's evidence as a whole.

The selection model (`selection_model.py`) is fitted on these, so every feature is a quantity a
linguist can read: how much of the question's distinctive vocabulary the unit repeats, whether it
holds the kind of fact asked for (a figure in the asked unit, a date, a person, another agency, a
document number, the asked year), where it sits (chunk rank, retrieval score, position, heading or
lead-in), and how close it is in meaning to the question (dense cosine with the index's own
embedder, which catches paraphrase that shares no words: "về đích" / "đạt chuẩn").
Units must have been measured by `evidence.measure_units` first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from assistant.evidence import (
    TermWeights,
    Unit,
    asked_types,
    asks_signer,
    is_heading_unit,
    question_terms,
    required_unit_pattern,
    terms,
)
from core.contracts import QueryPlan
from core.knowledge import Knowledge
from core.vntext import fold

FACT_KINDS = ("docnum", "date", "person", "agency", "place", "year", "quantity")

UNIT_FEATURES: tuple[str, ...] = (
    "coverage",  # IDF-weighted share of the question's concepts in the unit (heading counts half)
    "coverage_gap",  # best coverage among the question's units minus this one's
    "heading_coverage",  # share of the question's concepts in the chunk's heading path
    "rare_missing",  # IDF share of the question's three rarest words absent from the unit and its heading
    "asked_kinds_share",  # share of the asked fact kinds the unit holds
    "asks_kinds",
    "asked_unit_figure",  # a figure carrying the asked unit ("tỷ đồng", "%", "xã")
    "asks_unit",
    "figure",  # any figure that is not a year, date or document number
    "figure_question",  # a figure, in a target/result/comparison question
    "year_match",  # names an asked year (or a year inside an asked period)
    "year_other",  # names years, none of them asked (only when a year is asked)
    "years_asked",  # the question asks about a year or period
    *(f"has_{k}" for k in FACT_KINDS),
    *(f"asks_{k}" for k in FACT_KINDS),
    "rank_inv",  # 1 / (1 + rank of its chunk)
    "retrieval_rel",  # its chunk's fused retrieval score / the top chunk's
    "dense_chunk",  # dense cosine of its chunk with the question (retrieval's)
    "dense_unit",  # dense cosine of the unit itself with the question
    "dense_gap",  # best dense_unit among the question's units minus this one's
    "heading_unit",  # a heading or lead-in ("… như sau:") — announces, does not state
    "ends_colon",
    "position",  # index of the unit in its chunk / units in the chunk
    "log_words",
    "short",  # under six words: bylines, captions, labels
    "names_agency",  # the question names one body (not a collective like "các sở")
    "asked_agency_in_unit",
    "asked_agency_in_heading",
    "task_action",  # a task question and an action verb ("chủ trì", "triển khai")
    "signer_line",  # "ai ký?" and a short line holding a person's name
    "intent_task",
    "intent_figure",
    "intent_metadata",
)

QUESTION_FEATURES: tuple[str, ...] = (
    "best_p",  # the selection model's best unit probability
    "second_p",
    "best_coverage",
    "best_dense_unit",
    "best_dense_chunk",
    "asked_kinds_found",  # share of asked fact kinds held by some unit with p >= half the best
    "asks_kinds",
    "asked_unit_found",  # the asked unit's figure in some close unit (1 when no unit is asked)
    "asks_unit",
    "years_asked",
    "year_in_best",  # an asked year in the best unit
    "best_heading_coverage",
    "best_rare_missing",  # the best unit lacks the question's rarest words ("xã Tùng Bá", "4 sao")
    "figure_rare_missing",  # ... and so does every close unit holding the asked figure (1 when none)
    "asked_agency_found",  # the body the question names is in some unit or its heading (1 when none named)
    "intent_general",
)


def _rarest_terms(q_terms: set[str], weights: TermWeights, k: int = 3) -> list[str]:
    """The question's k rarest words (not numbers): what names its very subject."""
    words = [t for t in q_terms if not any(ch.isdigit() for ch in t)]
    return sorted(words, key=lambda t: (-weights.idf(t), t))[:k]


def _asked_years(plan: QueryPlan) -> set[int]:
    years = set(plan.years)
    for first, last in plan.periods:
        years |= set(range(first, last + 1))
    return years


def unit_features(
    units: Sequence[Unit],
    plan: QueryPlan,
    weights: TermWeights,
    dense_chunk: dict[str, float],
    dense_unit: Sequence[float],
    knowledge: Knowledge,
) -> list[dict[str, float]]:
    """One feature row per unit (same order); `dense_unit[i]` is unit i's cosine with the question."""
    if not units:
        return []
    registry = knowledge.registry
    kinds = asked_types(plan)
    wanted = required_unit_pattern(plan)
    asked_agency = plan.agencies[0] if plan.agencies else ""
    named_one = bool(asked_agency) and not registry.get(asked_agency).collective
    asked_years = _asked_years(plan)
    q_terms = {t for t in question_terms(plan) if weights.known(t)}
    q_total = sum(weights.idf(t) for t in q_terms) or 1.0
    best_cov = max(u.coverage for u in units)
    best_dense = max(dense_unit) if dense_unit else 0.0
    top_score = (
        max((u.chunk.score for u in units if u.chunk_rank == 0), default=0.0)
        or max(u.chunk.score for u in units)
        or 1.0
    )
    per_chunk: dict[str, list[Unit]] = {}
    for u in units:
        per_chunk.setdefault(u.chunk.chunk_id, []).append(u)
    figure_intent = plan.intent in ("target", "result", "comparison")
    signer = asks_signer(plan)
    rows = []
    # chunk → question terms in its heading path, their share, the asked body in its last heading
    heading_cache: dict[str, tuple[frozenset[str], float, bool]] = {}
    rare = _rarest_terms(q_terms, weights)
    rare_idf = [(t, weights.idf(t)) for t in rare]
    rare_total = sum(w for _, w in rare_idf) or 1.0
    position: dict[tuple[int, int, int, str], float] = {}  # a unit's first place among its chunk's units
    for siblings in per_chunk.values():
        for i, u in enumerate(siblings):
            position.setdefault((u.chunk_rank, u.start, u.end, u.text), i / len(siblings))
    # what is the same for every unit of the question, worked out once
    asks_kinds, asks_unit, years_asked = float(bool(kinds)), float(wanted is not None), float(bool(asked_years))
    task, names_agency = plan.intent == "task", float(named_one)
    intents = (float(task), float(figure_intent), float(plan.intent in ("metadata", "agency")))
    kind_columns = [(f"asks_{k}", f"has_{k}", k, float(k in kinds)) for k in FACT_KINDS]
    reader = knowledge.sentences
    for u, dense in zip(units, dense_unit, strict=False):
        facts = reader.facts(u.text)
        folded = fold(u.text) if wanted is not None else ""
        words = len(u.text.split())
        cid = u.chunk.chunk_id
        if cid not in heading_cache:
            h_terms = q_terms & set(terms(" ".join(u.chunk.heading_path)))
            heading_cache[cid] = (
                frozenset(h_terms),
                sum(weights.idf(t) for t in h_terms) / q_total,
                bool(asked_agency) and asked_agency in registry.ids_in(" ".join(u.chunk.heading_path[-1:])),
            )
        in_heading, heading_share, agency_in_heading = heading_cache[cid]
        years = facts.years
        figure = "quantity" in facts.kinds
        present = u.terms | in_heading  # measure_units found the question's terms in the unit's own text
        row = {
            "rare_missing": sum(w for t, w in rare_idf if t not in present) / rare_total if rare else 0.0,
            "coverage": u.coverage,
            "coverage_gap": best_cov - u.coverage,
            "heading_coverage": heading_share,
            "asked_kinds_share": len(u.types) / len(kinds) if kinds else 0.0,
            "asks_kinds": asks_kinds,
            "asked_unit_figure": float(wanted is not None and bool(wanted.search(folded))),
            "asks_unit": asks_unit,
            "figure": float(figure),
            "figure_question": float(figure and figure_intent),
            "year_match": float(bool(years & asked_years)),
            "year_other": float(bool(asked_years) and bool(years) and not years & asked_years),
            "years_asked": years_asked,
            "rank_inv": 1.0 / (1 + u.chunk_rank),
            "retrieval_rel": u.chunk.score / top_score if top_score else 0.0,
            "dense_chunk": dense_chunk.get(cid, 0.0),
            "dense_unit": dense,
            "dense_gap": best_dense - dense,
            "heading_unit": float(is_heading_unit(u)),
            "ends_colon": float(u.text.rstrip().endswith(":")),
            "position": position[u.chunk_rank, u.start, u.end, u.text],
            "log_words": math.log1p(words),
            "short": float(words < 6),
            "names_agency": names_agency,
            "asked_agency_in_unit": float(
                bool(asked_agency) and any(m.agency_id == asked_agency for m in registry.find(u.text))
            ),
            "asked_agency_in_heading": float(agency_in_heading),
            "task_action": float(task and facts.action),
            "signer_line": float(signer and words <= 6 and "person" in facts.kinds),
            "intent_task": intents[0],
            "intent_figure": intents[1],
            "intent_metadata": intents[2],
        }
        for asks_name, has_name, k, asks in kind_columns:
            row[asks_name] = asks
            row[has_name] = float(k in u.types) if asks else float(k in facts.kinds)
        rows.append(row)
    return rows


def question_features(rows: Sequence[dict[str, float]], probs: Sequence[float]) -> dict[str, float]:
    """What the evidence as a whole says — is the asked fact there at all? A function of the unit
    rows and probabilities only, so it can be refitted from the features table."""
    if not rows:
        raise ValueError("question_features needs at least one unit")
    order = sorted(range(len(rows)), key=lambda i: -probs[i])
    best = rows[order[0]]
    close = [rows[i] for i in order if probs[i] >= 0.5 * probs[order[0]]]
    asked = [k for k in FACT_KINDS if best[f"asks_{k}"]]
    found = {k for r in close for k in asked if r[f"has_{k}"]}
    return {
        "best_p": probs[order[0]],
        "second_p": probs[order[1]] if len(order) > 1 else 0.0,
        "best_coverage": max(r["coverage"] for r in rows),
        "best_dense_unit": max(r["dense_unit"] for r in rows),
        "best_dense_chunk": max(r["dense_chunk"] for r in rows),
        "asked_kinds_found": len(found) / len(asked) if asked else 1.0,
        "asks_kinds": best["asks_kinds"],
        "asked_unit_found": float(any(r["asked_unit_figure"] for r in close)) if best["asks_unit"] else 1.0,
        "asks_unit": best["asks_unit"],
        "years_asked": best["years_asked"],
        "year_in_best": best["year_match"],
        "best_heading_coverage": max(r["heading_coverage"] for r in rows),
        "best_rare_missing": best["rare_missing"],
        "figure_rare_missing": min(
            (r["rare_missing"] for r in close if (r["asked_unit_figure"] if r["asks_unit"] else r["figure"])),
            default=1.0,
        ),
        "asked_agency_found": float(any(r["asked_agency_in_unit"] or r["asked_agency_in_heading"] for r in rows))
        if best["names_agency"]
        else 1.0,
        "intent_general": 1.0 - max(best["intent_task"], best["intent_figure"], best["intent_metadata"]),
    }
