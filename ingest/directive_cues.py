"""The cue words of the directive grammar (data/directive_cues.json), compiled once.

Each field is a word class of the grammar — the verbs that hand a task to someone ("giao", "đề
nghị"), the modal words that make "X <verb> …" an obligation, the verbs that give a row its role,
the words that mark narration of what was already done, the headers of task tables — so the
extraction code holds the structure and the data file holds the vocabulary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from core.cue_tables import CueTable


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


def _words(words: list[str]) -> re.Pattern[str]:
    """Any of `words` as whole words, case-insensitive."""
    return re.compile(rf"(?<!\w)(?:{_alternation(words)})(?!\w)", re.IGNORECASE)


def _opening(words: list[str]) -> re.Pattern[str]:
    """Text that opens (after punctuation) with one of `words`."""
    return re.compile(rf"^\W*(?:{_alternation(words)})(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class DirectiveCues:
    trigger: re.Pattern[str]
    trigger_not_after: re.Pattern[str]
    modal: re.Pattern[str]
    aspect_modal: re.Pattern[str]
    stative: re.Pattern[str]
    goal_opener: re.Pattern[str]
    proviso: re.Pattern[str]
    report_prefix: re.Pattern[str]
    report_periodic: re.Pattern[str]
    report_send: re.Pattern[str]
    action: re.Pattern[str]
    narration: re.Pattern[str]
    assigned_passive: re.Pattern[str]
    chair: re.Pattern[str]
    advise: re.Pattern[str]
    advise_not_after: re.Pattern[str]
    report: re.Pattern[str]
    report_not_after: re.Pattern[str]
    cooperate: re.Pattern[str]
    partner: re.Pattern[str]
    partner_stop: re.Pattern[str]
    lead_in_end: re.Pattern[str]
    lead_in_modal: re.Pattern[str]
    clause_modal: re.Pattern[str]
    scope_opener: re.Pattern[str]
    agent: re.Pattern[str]
    preposition_before: re.Pattern[str]
    level_names: dict[str, str]
    level_preposition: re.Pattern[str]
    component_list: re.Pattern[str]
    component_inline: re.Pattern[str]
    narrative_intro: re.Pattern[str]
    meeting: re.Pattern[str]
    narrative_kinds: frozenset[str]
    report_kinds: frozenset[str]
    official: re.Pattern[str]
    distributive: re.Pattern[str]
    person_title: re.Pattern[str]
    central_levels: frozenset[str]
    execution: re.Pattern[str]
    execution_clause: re.Pattern[str]
    execution_basis: re.Pattern[str]
    execution_role: str
    execution_task: str
    closing: re.Pattern[str]
    distribution: re.Pattern[str]
    appendix: re.Pattern[str]
    table_chair: re.Pattern[str]
    table_partner: re.Pattern[str]
    table_deadline: re.Pattern[str]
    table_task: re.Pattern[str]
    table_doer: re.Pattern[str]
    table_doer_bare: re.Pattern[str]
    table_index: re.Pattern[str]
    target_section: re.Pattern[str]
    task_section: re.Pattern[str]


def parse_cues(table: CueTable) -> DirectiveCues:
    """The grammar's word classes compiled (every word escaped: the data holds words, not patterns)."""
    g = table.words
    return DirectiveCues(
        trigger=re.compile(rf"(?<!\w)({_alternation(g('triggers'))})(?!\w)\s*(cho\s+)?", re.IGNORECASE),
        trigger_not_after=re.compile(rf"(?:{_alternation(g('trigger_not_after'))})\s*$", re.IGNORECASE),
        modal=_opening(g("modals")),
        aspect_modal=_opening(g("aspect_modals")),
        stative=_opening(g("stative_predicates")),
        goal_opener=_opening(g("goal_openers")),
        report_periodic=_opening(g("report_periodic")),
        report_send=re.compile(rf"(?<!\w)(?:{_alternation(g('report_send'))})\s*$", re.IGNORECASE),
        proviso=_words(g("general_provisos")),
        report_prefix=re.compile(
            rf"(?:,|(?<!\w)(?:{_alternation(g('report_prefix_words'))})(?:\s+\w+)?)\s*$", re.IGNORECASE
        ),
        action=_opening(g("actions")),
        narration=_opening(g("narration")),
        assigned_passive=re.compile(
            rf"^\W*(?:{_alternation(g('assigned_passive'))})(?!\w)(?:\s+nhiệm vụ)?\s*:?\s*", re.IGNORECASE
        ),
        chair=_words(g("chair")),
        advise=_words(g("advise")),
        advise_not_after=re.compile(rf"(?:{_alternation(g('advise_not_after'))})\s*$", re.IGNORECASE),
        report=_words(g("report")),
        report_not_after=re.compile(rf"(?:{_alternation(g('report_not_after'))})\s*$", re.IGNORECASE),
        cooperate=re.compile(rf"^\W*(?:{_alternation(g('cooperate'))})(?!\s+(?:với|cùng)\b)(?!\w)", re.IGNORECASE),
        partner=_words(g("partner_markers")),
        partner_stop=_words(g("partner_stops")),
        lead_in_end=re.compile(rf"(?:{_alternation(g('lead_in_endings'))})\s*:\s*$", re.IGNORECASE),
        lead_in_modal=_words(g("lead_in_modals")),
        clause_modal=_words(g("clause_modals")),
        scope_opener=_opening(g("scope_openers")),
        agent=_words(g("agent_markers")),
        preposition_before=re.compile(rf"(?<!\w)(?:{_alternation(g('prepositions'))})\s*$", re.IGNORECASE),
        level_names={k: str(v) for k, v in table.mapping("level_names", str.lower).items()},
        level_preposition=_opening(g("level_prepositions")),
        component_inline=re.compile(
            rf"^[^:]{{0,100}}(?<!\w)(?:{_alternation(g('component_lists'))})\s*:", re.IGNORECASE
        ),
        narrative_intro=_opening(g("narrative_intros")),
        component_list=re.compile(rf"(?<!\w)(?:{_alternation(g('component_lists'))})\s*:\s*$", re.IGNORECASE),
        meeting=re.compile(
            rf"^\W*(?:{_alternation(g('chair'))})\s+(?:{_alternation(g('meeting_nouns'))})(?!\w)", re.IGNORECASE
        ),
        narrative_kinds=frozenset(g("narrative_kinds")),
        report_kinds=frozenset(g("report_kinds")),
        official=_opening(g("official_markers")),
        distributive=_words(g("distributive")),
        person_title=re.compile(rf"^\s*(?:{_alternation(g('person_titles'))})\s*$", re.IGNORECASE),
        central_levels=frozenset(g("central_levels")),
        execution=_words(g("execution_cues")),
        # "(chịu trách nhiệm) thi hành / tổ chức thực hiện (nghiêm) Quyết định / Chỉ thị … này"
        execution_clause=re.compile(
            rf"(?<!\w)(?:(?:{_alternation(g('execution_responsibility'))})\s+)?(?P<verb>{_alternation(g('execution_verbs'))})"
            rf"\s+(?:nghiêm\s+(?:túc\s+)?)?(?P<obj>{_alternation(g('execution_objects'))})\s+này(?!\w)",
            re.IGNORECASE,
        ),
        # "căn cứ Quyết định (này) thi hành"
        execution_basis=re.compile(
            rf"(?<!\w)căn cứ\s+(?P<obj>{_alternation(g('execution_objects'))})(?:\s+này)?\s+(?:để\s+)?"
            rf"(?P<verb>{_alternation(g('execution_verbs'))})(?!\w)",
            re.IGNORECASE,
        ),
        execution_role=table.text("execution_role"),
        execution_task=table.text("execution_task"),
        closing=_words(g("closing_formulas")),
        distribution=_opening(g("distribution_heads")),
        appendix=_opening(g("appendix_heads")),
        table_chair=_words(g("table_chair_headers")),
        table_partner=_words(g("table_partner_headers")),
        table_deadline=_words(g("table_deadline_headers")),
        table_task=_words(g("table_task_headers")),
        table_doer=_words(g("table_doer_headers")),
        table_doer_bare=re.compile(rf"^\s*(?:{_alternation(g('table_doer_bare_headers'))})\s*$", re.IGNORECASE),
        table_index=re.compile(rf"^\s*(?:{_alternation(g('table_index_headers'))})\s*$", re.IGNORECASE),
        target_section=_words(g("target_sections")),
        task_section=_words(g("task_sections")),
    )


@cache
def load_directive_cues() -> DirectiveCues:
    """The packaged cue table (read once, on first use)."""
    return parse_cues(CueTable.packaged("ingest", "directive_cues.json"))
