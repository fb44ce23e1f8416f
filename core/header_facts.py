"""The facts an administrative document states about itself, each with its span in the cleaned text
(the kinds and layout cues it reads by: `core/document_kinds.py`).

Vietnamese administrative documents share one layout (Nghị định 30/2020/NĐ-CP): the issuing body
in the left header column, "Số: 58/KH-UBND", the date line "Hà Nội, ngày 21 tháng 02 năm 2023",
the kind line (KẾ HOẠCH, QUYẾT ĐỊNH …) with the trích yếu under it (or "V/v …" under the number
of a công văn), the legal bases ("Căn cứ …"), who proposed it ("Xét đề nghị của … tại Tờ trình số
…"), the clause of effect ("Quyết định này có hiệu lực …") and the signature block (KT. CHỦ TỊCH /
PHÓ CHỦ TỊCH / name). Reading that layout, rather than searching the whole text, keeps cited
documents' numbers and dates apart from the document's own. Works on the cleaned text alone, so the
answer stage can read the same facts from a stored document without re-ingesting it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from core.document_kinds import DocumentKinds
from core.vntext import fold

NUMBER_RE = r"\d+[A-Za-z]?(?:/\d{4})?/[A-ZĐ][A-ZĐa-z0-9&.]*(?:-[A-ZĐ0-9&.]+)*(?:/[A-ZĐ0-9&.\-]+)?"
_HEADER_LINES = 40  # the header (issuer, number, date, kind, trích yếu, authority) fits in these lines
_DATE_LINE = re.compile(r",\s*ngày\s+(\d{1,2})(?:\s+tháng\s+|\s*[/.-]\s*)(\d{1,2})(?:\s+năm\s+|\s*[/.-]\s*)(\d{4})")
# A số hiệu as typed in headers, where spaces around "/" and "-" are common ("Số: 2785 /UBND-KT").
_SPACED_NUMBER = NUMBER_RE.replace("/", r"\s*/\s*").replace("(?:-", r"(?:\s*-\s*")
_SEPARATOR = re.compile(r"^[\s\-_–—=*.]+$")
NameFinder = Callable[[str], list[tuple[str, int, int]]]


@dataclass(frozen=True)
class Fact:
    """One stated fact: its value and the span [start, end) of the text that states it."""

    value: str
    start: int
    end: int
    detail: str = ""  # e.g. the signer's title "KT. CHỦ TỊCH PHÓ CHỦ TỊCH", the issue date's ISO form


@dataclass
class HeaderFacts:
    kind: str = "khác"
    kind_line: Fact | None = None  # the kind line ("QUYẾT ĐỊNH") or, for a công văn, the V/v line
    title: str = ""
    subject: Fact | None = None  # the trích yếu lines
    number: Fact | None = None
    issued: Fact | None = None  # value: the date as written; detail: ISO date
    issuer: Fact | None = None
    recipients: Fact | None = None
    bases: list[Fact] = field(default_factory=list)
    submitted_by: Fact | None = None
    effective: Fact | None = None
    replaces: Fact | None = None
    session: Fact | None = None
    signer: Fact | None = None  # value: name; detail: the title lines above it

    @property
    def formal(self) -> bool:
        """True when the text carries an administrative header (a number or a kind line)."""
        return self.number is not None or self.kind_line is not None


def lines_of(text: str) -> list[tuple[str, int, int]]:
    """Non-empty lines with their [start, end) offsets, surrounding spaces excluded."""
    out = []
    for m in re.finditer(r"[^\n]+", text):
        raw = m.group(0)
        stripped = raw.strip()
        if stripped and not _SEPARATOR.match(stripped):
            start = m.start() + (len(raw) - len(raw.lstrip()))
            out.append((stripped, start, start + len(stripped)))
    return out


def _is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def _starts(line: str, openings: tuple[str, ...]) -> bool:
    return any(re.match(rf"{re.escape(o)}(?!\w)", line) for o in openings)


def _is_paragraph(text: str) -> bool:
    return len(text.split()) > 45 or (len(text) >= 120 and text.count(",") >= 2)


def _left_column(line: str) -> str:
    """The issuer column of a two-column header line merged into one ("ỦY BAN NHÂN DÂN CỘNG HÒA …")."""
    folded = fold(line)
    for marker in ("cong hoa xa hoi", "doc lap - tu do", "doc lap – tu do"):
        i = folded.find(marker)
        if i >= 0:
            return line[:i].strip()
    return line


def read_header(text: str, kinds: DocumentKinds, find_names: NameFinder) -> HeaderFacts:
    """Every header fact the text states; absent facts stay None."""
    lines = lines_of(text)
    head = lines[:_HEADER_LINES]
    facts = HeaderFacts()
    facts.number = _number(head)
    facts.issued = _issued(head)
    facts.issuer = _issuer(head, kinds)
    _kind_and_subject(head, facts, kinds)
    body_from = _body_start(lines, facts)
    facts.recipients = _recipients(lines[: body_from + 12], kinds)
    facts.bases, facts.submitted_by = _bases(lines, body_from, kinds)
    facts.effective, facts.replaces, facts.session = _closing_clauses(text, lines, kinds)
    facts.signer = _signer(lines, kinds, find_names)
    return facts


def _number(head: list[tuple[str, int, int]]) -> Fact | None:
    for line, s, _ in head:
        m = re.search(rf"(?:^|\s)Số\s*[:.]?\s*({_SPACED_NUMBER})", line)
        if m and m.start() < 60:
            value = re.sub(r"\s+", "", m.group(1)).rstrip(".")
            start = s + m.start() + (1 if line[m.start()].isspace() else 0)
            return Fact(value, start, s + m.end(1) - (len(m.group(1)) - len(m.group(1).rstrip("."))))
    return None


def _issued(head: list[tuple[str, int, int]]) -> Fact | None:
    """The date line: "<place>, ngày D tháng M năm YYYY" ending its line, the place title-case
    words (not a weekday: "Thứ Hai, ngày 25/09/2017" is a portal clock)."""
    for line, s, _ in head:
        m = _DATE_LINE.search(line)
        if not m or line[m.end() :].strip(" .,;"):
            continue
        spans = [(w.start(), w.group(0)) for w in re.finditer(r"\S+", line[: m.start()])]
        place_start = m.start()
        for pos, word in reversed(spans[-6:]):
            if word in {"-", "–"} or (
                word[0].isupper() and (len(word) == 1 or not _is_upper(word) or word.endswith("."))
            ):
                place_start = pos
            else:
                break
        place = line[place_start : m.start()]
        if not place.strip() or re.match(r"(thu|chu nhat)\b", fold(place)):
            continue
        d, mo, y = (int(g) for g in m.groups())
        if not (1 <= d <= 31 and 1 <= mo <= 12):
            continue
        return Fact(
            line[m.start() + 1 : m.end()].strip(), s + place_start, s + m.end(), detail=f"{y:04d}-{mo:02d}-{d:02d}"
        )
    return None


def _issuer(head: list[tuple[str, int, int]], kinds: DocumentKinds) -> Fact | None:
    """The upper-case lines of the left header column just above "Số:" or the national motto."""
    block: list[tuple[str, int, int]] = []
    for line, s, _e in head:
        folded = fold(line)
        left = re.sub(r"[\s\-_–—=*.]{3,}$", "", _left_column(line)).strip()
        if re.match(r"^so\s*[:.]", folded) or folded.startswith(("cong hoa xa hoi", "doc lap")):
            if block:
                break
            continue
        if left and _is_upper(left) and len(left) < 90 and fold(left) not in kinds.by_word:
            block.append((left, s, s + len(left)))
            if left != line:  # the national motto sits in the same merged line
                continue
        elif block:
            block = []
    if not block:
        return None
    block = block[-3:]
    return Fact(_issuer_name([b[0] for b in block], kinds), block[0][1], block[-1][2])


def _issuer_name(column: list[str], kinds: DocumentKinds) -> str:
    """["ỦY BAN NHÂN DÂN", "TỈNH BÌNH PHƯỚC"] → "UBND tỉnh Bình Phước"; a sub-unit line under the
    parent ("VĂN PHÒNG ĐIỀU PHỐI …") is the issuer, placed by its parent's place."""
    sub_at = next((i for i, line in enumerate(column) if i and _starts(line, kinds.subunit_heads)), len(column))
    rest = re.sub(r"\s+", " ", " ".join(column[:sub_at])).strip()
    sub = re.sub(r"\s+", " ", " ".join(column[sub_at:])).strip()
    parent = next((p for p in sorted(kinds.parents, key=len, reverse=True) if rest.startswith(p)), "")
    if not parent:
        return rest[:1] + rest[1:].lower() + (f" {sub.lower()}" if sub else "")
    rest = rest[len(parent) :].strip()
    unit = next((u for u in sorted(kinds.place_units, key=len, reverse=True) if rest.startswith(u + " ")), "")
    where = f"{kinds.place_units[unit]} {rest[len(unit) :].strip().title()}" if unit else rest.title()
    if sub:
        return f"{sub[:1]}{sub[1:].lower()} {where}".strip()
    return f"{kinds.parents[parent]} {where}".strip()


