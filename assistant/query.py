"""Query understanding: a question (with or without diacritics, with abbreviations, maybe a
follow-up) becomes a `QueryPlan` — normalised text, expansions, agency, province, years, intent.

Everything is recognised from data (the agency registry, the province list, the abbreviation
table) and general phrasing cues; the plan is used for filters and boosts, never to pick answers.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from core.agencies import AgencyRegistry
from core.contracts import QueryPlan
from core.header_facts import NUMBER_RE
from core.knowledge import Knowledge
from core.places import Gazetteer, PlaceMention
from core.question_cues import QuestionCues
from core.vntext import canonical_tones, fold, nfc
from core.years import PERIOD_RE, YEAR_RE

INTENTS = ("task", "target", "result", "agency", "metadata", "comparison", "general")

# The years a question asks about start at 1950, as the planner has always read them: an earlier
# four-digit number in a question is taken for a figure or a document number.
_EARLIEST_ASKED_YEAR = 1950


def _asked_years(text: str) -> list[tuple[int, int]]:
    """(position, year) of each year the text names (core.years), from _EARLIEST_ASKED_YEAR on."""
    found = ((m.start(), int(m.group(1))) for m in YEAR_RE.finditer(text))
    return [(pos, year) for pos, year in found if year >= _EARLIEST_ASKED_YEAR]


@cache
def abbreviations() -> dict[str, list[str]]:
    """Short form → full forms, from `data/abbreviations.tsv`."""
    text = resources.files("assistant").joinpath("data/abbreviations.tsv").read_text("utf-8")
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        short, _, full = line.partition("\t")
        out[short.strip()] = [f.strip() for f in full.split("|") if f.strip()]
    return out


def strip_marks(text: str) -> str:
    """Diacritics removed but case kept (to match abbreviations typed with or without marks)."""
    import unicodedata

    text = nfc(text).replace("đ", "d").replace("Đ", "D")
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))


@cache
def synonym_groups() -> list[list[str]]:
    """Groups of interchangeable words, from `data/synonyms.tsv`."""
    text = resources.files("assistant").joinpath("data/synonyms.tsv").read_text("utf-8")
    return [
        [w.strip() for w in line.split("|") if w.strip()]
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    ]


def abbreviation_pairs(text: str) -> list[tuple[str, str]]:
    """(form used, other form) pairs: abbreviations ↔ full forms and synonyms, of which the text
    uses either side."""
    return list(_abbreviation_pairs(text))


@lru_cache(maxsize=1024)  # planning and evidence scoring both ask it of the question
def _abbreviation_pairs(text: str) -> tuple[tuple[str, str], ...]:
    folded = fold(text)
    marked = strip_marks(text)
    pairs = []
    for group in _synonym_forms():
        # a word is looked for as a whole word only where it occurs at all
        used = [w for w, form, rx in group if form in folded and rx.search(folded)]
        for word in used[:1]:
            pairs += [(word, other) for other, _, _ in group if other != word]
    for short, marked_short, rx, fulls in _abbreviation_forms():
        # abbreviations are capitals: "TU" is Tỉnh ủy, the "tư" of "đầu tư" is not
        short_used = marked_short in marked and rx.search(marked)
        for full, folded_full in fulls:
            if short_used or folded_full in folded:
                pairs.append((short, full))
    return tuple(pairs)


@cache
def _synonym_forms() -> list[list[tuple[str, str, re.Pattern[str]]]]:
    """Each synonym group's words with their folded form and whole-word pattern, made once."""
    return [
        [(w, fold(w), re.compile(rf"(?<!\w){re.escape(fold(w))}(?!\w)")) for w in group] for group in synonym_groups()
    ]


@cache
def _abbreviation_forms() -> list[tuple[str, str, re.Pattern[str], list[tuple[str, str]]]]:
    """Each abbreviation with its unmarked form and pattern, and its full forms folded, made once."""
    return [
        (
            short,
            strip_marks(short),
            re.compile(rf"(?<![\w&]){re.escape(strip_marks(short))}(?![\w&])"),
            [(full, fold(full)) for full in fulls],
        )
        for short, fulls in abbreviations().items()
    ]


def expand_abbreviations(text: str) -> list[str]:
    """Expansions both ways: full forms of abbreviations used, and abbreviations of full forms."""
    folded = fold(text)
    seen: dict[str, None] = {}
    for short, full in abbreviation_pairs(text):
        seen.setdefault(full if fold(full) not in folded else short, None)
    return list(seen)


