"""Task questions answered from the register: every task the matching notices assign to the asked
agency, grouped by notice (newest first), with role and deadline, each cited — the agency's own
tasks first, then the tasks given to a collective it belongs to, labelled as shared; the
question's own words decide the order, so "Sở X phải làm gì với các xã điểm?" puts that task first.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace

from assistant.answering.labels import document_label
from assistant.evidence import TermWeights, question_terms, terms
from assistant.query import abbreviation_pairs, asks_tasks
from assistant.register import NoticeYears, TaskRegister, TaskRow, UnknownAgency
from assistant.scope import place_scope, reconcile_filters
from core.agencies import AgencyRegistry
from core.contracts import Answer, Citation, Filters, QueryPlan, RetrievedChunk
from core.knowledge import Knowledge
from core.places import Gazetteer
from core.question_cues import QuestionCues
from core.vntext import fold
from core.years import YEAR_RE

MAX_ROWS = 4
_ROLE_ORDER = {"chủ trì": 0, "thực hiện": 1, "tham mưu": 1, "phối hợp": 3}  # what the agency leads comes first
TASK_CHARS = 220  # a task paragraph is shown up to this length in chat answers
LONE_TASK_CHARS = 420  # ... and when one or two tasks are the answer, whole (its deadline often closes it)
FIT_SHARE = 0.35  # share of the question's topic weight the best direct task must carry


def matching_rows(register: TaskRegister, plan: QueryPlan, filters: Filters | None, places: Gazetteer) -> list[TaskRow]:
    """Register rows for the plan's agency in the notices the plan and filters point at."""
    # one decision, retrieval's: the question's province wins over a contradicting UI filter, and
    # a province's scope holds its 2025 merger partners by era (Thái Nguyên ← Bắc Kạn (cũ))
    filters, _ = reconcile_filters(plan, filters, places)
    filters = filters or Filters()
    scope = place_scope(plan, filters, places)
    years = set(plan.years)
    ranged = bool(filters.year_from or filters.year_to)
    low, high = filters.year_from or 0, filters.year_to or 9999
    # only the notices that can hold a row kept below are read (a national index holds thousands)
    notices = NoticeYears(between=(low, high)) if ranged else NoticeYears(about=frozenset(years)) if years else None
    try:
        # only the scope's notices are read (retrieval's filter names them); `tier` then decides
        within = scope.where_names(places) if scope is not None else None
        rows = register.tasks(plan.agency, within=within, years=notices)
    except UnknownAgency:  # a name recognised in the question but never given a task
        return []
    if scope is not None:  # a notice whose province is unknown is not listed as the asked one's
        rows = [r for r in rows if r.province and scope.tier(r.province, r.issued, places) in ("asked", "partner")]
    if ranged:
        rows = [r for r in rows if r.issued[:4].isdigit() and low <= int(r.issued[:4]) <= high]
    elif years:
        rows = [r for r in rows if _year_matches(r, years)]
    return rows


def _year_matches(row: TaskRow, years: set[int]) -> bool:
    issued = int(row.issued[:4]) if row.issued[:4].isdigit() else 0
    mentioned = {int(y) for y in YEAR_RE.findall(row.task + " " + row.deadline)}
    return issued in years or bool(mentioned & years)


def _topic_terms(plan: QueryPlan, weights: TermWeights, agency_names: list[str], cues: QuestionCues) -> set[str]:
    """The question's topic: its known terms minus the agency's own words and the asking words
    (a bigram spanning an agency name and an asking word — "còn Sở", "Đầu tư được" — is neither)."""
    asking = cues.task_asking_words
    named = set()
    for name in agency_names:
        named |= set(terms(name))
    words = {t for t in named if "_" not in t}
    # synonyms of asking words ("giao" → "phân công") ask too
    asked_by = {
        fold(other) for used, other in abbreviation_pairs(plan.retrieval_text) if set(fold(used).split()) <= asking
    }
    plan = replace(plan, expansions=[e for e in plan.expansions if fold(e) not in asked_by])
    return {
        t
        for t in question_terms(plan)
        if weights.known(t)
        and t not in named
        and not all(p in asking or p in words or p.isdigit() for p in t.split("_"))
    }


def _agency_names(plan: QueryPlan, registry: AgencyRegistry) -> list[str]:
    """Every way of naming the asked agencies (they are who, not what, the question is about)."""
    names: list[str] = []
    for agency_id in plan.agencies:
        agency = registry.get(agency_id)
        names += [agency.name, *agency.aliases, *agency.query_aliases]
    return names


def _relevance(row: TaskRow, topic: set[str], weights: TermWeights) -> float:
    return sum(weights.idf(t) for t in topic & set(terms(row.task)))


def register_fits(rows: list[TaskRow], plan: QueryPlan, weights: TermWeights, knowledge: Knowledge) -> bool:
    """Use the register when it holds tasks given to the agency itself and, for a question about
    a particular matter, one of them is about that matter; otherwise retrieval answers."""
    direct = [r for r in rows if not r.shared]
    if not direct:
        return False
    names = _agency_names(plan, knowledge.registry) + [r.assigned_to for r in direct]
    topic = _topic_terms(plan, weights, names, knowledge.cues)
    if not topic:
        return True  # "Sở X phải làm gì?" — the whole register is the answer
    total = sum(weights.idf(t) for t in topic)
    return max(_relevance(r, topic, weights) for r in direct) >= FIT_SHARE * total


