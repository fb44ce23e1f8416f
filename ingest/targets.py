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

from ingest.extract import Target, _sentences
from ingest.model import Chunk, CleanDocument
from ingest.target_rules import KindContext, TargetRules, clause_start, kind_of, load_target_rules
from ingest.target_tables import table_targets
from ingest.vntext import fold, is_day_month

_FIGURE = re.compile(r"(?<![\w/.,])(\d+(?:[.,]\d+)*(?:/\d+)?)(\s*%)?")
_BARE_YEAR = re.compile(r"(19|20)\d\d")

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
    out = list(words)
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


def _generic_indicator(unit: str, after: str, before: str, rules: TargetRules) -> str:
    """A noun phrase for a figure outside the indicator list: "số phòng học …" from the words after
    a count; for a percentage the words before it, or, when they are only a verb ("chiếm 46,6%
    tổng số xã"), the words after it."""
    if unit == "%":
        words = noun_phrase(re.split(r"[,;:(]", before)[-1].split()[-8:], rules)
        if words:
            return " ".join(words)
        tail = noun_phrase(re.split(r"[,;:.()]|\bso với\b", after)[0].split()[:6], rules)
        return "tỷ lệ " + " ".join(tail) if tail else "tỷ lệ"
    phrase = noun_phrase(re.split(r"[,;:.()]|\bso với\b|\bđể\b|\btrong\b", after)[0].split()[:6], rules)
    return "số " + " ".join(phrase) if phrase else f"số {unit}"


def period_of(*texts: str) -> str:
    for text in texts:
        m = re.search(
            r"(\d{1,2}/\d{1,2}/\d{4}|\d+ tháng (?:đầu |cuối )?năm \d{4}|giai đoạn \d{4}\s*[-–]\s*\d{4}|\d{4}\s*[-–]\s*\d{4}|năm \d{4}|\b(?:19|20)\d\d\b)",
            text,
        )
        if m:
            return m.group(1)
    return ""


_PLACE = re.compile(r"\b(huyện|thị xã|thành phố)\s+([A-ZĐ][\wÀ-ỹ]*(?:\s+[A-ZĐ][\wÀ-ỹ]*){0,2})", re.IGNORECASE)


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
        for sentence, _, _ in _sentences(chunk.text):
            if sentence in in_tables:
                continue
            out += _sentence_targets(sentence, ctx, chunk, doc, rules)
    return _merged(out, tables)


def _sentence_targets(sentence: str, ctx: KindContext, chunk: Chunk, doc: CleanDocument, rules: TargetRules) -> list[Target]:
    figures = [m for m in _FIGURE.finditer(sentence) if not _BARE_YEAR.fullmatch(m.group(1)) and not _is_date_or_number(sentence, m)]
    out = []
    heading = " ".join(ctx.headings)
    for m in figures:
        start = clause_start(sentence, m.start())
        semi = sentence.rfind(";", 0, m.start()) + 1
        before, after = sentence[semi : m.start()], sentence[m.end() : m.end() + 60]
        unit = unit_of(after, bool(m.group(2)))
        known = _indicator_for(before, after, rules)
        if known is None and not unit:
            continue
        if not_a_target(sentence, m.start(), m.end(), unit, rules):
            continue
        out.append(
            Target(
                indicator=known["name"] if known else _generic_indicator(unit, after, before, rules),
                value=m.group(1) + ("%" if m.group(2) else ""),
                unit=unit,
                period=period_of(sentence[start : m.end() + 30], sentence, heading),
                scope=_scope_of(before[-120:], sentence[m.end() : m.end() + 40]),
                kind=kind_of(sentence, m.start(), m.end(), figures[0].start(), ctx, rules),
                text=sentence.strip(),
                chunk_id=chunk.chunk_id,
                doc_id=doc.doc_id,
            )
        )
    return out