def find_provinces(text: str, places: Gazetteer) -> list[str]:
    """Provinces a question is about, in the order named: by name (with or without diacritics;
    diacritic-exact when it has them, so "đánh giá lại" is not "Gia Lai"), alias or abbreviation
    ("TT-Huế", "BR-VT", "TP.HCM"), or through a district or commune named without its province
    ("xã Quảng Long, huyện Hải Hà" → Quảng Ninh). A place name several provinces share decides
    nothing by itself: the province that explains most of the question's places is taken, and
    none when two explain them equally."""
    return provinces_of(places.mentions(text, lenient_case=True, bare_districts=True))


def provinces_of(mentions: list[PlaceMention]) -> list[str]:
    """The provinces a question's place mentions point at (see `find_provinces`)."""
    found: dict[str, None] = {}
    for m in mentions:
        if m.level == "province":
            found.setdefault(m.provinces[0], None)
    unexplained = [set(m.provinces) for m in mentions if m.level != "province" and not set(m.provinces) & set(found)]
    while unexplained:
        counts: dict[str, int] = {}
        for candidates in unexplained:
            for name in candidates:
                counts[name] = counts.get(name, 0) + 1
        ranked = sorted(counts.values(), reverse=True)
        if len(ranked) > 1 and ranked[0] == ranked[1]:
            break
        best = max(counts, key=counts.get)
        found.setdefault(best, None)
        unexplained = [c for c in unexplained if best not in c]
    return list(found)


# Bodies that usually assign work rather than receive it; asked about only when nothing else is named.
_ASSIGNERS = ("ubnd-tinh", "bcd-tinh")


def _asked_agencies(registry: AgencyRegistry, text: str) -> list[str]:
    """Agencies a question is about, most specific first (a named sở before "UBND tỉnh" or "các xã",
    UBND huyện X before "UBND các huyện"). Document numbers ("05/HD-VPĐP") name their issuer's
    code, not an agency asked about. A district or commune named without "UBND" is a place
    ("những xã nào của huyện Kim Sơn …") unless the question opens with it as the subject of a
    duty ("Huyện Đầm Hà được giao làm gì?")."""
    text = re.sub(NUMBER_RE, " ", text)
    opening = len(text) - len(text.lstrip(" \t\"'“(-"))
    ids = list(
        dict.fromkeys(
            m.agency_id
            for m in registry.find(text, question=True)
            if not _bare_place(registry, m.agency_id, m.surface)
            or m.start <= opening
            and _SUBJECT_DUTY.match(fold(text[m.end :]))
        )
    )
    rank = lambda a: (a in _ASSIGNERS, registry.get(a).collective)  # noqa: E731
    specific = [a for a in ids if a not in _ASSIGNERS]
    return sorted(specific or ids, key=rank)


# A question whose subject is a bare district or commune asks for its duties: "Huyện X được giao / phải …".
_SUBJECT_DUTY = re.compile(
    r"\s*(duoc giao|phai|can|co trach nhiem|chiu trach nhiem|chu tri|co nhiem vu|duoc yeu cau|lam gi)\b"
)


def _bare_place(registry: AgencyRegistry, agency_id: str, surface: str) -> bool:
    return registry.get(agency_id).unit and not re.search(r"\b(ubnd|uy ban nhan dan)\b", fold(surface))


def detect_intent(folded: str, has_agency: bool, cues: QuestionCues) -> str:
    ordered = list(cues.intents)
    if has_agency:  # "Sở X phải tham mưu gì về giao chỉ tiêu" asks for tasks, not targets
        ordered.sort(key=lambda c: c[0] not in ("comparison", "metadata", "agency", "task"))
    for intent, pattern in ordered:
        if pattern.search(folded):
            if intent == "agency" and not cues.agency_intent_needs.search(folded):
                continue
            return intent
    return "task" if has_agency else "general"


