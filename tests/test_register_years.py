"""A register answer reads only the notices that can hold a row of the asked years
(assistant.register.NoticeYears), and lists exactly the rows it listed reading every notice of
its scope: for every agency with tasks in the seed and dev corpora, under each indexed province
and none, for each year the notices were issued in or name, and for UI year ranges."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assistant.answering.register_answer import matching_rows
from assistant.query import plan_question
from assistant.register import NoticeYears, TaskRegister
from core.contracts import Filters
from tests.support import HashEmbeddings


class _EveryNotice:
    """The register as it was read before NoticeYears: every notice of the scope."""

    def __init__(self, register: TaskRegister) -> None:
        self.register = register

    def tasks(self, agency: str, within: Any = None, years: Any = None) -> Any:
        return self.register.tasks(agency, within=within)


def _key(rows: list[Any]) -> list[tuple[Any, ...]]:
    return [(r.chunk_id, r.start, r.end, r.agency, r.task, r.lineage, r.shared) for r in rows]


@pytest.mark.e2e
def test_reading_the_years_notices_lists_the_same_rows(
    tmp_path: Path, seeds_dir: Path, shared: Path, knowledge, make_index, make_ingester
) -> None:
    index = make_index(tmp_path / "index", HashEmbeddings())
    paths = [*sorted(seeds_dir.glob("*.txt")), *sorted((shared / "corpus" / "dev").glob("*.txt"))]
    assert not make_ingester(index).ingest_paths(paths).refused
    register = TaskRegister(index, knowledge.registry)
    every = _EveryNotice(register)
    rows = index.assignments()
    registry = knowledge.registry
    agencies = sorted({a.agency for a in rows if a.agency in registry.agencies and not a.collective})
    docs = index.documents()
    provinces = sorted({d.metadata.get("province", "") for d in docs} - {""})
    issued = sorted({int(d.metadata["issued"][:4]) for d in docs if d.metadata.get("issued", "")[:4].isdigit()})
    years = sorted({*issued, *(y + 1 for y in issued)})  # also years notices name but were not issued in
    compared = narrowed = 0
    for n, agency in enumerate(agencies):
        name = registry.get(agency).name
        for place in ("", provinces[n % len(provinces)]):
            for year in years[n % 3 :: 3]:
                plan = plan_question(f"{name} {place} được giao nhiệm vụ gì năm {year}?".replace("  ", " "), knowledge)
                if not plan.agencies or not plan.years:
                    continue
                got = matching_rows(register, plan, None, knowledge.places)
                assert _key(got) == _key(matching_rows(every, plan, None, knowledge.places)), plan.question
                compared += 1
                narrowed += bool(got)
            ranged = Filters(year_from=years[n % len(years)], year_to=years[n % len(years)] + 2)
            plan = plan_question(f"{name} {place} được giao nhiệm vụ gì?".replace("  ", " "), knowledge)
            if plan.agencies:
                got = matching_rows(register, plan, ranged, knowledge.places)
                assert _key(got) == _key(matching_rows(every, plan, ranged, knowledge.places)), (plan.question, ranged)
                compared += 1
    assert compared >= 100 and narrowed >= 10, (compared, narrowed)
    index.close()


@pytest.mark.unit
def test_notice_years_reads_the_issue_year_as_the_answer_does() -> None:
    about = NoticeYears(about=frozenset({2019, 2020}))
    assert about.issued_in("2019-03-04") and about.issued_in("2020") and not about.issued_in("2021-01-01")
    assert not about.issued_in("") and not about.issued_in("ngày 3/4/2019")
    between = NoticeYears(between=(0, 2020))
    assert between.issued_in("2001-01-01") and between.issued_in("2020-12-31") and not between.issued_in("2021")
    assert not between.issued_in("") and not between.issued_in("unknown")
