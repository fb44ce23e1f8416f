"""Document metadata read from the text itself: province, dates, số hiệu, kind, title, issuer,
who presided and who signed.

Every rule reads what the document states (a header block, a date line, "UBND tỉnh ban hành Thông
báo số 15/TB-UBND", a signature block). When the text does not state a field it stays empty: a
wrong province or date would silently filter a document out of answers.
"""

from __future__ import annotations

import re
from datetime import date

from core.contracts import Block, BlockKind, DocumentMetadata
from core.finders import FoundDate, PersonNames, find_dates, safe_date
from core.header_facts import NUMBER_RE, kind_of, read_header
from core.knowledge import Knowledge
from core.places import Gazetteer, PlaceMention
from core.sentences import MEETING, sentence_at

_HEADER_BLOCKS = 14  # a formal header (issuer, number, date line, title) fits in this many blocks
_LEAD_CHARS = 1500  # the lead of a news item, where its own number/date are announced

DOC_WORDS = r"(?:Thông báo|Kế hoạch|Báo cáo|Hướng dẫn|Quyết định|Công văn|Chỉ thị|Nghị quyết|Văn bản)"

# Cues before a date that make it a deadline or a cited document's date, not this document's.
_DEADLINE_CUE = re.compile(r"(trước|đến|hạn|chậm nhất|hoàn thành|kể từ|từ)\s+(ngày\s+)?$", re.IGNORECASE)
_EVENT_VERBS = re.compile(
    r"\b(tổ chức|chủ trì|diễn ra|họp|làm việc|khai mạc|dự|tiến hành|sơ kết|tổng kết)\b", re.IGNORECASE
)
_PUBLISHED_RE = re.compile(
    r"(cập nhật(?: lúc)?|ngày đăng|ngày cập nhật|đăng ngày|ngày xuất bản|published)\s*:?\s*", re.IGNORECASE
)


def _reference_date(text: str, dates: list[FoundDate]) -> date | None:
    """Latest full date the document mentions that is not a deadline: a document can only cite
    things dated before it, so this bounds its own date from below (used to date "Ngày 05/3")."""
    candidates = [
        f.value
        for f in dates
        if f.has_year and f.value and not _DEADLINE_CUE.search(text[max(0, f.start - 25) : f.start])
    ]
    return max(candidates) if candidates else None


def _complete(found: FoundDate, reference: date | None) -> date | None:
    if found.value:
        return found.value
    if reference is None:
        return None
    guess = safe_date(reference.year, found.month, found.day)
    if guess and guess < reference:
        guess = safe_date(reference.year + 1, found.month, found.day)
    return guess


def _sentence_at(text: str, pos: int) -> tuple[int, int]:
    """The sentence of the lead holding `pos`, read as the meeting facts read it (core.sentences)."""
    return sentence_at(text, pos, MEETING)


def _starts_sentence(text: str, pos: int) -> bool:
    """True for a date opening its sentence ("Ngày 10/7/2019, …", "Chiều 13/3, …")."""
    before = text[max(0, pos - 40) : pos]
    return bool(
        re.search(
            r"(^|[.!?\n]\s*)(\([^()]{0,40}\)\s*[-–]\s*)?((sáng|chiều|tối|trưa)\s+)?(hôm\s+)?(ngày\s+)?$",
            before,
            re.IGNORECASE,
        )
    )


def find_own_number(blocks: list[Block], text: str) -> str:
    """The document's own số hiệu: from its header ("Số: 15/TB-UBND") or from the lead sentence
    that announces it ("UBND tỉnh ban hành Thông báo số 15/TB-UBND"); cited ones are ignored."""
    for block in blocks[:_HEADER_BLOCKS]:
        m = re.match(rf"^\s*Số\s*[:.]?\s*({NUMBER_RE})", block.text)
        if m:
            return m.group(1).rstrip(".")
    lead = text[:_LEAD_CHARS]
    m = re.search(rf"ban hành\s+{DOC_WORDS}\s+số\s+({NUMBER_RE})", lead, re.IGNORECASE)
    if m:
        return m.group(1).rstrip(".")
    for block in blocks[:3]:
        m = re.match(rf"^\s*{DOC_WORDS}\s+số\s+({NUMBER_RE})", block.text, re.IGNORECASE)
        if m and len(block.text) < 300:
            return m.group(1).rstrip(".")
    return ""


def _looks_like_news(text: str) -> bool:
    lead = text[:_LEAD_CHARS]
    dated_event = any(
        _starts_sentence(lead, f.start) and _EVENT_VERBS.search(lead[f.end : f.end + 250]) for f in find_dates(lead)
    )
    # a news item's dateline: the outlet in brackets opens the lead ("(Cổng TTĐT KG) - Ngày …", "(TTXVN) – …")
    dateline = re.search(r"^\([^()\n]{2,40}\)\s*[-–—]\s*\S", lead, re.MULTILINE)
    return dated_event or bool(dateline) or bool(re.search(r"^(Theo|Nguồn:|Link gốc)", text, re.MULTILINE))