def plan_question(question: str, knowledge: Knowledge, history: list[str] | None = None) -> QueryPlan:
    """Build the plan for a question; `history` holds the earlier user questions, oldest first."""
    registry, cues = knowledge.registry, knowledge.cues
    normalized = canonical_tones(question).strip()
    folded = fold(normalized)
    plan = QueryPlan(question=question, normalized=normalized, folded=folded)
    plan.agencies = _asked_agencies(registry, normalized)
    mentions = knowledge.places.mentions(normalized, lenient_case=True, bare_districts=True)
    plan.provinces = provinces_of(mentions)
    plan.periods = [(int(a), int(b)) for a, b in PERIOD_RE.findall(normalized)]
    in_periods = {y for p in plan.periods for y in p}
    plan.years = sorted({year for _, year in _asked_years(normalized)} - in_periods)
    plan.intent = detect_intent(folded, bool(plan.agencies), cues)
    plan.retrieval_text = normalized
    plan.parts = split_parts(normalized, cues)
    classify(plan, cues, mentions)
    if history:
        _inherit(plan, plan_question(history[-1], knowledge, history[:-1]), cues, registry)
    plan.cross_parts = cross_document_parts(plan, cues)
    plan.expansions = expand_abbreviations(plan.retrieval_text)
    return plan


def _places_masked(text: str, mentions: list[PlaceMention]) -> str:
    """The folded text with its place names blanked (same length): a syllable of a name is no
    cue ("Tiền Giang" is not "tiền", "Long Biên" not "biên")."""
    return fold(_blank_places(text, mentions))


def _blank_places(text: str, mentions: list[PlaceMention]) -> str:
    for m in mentions:
        text = text[: m.start] + " " * (m.end - m.start) + text[m.end :]
    return text


def classify(plan: QueryPlan, cues: QuestionCues, mentions: list[PlaceMention]) -> None:
    """Record in the plan what the question asks for (kinds of fact, figure unit, list, definition);
    `mentions` are the question's place names (read once, in plan_question)."""
    folded = plan.folded
    plan.asked_kinds = cues.asked_kinds(folded)
    plan.unit_pattern = cues.unit_pattern(_places_masked(plan.normalized, mentions))
    plan.contrasts = cues.contrasts.asked_in(_blank_places(plan.normalized, mentions))
    plan.asks_quantity = bool(cues.quantity.search(folded))
    plan.asks_signer = bool(cues.signer.search(folded))
    plan.asks_list = bool(cues.list_question.search(folded)) and not plan.asks_quantity
    plan.asks_sequence = plan.asks_list and bool(cues.sequence_question.search(folded))
    plan.asks_definition = bool(cues.definition_question.search(folded)) and not plan.agencies and not plan.asks_list


def cross_document_parts(plan: QueryPlan, cues: QuestionCues) -> list[dict[str, Any]]:
    """A question naming several provinces is answered province by province: each province with
    the years written next to it ("Điện Biên (năm 2013) và Cao Bằng (năm 2014)"), and its own
    clause when each clause asks its own question ("Hải Phòng … bao nhiêu xã, còn Hưng Yên …
    bao nhiêu xã"). One place → []."""
    if len(plan.provinces) < 2:
        return []
    cue, joiner = cues.part_question_word, cues.cross_document_joiners
    folded = plan.folded
    spots = []
    for province in plan.provinces:
        at = folded.find(fold(province))
        spots.append((at if at >= 0 else len(folded), province))
    spots.sort()
    years = _asked_years(folded)
    in_periods = {y for p in plan.periods for y in p}
    bounds = [(at, spots[i + 1][0] if i + 1 < len(spots) else len(folded)) for i, (at, _) in enumerate(spots)]
    # each clause its own question: the clause (with the words before the first place) is the part
    own_clauses = len(plan.normalized) == len(folded) and all(cue.search(folded[a:b]) for a, b in bounds[:-1])
    prefix = plan.normalized[: spots[0][0]]
    parts = []
    owner = {pos: _year_owner(folded, pos, spots) for pos, y in years}
    for (_, province), (a, b) in zip(spots, bounds, strict=False):
        own = [y for pos, y in years if owner[pos] == province and y not in in_periods]
        text = f"{prefix}{plan.normalized[a:b]}" if own_clauses else _part_text(plan, province)
        words = text.strip(" ,;").split()
        while words and joiner.fullmatch(fold(words[-1]).strip(",;")):  # "…, còn" / "… và"
            words.pop()
        parts.append({"province": province, "years": sorted(set(own)), "text": " ".join(words).strip(" ,;")})
    if not any(p["years"] for p in parts):
        for p in parts:
            p["years"] = list(plan.years)
    return parts


def _year_owner(folded: str, pos: int, spots: list[tuple[int, str]]) -> str:
    """The place a year belongs to: the one it is said "of" ("năm 2024 của Kon Tum", "… ở/tại P"),
    else the one it follows ("Điện Biên (năm 2013)", "Quảng Ninh năm 2020 với …"), else the next."""
    after = [(at, p) for at, p in spots if at > pos]
    if after and re.fullmatch(r"\W*(cua|o|tai)\W*", folded[pos + 4 : after[0][0]]):
        return after[0][1]
    before = [(at, p) for at, p in spots if at <= pos]
    return before[-1][1] if before else after[0][1]