def _kind_and_subject(head: list[tuple[str, int, int]], facts: HeaderFacts, kinds: DocumentKinds) -> None:
    """Kind from the kind line, else the số hiệu's type code; trích yếu = the lines under the kind
    line (or the V/v line of a công văn). A thông báo is a "thông báo kết luận" only when it says so."""
    subject: list[tuple[str, int, int]] = []
    for i, (line, s, e) in enumerate(head):
        m = re.match(r"^([^\W\d_][^\W\d_ ]*(?: [^\W\d_]+){0,2})(?=\s|$)", line)
        # the kind line is upper case; a line that is exactly a kind word counts in any case once
        # the header has a number or date (DOCX headers often set capitals by style, not text)
        formal = facts.number is not None or facts.issued is not None
        word = next(
            (
                w
                for w in (line, m.group(1) if m else "")
                if w and fold(w) in kinds.by_word and (_is_upper(w) or (w == line and formal))
            ),
            "",
        )
        if word and not line.endswith(":"):
            facts.kind, facts.kind_line = kinds.by_word[fold(word)], Fact(word, s, s + len(word))
            rest = line[len(word) :].strip()
            subject = [(rest, e - len(rest), e)] if rest else []
            for nxt in head[i + 1 :]:
                if not _subject_line(nxt[0], kinds, first=not subject):
                    break
                subject.append(nxt)
                if len(" ".join(x[0] for x in subject).split()) > 60:
                    break
            break
        if _starts(line, kinds.letter_subject) and facts.number is not None:
            facts.kind, facts.kind_line = kinds.letter_kind, Fact(line, s, e)
            subject = [(line, s, e)]
            break
    if facts.kind_line is None and facts.number is not None:
        code = re.search(r"/(?:\d{4}/)?([A-ZĐa-z]+)-", facts.number.value)
        if code and code.group(1) in kinds.by_code:
            facts.kind = kinds.by_code[code.group(1)]
    if subject:
        facts.subject = Fact(" ".join(x[0] for x in subject), subject[0][1], subject[-1][2])
        label = facts.kind_line.value if facts.kind_line and facts.kind != kinds.letter_kind else kinds.letter_kind
        facts.title = f"{label[:1].upper()}{label[1:].lower()} {facts.subject.value}".strip()
    needed = kinds.needs.get(facts.kind)
    if needed and needed not in fold(facts.title):
        facts.kind = "khác"


