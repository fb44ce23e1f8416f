"""Extraction at ingest: who must do what (assignments) and which figures are planned or achieved
(targets, in ingest/targets.py), each tied to the chunk that states it.

Assignments are read the ways Vietnamese conclusions and plans state them:
- an agency heading ("Sở Kế hoạch và Đầu tư:") or a paragraph opening with an agency as subject
  ("Sở NN&PTNT phối hợp với … tham mưu …"), whose following sentences are that agency's tasks;
- running sentences: "giao/đề nghị/yêu cầu X [chủ trì, phối hợp với Y, Z] …";
- numbered allocation lists ("1. Sở Y tế: chỉ đạo xã Sen Thủy …").
The agency leading a task gets role chủ trì (or tham mưu / báo cáo / thực hiện, from its verb); each
agency it works "phối hợp với" gets the same task with role phối hợp. Collective addressees ("các
sở, ngành", "UBND các huyện") are their own entries.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.agencies import AgencyMention, AgencyRegistry
from ingest.chunking import strip_item_marker
from ingest.model import Chunk, CleanDocument
from ingest.vntext import fold

ROLES = ("chủ trì", "phối hợp", "tham mưu", "thực hiện", "báo cáo")
_TRIGGER = re.compile(r"(?<!\w)(giao|đề nghị|yêu cầu)(?!\w)\s*(cho\s+)?", re.IGNORECASE)
_DEADLINE = re.compile(
    r"((?:hoàn thành\s+)?(?:trước|chậm nhất|trong|đến|vào)\s+(?:ngày\s+)?\d{1,2}/\d{1,2}(?:/\d{4})?"
    r"|(?:trong|trước|vào)\s+(?:tháng|quý)\s+[\dIVX]+(?:/\d{4}|\s+năm\s+\d{4})?"
    r"|(?:trong|trước|đến|hết)\s+năm\s+\d{4}"
    r"|quý\s+[IVX]+(?:/\d{4})?)",
    re.IGNORECASE,
)
# Sentences reporting what was done are results, not assignments.
_PAST = re.compile(r"^\s*(đã|đang|vừa|được)\b", re.IGNORECASE)
# What makes "X <verb> …" an obligation. A notice or plan assigns with plain action verbs; a news
# report narrates past work with the same verbs, so there only modal words count.
_MODAL = re.compile(r"^\W*(cần|phải|tiếp tục|khẩn trương|sớm|có trách nhiệm|chịu trách nhiệm|chủ trì|tham mưu|chủ động|nghiên cứu)\b", re.IGNORECASE)
_ACTION = re.compile(r"^\W*(phối hợp|phổi hợp|xây dựng|hướng dẫn|đôn đốc|bố trí|triển khai|rà soát|tổ chức|kiểm tra|tập trung|hoàn thành|theo dõi|cân đối|thực hiện|báo cáo|căn cứ|chỉ đạo|giao|ưu tiên)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Assignment:
    agency: str  # canonical registry id
    agency_text: str  # the words the document uses
    role: str
    task: str
    deadline: str
    chunk_id: str
    doc_id: str
    collective: bool = False
    start: int = 0  # the stating sentence's offsets in the cleaned document (for citations)
    end: int = 0

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Target:
    indicator: str
    value: str
    unit: str
    period: str
    scope: str
    kind: str  # mục tiêu | kết quả
    text: str  # the clause stating it
    chunk_id: str
    doc_id: str

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


# --- assignments ------------------------------------------------------------------------------
def _sentences(text: str) -> list[tuple[str, str, bool]]:
    """(sentence, its paragraph, whether it opens the paragraph) in reading order."""
    out = []
    for block in text.split("\n"):
        block = block.strip()
        if block:
            parts: list[str] = []
            for piece in re.split(r"(?<=[.!?])\s+(?=[A-ZĐÀ-Ỹ\"“])", block):
                piece = piece.strip()
                if parts and re.fullmatch(r"(?:[IVX]+|\d{1,2}|[a-zđ]|KT|TM|TL)\.", parts[-1]):
                    parts[-1] = f"{parts[-1]} {piece}"  # "1. Sở Tài chính:" is one line, not "1." + …
                elif piece:
                    parts.append(piece)
            out += [(part, block, i == 0) for i, part in enumerate(parts)]
    return out


def _role_for_lead(clause: str) -> str:
    f = fold(clause[:160])
    if "chu tri" in f:
        return "chủ trì"
    if re.search(r"(?<!can bo )(?<!bo may )\btham muu\b", f[:140]):  # the verb, not "cán bộ tham mưu"
        return "tham mưu"
    if re.match(r"^\W*bao cao\b", f):
        return "báo cáo"
    return "thực hiện"


def _deadline(text: str) -> str:
    m = _DEADLINE.search(text)
    return m.group(1).strip() if m else ""


def _tidy_task(text: str) -> str:
    text = re.sub(r"^[\s,:;\-–+•]+", "", text).strip()
    text = text[:1].upper() + text[1:]
    return text[:400]


def _partners(clause: str, registry: AgencyRegistry, exclude: set[str]) -> list[AgencyMention]:
    """Agencies a lead works with: those listed after "phối hợp với" up to the next verb."""
    m = re.search(r"phối hợp với|phổi hợp với|phối hợp cùng|cùng với", clause, re.IGNORECASE)
    if not m:
        return []
    tail = clause[m.end() : m.end() + 220]
    stop = re.search(r"\b(tham mưu|xây dựng|tổ chức|rà soát|hướng dẫn|thực hiện|ban hành|triển khai|để|trình|kiểm tra|đánh giá)\b", tail)
    window = tail[: stop.start()] if stop else tail
    return [x for x in registry.find(window) if x.agency_id not in exclude]


def _leading_agencies(text: str, registry: AgencyRegistry) -> tuple[list[AgencyMention], str]:
    """Agencies a clause opens with ("Sở X, Sở Y và UBND các huyện …") and the rest of it."""
    body = strip_item_marker(text)
    found: list[AgencyMention] = []
    pos = 0
    for mention in registry.find(body[:240]):
        gap = body[pos : mention.start]
        if re.fullmatch(r"\s*(?:(?:của|thuộc)?\s*tỉnh\s*)?(?:,|và|cùng|;)?\s*(?:Thủ trưởng|Lãnh đạo|lãnh đạo|thủ trưởng)?\s*", gap) is None:
            break
        found.append(mention)
        pos = mention.end
    if not found:
        return [], text
    rest = re.sub(r"^\s*((?:của\s+)?tỉnh|\(.{0,60}?\))?\s*", "", body[pos:])
    return found, rest


def extract_assignments(doc: CleanDocument, chunks: list[Chunk], registry: AgencyRegistry) -> list[Assignment]:
    """Every (agency, role, task, deadline) the document states, tied to its chunk."""
    out: list[Assignment] = []
    seen: set[tuple[str, str, str]] = set()

    current: list[tuple[int, int]] = [(0, 0)]

    def add(mention_id: str, surface: str, role: str, task: str, chunk: Chunk) -> None:
        task = _tidy_task(task)
        if len(task.split()) < 4 or task.isupper() or task.rstrip().endswith(":"):
            return  # headings, signature lines and lead-ins are not tasks
        key = (mention_id, role, fold(task)[:80])
        if key in seen:
            return
        seen.add(key)
        agency = registry.get(mention_id)
        start, end = current[0]
        out.append(
            Assignment(mention_id, surface, role, task, _deadline(task), chunk.chunk_id, doc.doc_id, agency.collective, start, end)
        )

    intro: list[AgencyMention] = []  # addressees of an "… cần thực hiện các nhiệm vụ sau:" lead-in
    intro_path: list[str] = []
    for chunk in chunks:
        if any(re.match(r"(?i)nơi nhận", h) for h in chunk.heading_path):
            continue  # the distribution list names agencies but assigns nothing
        section = _section_agency(chunk, registry)
        if intro and chunk.heading_path[: len(intro_path)] != intro_path:
            intro = []  # the lead-in's section has ended
        cursor = 0
        for sentence, paragraph, opens in _sentences(chunk.text):
            local = chunk.text.find(sentence, cursor)
            cursor = max(cursor, local + len(sentence)) if local >= 0 else cursor
            current[0] = (chunk.start + max(local, 0), chunk.start + max(local, 0) + len(sentence))
            if section and _is_heading_line(sentence, chunk):
                continue
            lead_in = _lead_in_addressees(sentence, registry)
            if lead_in:
                intro, intro_path = lead_in, list(chunk.heading_path)
                continue
            if _from_triggers(sentence, registry, add, chunk):
                continue
            leads, rest = _leading_agencies(sentence, registry)
            if not leads:
                leads, rest = _subject_inside(sentence, registry)
            if leads and rest and not _PAST.match(rest) and _obliges(rest, doc):
                _assign_pieces(leads, rest, registry, add, chunk)
                continue
            if leads or _PAST.match(sentence):
                continue
            # under an agency heading or a lead-in, a paragraph is one task (its first sentence says it)
            if not opens:
                continue
            if section and _assigns_in_section(doc, chunk):
                agency_id, surface = section
                add(agency_id, surface, _role_for_lead(paragraph), paragraph, chunk)
                for partner in _partners(paragraph, registry, {agency_id}):
                    add(partner.agency_id, partner.surface, "phối hợp", paragraph, chunk)
            elif intro and not section and not _is_target_section(chunk) and not _is_heading_line(sentence, chunk):
                for lead in intro:
                    add(lead.agency_id, lead.surface, _role_for_lead(paragraph), paragraph, chunk)
    return out


def _assign_pieces(leads: list[AgencyMention], rest: str, registry: AgencyRegistry, add, chunk: Chunk) -> None:  # type: ignore[no-untyped-def]
    """One task per "; "-separated clause of what the leads must do (a clause that opens with
    another agency is that agency's task); partners after "phối hợp với" get role phối hợp."""
    for n, piece in enumerate(_task_pieces(rest)):
        others, own = _leading_agencies(piece, registry)
        if others and own:
            _assign_pieces(others, own, registry, add, chunk)
            continue
        if n and re.match(r"^\s*đối với\b", piece, re.IGNORECASE):
            break  # "…; đối với cơ sở, …" turns to another addressee
        role = _role_for_lead(piece)
        for k, lead in enumerate(leads):
            # "X và Y tham mưu …": the first named leads, the others work with it
            add(lead.agency_id, lead.surface, "phối hợp" if k and role in ("chủ trì", "tham mưu") else role, piece, chunk)
        for partner in _partners(piece, registry, {m.agency_id for m in leads}):
            add(partner.agency_id, partner.surface, "phối hợp", piece, chunk)


def _task_pieces(text: str) -> list[str]:
    """Split "làm A; làm B; làm C" into tasks; short fragments stay with the one before."""
    pieces: list[str] = []
    for part in re.split(r";\s*", text):
        if pieces and len(part.strip()) < 25:
            pieces[-1] = f"{pieces[-1]}; {part}"
        elif part.strip():
            pieces.append(part)
    return pieces or [text]


def _lead_in_addressees(sentence: str, registry: AgencyRegistry) -> list[AgencyMention]:
    """Addressees of a lead-in that announces a list ("các huyện, thành phố và các sở, ngành cần
    tập trung thực hiện các nhiệm vụ trọng tâm như sau:")."""
    if not re.search(r"(như sau|sau đây|các nhiệm vụ|những nhiệm vụ|nhiệm vụ sau|trọng tâm)\s*:\s*$", sentence, re.IGNORECASE):
        return []
    clause = re.split(r";\s*", sentence)[-1]
    m = re.search(r"\b(cần|phải|có trách nhiệm|tập trung)\b", clause, re.IGNORECASE)
    if not m:
        return []
    return [x for x in registry.find(clause[: m.start()])]


def _is_target_section(chunk: Chunk) -> bool:
    return bool(chunk.heading_path) and bool(re.search(r"mục tiêu|chỉ tiêu", chunk.heading_path[-1], re.IGNORECASE))


def _obliges(rest: str, doc: CleanDocument) -> bool:
    """Does the text after an agency state what it must do?"""
    if rest.lstrip().startswith(":") or _MODAL.match(rest):
        return True
    return doc.metadata.kind != "tin/bài" and bool(_ACTION.match(rest))


def _subject_inside(sentence: str, registry: AgencyRegistry) -> tuple[list[AgencyMention], str]:
    """An agency as subject after an introductory phrase ("Về công tác tập huấn, Văn phòng Điều
    phối NTM tỉnh sớm có văn bản …"; "…, đặc biệt là Văn phòng điều phối NTM phải có …")."""
    for mention in registry.find(sentence):
        before = sentence[: mention.start].rstrip()
        if mention.start == 0 or not re.search(r"(,|;|:|là|thì)$", before):
            continue
        rest = re.sub(r"^\s*((?:của\s+)?tỉnh|\(.{0,60}?\))?\s*", "", sentence[mention.end :])
        if _MODAL.match(rest):
            return [mention], rest
    return [], sentence


def _assigns_in_section(doc: CleanDocument, chunk: Chunk) -> bool:
    """Sentences under an agency's heading are its tasks in notices and plans; in a news report
    only when the section is about tasks (the agency heading came from a request)."""
    return doc.metadata.kind != "tin/bài" or bool(re.search(r"nhiệm vụ|giải pháp|tổ chức thực hiện", " ".join(chunk.heading_path), re.IGNORECASE))


def _is_heading_line(sentence: str, chunk: Chunk) -> bool:
    return sentence.strip().rstrip(":. ") in chunk.heading_path


def _section_agency(chunk: Chunk, registry: AgencyRegistry) -> tuple[str, str] | None:
    """The agency whose tasks this chunk lists, when its innermost heading names one."""
    if not chunk.heading_path:
        return None
    heading = chunk.heading_path[-1]
    mentions = registry.find(heading)
    if not mentions:
        return None
    covered = sum(m.end - m.start for m in mentions)
    if covered < 0.5 * len(re.sub(r"^\s*(?:[IVX]+|\d{1,2})[.)]\s*", "", heading)):
        return None
    return mentions[0].agency_id, mentions[0].surface


def _from_triggers(sentence: str, registry: AgencyRegistry, add, chunk: Chunk) -> bool:  # type: ignore[no-untyped-def]
    """"giao/đề nghị/yêu cầu X …": the agencies right after the trigger get the task."""
    handled = False
    for m in _TRIGGER.finditer(sentence):
        after = sentence[m.end() :]
        leads, rest = _leading_agencies(after, registry)
        if not leads or not rest:
            continue
        clause = re.split(r";\s*(?=(?:giao|đề nghị|yêu cầu)\b)", rest, maxsplit=1)[0]
        _assign_pieces(leads, clause, registry, add, chunk)
        handled = True
    return handled