def _part_text(plan: QueryPlan, province: str) -> str:
    """The question with the other provinces' names taken out (their years stay harmless)."""
    text = plan.retrieval_text
    for other in plan.provinces:
        if other != province:
            text = re.sub(re.escape(other), " ", text, flags=re.IGNORECASE)
            text = re.sub(rf"(?<!\w){re.escape(fold(other))}(?!\w)", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def asks_tasks(plan: QueryPlan, cues: QuestionCues) -> bool:
    """A task question, or a multi-part question one of whose parts asks what must be done."""
    return plan.intent == "task" or any(detect_intent(fold(p), True, cues) == "task" for p in plan.parts)


def split_parts(question: str, cues: QuestionCues) -> list[str]:
    """Sub-questions of "… bao nhiêu X và … bao nhiêu Y?", "Ai chủ trì … và diễn ra khi nào?",
    "… bao nhiêu %, hạn chót khi nào?": coordinated clauses ("và", ";", "?", a comma) each with
    its own question word. A piece without one stays with the one before it, joined as written
    (a comma before a space only: "5,6" is a number). One part → []."""
    pieces = re.split(r"(\s*(?:,\s*)?\bvà\b\s*|\s*;\s*|\?\s*|\s*,\s+)", question)
    cue = cues.part_question_word
    parts: list[str] = []
    separator = ""
    for i, piece in enumerate(pieces):
        if i % 2:
            separator = piece
            continue
        if not piece.strip():
            continue
        if parts and (not cue.search(fold(piece)) or not cue.search(fold(parts[-1]))):
            parts[-1] = f"{parts[-1]}{separator}{piece}"
        else:
            parts.append(piece.strip())
    return [p.strip(" ,;?") for p in parts] if len(parts) > 1 else []


def part_question_plan(plan: QueryPlan, part: str, knowledge: Knowledge) -> QueryPlan:
    """The plan of one sub-question of a multi-part question, read like an elliptical follow-up:
    its own words and question word, the whole question's place, period and agency where the
    part names none ("… bao nhiêu xã đạt chuẩn nâng cao và bao nhiêu xã kiểu mẫu?")."""
    sub = plan_question(part, knowledge)
    sub.question = plan.question
    sub.provinces = sub.provinces or list(plan.provinces)
    if not sub.years and not sub.periods:
        sub.years, sub.periods = list(plan.years), list(plan.periods)
    sub.agencies = sub.agencies or list(plan.agencies)
    if sub.intent == "general":
        sub.intent = plan.intent
    sub.parts, sub.cross_parts = [], []
    return sub


def _inherit(plan: QueryPlan, previous: QueryPlan, cues: QuestionCues, registry: AgencyRegistry) -> None:
    """Fill what an elliptical follow-up ("còn Sở Tài chính thì sao?", "năm 2019 thì sao?") leaves
    out from the previous turn: its province, years, agency, intent and topic words."""
    short = len(plan.folded.split()) <= 8
    if not (
        cues.follow_up.search(plan.folded) or (short and not plan.provinces and not plan.agencies and not plan.years)
    ):
        return
    plan.follow_up = True
    if not plan.provinces:
        plan.provinces = list(previous.provinces)
    if not plan.years and not plan.periods:
        plan.years = list(previous.years)
        plan.periods = list(previous.periods)
    if not plan.agencies:
        plan.agencies = list(previous.agencies)
    if plan.intent == "general":
        plan.intent = previous.intent
    if not (plan.asked_kinds or plan.asks_list or plan.asks_quantity):  # "còn X thì sao?" asks the same
        for name in ("asked_kinds", "unit_pattern", "asks_quantity", "asks_signer", "asks_list", "asks_sequence"):
            setattr(plan, name, getattr(previous, name))
    topic = previous.retrieval_text
    for agency_id in previous.agencies:
        if agency_id not in plan.agencies:
            for mention in registry.find(topic, question=True):
                if mention.agency_id == agency_id:
                    topic = topic.replace(mention.surface, " ")
    for year in previous.years:
        if plan.years and year not in plan.years:
            topic = re.sub(rf"(?<!\d){year}(?!\d)", " ", topic)
    plan.retrieval_text = f"{plan.normalized} {topic}".strip()
