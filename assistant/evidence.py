"""Evidence units and how well they answer a plan.

A unit is one sentence, bullet or clause of a retrieved chunk, with its offsets in the cleaned
document (so a citation can highlight it). Scoring is lexical coverage of the question's
distinctive terms (IDF-weighted folded syllables and bigrams; the chunk's heading path counts as
context) plus what the intent expects to see: numbers for targets/results, dates and names for
metadata, the asked agency and action verbs for tasks.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from assistant.query import abbreviation_pairs
from core.agencies import AgencyRegistry
from core.contracts import QueryPlan, RetrievedChunk
from core.knowledge import Knowledge
from core.sentence_facts import ACTION_VERBS, QUESTION_WORDS, TEXT_KINDS, evidence_terms, has_quantity
from core.sentences import evidence_spans
from core.vntext import fold

Spans = Callable[[str], list[tuple[int, int]]]  # a text → its evidence spans (core.sentences.evidence_spans)

# What kind of fact a question asks for (folded cues) → how to recognise it in a sentence.
ANSWER_TYPES: dict[str, str] = {
    "docnum": r"\b(van ban nao|van kien nao|so may|so hieu|quyet dinh (so )?nao|nghi quyet nao|ke hoach nao|"
    r"can cu (vao )?(van ban|dau))\b",
    "date": r"\b(ngay nao|khi nao|bao gio|luc nao|thoi gian nao|ngay may|dien ra (khi|vao))\b",
    "person": r"(^|\W)(ai|dong chi nao|nguoi nao)(\W|$)",
    "agency": r"\b(co quan nao|don vi nao|so nao|nganh nao|ban nao)\b",
    "place": r"\b(dia phuong nao|huyen nao|xa nao|tinh nao|o dau|noi nao|nhung dau)\b",
    "year": r"\b(nam nao|moc nao|thoi diem nao|den nam nao|giai doan nao)\b",
    "quantity": r"\b(bao nhieu|may (xa|tieu chi|san pham|viec|nam|huyen)|bao lau|muc nao)\b",
}


def asked_types(plan: QueryPlan) -> list[str]:
    return list(_types_in(plan.folded))


@lru_cache(maxsize=1024)  # scoring, features, selection and the gates each ask it of the question
def _types_in(folded: str) -> tuple[str, ...]:
    # "sở nào thì sở đó …" is a condition, not a question about which sở
    folded = re.sub(r"\b\w+ nao thi\b", " ", folded)
    return tuple(name for name, cue in ANSWER_TYPES.items() if re.search(cue, folded))


def parts_types(plan: QueryPlan) -> list[set[str]]:
    """The fact kinds each sub-question asks for."""
    return [set(_types_in(fold(part))) for part in plan.parts]


def names_other_agency(text: str, plan: QueryPlan, registry: AgencyRegistry) -> bool:
    """An agency the question did not name itself — of the asked kind when it says which
    ("sở nào" → a Sở): what answers "cơ quan nào …?"."""
    want_so = bool(re.search(r"\bso nao\b(?! thi)", plan.folded))
    for mention in registry.find(text):
        agency = registry.get(mention.agency_id)
        if mention.agency_id in plan.agencies or agency.collective:
            continue
        if not want_so or fold(agency.name).startswith("so "):
            return True
    return False


def unit_has_type(text: str, kind: str, knowledge: Knowledge, plan: QueryPlan | None = None) -> bool:
    """Does a sentence contain the kind of fact a question asks for?"""
    if kind == "agency":
        registry = knowledge.registry
        return names_other_agency(text, plan, registry) if plan is not None else bool(registry.find(text))
    if kind in TEXT_KINDS:
        return knowledge.sentences.holds(text, kind)
    return False


@dataclass
class Unit:
    chunk_rank: int
    chunk: RetrievedChunk
    text: str
    start: int  # offsets in the cleaned document
    end: int
    score: float = 0.0
    coverage: float = 0.0
    terms: frozenset[str] = frozenset()
    types: frozenset[str] = frozenset()
    part_coverage: tuple[float, ...] = ()
    all_types: frozenset[str] = frozenset()  # every fact kind the unit holds (for sub-questions)
    heading: bool | None = field(default=None, repr=False, compare=False)  # `is_heading_unit`, once read


class TermWeights:
    """IDF of folded syllables/bigrams over the indexed chunks (computed once per index state)."""

    def __init__(self, texts: list[str]) -> None:
        self.n = max(1, len(texts))
        df: Counter[str] = Counter()
        for text in texts:
            df.update(set(terms(text)))
        self._df = df

    def known(self, term: str) -> bool:
        return term in self._df

    def idf(self, term: str) -> float:
        return math.log(1 + (self.n - self._df.get(term, 0) + 0.5) / (self._df.get(term, 0) + 0.5))


def terms(text: str) -> list[str]:
    """The matching terms (core.vntext.terms) less the question words: what evidence is scored on."""
    return list(evidence_terms(text))


def prepare_units(texts: list[str], knowledge: Knowledge) -> None:
    """Read the sentences of likely evidence chunks ahead of scoring: their terms, dates, person
    names and figures, and the instructions to the system among them (masked before answering),
    which depend on the text alone and are remembered. Retrieval calls this on
    its lexical leg's best chunks while the question's vector is computed on another thread, so
    the answer path finds most of its sentences already read."""
    for text in texts:
        knowledge.cues.instruction_spans(text)
        for start, end in evidence_spans(text):
            knowledge.sentences.facts(text[start:end])


def concept_groups(plan: QueryPlan, weights: "TermWeights") -> list[list[frozenset[str]]]:
    """Abbreviation ↔ full form alternatives ("OCOP" | "mỗi xã một sản phẩm"): a sentence using
    either form covers the concept once, so the longer form does not outweigh the shorter."""
    groups = []
    for short, full in abbreviation_pairs(plan.retrieval_text):
        alts = [frozenset(t for t in terms(form) if weights.known(t)) for form in (short, full)]
        alts = [a for a in alts if a]
        if len(alts) == 2:
            groups.append(alts)
    return groups


def question_terms(plan: QueryPlan) -> set[str]:
    """Distinctive terms of the question: topic words, not question words or the province name."""
    return set(_question_terms(plan.retrieval_text, tuple(plan.provinces), tuple(plan.expansions)))


@lru_cache(maxsize=1024)  # scoring, features, quotes and the register each ask it of the question
def _question_terms(text: str, provinces: tuple[str, ...], expansions: tuple[str, ...]) -> frozenset[str]:
    for province in provinces:
        text = re.sub(re.escape(province), " ", text, flags=re.IGNORECASE)
    found = set(terms(text))
    for expansion in expansions:
        found |= set(terms(expansion))
    return frozenset(t for t in found if not all(p in QUESTION_WORDS for p in t.split("_")))


def split_units(chunk: RetrievedChunk, rank: int, spans: Spans = evidence_spans) -> list[Unit]:
    """Sentences and bullets of a chunk (core.sentences, rule EVIDENCE), with document offsets;
    `spans` gives a text's evidence spans (`SentenceReader.spans` has those of primed chunks)."""
    text, start = chunk.text, chunk.start
    return [Unit(rank, chunk, text[s:e], start + s, start + e) for s, e in spans(text)]