def not_a_target(sentence: str, start: int, end: int, unit: str, rules: TargetRules) -> bool:
    """Administrative unit counts, attendance and criteria that name a group or the criteria set."""
    before = sentence[max(0, start - 60) : start].lower()
    after = sentence[end : end + 80].lower()
    local = sentence[clause_start(sentence, start) : start].lower()
    label = sentence[sentence.rfind(";", 0, start) + 1 : start].lower()
    if rules.attendance.search(local) or rules.attendance.search(re.split(r"[,;.]", after)[0][:30]):
        return True
    noun = rules.unit_nouns.match(after)
    if noun:
        if rules.unit_not_before.search(before):
            return True  # a place, an addressee or the object of an action: "thuộc 6 huyện"
        rest = _after_unit_list(after[noun.end() :], rules)
        if not rest or rules.unit_bare_after.match(rest) or "hành chính" in noun.group(0):
            if not (not rest and rules.unit_status.search(label)):
                return True  # how many units there are: "(89 xã, 10 phường)", "11 xã điểm của tỉnh"
    if unit.startswith("tiêu chí") and unit != "tiêu chí/xã" and "bình quân" not in local:
        clause = sentence[clause_start(sentence, start) : end + 40]
        if re.search(r"\d+(?:/\d+)?\s+xã\b", clause.replace(sentence[start:end], "", 1)) or re.search(r"^\s*xã\b", local):
            return True  # "14 xã đạt từ 15 đến 18 tiêu chí": the criteria count names the group
        if rules.criteria_set_before.search(before):
            return True  # "thực hiện 19 tiêu chí": the national criteria set, not a figure
    return False


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
    return re.split(r"[,;:()]", rest)[0].strip()


def _is_date_or_number(clause: str, m: re.Match[str]) -> bool:
    """Figures that are dates ("31/12"), document numbers ("15/TB") or ordinal labels."""
    value = m.group(1)
    tail = clause[m.end() : m.end() + 3]
    if re.match(r"/[A-ZĐ]", tail) or re.match(r"-[A-ZĐ]", tail):
        return True
    if is_day_month(value):
        return True
    if re.match(r"\s*[-–]\s*\d", clause[m.end() :]) or re.search(r"\d\s*[-–]\s*$", clause[: m.start()]):
        return True  # a range such as "15-19 tiêu chí" names a group, not a value
    return bool(re.search(r"(ngày|tháng|quý|số|Bước|khóa|lần thứ|thứ|giai đoạn|Tiêu chí|tiêu chí số|chỉ tiêu số|Điều|khoản|điểm|Đứng)\s*$", clause[: m.start()], re.IGNORECASE))


def _merged(sentence_targets: list[Target], table: list[tuple[Target, bool]]) -> list[Target]:
    """One target per figure: a figure repeated with the same indicator, unit, scope, period and
    kind is listed once; a table cell restating a sentence's figure (a totals row, or a cell
    written with its unit) joins that sentence's target."""
    out: list[Target] = []
    seen: dict[tuple[str, ...], str] = {}
    for t in sentence_targets:
        key = (t.doc_id, t.value, t.unit, t.indicator, t.scope, t.period, t.kind)
        if key in seen and seen[key] != t.text:
            continue  # restated in another sentence; twice in one sentence are two facts
        seen.setdefault(key, t.text)
        out.append(t)
    stated = {}
    for t in out:
        for v in {_figure_key(t.value), _figure_key(t.value.split("/")[0])}:
            stated.setdefault(v, []).append(t)
    consumed: set[int] = set()
    for t, aggregate in table:
        same = stated.get(_figure_key(t.value), [])
        if aggregate and same:
            continue  # a total the text already states
        twin = next((s for s in same if id(s) not in consumed and t.unit and s.unit == t.unit), None)
        if twin is not None:
            consumed.add(id(twin))
            continue
        out.append(t)
    return out


def _figure_key(value: str) -> str:
    return value.replace(" ", "").rstrip("%").lstrip("0") or "0"