def province_mentions(text: str, places: Gazetteer, lenient_case: bool = False) -> list[PlaceMention]:
    """Provinces named in a text (by name, alias or abbreviation), in reading order."""
    return places.provinces_in(text, lenient_case)


# How much one mention counts towards a document's province: a province named with its unit word
# ("tỉnh Quảng Ninh") is deliberate, a bare name may be a person's or a product's; a district or
# commune counts for its province, shared among the provinces that have one by that name.
_MENTION_WEIGHT = {"province+unit": 2.0, "province": 1.0, "district": 1.0, "commune": 0.5}
_TITLE_BONUS = 2.0  # a title names what the document is about


def _header_lines(blocks: list[Block]) -> list[str]:
    """The issuer column of a formal header: the capitalised start of each early line, without
    the national motto printed beside it ("ỦY BAN NHÂN DÂN | CỘNG HÒA XÃ HỘI …", "TỈNH X | Độc lập …")."""
    lines = []
    for block in blocks[:6]:
        for line in block.text.splitlines():
            words = []
            for word in line.split():
                if not any(ch.isalpha() for ch in word) or word.upper() != word:
                    break
                words.append(word)
            head = re.split(r"\b(?:CỘNG HÒA|CỘNG HOÀ|ĐỘC LẬP)\b", " ".join(words))[0].strip()
            if head:
                lines.append(head)
    return lines


def _header_province(blocks: list[Block], places: Gazetteer) -> str:
    """The province of a formal header: "UBND TỈNH X", "TỈNH X" under "ỦY BAN NHÂN DÂN", an
    issuer "UBND HUYỆN Y" of a district only one province has, or the date line "X, ngày …"."""
    for line in _header_lines(blocks):
        for m in places.mentions(line):
            if len(m.provinces) == 1 and m.level in ("province", "district"):
                return m.provinces[0]
    for block in blocks[:_HEADER_BLOCKS]:
        for m in re.finditer(r",\s*ngày\s+\d{1,2}\s+tháng", block.text):
            before = block.text[max(0, m.start() - 40) : m.start()]
            found = [f for f in places.mentions(before, bare_districts=True) if f.end == len(before)]
            if found and len(found[0].provinces) == 1:
                return found[0].provinces[0]
    return ""


def province_evidence(text: str, title: str, places: Gazetteer) -> dict[str, float]:
    """Weighted votes for the provinces a text is about, from every place it names."""
    votes: dict[str, float] = {}
    for part, bonus in ((text, 0.0), (title, _TITLE_BONUS)):
        for m in places.mentions(part) if part else []:
            kind = "province+unit" if m.level == "province" and m.unit else m.level
            weight = _MENTION_WEIGHT[kind] + (bonus if m.level == "province" else 0.0)
            for name in m.provinces:
                votes[name] = votes.get(name, 0.0) + weight / len(m.provinces)
    return votes


def detect_province(blocks: list[Block], text: str, places: Gazetteer) -> str:
    """The province the document is about: its formal header if it has one, else the province
    its places vote for (a news page that names only "huyện Hải Hà" is Quảng Ninh's), when the
    vote is clear: at least two mentions' worth and ahead of every other province."""
    header = _header_province(blocks, places)
    if header:
        return header
    title = blocks[0].text if blocks and len(blocks[0].text) < 300 else ""
    votes = province_evidence(text, title, places)
    if not votes:
        return ""
    ranked = sorted(votes.values(), reverse=True)
    best = max(votes, key=votes.get)
    clear = votes[best] >= 2 and (len(ranked) == 1 or ranked[0] > ranked[1])
    return best if clear else ""


def detect_title(blocks: list[Block], hints: dict[str, str]) -> str:
    """Title of a text without an administrative header (whose title is its kind line and trích
    yếu, header_facts.py): the format's (DOCX Title / HTML h1), or the longest title-like line
    before the article's first paragraph."""
    for block in blocks[:_HEADER_BLOCKS]:
        if block.kind == BlockKind.HEADING and block.level == 1 and _title_like(block.text):
            return _tidy_title(block.text)
    if hints.get("title") and _title_like(hints["title"]):
        return _tidy_title(hints["title"])
    candidates = []
    for block in blocks[:8]:
        if _is_paragraph(block.text):
            break
        if _title_like(block.text) and not block.text.isupper():
            candidates.append(block.text)
    return _tidy_title(max(candidates, key=len)) if candidates else ""


def _is_paragraph(text: str) -> bool:
    """Running text (not a title): long, or a long line with several clauses."""
    return len(text.split()) > 45 or (len(text) >= 120 and text.count(",") >= 2)


def _title_like(text: str) -> bool:
    words = text.split()
    dated_lead = re.match(r"^(\(.{0,40}\)\s*[-–]\s*)?((sáng|chiều|tối|trưa)\s+)?(ngày\s+)?\d", text, re.IGNORECASE)
    return 4 <= len(words) <= 45 and not text.rstrip().endswith(":") and not dated_lead