def is_heading_unit(unit: Unit) -> bool:
    """Headings and lead-ins ("… như sau:") announce content rather than state it. Read once per
    unit (its text and its chunk's headings do not change): selection, features and the answer's
    checks each ask it of every unit."""
    if unit.heading is None:
        unit.heading = _is_heading(unit)
    return unit.heading


def _is_heading(unit: Unit) -> bool:
    text = unit.text.strip()
    if text.endswith(":") and (
        len(text.split()) <= 12 or (re.search(r"(như sau|sau đây|cụ thể)\s*:$", text) and not has_quantity(text))
    ):
        return True
    return unit.text.rstrip(".:") in unit.chunk.heading_path


def measure_units(units: list[Unit], plan: QueryPlan, weights: TermWeights, knowledge: Knowledge) -> None:
    """Fill each unit's coverage (share of question-term weight present), the question terms it
    repeats, the asked fact kinds it holds, and its coverage of each sub-question."""
    # Terms no indexed chunk contains cannot tell units apart; they would only dilute coverage.
    q_terms = {t for t in question_terms(plan) if weights.known(t)}
    groups = concept_groups(plan, weights)
    grouped = {t for alts in groups for alt in alts for t in alt}
    plain = q_terms - grouped
    # each weight, each alternative's total and each chunk's heading terms once per question,
    # not once per unit (the same numbers: the sums still run over the same sets in the same order)
    wt = {t: weights.idf(t) * (1.5 if "_" in t else 1.0) for t in plain | grouped}
    alt_totals = [[sum(wt[t] for t in alt) for alt in alts] for alts in groups]
    group_weights = [max(totals) for totals in alt_totals]
    total = (sum(wt[t] for t in plain) + sum(group_weights)) or 1.0
    kinds = asked_types(plan)
    part_terms = [{t for t in set(terms(p)) if weights.known(t)} for p in plan.parts]
    part_kinds = set().union(*parts_types(plan)) if plan.parts else set()
    idf = {t: weights.idf(t) for ts in part_terms for t in ts}
    part_totals = [sum(idf[t] for t in ts) or 1.0 for ts in part_terms]
    contexts: dict[str, set[str]] = {}
    reader = knowledge.sentences
    # a group none of whose terms is in the unit or its heading adds nothing (0.0): not summed
    group_terms = [frozenset(t for alt in alts for t in alt) for alts in groups]
    held_kinds = {*kinds, *part_kinds}
    for unit in units:
        facts = reader.facts(unit.text)
        own = set(facts.terms)
        context = contexts.get(unit.chunk.chunk_id)
        if context is None:
            context = contexts[unit.chunk.chunk_id] = set(terms(" ".join(unit.chunk.heading_path)))
        covered = 0.0
        for t in plain:
            if t in own:
                covered += wt[t]
            elif t in context:
                covered += 0.5 * wt[t]
        for alts, weight, totals, every in zip(groups, group_weights, alt_totals, group_terms, strict=False):
            if every.isdisjoint(own) and every.isdisjoint(context):
                continue
            covered += weight * max(
                sum(wt[t] * (1.0 if t in own else 0.5 if t in context else 0.0) for t in alt) / alt_total
                for alt, alt_total in zip(alts, totals, strict=False)
            )
        unit.coverage = covered / total
        unit.terms = frozenset(t for t in q_terms if t in own)
        unit.part_coverage = tuple(
            sum(idf[t] for t in ts if t in own or t in context) / total_p
            for ts, total_p in zip(part_terms, part_totals, strict=False)
        )
        held = {
            k: k in facts.kinds if k in TEXT_KINDS else unit_has_type(unit.text, k, knowledge, plan) for k in held_kinds
        }
        unit.types = frozenset(k for k in kinds if held[k])
        unit.all_types = frozenset(k for k in part_kinds if held[k])