def _subject_line(line: str, kinds: DocumentKinds, first: bool) -> bool:
    """A line of the trích yếu: short, not the authority line, not the body's first line."""
    if len(line.split()) > 45 or line.endswith(":") or _is_upper(line) or _DATE_LINE.search(line):
        return False
    if re.match(r"^([IVX]+|\d+)[.)]\s", line) or re.match(rf"^{NUMBER_RE}", line):
        return False
    return first or not _starts(line, kinds.body_starts)


def _body_start(lines: list[tuple[str, int, int]], facts: HeaderFacts) -> int:
    """Index of the first line after the header (after the trích yếu, else after the date line)."""
    anchors = [f.end for f in (facts.subject, facts.kind_line, facts.issued, facts.number) if f is not None]
    if not anchors:
        return 0
    last = max(anchors)
    return next((i for i, (_, s, _) in enumerate(lines) if s >= last), len(lines))


def _recipients(lines: list[tuple[str, int, int]], kinds: DocumentKinds) -> Fact | None:
    """ "Kính gửi: - Sở …; - UBND …" (the list lines that follow it)."""
    for i, (line, s, e) in enumerate(lines):
        if _starts(line, kinds.recipients):
            end, names = e, [line.split(":", 1)[1].strip()] if ":" in line else []
            for nxt, _, ne in lines[i + 1 : i + 12]:
                if not re.match(r"^[-–+•]\s*", nxt) or len(nxt) > 200:
                    break
                names.append(nxt)
                end = ne
            value = "; ".join(re.sub(r"^[-–+•]\s*|[;.,]+$", "", n).strip() for n in names if n.strip("-–+• ;."))
            return Fact(value, s, end)
    return None


def _bases(lines: list[tuple[str, int, int]], body_from: int, kinds: DocumentKinds) -> tuple[list[Fact], Fact | None]:
    """The "Căn cứ …" lines and the opening "Thực hiện Văn bản số …" clause; the "Xét đề nghị của …"
    line. Read from the header on until the operative part ("QUYẾT ĐỊNH:", "Điều 1", "I. …")."""
    bases: list[Fact] = []
    submitted: Fact | None = None
    for line, s, _e in lines[body_from : body_from + 25]:
        if _starts(line, kinds.decision_lines) or re.match(r"^(Điều\s+1\b|[IVX]+\.\s|1\.\s)", line):
            break
        if _starts(line, kinds.submission):
            submitted = submitted or Fact(_clause(line), s, s + len(_clause(line)))
        elif _starts(line, kinds.bases) and (re.search(NUMBER_RE, line) or re.match(r"^Căn cứ", line)):
            quote = line.rstrip(";,. ") if line.startswith("Căn cứ") else _clause(line)
            bases.append(Fact(quote, s, s + len(quote)))
    return bases, submitted


