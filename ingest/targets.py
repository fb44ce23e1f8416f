"""Targets at ingest: which figures a document plans (mục tiêu) and which it reports achieved
(kết quả), each tied to the chunk that states it.

A target is a figure with a noun phrase that says what it counts (an indicator from
`data/indicators.json`, or the phrase around the figure, never a bare verb such as "chiếm"). Figures
come from sentences and from table rows (the row's label and the column's header name them; the
column's header and the table's caption give the period and the kind). Not targets: dates,
document numbers, ranges naming a group, administrative unit counts, attendance. The same figure
stated twice (in a sentence and again in a table's total row) is listed once.
"""

from __future__ import annotations

import re

from core.contracts import Chunk, CleanDocument, Target
from core.vntext import fold, is_day_month
from core.years import is_year, stated_period
from ingest.outline import sentences
from ingest.target_rules import (
    KindContext,
    TargetRules,
    clause_start,
    kind_of,
    last_cue,
    load_target_rules,
)
from ingest.target_tables import table_targets

_FIGURE = re.compile(r"(?<![\w/.,])(\d+(?:[.,]\d+)*(?:/\d+)?)(\s*%)?")
# A range of percentages is one planned or achieved value ("giảm từ 1 - 1,5%"); other ranges
# name a group ("15 - 19 tiêu chí") or a period ("2021 - 2025").
_PERCENT_RANGE = re.compile(r"(?<![\w/.,])(\d+(?:,\d+)?\s*[-–]\s*\d+(?:,\d+)?)(\s*%)")
_ITEM = re.compile(r"^\s*(?:[-+•*–]|\d{1,2}[.)]|[a-zđ][.)])\s")

# Counting units that make a figure an indicator value ("12 phòng học", "92 lớp", "4.051 tỷ đồng").
_UNITS = (
    r"tiêu chí/xã|tiêu chí|xã|huyện|thôn|bản|km|sản phẩm|hộ|khu dân cư|tỷ đồng|triệu đồng(?:/người/năm)?|"
    r"nghìn đồng|đồng|m2|m²|ha|ngày công|phòng học|nhà văn hóa|lớp|mô hình|công trình|trường|người|lao động|"
    r"hợp tác xã|tổ hợp tác|doanh nghiệp|chợ|trạm|điểm|cầu|kênh|tấn|con|ấp|đơn vị cấp huyện|đơn vị"
)


def _indicator_for(before: str, after: str, rules: TargetRules) -> dict[str, str] | None:
    fa, fb = fold(after).strip(), fold(before)[-80:]
    for ind in rules.indicators:
        if ind.get("after") and re.search(ind["after"], fa):
            return ind
    for ind in rules.indicators:
        if ind.get("before") and not ind.get("after") and re.search(ind["before"], fb):
            return ind
    for ind in rules.indicators:
        if ind.get("before") and ind.get("after") and re.search(ind["before"], fb) and re.match(r"^tieu chi", fa):
            return ind
    return None


def unit_of(after: str, percent: bool) -> str:
    if percent:
        return "%"
    m = re.match(rf"\s*({_UNITS})(?!\w)", after)
    return m.group(1) if m else ""


def noun_phrase(words: list[str], rules: TargetRules) -> list[str]:
    """The words without predicate words at either end ("chiếm", "giảm còn", "đạt")."""
    out = [w for w in words if re.search(r"\w", w)]  # "-", "+" and other marks are no words
    changed = True
    while out and changed:
        changed = False
        for n in (3, 2, 1):
            if len(out) >= n and " ".join(out[-n:]).lower() in rules.predicate_words:
                del out[-n:]
                changed = True
                break
            if len(out) >= n and " ".join(out[:n]).lower() in rules.predicate_words:
                del out[:n]
                changed = True
                break
    return out


def _indicator_name(known: dict[str, str] | None, unit: str, after: str, before: str, rules: TargetRules) -> str:
    """The indicator's name; one recognised by its unit alone ("tỷ đồng") is better named by the
    noun phrase before the figure when there is one ("Ngân sách trung ương: 42,3 tỷ đồng")."""
    if known and not known.get("by_unit"):
        return known["name"]
    if known and re.search(r"(?::|\blà|\bđạt)\s*$", before):
        # a label or a subject before a copula names the figure: "Vốn tín dụng: 402,8 tỷ đồng"
        words = noun_phrase(re.split(r"[,;(]", before.rstrip(" :"))[-1].split()[-8:], rules)
        return " ".join(words) if words and not _FIGURE.search(" ".join(words)) else known["name"]
    if known:
        return known["name"]
    return _generic_indicator(unit, after, before, rules)


