"""Which notices' tasks a register answer lists: the same place decision retrieval makes."""

from __future__ import annotations

from collections.abc import Collection

import pytest

from assistant.answering.register_answer import matching_rows
from assistant.query import plan_question
from assistant.register import TaskRow
from core.contracts import Filters
from core.vntext import fold

pytestmark = pytest.mark.unit


class _Rows:
    """The register's rows for one agency (the scope logic under test reads only these)."""

    def __init__(self, rows: list[TaskRow]) -> None:
        self.rows = rows

    def tasks(self, agency_id: str, within: Collection[str] | None = None, years: object = None) -> list[TaskRow]:
        """As TaskRegister: `within` keeps the notices whose province is one of these names
        (`years` only spares reading notices the caller's year test drops: not applied here)."""
        if within is None:
            return list(self.rows)
        names = {fold(p) for p in within}
        return [r for r in self.rows if fold(r.province) in names]


def _row(province: str, issued: str, task: str) -> TaskRow:
    return TaskRow("Sở Tài chính", "chủ trì", task, "", f"{task}.txt", "1/TB-UBND", issued, f"{task}:0", province)


ROWS = [
    _row("Thái Nguyên", "2025-10-27", "tn-new"),
    _row("Bắc Kạn", "2024-05-02", "bk-old"),
    _row("Cao Bằng", "2025-09-01", "cb"),
    _row("", "2025-09-01", "unknown"),
]


def _listed(knowledge, question: str, filters: Filters | None = None) -> set[str]:
    return {r.task for r in matching_rows(_Rows(ROWS), plan_question(question, knowledge), filters, knowledge.places)}


def test_a_merged_province_lists_its_partners_notices(knowledge) -> None:
    assert _listed(knowledge, "Sở Tài chính Thái Nguyên phải làm gì?") == {"tn-new", "bk-old"}


def test_a_question_before_the_merger_lists_only_that_province(knowledge) -> None:
    assert _listed(knowledge, "Năm 2024 Sở Tài chính Bắc Kạn phải làm gì?") == {"bk-old"}


def test_the_question_wins_over_a_contradicting_ui_filter(knowledge) -> None:
    assert _listed(knowledge, "Sở Tài chính Cao Bằng phải làm gì?", Filters(province="Thái Nguyên")) == {"cb"}
    assert _listed(knowledge, "Sở Tài chính phải làm gì?", Filters(province="Cao Bằng")) == {"cb"}