def _tidy_title(text: str) -> str:
    return re.sub(r"\s*\(\s*\)\s*$", "", text).strip()


# Capitalised words of titles and bodies that follow a family-name-like syllable ("Hà Giang",
# "Phó Chủ tịch") but are not given names.
def detect_presided_by(text: str, names: PersonNames) -> str:
    """Who chaired the meeting: the person named closest before "chủ trì" in the same sentence."""
    for m in re.finditer(r"chủ trì", text, re.IGNORECASE):
        s, _ = _sentence_at(text, m.start())
        window = text[s : m.start()]
        if re.search(r"\b(giao|đề nghị|yêu cầu)\b", window, re.IGNORECASE):
            continue  # "giao Sở X chủ trì" assigns a task, it is not the meeting's chair
        found = names.find(window)
        if found:
            return found[-1][0]
    return ""


def issuer_from_lead(text: str, province: str) -> str:
    """The issuer of a document without a formal header, from "UBND tỉnh (X) ban hành …" in the lead."""
    m = re.search(
        r"(UBND|Ủy ban nhân dân)\s+tỉnh(\s+[A-ZĐ]\w*(?:\s+[A-ZĐ]\w*){0,3})?\s+(đã\s+)?ban hành", text[:_LEAD_CHARS]
    )
    if m:
        named = (m.group(2) or "").strip()
        return f"UBND tỉnh {named or province}".strip()
    return ""


def extract_metadata(
    blocks: list[Block], text: str, knowledge: Knowledge, hints: dict[str, str] | None = None
) -> DocumentMetadata:
    """All metadata fields of one cleaned document."""
    hints = hints or {}
    meta = DocumentMetadata()
    header = read_header(text, knowledge.kinds, knowledge.names.find)
    meta.number = header.number.value if header.number else find_own_number(blocks, text)
    meta.title = header.title or detect_title(blocks, hints)
    kind = kind_of(header, meta.number, f"{meta.title} {text[:_LEAD_CHARS]}", knowledge.kinds)
    meta.kind = kind or ("tin/bài" if _looks_like_news(text) else "khác")
    meta.province = detect_province(blocks, text, knowledge.places)
    meta.issuer = header.issuer.value if header.issuer else issuer_from_lead(text, meta.province)
    meta.presided_by = detect_presided_by(text, knowledge.names)
    meta.signer = header.signer.value if header.signer else ""
    issued, event = detect_dates(blocks, text, meta.number)
    meta.issued = header.issued.detail if header.issued else issued.isoformat() if issued else ""
    meta.event_date = event.isoformat() if event else ""
    if not meta.issued and meta.kind == "tin/bài" and event:
        meta.issued = meta.event_date  # a news report is dated by the event it reports
    return meta


def detect_dates(blocks: list[Block], text: str, number: str) -> tuple[date | None, date | None]:
    """(issued, event) dates as the document states them."""
    dates = find_dates(text)
    reference = _reference_date(text, dates)
    issued: date | None = None
    # 1. the formal date line under the header: "Nghệ An, ngày 12 tháng 4 năm 2022"
    for block in blocks[:_HEADER_BLOCKS]:
        m = re.search(r"^[^\d,]{2,40},\s*ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", block.text)
        if m:
            issued = safe_date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            break
    lead = text[:_LEAD_CHARS]
    # 2. the sentence announcing the document's own number
    if issued is None and number and number in lead:
        s, e = _sentence_at(lead, lead.index(number))
        for f in find_dates(lead[s:e]):
            issued = _complete(f, reference)
            break
    # 3. a publication stamp of a web page
    if issued is None:
        for block in blocks[:_HEADER_BLOCKS]:
            # "16/08/2023 08:15" or "Thứ Sáu, 17/02/2023 | 09:42 GMT+7": an article's time stamp
            # (a portal clock puts the time first: "04:16:21 Thứ hai, ngày 25/09/2017")
            m = re.match(
                r"^\(?(\d{1,2}/\d{1,2}/\d{4})\s+(lúc\s+)?\d{1,2}:\d{2}(:\d{2})?\s*\)?$", block.text
            ) or re.match(
                r"^(?:Thứ\s+\w+|Chủ nhật),?\s+(?:ngày\s+)?(\d{1,2}/\d{1,2}/\d{4})\s*[|,–-]\s*\d{1,2}:\d{2}",
                block.text,
                re.IGNORECASE,
            )
            if m:
                issued = find_dates(m.group(1))[0].value
                break
    if issued is None:
        m = _PUBLISHED_RE.search(lead)
        if m:
            for f in find_dates(lead[m.end() : m.end() + 30]):
                issued = _complete(f, reference)
                break
    event: date | None = None
    for f in find_dates(lead):
        sentence_start, sentence_end = _sentence_at(lead, f.start)
        sentence = lead[sentence_start:sentence_end]
        if "ban hành" in sentence.lower() and number and number in sentence:
            continue
        if _starts_sentence(lead, f.start) and _EVENT_VERBS.search(sentence):
            event = _complete(f, reference)
            if event:
                break
    return issued, event