def _last_clause(text: str) -> str:
    return re.split(r"[,;:(]", text)[-1]


def _generic_indicator(unit: str, after: str, before: str, rules: TargetRules) -> str:
    """A noun phrase for a figure outside the indicator list: "số phòng học …" from the words after
    a count; for a percentage the words before it, or, when they are only a verb ("chiếm 46,6%
    tổng số xã"), the words after it, or else what the clause before speaks of ("95/148 xã đạt
    chuẩn (chiếm 64,2%)" → "tỷ lệ xã đạt chuẩn")."""
    if unit == "%":
        words = noun_phrase(_last_clause(before).split()[-8:], rules)
        if words:
            return " ".join(words)
        tail = noun_phrase(re.split(r"[,;:.()]|\bso với\b", after)[0].split()[:6], rules)
        if tail and fold(tail[0]) in {"ke", "muc", "chi"}:
            return "tỷ lệ thực hiện so với " + " ".join(tail)  # "đạt 34,6% kế hoạch"
        if not tail:
            tail = noun_phrase(_subject_before(before), rules)
        return "tỷ lệ " + " ".join(tail) if tail else "tỷ lệ"
    phrase = noun_phrase(re.split(r"[,;:.()]|\bso với\b|\bđể\b|\btrong\b", after)[0].split()[:6], rules)
    if len(phrase) <= 1:  # only the unit: "nâng tổng số xã đạt chuẩn … lên 178 xã"
        clause = _last_clause(before)
        m = re.search(rf"(?:tổng )?số {re.escape(unit)}\b", clause, re.IGNORECASE)
        if m:
            words = noun_phrase(clause[m.start() :].split()[:12], rules)
            return " ".join(words)
    return "số " + " ".join(phrase) if phrase else f"số {unit}"


def _subject_before(before: str) -> list[str]:
    """The words the previous clause says a figure of, without that figure ("… 95/148 xã đạt
    chuẩn nông thôn mới (chiếm" → "xã đạt chuẩn nông thôn mới")."""
    parts = re.split(r"[,;:(]", before)
    previous = parts[-2] if len(parts) > 1 else ""
    m = list(_FIGURE.finditer(previous))
    return previous[m[-1].end() :].split()[:6] if m else []


_PLACE = re.compile(r"\b((?i:huyện|thị xã|thành phố))\s+([A-ZĐ][\wÀ-ỹ]*(?:\s+[A-ZĐ][\wÀ-ỹ]*){0,2})")


def _scope_of(before: str, after: str) -> str:
    """The place named nearest before the figure in its clause, else right after it, else "tỉnh"."""
    places = [m for m in _PLACE.finditer(before) if m.group(2)[0].isupper()]
    m = places[-1] if places else next((m for m in _PLACE.finditer(after) if m.group(2)[0].isupper()), None)
    return f"{m.group(1).lower()} {m.group(2)}" if m else "tỉnh"


def doc_year(doc: CleanDocument) -> int | None:
    for date in (doc.metadata.issued, doc.metadata.event_date):
        if date and date[:4].isdigit():
            return int(date[:4])
    return None


def extract_targets(doc: CleanDocument, chunks: list[Chunk], rules: TargetRules | None = None) -> list[Target]:
    """Planned and achieved figures with unit, period, scope and kind, from sentences and tables."""
    rules = rules or load_target_rules()
    year = doc_year(doc)
    tables, in_tables = table_targets(doc, chunks, rules, year)
    out: list[Target] = []
    for chunk in chunks:
        ctx = KindContext(tuple(chunk.heading_path), doc.metadata.kind, year)
        lead = chunk.heading_path[-1] if chunk.heading_path else ""
        for sentence, _, _ in sentences(chunk.text):
            if sentence in in_tables or ("|" in sentence and any(sentence in row for row in in_tables)):
                continue
            item = bool(_ITEM.match(sentence))  # a list item reads under its lead-in
            item_ctx = ctx if item else KindContext(ctx.headings, ctx.doc_kind, ctx.doc_year)
            out += _sentence_targets(sentence, lead, item_ctx, chunk, doc, rules)
            if sentence.rstrip().endswith(":"):
                # "Công nhận 14 xã … đạt chuẩn, cụ thể như sau:" leads the items below
                lead = sentence
                ctx = KindContext(ctx.headings, ctx.doc_kind, ctx.doc_year, _frame(sentence))
    return _merged(out, tables)


