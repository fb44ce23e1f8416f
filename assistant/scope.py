"""Which documents speak for a question's places: the asked provinces across the 1 July 2025
merger (`PlaceScope`), the UI filter the question overrides, and the Chroma metadata filter both
legs of retrieval search under. Retrieval and the register decide a notice's place the same way."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.agencies import AgencyRegistry
from core.contracts import Filters, QueryPlan
from core.knowledge import Knowledge
from core.places import Gazetteer


@dataclass(frozen=True)
class PlaceScope:
    """Which documents speak for the asked provinces, across the 1 July 2025 merger.

    A document of an asked province does; so does a document issued after the merger by the
    province an asked one merged into (the new Thái Nguyên speaks for former Bắc Kạn). A question
    about a post-merger province also reaches the documents of the provinces merged into it,
    unless every year it names is before the merger (a UI filter picked from the indexed
    provinces means that one: `partners` False). A document with no detected province may be
    about any province and is kept. Any other province's document is out."""

    asked: tuple[str, ...]
    pre_merger_question: bool = False
    partners: bool = True
    # (province, issued) → (places, tier): a question's candidates and an agency's rows come from
    # a few notices, and retrieval and the register ask each one's tier of the same scope
    _tiers: dict[tuple[str, str], tuple[Gazetteer, str]] = field(default_factory=dict, compare=False, repr=False)

    def where_names(self, places: Gazetteer) -> list[str]:
        names = [s for a in self.asked for n in places.merger_group(a) for s in places.spellings(n)]
        return list(dict.fromkeys([*names, ""]))  # every spelling: an index built before a rename

    def tier(self, province: str, issued: str, places: Gazetteer) -> str:
        """'asked', 'partner', 'unknown' or '' (out of scope) for a document (remembered per notice)."""
        found = self._tiers.get((province, issued))
        if found is None or found[0] is not places:
            found = self._tiers[province, issued] = (places, self._tier(province, issued, places))
        return found[1]

    def _tier(self, province: str, issued: str, places: Gazetteer) -> str:
        if not province:
            return "unknown"
        province = places.resolve(province) or province  # an index built before a rename
        if province in self.asked:
            return "asked"
        post_merger = bool(issued) and issued >= places.merger_date
        if post_merger and any(places.successor(province) == places.successor(a) for a in self.asked):
            return "asked"
        if (
            self.partners
            and not self.pre_merger_question
            and any(places.successor(a) == a and province in places.parts(a) for a in self.asked)
        ):
            return "partner"
        return ""


def merger_year(places: Gazetteer) -> int:
    return int(places.merger_date[:4])


def place_scope(plan: QueryPlan, filters: Filters | None, places: Gazetteer) -> PlaceScope | None:
    """The scope of the provinces asked (the question's, else the UI filter's); None if none."""
    asked = asked_provinces(plan, filters, places)
    if not asked:
        return None
    years = [*plan.years, *(y for p in plan.periods for y in p)]
    return PlaceScope(tuple(asked), bool(years) and max(years) < merger_year(places), partners=bool(plan.provinces))


def asked_provinces(plan: QueryPlan, filters: Filters | None, places: Gazetteer) -> list[str]:
    if plan.provinces:
        return list(plan.provinces)
    if filters and filters.province:
        return [places.resolve(filters.province) or filters.province]
    return []


def reconcile_filters(plan: QueryPlan, filters: Filters | None, places: Gazetteer) -> tuple[Filters | None, str]:
    """The question wins over a UI province filter it contradicts: returns the filters to apply
    (without that province) and a notice saying so; a filter the question agrees with, or one
    for a question naming no province, is kept as it is."""
    if not (filters and filters.province and plan.provinces):
        return filters, ""
    chosen = places.resolve(filters.province) or filters.province
    if any(chosen in places.merger_group(p) for p in plan.provinces):
        return filters, ""
    named = ", ".join(plan.provinces)
    notice = (
        f"Câu hỏi nói về {named}, khác với bộ lọc tỉnh đang chọn ({filters.province}): "
        f"kết quả dưới đây theo {named} như trong câu hỏi."
    )
    return Filters(**{**filters.__dict__, "province": ""}), notice


def build_where(plan: QueryPlan, filters: Filters | None, knowledge: Knowledge) -> dict[str, Any] | None:
    """Chroma metadata filter from explicit user filters and the provinces the question names:
    the asked provinces' merger groups and documents of no province (see `PlaceScope`)."""
    places = knowledge.places
    return where_clause(filters, place_scope(plan, filters, places), places, knowledge.registry)


def where_clause(
    filters: Filters | None, scope: PlaceScope | None, places: Gazetteer, registry: AgencyRegistry
) -> dict[str, Any] | None:
    clauses: list[dict[str, Any]] = []
    filters = filters or Filters()
    if scope:
        clauses.append({"province": {"$in": scope.where_names(places)}})
    if filters.year_from:
        clauses.append({"year": {"$gte": int(filters.year_from)}})
    if filters.year_to:
        clauses.append({"year": {"$lte": int(filters.year_to)}})
    if filters.kind:
        clauses.append({"kind": filters.kind})
    if filters.agency:
        agency = registry.resolve(filters.agency)
        if agency:
            clauses.append({f"ag_{agency.id}": True})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
