"""Task questions answered from the register: every task the matching notices assign to the asked
agency, grouped by notice (newest first), with role and deadline, each cited — the question's own
words decide the order, so "Sở X phải làm gì với các xã điểm?" puts that task first.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable

from assistant.answering.labels import document_label
from assistant.contracts import Answer, Citation, Filters, RetrievedChunk
from assistant.evidence import TermWeights, question_terms, terms
from assistant.query import QueryPlan
from assistant.register import TaskRegister, TaskRow
from ingest.agencies import load_registry
from ingest.vntext import fold

MAX_ROWS = 4
TASK_CHARS = 220  # a task paragraph is shown up to this length in chat answers
FIT_SHARE = 0.35  # share of the question's topic weight the best direct task must carry


def matching_rows(register: TaskRegister, plan: QueryPlan, filters: Filters | None) -> list[TaskRow]:
    """Register rows for the plan's agency in the notices the plan and filters point at."""
    filters = filters or Filters()
    provinces = [filters.province] if filters.province else plan.provinces
    rows = register.tasks(plan.agency)
    if provinces:
        wanted = {fold(p) for p in provinces}
        rows = [r for r in rows if fold(r.province) in wanted]
    years = set(plan.years)
    if filters.year_from or filters.year_to:
        low, high = filters.year_from or 0, filters.year_to or 9999
        rows = [r for r in rows if r.issued[:4].isdigit() and low <= int(r.issued[:4]) <= high]
    elif years:
        rows = [r for r in rows if _year_matches(r, years)]
    return rows


def _year_matches(row: TaskRow, years: set[int]) -> bool:
    issued = int(row.issued[:4]) if row.issued[:4].isdigit() else 0
    mentioned = {int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d\d)(?!\d)", row.task + " " + row.deadline)}
    return issued in years or bool(mentioned & years)


# Words of task questions that say "what must … do", not what about.
_ASKING = frozenset(
    "nhiem vu giao duoc phai lam can thuc hien gi trach nhiem yeu cau de nghi tham gia viec nhung nam tinh xay dung nong thon moi ntm".split()
)


def _topic_terms(plan: QueryPlan, weights: TermWeights, agency_names: list[str]) -> set[str]:
    """The question's topic: its known terms minus the agency's own words and the asking words."""
    named = set()
    for name in agency_names:
        named |= set(terms(name))
    return {
        t
        for t in question_terms(plan)
        if weights.known(t) and t not in named and not all(p in _ASKING or p.isdigit() for p in t.split("_"))
    }


def _agency_names(plan: QueryPlan) -> list[str]:
    """Every way of naming the asked agencies (they are who, not what, the question is about)."""
    registry = load_registry()
    names: list[str] = []
    for agency_id in plan.agencies:
        agency = registry.get(agency_id)
        names += [agency.name, *agency.aliases, *agency.query_aliases]
    return names


def _relevance(row: TaskRow, topic: set[str], weights: TermWeights) -> float:
    return sum(weights.idf(t) for t in topic & set(terms(row.task)))


def register_fits(rows: list[TaskRow], plan: QueryPlan, weights: TermWeights) -> bool:
    """Use the register when it holds tasks given to the agency itself and, for a question about
    a particular matter, one of them is about that matter; otherwise retrieval answers."""
    direct = [r for r in rows if not r.shared]
    if not direct:
        return False
    topic = _topic_terms(plan, weights, _agency_names(plan) + [r.assigned_to for r in direct])
    if not topic:
        return True  # "Sở X phải làm gì?" — the whole register is the answer
    total = sum(weights.idf(t) for t in topic)
    return max(_relevance(r, topic, weights) for r in direct) >= FIT_SHARE * total


def rank_rows(rows: list[TaskRow], plan: QueryPlan, weights: TermWeights) -> list[TaskRow]:
    """Most relevant first (question words the task repeats; direct before shared)."""
    topic = _topic_terms(plan, weights, _agency_names(plan) + [r.assigned_to for r in rows])
    return sorted(rows, key=lambda r: _relevance(r, topic, weights) - (100.0 if r.shared else 0.0), reverse=True)


def register_answer(
    rows: list[TaskRow],
    plan: QueryPlan,
    weights: TermWeights,
    document_text: Callable[[TaskRow], str],
    retrieved: list[RetrievedChunk],
) -> Answer:
    """The answer text and citations for the most relevant rows, grouped by notice."""
    ranked = rank_rows(rows, plan, weights)
    shown = ranked[:MAX_ROWS]
    by_notice: OrderedDict[str, list[TaskRow]] = OrderedDict()
    for row in sorted(shown, key=lambda r: (r.issued, r.source), reverse=True):
        by_notice.setdefault(row.source, []).append(row)
    lines: list[str] = []
    citations: list[Citation] = []
    for source, notice_rows in by_notice.items():
        first = notice_rows[0]
        chunk = _pseudo_chunk(first)
        lines.append(f"Theo {document_label(chunk)}, {notice_rows[0].agency}:")
        for row in sorted(notice_rows, key=lambda r: r.start):
            n = len(citations) + 1
            quote = document_text(row)[row.start : row.end]
            citations.append(Citation.of(n, _pseudo_chunk(row), quote, row.start, row.end))
            extra = "; ".join(x for x in (row.role_label, f"hạn: {row.deadline}" if row.deadline else "") if x)
            lines.append(f"- ({extra}) {_short(row.task)} [{n}]")
    if len(ranked) > len(shown):
        lines.append(f"(còn {len(ranked) - len(shown)} nhiệm vụ khác của {shown[0].agency} trong sổ nhiệm vụ — tab Nhiệm vụ)")
    plan_dict = {**plan.as_dict(), "answered_by": "register", "register_rows": len(rows)}
    return Answer("\n".join(lines), citations, False, 0.9, retrieved, plan_dict)


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

