"""The agency task register and the targets tracker, read from what ingest extracted.

An agency's register is every task the indexed notices assign to it, then the tasks of the bodies
it is the lineage of (2025 mergers: Sở Nông nghiệp và Môi trường inherits Sở NN&PTNT's tasks,
marked "kế thừa"; asking for the old body lists the successor's, marked so), then the tasks given
to a collective addressee it belongs to ("các sở, ngành" for any sở, "UBND các huyện" for
UBND huyện Mường Khương), marked "giao chung". A named unit's own rows therefore come before
its collective's. Rows carry their notice (số hiệu, date, province) and chunk, so each one can be
cited and opened.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass
from typing import Any

from core.agencies import AgencyRegistry
from core.vntext import fold
from vectorstore.index import Index

TASK_COLUMNS = ("agency", "role", "task", "deadline", "source", "number", "issued", "chunk_id")
TARGET_COLUMNS = ("indicator", "value", "unit", "period", "scope", "kind", "source", "chunk_id")


class UnknownAgency(ValueError):
    """The agency a user typed is not in the registry."""


@dataclass(frozen=True)
class TaskRow:
    agency: str  # canonical name of the agency the row is listed for
    role: str
    task: str
    deadline: str
    source: str
    number: str
    issued: str
    chunk_id: str
    province: str = ""
    title: str = ""
    assigned_to: str = ""  # the words the notice uses (e.g. "các sở, ngành" for a shared task)
    shared: bool = False  # "giao chung": given to a collective the agency belongs to
    start: int = 0
    end: int = 0
    # Lineage rows name in `agency` the body the notice gave them to; `via` is the agency asked for.
    lineage: str = ""  # "kế thừa" (a predecessor's task, asked for its successor) | "kế nhiệm" (the reverse)
    via: str = ""

    @property
    def role_label(self) -> str:
        if self.shared:
            return f"{self.role} (giao chung)"
        if self.lineage == "kế thừa":
            return f"{self.role} (kế thừa từ {self.agency})"
        if self.lineage == "kế nhiệm":
            return f"{self.role} (đơn vị kế nhiệm: {self.agency})"
        return self.role

    def as_dict(self) -> dict[str, object]:
        return {**{key: getattr(self, key) for key in TASK_COLUMNS}, "role": self.role_label}

    def full_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class TargetRow:
    indicator: str
    value: str
    unit: str
    period: str
    scope: str
    kind: str
    source: str
    chunk_id: str
    province: str = ""
    number: str = ""
    issued: str = ""
    text: str = ""

    def as_dict(self) -> dict[str, object]:
        return {key: getattr(self, key) for key in TARGET_COLUMNS}


@dataclass(frozen=True)
class NoticeYears:
    """The notices that can hold a row a caller keeps for some years: issued in a year of
    `between` (inclusive), or issued in one of `about` or with a task or deadline of the agency's
    rows naming one. It decides which notices are read, never which rows are kept: a notice is read
    whole (so the lineage and shared groups drop the same repeated spans) and the caller's own
    year test picks its rows. A national index holds thousands of an agency's rows; a year's are few."""

    about: frozenset[int] = frozenset()
    between: tuple[int, int] | None = None

    def issued_in(self, issued: str) -> bool:
        year = int(issued[:4]) if issued[:4].isdigit() else None
        if self.between is not None:
            return year is not None and self.between[0] <= year <= self.between[1]
        return year in self.about


class TaskRegister:
    def __init__(self, index: Index, registry: AgencyRegistry) -> None:
        self.index = index
        self.registry = registry
        self._cache: tuple[str, dict[tuple[Any, ...], list[TaskRow]]] = ("", {})
        # per index state: the documents of each (folded) province, and each document's issue date
        self._places: tuple[str, dict[str, frozenset[str]], dict[str, str]] = ("", {}, {})

    def resolve(self, agency: str) -> str:
        """Registry id of what the user typed ("Sở KH&ĐT", "so ke hoach va dau tu", an id). A
        name the grammar reads but neither the registry nor any indexed notice knows is unknown."""
        if agency in self.registry.agencies:
            return agency  # an id, e.g. from a query plan
        found = self.registry.resolve(agency)
        if found is None or found.discovered and not self.index.assignments([found.id]):
            raise UnknownAgency(f"không nhận ra cơ quan {agency!r}")
        return found.id

    def tasks(
        self,
        agency: str,
        province: str = "",
        year: int | None = None,
        within: Collection[str] | None = None,
        *,
        years: NoticeYears | None = None,
    ) -> list[TaskRow]:
        """Every task of the agency: its own, then its lineage's (marked), then shared ones
        ("giao chung"); newest notice first within each group. `province` keeps one province's
        notices; `within` keeps the notices whose province is one of these names (a question's
        place scope, as retrieval's filter lists it), whose rows the caller then narrows; `years`
        keeps the notices that can hold a row of those years (NoticeYears)."""
        self.index.refresh()  # the API's tasks endpoint: follow other processes' writes
        agency_id = self.resolve(agency)
        # an agency's rows are read once per index state (a national index holds thousands)
        if self._cache[0] != self.index.state or not self.index.state:
            self._cache = (self.index.state, {})
        names = frozenset(fold(p) for p in within) if within is not None else None
        key = (agency_id, province, year, names, years)
        if key not in self._cache[1]:
            if len(self._cache[1]) >= 512:
                self._cache[1].pop(next(iter(self._cache[1])))
            provinces = {fold(province)} if province else set()
            if names is not None:
                provinces = provinces & names if province else set(names)
            documents = self._documents_of(provinces) if province or names is not None else None
            if years is not None:
                documents = self._notices_of(years, agency_id, documents)
            self._cache[1][key] = self._tasks(agency_id, documents, year)
        return list(self._cache[1][key])

    def _documents_of(self, provinces: set[str]) -> frozenset[str]:
        """Ids of the documents of these provinces (folded names): a national index holds
        thousands of an agency's rows, and only the asked provinces' documents need reading."""
        by_province = self._read_places()[0]
        return frozenset().union(*(by_province.get(p, frozenset()) for p in provinces))

    def _notices_of(self, years: NoticeYears, agency_id: str, documents: frozenset[str] | None) -> frozenset[str]:
        """The documents (of `documents`, or of all) that can hold a row of these years."""
        issued = self._read_places()[1]
        among = documents if documents is not None else frozenset(issued)
        kept = {d for d in among if years.issued_in(issued.get(d, ""))}
        if years.about:
            ids = [i for group, _, _ in self._groups(agency_id) for i in group]
            kept |= self.index.documents_mentioning(ids, among, [str(y) for y in sorted(years.about)])
        return frozenset(kept)

    def _read_places(self) -> tuple[dict[str, frozenset[str]], dict[str, str]]:
        """Each (folded) province's documents and each document's issue date, read once per index state."""
        state = self.index.state
        if self._places[0] != state or not state:
            grouped: dict[str, set[str]] = {}
            issued: dict[str, str] = {}
            folded: dict[str, str] = {}  # a few dozen provinces over thousands of documents
            for doc_id, province, date in self.index.document_places():
                key = folded.get(province)
                if key is None:
                    key = folded[province] = fold(province)
                grouped.setdefault(key, set()).add(doc_id)
                issued[doc_id] = date
            self._places = (state, {p: frozenset(ids) for p, ids in grouped.items()}, issued)
        return self._places[1], self._places[2]

    def _groups(self, agency_id: str) -> list[tuple[list[str], str, bool]]:
        """(agency ids, lineage label, shared) of the agency's own rows, its predecessors',
        successors' and its collectives', in listing order."""
        groups: list[tuple[list[str], str, bool]] = [([agency_id], "", False)]
        groups += [([p], "kế thừa", False) for p in self.registry.predecessors_of(agency_id)]
        groups += [([s], "kế nhiệm", False) for s in self.registry.successors_of(agency_id)]
        groups.append((self.registry.collectives_of(agency_id), "", True))
        return groups

    def _tasks(self, agency_id: str, documents: frozenset[str] | None, year: int | None) -> list[TaskRow]:
        name = self.registry.get(agency_id).name
        docs = _DocumentsById(self.index)  # only the documents the agency's rows come from
        groups = self._groups(agency_id)
        rows: list[TaskRow] = []
        seen: set[tuple[str, int, int]] = set()
        for ids, lineage, shared in groups:
            if ids:
                # a sentence naming both bodies ("Sở Tài chính phối hợp với Sở KH&ĐT …") is listed once
                for row in self._rows(ids, name, lineage, shared, docs, documents, year):
                    span = (row.chunk_id, row.start, row.end)
                    if (lineage or shared) and span in seen:
                        continue
                    seen.add(span)
                    rows.append(row)
        return rows

    def _rows(self, ids, name, lineage, shared, docs, in_province, year) -> list[TaskRow]:  # type: ignore[no-untyped-def]
        rows = []
        found = self.index.assignments(ids, in_province)  # another province's notices are never read
        docs.read({a.doc_id for a in found})
        for a in found:
            meta = docs[a.doc_id].metadata
            if year and not meta.get("issued", "").startswith(str(year)):
                continue
            given_to = self.registry.get(a.agency).name if lineage and a.agency in self.registry.agencies else name
            rows.append(
                TaskRow(
                    agency=given_to,
                    role=a.role,
                    task=a.task,
                    deadline=a.deadline,
                    source=docs[a.doc_id].source,
                    number=meta.get("number", ""),
                    issued=meta.get("issued", ""),
                    chunk_id=a.chunk_id,
                    province=meta.get("province", ""),
                    title=meta.get("title", ""),
                    assigned_to=a.agency_text,
                    shared=shared,
                    start=a.start,
                    end=a.end,
                    lineage=lineage,
                    via=name if lineage else "",
                )
            )
        rows.sort(key=lambda r: (r.issued, r.source), reverse=True)
        return _stable_by_notice(rows)

    def targets(self, province: str = "", indicator: str = "", kind: str = "") -> list[TargetRow]:
        """Planned and achieved figures, optionally of one province / indicator / kind."""
        docs = {d.doc_id: d for d in self.index.documents()}
        rows = []
        for t in self.index.targets():
            meta = docs[t.doc_id].metadata
            if province and fold(meta.get("province", "")) != fold(province):
                continue
            if indicator and fold(indicator) not in fold(t.indicator):
                continue
            if kind and fold(kind) != fold(t.kind):
                continue
            rows.append(
                TargetRow(
                    t.indicator,
                    t.value,
                    t.unit,
                    t.period,
                    t.scope,
                    t.kind,
                    docs[t.doc_id].source,
                    t.chunk_id,
                    meta.get("province", ""),
                    meta.get("number", ""),
                    meta.get("issued", ""),
                    t.text,
                )
            )
        rows.sort(key=lambda r: (r.province, r.issued, r.source), reverse=False)
        return rows


class _DocumentsById(dict):
    """doc_id → DocumentRecord, read from the records on first use."""

    def __init__(self, index: Index) -> None:
        super().__init__()
        self._index = index

    def read(self, doc_ids: set[str]) -> None:
        """Read the records of these documents not read yet, in one query."""
        self.update(self._index.documents_by_id(doc_ids - self.keys()))

    def __missing__(self, doc_id: str) -> Any:
        record = self._index.document(doc_id)
        if record is None:
            raise KeyError(doc_id)
        self[doc_id] = record
        return record


def _stable_by_notice(rows: list[TaskRow]) -> list[TaskRow]:
    """Keep each notice's tasks together in document order under the newest-first notice order."""
    order: dict[str, int] = {}
    for row in rows:
        order.setdefault(row.source, len(order))
    return sorted(rows, key=lambda r: (order[r.source], r.start))