def rank_rows(rows: list[TaskRow], plan: QueryPlan, weights: TermWeights, knowledge: Knowledge) -> list[TaskRow]:
    """Most relevant first (question words the task repeats; direct before shared)."""
    names = _agency_names(plan, knowledge.registry) + [r.assigned_to for r in rows]
    topic = _topic_terms(plan, weights, names, knowledge.cues)
    return sorted(rows, key=lambda r: _relevance(r, topic, weights) - (100.0 if r.shared else 0.0), reverse=True)


def register_answer(
    rows: list[TaskRow],
    plan: QueryPlan,
    weights: TermWeights,
    document_text: Callable[[TaskRow], str],
    retrieved: list[RetrievedChunk],
    knowledge: Knowledge,
) -> Answer:
    """The answer text and citations for the most relevant rows: per notice, the agency's own
    tasks, then the shared ones under their own label; each with its role and deadline."""
    ranked = _distinct(rank_rows(rows, plan, weights, knowledge))
    shown = ranked[:MAX_ROWS]
    by_notice: OrderedDict[str, list[TaskRow]] = OrderedDict()
    for row in sorted(shown, key=lambda r: (r.issued, r.source), reverse=True):
        by_notice.setdefault(row.source, []).append(row)
    lines: list[str] = []
    citations: list[Citation] = []
    for notice_rows in by_notice.values():
        first = notice_rows[0]
        lines.append(f"Theo {document_label(_pseudo_chunk(first), knowledge.registry)}, {first.agency}:")
        own = sorted((r for r in notice_rows if not r.shared), key=lambda r: (_ROLE_ORDER.get(r.role, 2), r.start))
        shared = sorted((r for r in notice_rows if r.shared), key=lambda r: r.start)
        for group, label in ((own, ""), (shared, "Nhiệm vụ giao chung")):
            if group and label:
                lines.append(f"{label} (cho {_collective_words(group)}):")
            for row in group:
                n = len(citations) + 1
                quote = document_text(row)[row.start : row.end]
                citations.append(Citation.of(n, _pseudo_chunk(row), quote, row.start, row.end))
                lines.append(
                    f"- {_short(row.task, TASK_CHARS if len(shown) > 2 else LONE_TASK_CHARS)}{_row_facts(row)} [{n}]"
                )
    if len(ranked) > len(shown):
        lines.append(
            f"(còn {len(ranked) - len(shown)} nhiệm vụ khác của {shown[0].agency} trong sổ nhiệm vụ — tab Nhiệm vụ)"
        )
    plan_dict = {**plan.as_dict(), "answered_by": "register", "register_rows": len(rows)}
    return Answer("\n".join(lines), citations, False, 0.9, retrieved, plan_dict)


def _distinct(rows: list[TaskRow]) -> list[TaskRow]:
    """One row per task of a notice (the same sentence read twice — as an item and under its
    heading — is one task)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for row in rows:
        key = (row.source, " ".join(row.task.split()).casefold())
        if key not in seen:
            seen.add(key)
            out.append(row)
    return out


def _row_facts(row: TaskRow) -> str:
    """ " — chủ trì, hạn 31/10/2023" after the task (role and deadline as the register has them)."""
    facts = [row.role, f"hạn {row.deadline}" if row.deadline else ""]
    shown = ", ".join(f for f in facts if f)
    return f" — {shown}" if shown else ""


def _collective_words(rows: list[TaskRow]) -> str:
    """The document's own words for the collective ("các sở, ngành", "UBND các huyện")."""
    names = list(dict.fromkeys(r.assigned_to.strip() for r in rows if r.assigned_to.strip()))
    return ", ".join(f"“{n}”" for n in names[:3]) or "nhiều cơ quan"


class RegisterAnswerer:
    """The task-register strategy: "Sở X phải làm gì / được giao nhiệm vụ gì / có trách nhiệm gì /
    chủ trì việc gì", and follow-ups that switch agency ("còn Sở Tài chính thì sao?")."""

    name = "register"

    def __init__(
        self,
        register: TaskRegister,
        weights: TermWeights,
        document_text: Callable[[TaskRow], str],
        knowledge: Knowledge,
        filters: Filters | None = None,
    ) -> None:
        self.register = register
        self.weights = weights
        self.document_text = document_text
        self.knowledge = knowledge
        self.filters = filters
        self.cues = knowledge.cues

    def asks(self, plan: QueryPlan) -> bool:
        """A task question about a named agency — or a deadline/detail question about what it must do."""
        if not plan.agencies:
            return False
        if asks_tasks(plan, self.cues):
            return True
        return "date" in plan.asked_kinds and bool(self.cues.action_verbs.search(plan.folded))

    def answer(self, plan: QueryPlan, retrieved: list[RetrievedChunk]) -> Answer | None:
        if not self.asks(plan):
            return None
        rows = matching_rows(self.register, plan, self.filters, self.knowledge.places)
        if not rows or not register_fits(rows, plan, self.weights, self.knowledge):
            return None
        return register_answer(rows, plan, self.weights, self.document_text, retrieved, self.knowledge)


def _short(task: str, limit: int = TASK_CHARS) -> str:
    """A long task paragraph shown by its opening clauses (the citation keeps the full sentence)."""
    if len(task) <= limit:
        return task
    cut = max(task.rfind(sep, 0, limit) for sep in (";", ",", " "))
    return task[: cut if cut > limit // 2 else limit].rstrip(" ,;") + "…"


def _pseudo_chunk(row: TaskRow) -> RetrievedChunk:
    """A RetrievedChunk view of a register row, for labels and citations."""
    meta = {"title": row.title, "number": row.number, "province": row.province, "issued": row.issued}
    doc_id = row.chunk_id.split(":")[0]
    return RetrievedChunk(row.chunk_id, doc_id, row.source, 1.0, "", [], row.start, row.end, meta)