def score_units(units: list[Unit], plan: QueryPlan, weights: TermWeights, knowledge: Knowledge) -> None:
    """Measure the units and give each the hand-set score (kept as the baseline the fitted
    selection model is compared against)."""
    measure_units(units, plan, weights, knowledge)
    registry = knowledge.registry
    asked = plan.agencies[0] if plan.agencies else ""
    kinds = asked_types(plan)
    wanted_unit = required_unit_pattern(plan)
    for unit in units:
        score = unit.coverage + 0.08 / (1 + unit.chunk_rank)
        folded = fold(unit.text)
        if kinds:
            score += 0.25 * len(unit.types) / len(kinds)
        if wanted_unit is not None and wanted_unit.search(folded):
            score += 0.3  # "bao nhiêu tiền" → a figure in đồng; "bao nhiêu phần trăm" → a %
        elif plan.intent in ("target", "result", "comparison") and has_quantity(unit.text):
            score += 0.12
        if plan.intent in ("agency", "task") and registry.find(unit.text):
            score += 0.05
        if asked and plan.intent != "task" and asked in registry.ids_in(unit.text):
            score += 0.1  # a sentence about the agency the question names
        if asked and plan.intent == "task":
            heading_ids = registry.ids_in(" ".join(unit.chunk.heading_path[-1:]))
            if asked in heading_ids:
                score += 0.25
            elif asked in registry.ids_in(unit.text):
                score += 0.15
            if ACTION_VERBS.search(folded):
                score += 0.05
        if asks_signer(plan) and knowledge.names.find(unit.text) and len(unit.text.split()) <= 6:
            score += 0.6  # "ai ký?" is answered by the signature line itself
        elif is_heading_unit(unit) or len(unit.text.split()) < 6:
            score *= 0.5  # headings, bylines and captions name topics but state nothing
        unit.score = score


def required_unit_pattern(plan: QueryPlan) -> re.Pattern[str] | None:
    """For "bao nhiêu tiền / phần trăm / km / xã…" questions, the unit the answer's number must
    carry — decided once, when the question is classified (QuestionCues.unit_pattern)."""
    return re.compile(plan.unit_pattern) if plan.unit_pattern else None


def asks_signer(plan: QueryPlan) -> bool:
    return bool(re.search(r"\b(ai ky|nguoi ky|do ai ky|ky ban hanh|ky thong bao|ky van ban)\b", plan.folded))


def asks_quantity(plan: QueryPlan) -> bool:
    return bool(
        re.search(
            r"\b(bao nhieu|bao lau|may (xa|tieu chi|san pham|viec|nam)|ty le .* (bao nhieu|the nao))\b", plan.folded
        )
    )
