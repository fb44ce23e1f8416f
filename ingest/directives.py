"""The grammar of one directive sentence: who is its subject, what each of its clauses asks, with
which role and by when.

A Vietnamese directive names its addressees first ("Sở Tài chính, Sở Xây dựng và UBND các huyện
…", "Giám đốc các Sở: …", possibly after a trigger: "giao/đề nghị/yêu cầu X …"), then what they
must do, clause by clause ("làm A; làm B"). The role of a clause comes from its verb: "chủ trì",
"tham mưu", "báo cáo" (possibly after "tổng hợp," or "định kỳ hằng quý"), otherwise "thực hiện";
agencies after "phối hợp với" work with the subject (role phối hợp) — they are never its subject.
"""

from __future__ import annotations

import re

from core.agencies import AgencyMention, AgencyRegistry
from core.vntext import fold
from ingest.chunking import strip_item_marker
from ingest.directive_cues import DirectiveCues

_DEADLINE = re.compile(
    r"((?:trước|chậm nhất|trong|đến|vào)\s+(?:ngày\s+)?\d{1,2}/\d{1,2}(?:/\d{4})?"
    r"|(?:trong|trước|vào)\s+(?:tháng|quý)\s+[\dIVX]+(?:/\d{4}|\s+năm\s+\d{4})?"
    r"|(?:trong|trước|đến|hết)\s+năm\s+\d{4}"
    r"|(?:định kỳ\s+)?(?:hằng|hàng)\s+(?:tháng|quý|năm)"
    r"|quý\s+[IVX]+(?:/\d{4})?"
    r"|tháng\s+\d{1,2}/\d{4})",
    re.IGNORECASE,
)
# What may stand between two addressees of one subject ("Sở A, Sở B và UBND các huyện").
# A bare space or a dash between two names is apposition ("Sở NN&PTNT - cơ quan thường trực Ban
# Chỉ đạo tỉnh"): the second names the first's role, it is not a second subject.
_JOINER = re.compile(r"(?:\s*(?:(?:của|thuộc)?\s*tỉnh\s*)?(?:,|và|cùng|;|:)\s*)?")
_QUALIFIER = re.compile(r"^\s*(?:(?:của\s+)?(?:tỉnh|thành phố)\b|\([^()]{0,200}\))?\s*")
_MARKER = re.compile(
    r"^\s*(?:[-+•*–]|(?:Bước|Điều)\s+\d{1,2}[.:]|\d{1,2}(?:\.\d{1,2}){0,2}[.)]?|[IVX]{1,5}[.)]|[a-zđ][.)])\s+"
)


def strip_marker(text: str) -> str:
    """A list item without its bullet, number, letter or "Bước n." step marker."""
    return _MARKER.sub("", strip_item_marker(text), count=1) if _MARKER.match(text) else strip_item_marker(text)


def find_agencies(text: str, registry: AgencyRegistry, cues: DirectiveCues) -> list[AgencyMention]:
    """Agency mentions, reading a distributive subject ("từng sở, ngành", "mỗi xã") as the plural
    it distributes over; surfaces are the document's words."""
    plural = cues.distributive.sub(lambda m: "các".ljust(len(m.group(0))), text)
    return [
        AgencyMention(m.agency_id, text[m.start : m.end], m.start, m.end)
        for m in registry.find(plural)
        # "Văn phòng UBND tỉnh" is the office, not the body: without an entry of its own it is no one
        if not re.search(r"(?i)\bvăn phòng\s*$", text[: m.start])
    ]


def leading_agencies(text: str, registry: AgencyRegistry, cues: DirectiveCues) -> tuple[list[AgencyMention], str]:
    """The addressees a clause opens with and the rest of it (their predicate). A parenthesis
    after an addressee qualifies it ("Sở NN&PTNT (Văn phòng Điều phối)") and names no one else."""
    body = strip_marker(text)
    found: list[AgencyMention] = []
    pos = 0
    for mention in find_agencies(body[:400], registry, cues):
        if mention.start < pos:
            if found and mention.agency_id not in {m.agency_id for m in found}:
                found.append(mention)  # an enumeration read as several mentions over one span
            continue
        gap = body[pos : mention.start]
        if found:
            ok = bool(_JOINER.fullmatch(gap)) or (
                bool(re.search(r"[,;]|\bvà\b", gap))
                and bool(cues.person_title.match(re.sub(r"^[\s,;]*(?:và\s+)?", "", gap).strip()))
            )
        else:
            ok = not gap.strip(" :,") or bool(cues.person_title.match(gap))
        if not ok:
            break
        found.append(mention)
        pos = mention.end
        qualifier = _QUALIFIER.match(body, pos)
        if qualifier and "(" in qualifier.group(0):
            pos = qualifier.end()
    if not found:
        return [], text
    rest = _QUALIFIER.sub("", body[pos:], count=1)
    return found, rest


