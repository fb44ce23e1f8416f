"""Sentences about a rival category of the asked one (core/contrasts.py): their figures are not
the asked figures, so they neither answer the question nor belong in its answer."""

from __future__ import annotations

from assistant.evidence import Unit, is_heading_unit
from core.contracts import QueryPlan
from core.contrasts import conflicts


def speaks_of_a_rival(plan: QueryPlan, unit: Unit) -> bool:
    """The unit (with the heading it sits under) names a rival of a category the question names
    ("vốn sự nghiệp" for "vốn đầu tư phát triển", "/xã" for "một huyện"): its figure is not the
    asked one (core/contrasts.py)."""
    heading = unit.chunk.heading_path[-1] if unit.chunk.heading_path else ""
    return any(conflicts(f"{heading}\n{unit.text}", c) for c in plan.contrasts)


def without_rivals(plan: QueryPlan, selected: list[Unit]) -> list[Unit]:
    """The selection less the units about a rival category, when some unit is not: "ấp kiểu mẫu"
    is not answered by the "xã nâng cao" row beside it. A breakdown under a quoted lead-in
    ("… 5.126,4 tỷ đồng, cụ thể:") is shown whole, rivals included."""
    if not plan.contrasts or any(is_heading_unit(u) or u.text.rstrip().endswith(":") for u in selected):
        return selected
    kept = [u for u in selected if not speaks_of_a_rival(plan, u)]
    return kept or selected
