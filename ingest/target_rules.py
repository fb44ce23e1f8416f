"""Rules of the targets tracker, read once from `data/indicators.json`: the indicators, the cue
words that tell a planned figure (mục tiêu) from an achieved one (kết quả), and what is not a
target (administrative unit counts, attendance).

The kind of a figure is decided the way a reader decides it, nearest evidence first:
1. the nearest cue before the figure inside its clause ("(kế hoạch 16 xã)", "phấn đấu … 100%");
2. a figure measured against a plan is an achievement rate ("đạt 34,6% kế hoạch");
3. a cue framing the sentence before its first figure ("Kết quả đến hết năm 2017: …");
4. the time the clause speaks of against the document's own date ("đến năm 2030" in 2025);
5. the first cue word of the nearest heading that has one — Vietnamese headings are head-initial,
   so "Kết quả thực hiện kế hoạch năm 2016" is a results heading;
6. the kind of document (a plan plans, a report reports).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from core.cue_tables import CueTable
from core.years import YEAR

PLANNED, ACHIEVED = "mục tiêu", "kết quả"
_CLAUSE_STOP = re.compile(r"[,;:()\[\]]")
# A year, alone or ending a written date ("2019", "10/7/2019"), not inside a figure or a cited number.
_YEAR = re.compile(rf"(?<![\d/.,])(?:\d{{1,2}}/){{0,2}}({YEAR})(?![\d/])")


@dataclass(frozen=True)
class TargetRules:
    indicators: tuple[dict[str, str], ...]
    cues: tuple[tuple[str, re.Pattern[str]], ...]  # (kind, pattern) on lower-case text
    heading_cues: tuple[tuple[str, re.Pattern[str]], ...]
    ratio_after: re.Pattern[str]
    doc_kind_default: dict[str, str]
    unit_nouns: re.Pattern[str]
    unit_status: re.Pattern[str]
    unit_bare_after: re.Pattern[str]
    negated: re.Pattern[str]
    intent_after_unit: re.Pattern[str]
    state_after_unit: re.Pattern[str]
    unit_not_before: re.Pattern[str]
    attendance: re.Pattern[str]
    criteria_set_before: re.Pattern[str]
    predicate_words: frozenset[str]
    aggregate_row: re.Pattern[str]
    place_cell: re.Pattern[str]
    place_column: re.Pattern[str]
    skip_column: re.Pattern[str]
    admin_count_column: re.Pattern[str]


def _words(patterns: list[str]) -> str:
    return "|".join(f"(?:{p})" for p in patterns)


@cache
def load_target_rules() -> TargetRules:
    """The packaged rules (read once, on first use)."""
    return parse_rules(CueTable.packaged("ingest", "indicators.json"))


def parse_rules(table: CueTable) -> TargetRules:
    """The rules compiled; patterns in the data are regular expressions, word lists alternations."""

    def cue_table(key: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
        return tuple(
            (kind, table.compile(key, rf"(?<!\w)(?:{_words(table.string_list(f'{key}.{kind}', words))})(?!\w)"))
            for kind, words in table.mapping(key).items()
        )

    t, rx = table.text, table.regex
    return TargetRules(
        indicators=tuple(table.items("indicators")),
        cues=cue_table("kind_cues"),
        heading_cues=cue_table("heading_cues"),
        ratio_after=rx("ratio_after"),
        doc_kind_default=table.mapping("doc_kind_default"),
        unit_nouns=table.compile("unit_nouns", rf"\s*(?:{t('unit_nouns')})(?!\w)"),
        unit_status=table.compile("unit_status", rf"(?<!\w)(?:{t('unit_status')})(?!\w)"),
        unit_bare_after=rx("unit_bare_after"),
        negated=rx("negated"),
        intent_after_unit=rx("intent_after_unit"),
        state_after_unit=rx("state_after_unit"),
        unit_not_before=table.compile("unit_not_before", rf"(?<!\w)(?:{_words(table.words('unit_not_before'))})\s*$"),
        attendance=table.compile("attendance", rf"(?<!\w)(?:{t('attendance')})(?!\w)"),
        criteria_set_before=table.compile(
            "criteria_set_before", rf"(?<!\w)(?:{_words(table.words('criteria_set_before'))})\s*$"
        ),
        predicate_words=frozenset(table.words("predicate_words")),
        aggregate_row=rx("aggregate_rows"),
        place_cell=rx("place_cell"),
        place_column=rx("place_column"),
        skip_column=rx("skip_column"),
        admin_count_column=rx("admin_count_column"),
    )


def _cue_matches(text: str, table: tuple[tuple[str, re.Pattern[str]], ...]) -> list[tuple[str, int, int]]:
    """(kind, start, end) of every cue in `text`, except inside a capitalised name: "cần" is no cue
    in "Cần Thơ", nor "kế hoạch" in "Sở Kế hoạch và Đầu tư" (text in capitals is read as words)."""
    low = text.lower()
    shouting = text.isupper()
    out = []
    for kind, pattern in table:
        for m in pattern.finditer(low):
            if shouting or not _in_name(text, m.start(), m.end()):
                out.append((kind, m.start(), m.end()))
    return out


def _in_name(text: str, start: int, end: int) -> bool:
    """A Title-Case word inside a run of Title-Case words ("Sở Kế hoạch", "thành phố Cần Thơ");
    not a word in capitals ("MỤC TIÊU") nor the capital that opens a sentence ("Giao Sở …")."""
    word = text[start:end]
    if not word[:1].isupper() or word.isupper():
        return False
    prev = re.search(r"(\S+)\s+$", text[:start])
    if prev is None or prev.group(1).endswith((".", ":", ";", ")", "-", "+", "•")):
        return False
    nxt = re.match(r"\s+(\S+)", text[end:])
    return prev.group(1)[:1].isupper() or bool(nxt and nxt.group(1)[:1].isupper())


def last_cue(text: str, rules: TargetRules) -> str:
    """Kind of the cue nearest the end of `text`, or ''."""
    found = _cue_matches(text, rules.cues)
    return max(found, key=lambda f: f[2])[0] if found else ""


def heading_kind(heading: str, rules: TargetRules) -> str:
    """Kind named by the first cue word of a heading, or ''."""
    found = _cue_matches(heading, rules.heading_cues)
    return min(found, key=lambda f: f[1])[0] if found else ""


def time_kind(text: str, doc_year: int | None) -> str:
    """Planned when every year the text speaks of lies after the document's year, achieved when
    every one lies before it, else ''."""
    if not doc_year:
        return ""
    years = [int(y) for y in _YEAR.findall(text)]
    if not years:
        return ""
    if all(y > doc_year for y in years):
        return PLANNED
    if all(y < doc_year for y in years):
        return ACHIEVED
    return ""


def clause_start(sentence: str, pos: int) -> int:
    """Start of the clause holding position `pos` (after the last , ; : or bracket before it)."""
    starts = [m.end() for m in _CLAUSE_STOP.finditer(sentence, 0, pos)]
    return starts[-1] if starts else 0


@dataclass(frozen=True)
class KindContext:
    """What the kind of a figure is decided from, besides its sentence."""

    headings: tuple[str, ...]  # outermost first
    doc_kind: str
    doc_year: int | None
    lead: str = ""  # the line ending in ':' that the sentence is an item of


def kind_of(
    sentence: str, start: int, end: int, first_figure: int, unit: str, ctx: KindContext, rules: TargetRules
) -> str:
    """mục tiêu | kết quả for the figure at sentence[start:end] (see the module docstring)."""
    local = sentence[clause_start(sentence, start) : start]
    kind = last_cue(local, rules)
    if kind:
        return kind
    rest = sentence[end : end + 60].lower()
    relative = _until_clause_end(rest.lstrip()[len(unit) :]) if unit else ""
    if unit and rules.state_after_unit.match(relative):
        return ACHIEVED  # "15 xã chưa đạt chuẩn", "4/8 xã … đã hoàn thành": the units' present state
    if unit and rules.intent_after_unit.match(relative) and last_cue(relative, rules) != ACHIEVED:
        return PLANNED  # "12 xã đăng ký đạt chuẩn": units that intend to reach it
    segment = _segment_start(sentence, start)
    if segment > first_figure:  # a later "; …" part frames its own figures first
        kind = last_cue(sentence[segment:start], rules)
        if kind:
            return kind
    kind = last_cue(sentence[:first_figure], rules) or last_cue(ctx.lead, rules)
    if kind:
        return kind
    if rules.ratio_after.match(rest):
        return ACHIEVED
    after = sentence[end : end + 40]
    after = after if not re.match(r"\s*(?:so với|gấp|bằng)", after) else ""
    kind = time_kind(local + " " + _until_clause_end(after), ctx.doc_year) or time_kind(
        sentence[:first_figure], ctx.doc_year
    )
    if kind:
        return kind
    return context_kind(ctx, rules)


def _segment_start(sentence: str, pos: int) -> int:
    """Start of the "; "-separated part holding `pos`, counting only semicolons outside brackets."""
    depth, start = 0, 0
    for i, ch in enumerate(sentence[:pos]):
        depth += ch == "("
        depth -= ch == ")" and depth > 0
        if ch == ";" and depth == 0:
            start = i + 1
    return start


def context_kind(ctx: KindContext, rules: TargetRules) -> str:
    """Kind from the nearest heading with a cue, else from the document kind."""
    for heading in reversed(ctx.headings):
        kind = heading_kind(heading, rules)
        if kind:
            return kind
    return rules.doc_kind_default.get(ctx.doc_kind, ACHIEVED)


def _until_clause_end(text: str) -> str:
    m = _CLAUSE_STOP.search(text)
    return text[: m.start()] if m else text