def first_leads(text: str, leads: list[AgencyMention]) -> bool:
    """ "X và Y, Z, W …": the first-named leads and "và" brings in the bodies that work with it;
    a flat list ("X, Y và Z …", "X, Y …") names equals."""
    if len(leads) < 3:
        return False
    body = strip_marker(text)
    return bool(re.search(r"\bvà\b", body[leads[0].end : leads[1].start]))


def role_of(clause: str, cues: DirectiveCues) -> str:
    """The role a clause gives its subject, from its verb."""
    head = clause[:160]
    if cues.chair.search(head):
        return "chủ trì"
    for m in cues.advise.finditer(clause[:140]):
        if not cues.advise_not_after.search(clause[: m.start()]):
            return "tham mưu"
    for m in cues.report.finditer(clause[:120]):
        # the verb opens the clause or follows a comma or a period word, within a few words
        # ("tổng hợp kết quả, báo cáo UBND tỉnh", "định kỳ hằng quý báo cáo"); after another
        # verb it is that verb's object ("công khai báo cáo")
        before = clause[: m.start()]
        if (
            len(before.split()) <= 8
            and not cues.report_not_after.search(before)
            and (not before.strip(" -–+•") or cues.report_prefix.search(before))
        ):
            return "báo cáo"
        if cues.report_send.search(before) and len(before.split()) <= 20:
            return "báo cáo"  # "…, gửi báo cáo về Văn phòng Điều phối"
        # "Định kỳ 6 tháng (trước ngày 15/6) và hằng năm báo cáo …": a period, then the verb
        bare = re.sub(r"\([^)]*\)", " ", before)
        if cues.report_periodic.match(bare) and not cues.action.search(bare) and len(bare.split()) <= 14:
            return "báo cáo"
    return "thực hiện"


def deadline_of(text: str) -> str:
    m = _DEADLINE.search(text)
    return m.group(1).strip() if m else ""


def tidy_task(text: str) -> str:
    text = re.sub(r"^[\s,:;\-–+•.]+", "", text).strip()
    text = re.sub(r"\s*\./\.\s*$", ".", text)
    return (text[:1].upper() + text[1:])[:400]


def task_pieces(text: str) -> list[str]:
    """Split "làm A; làm B; làm C" into tasks; short fragments stay with the one before."""
    pieces: list[str] = []
    for part in re.split(r";\s*", text):
        if pieces and len(part.strip()) < 25:
            pieces[-1] = f"{pieces[-1]}; {part}"
        elif part.strip():
            pieces.append(part)
    return pieces or [text]


def partners(clause: str, registry: AgencyRegistry, cues: DirectiveCues, exclude: set[str]) -> list[AgencyMention]:
    """Agencies the subject works with: those listed after "phối hợp với" up to the next verb."""
    out: list[AgencyMention] = []
    for m in cues.partner.finditer(clause):
        tail = clause[m.end() : m.end() + 260]
        named = find_agencies(tail, registry, cues)
        # the first verb outside a name ends the list ("Sở Xây dựng rà soát …": "xây dựng" is a name)
        stop = next(
            (s for s in cues.partner_stop.finditer(tail) if not any(x.start <= s.start() < x.end for x in named)), None
        )
        window_end = stop.start() if stop else len(tail)
        for x in (x for x in named if x.end <= window_end):
            if x.agency_id not in exclude:
                exclude = exclude | {x.agency_id}
                out.append(x)
    return out


def obliges(rest: str, cues: DirectiveCues, news: bool) -> bool:
    """Does the text after a subject state what it must do? A notice or plan assigns with plain
    action verbs; a news report narrates past work with the same verbs, so there only modal words
    count."""
    if rest.lstrip().startswith(":"):
        return True
    aspect = cues.aspect_modal.match(rest)
    if aspect:  # "tiếp tục mở chuyên mục …" obliges, "tiếp tục dẫn đầu tỉnh" (a state) describes
        return not cues.stative.match(rest[aspect.end() :])
    if cues.modal.match(rest):
        return True
    return not news and bool(cues.action.match(rest))


def is_narrated(rest: str, cues: DirectiveCues) -> bool:
    return bool(cues.narration.match(rest))


def is_central(agency_id: str, registry: AgencyRegistry, cues: DirectiveCues) -> bool:
    """A ministry or central office: a province's document recommends to it, never assigns."""
    agency = registry.agencies.get(agency_id)
    return agency is not None and agency.level in cues.central_levels


def folded_key(text: str) -> str:
    return fold(text)[:80]