def _frame(sentence: str) -> str:
    """The words of a sentence before its first figure (what frames its figures)."""
    for m in _FIGURE.finditer(sentence):
        if not is_year(m.group(1)) and not _is_date_or_number(sentence, m):
            return sentence[: m.start()]
    return sentence


def _sentence_targets(
    sentence: str, lead: str, ctx: KindContext, chunk: Chunk, doc: CleanDocument, rules: TargetRules
) -> list[Target]:
    figures = [m for m in _FIGURE.finditer(sentence) if not is_year(m.group(1)) and not _is_date_or_number(sentence, m)]
    figures = sorted(figures + list(_PERCENT_RANGE.finditer(sentence)), key=lambda m: m.start())
    found = []
    for m in figures:
        semi = sentence.rfind(";", 0, m.start()) + 1
        before, after = sentence[semi : m.start()], sentence[m.end() : m.end() + 60]
        unit = unit_of(after, bool(m.group(2)))
        known = _indicator_for(before, after, rules)
        if known is not None or unit:
            found.append((m, before, after, unit, known))
    out = []
    heading = " ".join(ctx.headings)
    first = found[0][0].start() if found else 0  # what precedes the first figure frames them all
    for m, before, after, unit, known in found:
        start = clause_start(sentence, m.start())
        if not_a_target(sentence, m.start(), m.end(), unit, lead, rules):
            continue
        out.append(
            Target(
                indicator=_indicator_name(known, unit, after, before, rules),
                value=m.group(1) + ("%" if m.group(2) else ""),
                unit=unit,
                period=stated_period(sentence[start : m.end() + 30], sentence, heading),
                scope=_scope_of(before[-120:], sentence[m.end() : m.end() + 40]),
                kind=kind_of(sentence, m.start(), m.end(), first, unit, ctx, rules),
                text=sentence.strip(),
                chunk_id=chunk.chunk_id,
                doc_id=doc.doc_id,
            )
        )
    return out


def not_a_target(sentence: str, start: int, end: int, unit: str, lead: str, rules: TargetRules) -> bool:
    """Administrative unit counts, attendance, negated counts, and criteria counts that name a
    group or the criteria set. `lead` is the line the sentence is an item of."""
    local = sentence[clause_start(sentence, start) : start].lower()
    label = sentence[sentence.rfind(";", 0, start) + 1 : start].lower()
    after = sentence[end : end + 80].lower()
    if rules.attendance.search(local) or rules.attendance.search(re.split(r"[,;.]", after)[0][:30]):
        return True
    if rules.negated.search(label):
        return True  # "chưa có xã đạt đủ 19 tiêu chí": no figure of anything
    if _bare_unit_count(sentence, start, end, lead, rules):
        return True
    return unit.startswith("tiêu chí") and unit != "tiêu chí/xã" and _criteria_not_a_figure(sentence, start, end, rules)


def _bare_unit_count(sentence: str, start: int, end: int, lead: str, rules: TargetRules) -> bool:
    """A count of administrative units that only says how many there are ("(89 xã, 10 phường)",
    "11 xã điểm của tỉnh"), or that names a place, an addressee or the object of an action
    ("thuộc 6 huyện", "UBND 04 xã", "giúp đỡ 16 xã"). A count is kept when something is said of
    the units after it ("9/13 huyện, thị xã đạt chuẩn") or, when nothing follows, before it: a cue
    ("(kế hoạch 04 xã)"), a status in its label ("Tiêu chí 8 (Bưu điện): 119 xã"), a label
    ending in ':' ("năm 2021: 06 xã") or a lead-in with a status."""
    before = sentence[max(0, start - 60) : start].lower()
    after = sentence[end : end + 80].lower()
    noun = rules.unit_nouns.match(after)
    if not noun:
        return False
    if rules.unit_not_before.search(before) or "hành chính" in noun.group(0):
        return True
    rest = _after_unit_list(after[noun.end() :], rules)
    if rest:
        return bool(rules.unit_bare_after.match(rest)) and not rules.unit_status.search(rest)
    local = sentence[clause_start(sentence, start) : start].lower()
    label = sentence[sentence.rfind(";", 0, start) + 1 : start].lower()
    if "hành chính" in label:
        return True
    said = last_cue(local, rules) or rules.unit_status.search(label) or rules.unit_status.search(lead.lower())
    return not (said or re.search(r":\s*$", before))