def _clause(line: str) -> str:
    """A lead clause up to the comma after its last cited document ("Thực hiện Văn bản số … của
    Bộ … về …, UBND tỉnh báo cáo …" → up to "về …")."""
    refs = list(re.finditer(NUMBER_RE, line))
    after = refs[-1].end() if refs else 0
    m = re.search(r"[,;]\s|\.\s|\.$", line[after:])
    return (line[: after + m.start()] if m else line).rstrip(";,. ")


def _closing_clauses(
    text: str, lines: list[tuple[str, int, int]], kinds: DocumentKinds
) -> tuple[Fact | None, Fact | None, Fact | None]:
    """The sentence of effect ("… có hiệu lực (thi hành) kể từ ngày …"), of replacement ("thay thế
    Quyết định số …") and the resolution's session ("… kỳ họp thứ 6 thông qua ngày …")."""
    found: dict[str, Fact] = {}
    wanted = {"effect": kinds.effect, "replace": kinds.replace, "session": kinds.session}
    for line, s, _e in lines:
        folded = fold(line)
        for name, cues in wanted.items():
            if name in found or not any(fold(c) in folded for c in cues):
                continue
            if name == "replace" and not re.search(NUMBER_RE, line):
                continue
            if name == "session" and "thong qua" not in folded:
                continue
            if name == "effect" and not re.search(r"(tu|ke tu)\s+ngay|thi hanh", folded):
                continue
            cue = next(fold(c) for c in cues if fold(c) in folded)
            a, b = _sentence_span(line, folded.index(cue))
            quote = re.sub(r"^Điều\s+\d+\.\s*", "", line[a:b])
            a = b - len(quote)
            found[name] = Fact(quote, s + a, s + b)
    return found.get("effect"), found.get("replace"), found.get("session")


def _sentence_span(line: str, pos: int) -> tuple[int, int]:
    """[start, end) of the sentence of `line` holding position `pos` (its full stop included)."""
    before = [m.end() for m in re.finditer(r"\.\s+(?=[A-ZĐ])", line[:pos])]
    end = re.compile(r"\.(?=\s|/|$)").search(line, pos)
    return (before[-1] if before else 0), (end.end() if end else len(line))


def _signer(lines: list[tuple[str, int, int]], kinds: DocumentKinds, find_names: NameFinder) -> Fact | None:
    """The first signature block: title lines (KT. CHỦ TỊCH / PHÓ CHỦ TỊCH) then, past "(Đã ký)"
    marks, a line that is a person's name."""
    titles = {fold(t) for t in kinds.signature_titles}
    for i, (line, s, _) in enumerate(lines):
        if not _signature_title(line, kinds, titles):
            continue
        block = [(line, s)]
        for nxt, ns, _ne in lines[i + 1 : i + 7]:
            if _signature_title(nxt, kinds, titles):
                block.append((nxt, ns))
                continue
            if any(fold(nxt) == fold(m) for m in kinds.signature_marks):
                continue
            names = find_names(nxt)
            if names and len(nxt) <= len(names[0][0]) + 4:
                title = " / ".join(b[0] for b in block)
                return Fact(names[0][0], block[0][1], ns + names[0][2], detail=title)
            break
    return None


def _signature_title(line: str, kinds: DocumentKinds, titles: set[str]) -> bool:
    if not _is_upper(line) or len(line) > 70:
        return False
    rest = line
    for prefix in kinds.signature_prefixes:
        if rest.startswith(prefix):
            rest = rest[len(prefix) :].strip()
            break
    rest_folded = fold(rest)
    return rest_folded in titles or (rest != line and any(rest_folded.startswith(t) for t in titles))


def kind_of(facts: HeaderFacts, number: str, lead: str, kinds: DocumentKinds) -> str:
    """The document's kind from its kind line, else from the type code of its số hiệu (found in
    the header or the lead: "ban hành Thông báo số 15/TB-UBND"); "" when neither says."""
    if facts.kind_line is not None:
        return facts.kind
    code = re.search(r"/(?:\d{4}/)?([A-ZĐa-z]+)-", number or "")
    if code and code.group(1) in kinds.by_code:
        kind = kinds.by_code[code.group(1)]
        needed = kinds.needs.get(kind)
        return "khác" if needed and needed not in fold(lead) else kind
    return ""
