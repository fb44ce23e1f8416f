"""Query understanding: a question (with or without diacritics, with abbreviations, maybe a
follow-up) becomes a `QueryPlan` — normalised text, expansions, agency, province, years, intent.

Everything is recognised from data (the agency registry, the province list, the abbreviation
table) and general phrasing cues; the plan is used for filters and boosts, never to pick answers.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from ingest.agencies import AgencyRegistry, load_registry
from core.places import Gazetteer, load_gazetteer
from ingest.metadata import NUMBER_RE
from ingest.vntext import canonical_tones, fold, nfc

INTENTS = ("task", "target", "result", "agency", "metadata", "comparison", "general")

# Phrasing cues on folded text, checked in this order (first match wins).
_INTENT_CUES: list[tuple[str, str]] = [
    ("comparison", r"\b(so sanh|khac nhau|giong nhau|khac gi)\b"),
    ("metadata", r"\b(ngay nao|khi nao|luc nao|thoi gian nao|so may|so hieu|so bao nhieu|ky hieu|ai chu tri|do ai chu tri|chu tri va|dien ra (khi nao|ngay)|ban hanh ngay|to chuc (vao )?ngay|van kien nao|van ban nao|quyet dinh so|nghi quyet nao)\b"),
    ("agency", r"\b(co quan nao|don vi nao|so nao|nganh nao|ai (giu|phu trach|dam nhiem|la|phai)|ai$|chuc .* do|la don vi|la co quan)\b"),
    ("task", r"\b(phai \w+ gi|tham muu gi|van ban gi|lam gi|nhiem vu|duoc giao|giao (cho|nhiem)|phai (lam|thuc hien|chuan bi|xu ly|lo)|yeu cau .* (gi|nao|the nao)|de nghi .* (gi|nao)|can lam|trach nhiem|chi dao .* (gi|nao)|xu ly ra sao|ra sao|the nao|nhu the nao|phuong cham|viec gi|nhung viec|tham gia vao)\b"),
    ("target", r"\b(muc tieu|chi tieu|phan dau|ky vong|ke hoach .* bao nhieu|dat ra|hen|dich|can dich|ve dich)\b"),
    ("result", r"\b(bao nhieu|dat duoc|da (co|dat|huy dong|giam|tang)|hien co|den nay|ket qua|tinh den|con bao nhieu|giam .* (the nao|bao nhieu))\b"),
]
_FOLLOW_UP = re.compile(r"^(con|the con|vay con|va|con ve)\b|\b(thi sao|the nao a|thi the nao|thi ra sao)\s*\??$")
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")
PERIOD = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*[-–]\s*((?:19|20)\d\d)(?!\d)")


@dataclass
class QueryPlan:
    question: str
    normalized: str
    folded: str
    expansions: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    provinces: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    periods: list[tuple[int, int]] = field(default_factory=list)
    intent: str = "general"
    follow_up: bool = False
    retrieval_text: str = ""
    parts: list[str] = field(default_factory=list)  # sub-questions of a multi-part question

    @property
    def agency(self) -> str:
        return self.agencies[0] if self.agencies else ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def lexical_query(self) -> str:
        return " ".join([self.retrieval_text, *self.expansions])

    def dense_query(self) -> str:
        return self.retrieval_text


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
    return [[w.strip() for w in line.split("|") if w.strip()] for line in text.splitlines() if line.strip() and not line.startswith("#")]


def abbreviation_pairs(text: str) -> list[tuple[str, str]]:
    """(form used, other form) pairs: abbreviations ↔ full forms and synonyms, of which the text
    uses either side."""
    folded = fold(text)
    marked = strip_marks(text)
    pairs = []
    for group in synonym_groups():
        used = [w for w in group if re.search(rf"(?<!\w){re.escape(fold(w))}(?!\w)", folded)]
        for word in used[:1]:
            pairs += [(word, other) for other in group if other != word]
    for short, fulls in abbreviations().items():
        # abbreviations are capitals: "TU" is Tỉnh ủy, the "tư" of "đầu tư" is not
        short_used = re.search(rf"(?<![\w&]){re.escape(strip_marks(short))}(?![\w&])", marked)
        for full in fulls:
            if short_used or fold(full) in folded:
                pairs.append((short, full))
    return pairs


def expand_abbreviations(text: str) -> list[str]:
    """Expansions both ways: full forms of abbreviations used, and abbreviations of full forms."""
    folded = fold(text)
    seen: dict[str, None] = {}
    for short, full in abbreviation_pairs(text):
        seen.setdefault(full if fold(full) not in folded else short, None)
    return list(seen)


def find_provinces(text: str, places: Gazetteer | None = None) -> list[str]:
    """Provinces a question is about, in the order named: by name (with or without diacritics;
    diacritic-exact when it has them, so "đánh giá lại" is not "Gia Lai"), alias or abbreviation
    ("TT-Huế", "BR-VT", "TP.HCM"), or through a district or commune named without its province
    ("xã Quảng Long, huyện Hải Hà" → Quảng Ninh). A place name several provinces share decides
    nothing by itself: the province that explains most of the question's places is taken, and
    none when two explain them equally."""
    places = places or load_gazetteer()
    mentions = places.mentions(text, lenient_case=True, bare_districts=True)
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
    ids = list(dict.fromkeys(
        m.agency_id
        for m in registry.find(text, question=True)
        if not _bare_place(registry, m.agency_id, m.surface) or m.start <= opening and _SUBJECT_DUTY.match(fold(text[m.end :]))
    ))
    rank = lambda a: (a in _ASSIGNERS, registry.get(a).collective)  # noqa: E731
    specific = [a for a in ids if a not in _ASSIGNERS]
    return sorted(specific or ids, key=rank)


# A question whose subject is a bare district or commune asks for its duties: "Huyện X được giao / phải …".
_SUBJECT_DUTY = re.compile(r"\s*(duoc giao|phai|can|co trach nhiem|chiu trach nhiem|chu tri|co nhiem vu|duoc yeu cau|lam gi)\b")


def _bare_place(registry: AgencyRegistry, agency_id: str, surface: str) -> bool:
    return registry.get(agency_id).unit and not re.search(r"\b(ubnd|uy ban nhan dan)\b", fold(surface))


def detect_intent(folded: str, has_agency: bool) -> str:
    cues = _INTENT_CUES
    if has_agency:  # "Sở X phải tham mưu gì về giao chỉ tiêu" asks for tasks, not targets
        cues = sorted(cues, key=lambda c: c[0] not in ("comparison", "metadata", "agency", "task"))
    for intent, pattern in cues:
        if re.search(pattern, folded):
            if intent == "agency" and not re.search(r"\b(co quan|don vi|so nao|nganh nao|ai)\b", folded):
                continue
            return intent
    return "task" if has_agency else "general"


def plan_question(question: str, history: list[str] | None = None, registry: AgencyRegistry | None = None) -> QueryPlan:
    """Build the plan for a question; `history` holds the earlier user questions, oldest first."""
    registry = registry or load_registry()
    normalized = canonical_tones(question).strip()
    folded = fold(normalized)
    plan = QueryPlan(question=question, normalized=normalized, folded=folded)
    plan.agencies = _asked_agencies(registry, normalized)
    plan.provinces = find_provinces(normalized)
    plan.periods = [(int(a), int(b)) for a, b in PERIOD.findall(normalized)]
    in_periods = {y for p in plan.periods for y in p}
    plan.years = sorted({int(y) for y in _YEAR.findall(normalized)} - in_periods)
    plan.intent = detect_intent(folded, bool(plan.agencies))
    plan.retrieval_text = normalized
    plan.parts = split_parts(normalized)
    if history:
        _inherit(plan, plan_question(history[-1], history[:-1], registry))
    plan.expansions = expand_abbreviations(plan.retrieval_text)
    return plan


def asks_tasks(plan: QueryPlan) -> bool:
    """A task question, or a multi-part question one of whose parts asks what must be done."""
    return plan.intent == "task" or any(detect_intent(fold(p), True) == "task" for p in plan.parts)


_PART_CUE = re.compile(r"\b(bao nhieu|gi|nao|ai|the nao|ra sao|khi nao|may|bao lau|o dau)\b")


def split_parts(question: str) -> list[str]:
    """Sub-questions of "… bao nhiêu X và … bao nhiêu Y?", "Ai chủ trì … và diễn ra khi nào?";
    a piece without its own question word stays with the one before it. One part → []."""
    pieces = [p for p in re.split(r"\s*(?:,\s*)?\bvà\b\s*|\s*;\s*|\?\s*", question) if p and p.strip()]
    parts: list[str] = []
    for piece in pieces:
        if parts and not _PART_CUE.search(fold(piece)):
            parts[-1] = f"{parts[-1]} và {piece}"
        elif not parts or _PART_CUE.search(fold(parts[-1])):
            parts.append(piece)
        else:
            parts[-1] = f"{parts[-1]} và {piece}"
    return parts if len(parts) > 1 else []


def _inherit(plan: QueryPlan, previous: QueryPlan) -> None:
    """Fill what an elliptical follow-up ("còn Sở Tài chính thì sao?", "năm 2019 thì sao?") leaves
    out from the previous turn: its province, years, agency, intent and topic words."""
    short = len(plan.folded.split()) <= 8
    if not (_FOLLOW_UP.search(plan.folded) or (short and not plan.provinces and not plan.agencies and not plan.years)):
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
    topic = previous.retrieval_text
    for agency_id in previous.agencies:
        if agency_id not in plan.agencies:
            for mention in load_registry().find(topic, question=True):
                if mention.agency_id == agency_id:
                    topic = topic.replace(mention.surface, " ")
    for year in previous.years:
        if plan.years and year not in plan.years:
            topic = re.sub(rf"(?<!\d){year}(?!\d)", " ", topic)
    plan.retrieval_text = f"{plan.normalized} {topic}".strip()