def _criteria_not_a_figure(sentence: str, start: int, end: int, rules: TargetRules) -> bool:
    """ "14 xã đạt từ 15 đến 18 tiêu chí", "Xã đạt dưới 5 tiêu chí:": the criteria count names a
    group of communes; "thực hiện 19 tiêu chí": the national criteria set. An average is a figure."""
    begin = clause_start(sentence, start)
    if "bình quân" in sentence[begin:start].lower():
        return False
    stop = re.search(r"[,;:()]", sentence[end:])
    clause = sentence[begin:start] + " " + sentence[end : end + stop.start() if stop else len(sentence)]
    if re.search(r"\d+(?:/\d+)?\s+xã\b", clause) or re.match(
        r"\s*[-+]?\s*(?:[Ss]ố\s+)?[Xx]ã\s+(?:đạt|có)\b", sentence[begin:start]
    ):
        return True
    return bool(rules.criteria_set_before.search(sentence[max(0, start - 60) : start].lower()))


def _after_unit_list(rest: str, rules: TargetRules) -> str:
    """What is said of counted units, past a list of further unit nouns ("huyện, thị xã đạt …")."""
    while True:
        m = re.match(r"\s*(?:,|và)\s*", rest)
        if not m:
            break
        noun = rules.unit_nouns.match(rest[m.end() :])
        if not noun:
            break
        rest = rest[m.end() + noun.end() :]
    rest = re.sub(r"^\s*\([^()]*\)", "", rest)  # "02 đơn vị cấp huyện (huyện A và thành phố B) được …"
    return re.split(r"[,;:()]", rest)[0].strip()


def _is_date_or_number(clause: str, m: re.Match[str]) -> bool:
    """Figures that are dates ("31/12"), document numbers ("15/TB") or ordinal labels."""
    value = m.group(1)
    tail = clause[m.end() : m.end() + 3]
    if re.match(r"/[A-ZĐ]", tail) or re.match(r"-[A-ZĐ]", tail):
        return True
    if is_day_month(value) and not unit_of(clause[m.end() : m.end() + 30], False):
        return True  # "31/12", but "03/11 xã" is a ratio of communes
    if not clause[: m.start()].strip(" -+•") and re.match(r"[.)]\s", clause[m.end() :]):
        return True  # a list number: "1. Kết quả …"
    if (
        not m.group(2)
        and re.fullmatch(r"\d{1,2}", value)
        and re.match(r"\s*(?:tháng|năm|ngày(?! công)|tuần|quý)\b", clause[m.end() :])
    ):
        return True  # a duration or a date: "7 tháng đầu năm"
    if re.match(r"\s*[-–]\s*\d", clause[m.end() :]) or re.search(r"\d\s*[-–]\s*$", clause[: m.start()]):
        return True  # a range such as "15-19 tiêu chí" names a group, not a value
    return bool(
        re.search(
            r"(ngày|tháng|quý|số|Bước|khóa|lần thứ|thứ|giai đoạn|Tiêu chí|tiêu chí số|chỉ tiêu số|Điều|khoản)\s*$",
            clause[: m.start()],
            re.IGNORECASE,
        )
    )


def _merged(sentence_targets: list[Target], table: list[tuple[Target, str]]) -> list[Target]:
    """One target per figure: a figure repeated with the same indicator, unit, scope, period and
    kind is listed once; a table cell restating a sentence's figure (a totals row, or a cell
    written with its unit) joins that sentence's target."""
    out: list[Target] = []
    seen: dict[tuple[str, ...], str] = {}
    for t in sentence_targets:
        key = (t.doc_id, t.value, t.unit, " ".join(t.indicator.split()[:4]), t.scope, t.period, t.kind)
        if key in seen and seen[key] != t.text:
            continue  # restated in another sentence; twice in one sentence are two facts
        seen.setdefault(key, t.text)
        out.append(t)
    stated = {}
    for t in out:
        for v in {_figure_key(t.value), _figure_key(t.value.split("/")[0])}:
            stated.setdefault(v, []).append(t)
    consumed: set[int] = set()
    totals: set[tuple[str, str]] = set()
    for t, total_of in table:
        same = stated.get(_figure_key(t.value), [])
        if total_of and (same or (total_of, t.value) in totals):
            continue  # a total the text (or another total row of its column) already states
        if total_of:
            totals.add((total_of, t.value))
        twin = next(
            (s for s in same if id(s) not in consumed and t.unit and s.unit and t.unit.startswith(s.unit)), None
        )
        if twin is not None:
            consumed.add(id(twin))
            continue
        out.append(t)
    return out


def _figure_key(value: str) -> str:
    return value.replace(" ", "").rstrip("%").lstrip("0") or "0"
