"""Grounded extractive answers: the sentences that answer the plan, quoted (possibly trimmed, never
reworded), grouped under a lead line naming their source, each cited [n] — or one fixed
abstention sentence plus the closest documents when the evidence does not support an answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.answering.answer_config import AnswerConfig
from assistant.answering.fitted import FittedSelection, ranked_units
from assistant.answering.labels import abstention, lead_line
from assistant.answering.parts import MISSING_PART, answer_by_parts
from assistant.answering.rivals import speaks_of_a_rival, without_rivals
from assistant.evidence import (
    Spans,
    TermWeights,
    Unit,
    asked_types,
    asks_quantity,
    has_quantity,
    is_heading_unit,
    measure_units,
    parts_types,
    required_unit_pattern,
    score_units,
    split_units,
    unit_has_type,
)
from core.agencies import AgencyRegistry
from core.contracts import Answer, Citation, QueryPlan, RetrievedChunk
from core.knowledge import Knowledge
from core.sentences import evidence_spans
from core.vntext import fold
from core.years import FREE_YEAR_RE, PERIOD_RE

FigureKinds = Callable[[str], list[tuple[str, str]]]  # chunk_id → [(clause stating a figure, mục tiêu|kết quả)]


class ExtractiveAnswerer:
    def __init__(
        self,
        weights: TermWeights,
        knowledge: Knowledge,
        config: AnswerConfig | None = None,
        figure_kinds: FigureKinds | None = None,
        selection: FittedSelection | None = None,
    ) -> None:
        self.weights = weights
        self.knowledge = knowledge
        self.config = config or AnswerConfig()
        self.figure_kinds = figure_kinds
        if selection is None and self.config.model is not None:
            selection = FittedSelection(self.config.model, knowledge)
        self.selection = selection  # None: the hand-set scores (the baseline the model replaced)

    def answer(
        self, plan: QueryPlan, chunks: list[RetrievedChunk], dense: dict[str, float], indexed_provinces: set[str]
    ) -> Answer:
        cfg = self.config
        reason = self._abstain_reason(plan, chunks, indexed_provinces)
        units: list[Unit] = []
        if not reason and self.selection is not None:
            units = evidence_units(plan, chunks, cfg, self.knowledge.sentences.spans)
            measure_units(units, plan, self.weights, self.knowledge)
            p_answer = self.selection.score(plan, units, self.weights, dense)
            if not units:
                reason = "no evidence"
            elif self.selection.abstains(p_answer):
                reason = f"the evidence does not answer it (p={p_answer:.2f})"
            else:
                selected = self.select(plan, units)
                best = max(units, key=lambda u: u.score)
                reason = self.type_mismatch(plan, selected, best) if self.selection.model.type_check else ""
            if plan.parts and units and (reason or cfg.by_parts == "always"):
                parts = answer_by_parts(self, plan, chunks, dense)
                if parts is not None:
                    return self._compose(plan, parts.selected, chunks, parts.best, dense, parts.missing)
        elif not reason:
            units = evidence_units(plan, chunks, cfg, self.knowledge.sentences.spans)
            score_units(units, plan, self.weights, self.knowledge)
            units = [u for u in units if u.score > 0]
            if not units:
                reason = "no evidence"
        if not reason and self.selection is None:
            best_dense = max((dense.get(c.chunk_id, 0.0) for c in chunks[:3]), default=0.0)
            best = max(units, key=lambda u: u.score)
            if best.coverage < cfg.min_coverage and best_dense < cfg.min_dense:
                reason = "low coverage"
            else:
                selected = self.select(plan, units)
                reason = self.type_mismatch(plan, selected, best)
        if reason:
            return abstention(plan, chunks, reason, self.knowledge.registry)
        return self._compose(plan, selected, chunks, best, dense)

    # --- abstention -----------------------------------------------------------------------
    def _abstain_reason(
        self,
        plan: QueryPlan,
        chunks: list[RetrievedChunk],
        indexed_provinces: set[str],
        agency_rule: bool | None = None,
    ) -> str:
        """Rule-based reasons to abstain before weighing any sentence (the agency rule is the
        fitted model's choice unless `agency_rule` is given)."""
        if not chunks:
            return "nothing retrieved"
        if plan.provinces and not self.knowledge.places.reach(plan.provinces) & indexed_provinces:
            return "province not indexed"
        top = chunks[: self.config.evidence_chunks]
        asked = plan.agencies[0] if plan.agencies else ""
        if agency_rule is None:
            agency_rule = self.selection is None or self.selection.model.agency_rule
        registry = self.knowledge.registry
        if agency_rule and asked and plan.intent == "task" and not registry.get(asked).collective:
            if not any(asked in registry.ids_in(" ".join(c.heading_path) + " " + c.text) for c in top):
                return "agency not mentioned"
        for year in plan.years:
            if not any(_covers_span(c, year, year) for c in top):
                return f"year {year} not covered"
        for first, last in plan.periods:
            if not any(_covers_span(c, first, last) for c in top):
                return f"period {first}-{last} not covered"
        return ""

    def type_mismatch(self, plan: QueryPlan, selected: list[Unit], best: Unit) -> str:
        if "agency" in asked_types(plan) and not any("agency" in u.types for u in selected):
            return "no agency of the asked kind"
        if not asks_quantity(plan):
            return ""
        close = [u for u in selected if u.score >= self.config.quantity_cutoff * best.score]
        pattern = required_unit_pattern(plan)
        if pattern is not None:
            holding = [u for u in close if pattern.search(fold(u.text))]
        else:
            holding = [u for u in close if has_quantity(u.text)]
        if not holding:
            return "no figure of the asked kind" if pattern is not None else "no figure"
        if plan.contrasts and all(speaks_of_a_rival(plan, u) for u in holding):
            return "the figure is of another category than the asked one"
        return ""

    # --- selection ------------------------------------------------------------------------
    def select(self, plan: QueryPlan, units: list[Unit]) -> list[Unit]:
        """Greedy: the best unit, then units that add question terms or asked fact kinds not yet
        covered; for task questions also every task filed under the asked agency."""
        cfg = self.config
        ranked = ranked_units(units)
        if not ranked:
            return []
        best = ranked[0]
        task_mode = plan.intent == "task" and bool(plan.agencies)
        limit = cfg.max_task_units if task_mode else cfg.max_units
        if self.selection is not None:
            return without_rivals(
                plan, self._complete(plan, ranked, self.selection.core(units, limit if task_mode else None), limit)
            )
        # near-ties of the best are alternatives the reader should see; then greedy additions
        chosen = [u for u in ranked if u.score >= cfg.tie_cutoff * best.score][:limit]
        covered_terms = {t for u in chosen for t in u.terms}
        covered_types = {k for u in chosen for k in u.types}
        total = sum(self.weights.idf(t) for t in {t for u in ranked for t in u.terms}) or 1.0
        while len(chosen) < limit:
            pick, pick_gain = None, 0.0
            for unit in ranked:
                if unit in chosen or unit.score < cfg.add_cutoff * best.score:
                    continue
                gain = sum(self.weights.idf(t) for t in unit.terms - covered_terms) / total
                gain += 0.3 * len(unit.types - covered_types)
                gain += 0.5 * max(0.0, unit.score / best.score - cfg.relative_cutoff)
                if gain > pick_gain:
                    pick, pick_gain = unit, gain
            if pick is None or pick_gain < cfg.min_gain:
                break
            chosen.append(pick)
            covered_terms |= pick.terms
            covered_types |= pick.types
        return without_rivals(plan, self._complete(plan, ranked, chosen, limit))

    def _complete(self, plan: QueryPlan, ranked: list[Unit], chosen: list[Unit], limit: int) -> list[Unit]:
        """What the answer must also show: a unit carrying the asked figure or fact kind, each
        sub-question's best unit, the asked agency's tasks, each asked province's best units."""
        cfg = self.config
        best = ranked[0]
        chosen = list(chosen)
        task_mode = plan.intent == "task" and bool(plan.agencies)
        wanted = required_unit_pattern(plan)
        if wanted is not None and not any(wanted.search(fold(u.text)) for u in chosen):
            # the figure of the asked kind ("m2 đất", "tỷ đồng") may sit in a plainer sentence
            carrying = [u for u in ranked if wanted.search(fold(u.text)) and u.score >= cfg.add_cutoff * best.score]
            if carrying:
                chosen.append(carrying[0])
        for kind in asked_types(plan):
            if not any(kind in u.types for u in chosen):
                carrying = [u for u in ranked if kind in u.types and u.score >= cfg.add_cutoff * best.score]
                if carrying:
                    chosen.append(carrying[0])
        for i, part_kinds in enumerate(parts_types(plan)):  # each sub-question gets its best sentence
            part_best = max(ranked, key=lambda u: (u.part_coverage[i] + 0.5 * bool(part_kinds & u.all_types), u.score))
            if (
                part_best not in chosen
                and part_best.part_coverage[i] >= cfg.part_min_coverage
                and part_best.score >= cfg.part_cutoff * best.score
            ):
                chosen.append(part_best)
        if task_mode:
            for unit in _agency_section_units(plan, ranked, limit * 2, self.knowledge.registry):
                if len(chosen) >= limit:
                    break
                if unit not in chosen and unit.score >= cfg.section_cutoff * best.score:
                    chosen.append(unit)
        if len(plan.provinces) > 1:
            chosen = _best_per_province(plan, ranked, cfg.tie_cutoff)
        elif plan.intent == "comparison":
            chosen = _cover_each_document(ranked, chosen, limit + 2)
        return sorted(chosen, key=lambda u: (u.chunk.metadata.get("issued", ""), u.chunk.doc_id, u.start))

    # --- output ---------------------------------------------------------------------------
    def _compose(
        self,
        plan: QueryPlan,
        selected: list[Unit],
        chunks: list[RetrievedChunk],
        best: Unit,
        dense: dict[str, float],
        missing_parts: list[str] | None = None,
    ) -> Answer:
        lines: list[str] = []
        citations: list[Citation] = []
        current_doc = None
        limit = self.config.max_task_quote_chars if plan.intent == "task" else self.config.max_quote_chars
        quotes = [trim_quote(unit, plan, self.weights, limit, self.knowledge) for unit in selected]
        labels = [self._figure_label(plan, unit, quote) for unit, (quote, _, _) in zip(selected, quotes, strict=False)]
        if len(set(labels)) < 2:  # the label tells a target from a result; alike, it only repeats the question
            labels = [""] * len(selected)
        for unit, (quote, q_start, q_end), label in zip(selected, quotes, labels, strict=False):
            if unit.chunk.doc_id != current_doc:
                current_doc = unit.chunk.doc_id
                lines.append(lead_line(unit.chunk, self.knowledge.registry))
            shown = ("…" if q_start > unit.start else "") + quote + ("…" if q_end < unit.end else "")
            n = len(citations) + 1
            citations.append(Citation.of(n, unit.chunk, quote, q_start, q_end))
            lines.append(f"- {label}{subject_prefix(unit, self.knowledge.registry)}{shown} [{n}]")
        lines += [MISSING_PART.format(part=part) for part in missing_parts or []]
        best_dense = max((dense.get(c.chunk_id, 0.0) for c in chunks[:3]), default=0.0)
        confidence = max(0.0, min(1.0, 0.6 * min(1.0, best.coverage) + 0.4 * best_dense))
        return Answer("\n".join(lines), citations, False, confidence, chunks, plan.as_dict())

    def _figure_label(self, plan: QueryPlan, unit: Unit, quote: str) -> str:
        """ "(mục tiêu) " / "(kết quả) " before a figure the tracker classified, for figure questions."""
        if self.figure_kinds is None or plan.intent not in ("target", "result", "comparison"):
            return ""
        kinds = {kind for clause, kind in self.figure_kinds(unit.chunk.chunk_id) if clause and clause in quote}
        return f"({' / '.join(sorted(kinds))}) " if kinds else ""


def subject_prefix(unit: Unit, registry: AgencyRegistry) -> str:
    """ "Sở Kế hoạch và Đầu tư: " before a task sentence whose subject is its section heading, so
    the answer says who must act (the heading is the document's own words)."""
    if not unit.chunk.heading_path:
        return ""
    heading = unit.chunk.heading_path[-1]
    heading_ids = registry.ids_in(heading)
    if not heading_ids or len(heading) > 80:
        return ""
    opening = registry.find(unit.text[:60])
    if opening and opening[0].start < 3 and opening[0].agency_id in heading_ids:
        return ""
    return f"{heading}: "


def trim_quote(
    unit: Unit, plan: QueryPlan, weights: TermWeights, max_chars: int, knowledge: Knowledge
) -> tuple[str, int, int]:
    """The unit, or — when long — the run of clauses around the one that carries the most
    question terms; returned exactly as in the document, with its document offsets."""
    text = unit.text
    if len(text) <= max_chars:
        return text, unit.start, unit.end
    from assistant.evidence import question_terms, terms

    q_terms = question_terms(plan)
    wanted = required_unit_pattern(plan)
    kinds = asked_types(plan)
    clauses = [(m.start(), m.end()) for m in re.finditer(r"[^,;:]+[,;:]?", text)]
    gains = [
        sum(weights.idf(t) for t in set(terms(text[s:e])) & q_terms)
        + (0.5 if has_quantity(text[s:e]) else 0)
        + (3.0 if wanted is not None and wanted.search(fold(text[s:e])) else 0)
        + 2.0 * sum(1 for k in kinds if unit_has_type(text[s:e], k, knowledge))
        for s, e in clauses
    ]
    # The sentence's answer usually follows the words the question repeats: anchor on the clause
    # with the most question terms (or asked facts), extend to the right, then to the left.
    # A question asking who ("cơ quan nào", "ai") is answered by the sentence's subject, which
    # Vietnamese puts first: then extend to the left first.
    anchor = max(range(len(clauses)), key=lambda i: (gains[i], -i))
    left_first = bool({"agency", "person"} & set(kinds))
    lo = hi = anchor
    while True:
        can_right = hi + 1 < len(clauses) and clauses[hi + 1][1] - clauses[lo][0] <= max_chars
        can_left = lo > 0 and clauses[hi][1] - clauses[lo - 1][0] <= max_chars
        if can_left and (left_first or not can_right):
            lo -= 1
        elif can_right:
            hi += 1
        else:
            break
    best_span = (clauses[lo][0], clauses[hi][1])
    s, e = best_span
    while s < e and text[s] in " ,;:":
        s += 1
    quote = text[s:e].rstrip(" ,;:")
    return quote, unit.start + s, unit.start + s + len(quote)


def evidence_units(
    plan: QueryPlan, chunks: list[RetrievedChunk], cfg: AnswerConfig, spans: Spans = evidence_spans
) -> list[Unit]:
    """The candidate units: sentences of the top evidence chunks (of every chunk when the question
    names several provinces, which need each province's chunks); `spans` as in `split_units`."""
    depth = len(chunks) if len(plan.provinces) > 1 else cfg.evidence_chunks
    units: list[Unit] = []
    for rank, chunk in enumerate(chunks[:depth]):
        units += split_units(chunk, rank, spans)
    return units


def _agency_section_units(plan: QueryPlan, units: list[Unit], limit: int, registry: AgencyRegistry) -> list[Unit]:
    """Every task sentence filed under the asked agency's heading, or naming it with an action —
    task answers must list all the tasks, not just the best one."""
    asked = plan.agencies[0]
    out = []
    for unit in sorted(units, key=lambda u: (u.chunk_rank, u.start)):
        if is_heading_unit(unit):
            continue
        under = asked in registry.ids_in(" ".join(unit.chunk.heading_path[-1:]))
        names = asked in registry.ids_in(unit.text)
        if (under or names) and unit.coverage > 0 and len(out) < limit:
            out.append(unit)
    return out


def _best_per_province(plan: QueryPlan, ranked: list[Unit], tie_cutoff: float) -> list[Unit]:
    """A question about several provinces: each province's best sentence (and its near-ties)."""
    out: list[Unit] = []
    for province in plan.provinces:
        own = [u for u in ranked if u.chunk.metadata.get("province") == province]
        if own:
            out += [u for u in own if u.score >= tie_cutoff * own[0].score][:2]
    return out


def _cover_each_document(ranked: list[Unit], chosen: list[Unit], limit: int) -> list[Unit]:
    """For comparisons, make sure each province/document that scored well is represented."""
    out = list(chosen)
    docs = {u.chunk.doc_id for u in out}
    for unit in ranked:
        if len(out) >= limit:
            break
        if unit.chunk.doc_id not in docs and not is_heading_unit(unit) and unit.score >= 0.3 * ranked[0].score:
            out.append(unit)
            docs.add(unit.chunk.doc_id)
    return out


def _covers_span(chunk: RetrievedChunk, first: int, last: int) -> bool:
    """Does the chunk speak about some year in [first, last] (a year, an overlapping period, or
    its document's own year)?"""
    text = chunk.text + " " + " ".join(chunk.heading_path)
    for a, b in PERIOD_RE.findall(text):
        if int(a) <= last and first <= int(b):
            return True
    for y in FREE_YEAR_RE.findall(text):
        if first <= int(y) <= last:
            return True
    issued = chunk.metadata.get("issued", "")[:4]
    return issued.isdigit() and first <= int(issued) <= last
