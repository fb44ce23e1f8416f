"""The execution clause of a decision: "Chánh Văn phòng UBND tỉnh; Giám đốc các Sở: Tài chính,
Xây dựng, …; Chủ tịch UBND các huyện … chịu trách nhiệm thi hành Quyết định này."

Every addressee listed before the execution verb must carry the decision out: one row each. The
heads of the agencies (Chánh Văn phòng, Giám đốc, Chủ tịch, Thủ trưởng) stand for their agency;
the registry reads "Giám đốc các Sở: Tài chính, Xây dựng" as one mention per Sở.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.agencies import AgencyMention, AgencyRegistry
from ingest.directive_cues import DirectiveCues
from ingest.directives import find_agencies, is_central


@dataclass(frozen=True)
class ExecutionRow:
    mention: AgencyMention
    role: str
    task: str


def execution_rows(sentence: str, registry: AgencyRegistry, cues: DirectiveCues) -> list[ExecutionRow] | None:
    """The rows of an execution clause, or None when the sentence is not one. A clause whose
    addressees the registry cannot name still counts as one (it assigns nothing readable)."""
    cue = (
        cues.execution_clause.search(sentence)
        or cues.execution_basis.search(sentence)
        or cues.execution.search(sentence)
    )
    if not cue:
        return None
    subjects = sentence[: cue.start()]
    named = find_agencies(subjects, registry, cues)
    # "Sở X chủ trì, tổ chức thực hiện Kế hoạch này" is a task of its own; an execution clause
    # lists addressees only (a verb inside a name, "Sở Giao thông vận tải", is no verb)
    for verb in (cues.chair, cues.partner, cues.trigger):
        if any(not any(x.start <= m.start() < x.end for x in named) for m in verb.finditer(subjects)):
            return None
    leftover = subjects
    for x in reversed(named):
        leftover = leftover[: x.start] + " ; " + leftover[x.end :]
    if re.search(r"(?i)\bviệc\s*$", subjects) or any(
        cues.action.match(part.strip()) for part in re.split(r"[,;:]", leftover)
    ):
        return None  # "VPĐP theo dõi, đôn đốc việc thực hiện văn bản này": a task about the text
    obj = cue.groupdict().get("obj") or ""
    if cues.execution_basis.match(cue.group(0)) or not obj:
        # "căn cứ Quyết định thi hành" says the same as "thi hành Quyết định này"
        task = f"Thi hành {obj[:1].upper() + obj[1:]} này" if obj else cues.execution_task
    else:
        task = cue.group(0)[:1].upper() + cue.group(0)[1:]
    rows: list[ExecutionRow] = []
    seen: set[str] = set()
    for mention in named:
        if mention.agency_id in seen or is_central(mention.agency_id, registry, cues):
            continue
        seen.add(mention.agency_id)
        rows.append(ExecutionRow(mention, cues.execution_role, task))
    return rows
