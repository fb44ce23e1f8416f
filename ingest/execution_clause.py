"""The execution clause of a decision: "Chánh Văn phòng UBND tỉnh; Giám đốc các Sở: Tài chính,
Xây dựng, …; Chủ tịch UBND các huyện … chịu trách nhiệm thi hành Quyết định này."

Every addressee listed before the execution verb must carry the decision out: one row each. The
heads of the agencies (Chánh Văn phòng, Giám đốc, Chủ tịch, Thủ trưởng) stand for their agency;
the registry reads "Giám đốc các Sở: Tài chính, Xây dựng" as one mention per Sở.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.agencies import AgencyMention, AgencyRegistry
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
    cue = cues.execution.search(sentence)
    if not cue:
        return None
    subjects = sentence[: cue.start()]
    predicate = sentence[cue.start() :].strip().rstrip("./ ")
    # "chịu trách nhiệm thi hành Quyết định này" is its own task; "căn cứ Quyết định thi hành"
    # says the same in other words
    task = predicate[:1].upper() + predicate[1:] if re.search(r"(?i)thi hành\s+\w+\s+\w+\s+này", predicate) else cues.execution_task
    rows: list[ExecutionRow] = []
    seen: set[str] = set()
    for mention in find_agencies(subjects, registry, cues):
        if mention.agency_id in seen or is_central(mention.agency_id, registry, cues):
            continue
        seen.add(mention.agency_id)
        rows.append(ExecutionRow(mention, cues.execution_role, task))
    return rows
