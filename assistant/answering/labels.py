"""How answers name their sources and how they abstain — shared by every strategy so a register,
list, extractive or LLM answer reads the same ("Theo Kế hoạch số 112/KH-UBND … :")."""

from __future__ import annotations

import re
from datetime import date

from core.agencies import AgencyRegistry
from core.contracts import Answer, QueryPlan, RetrievedChunk

KIND_WORD = {
    "TB": "Thông báo",
    "KH": "Kế hoạch",
    "BC": "Báo cáo",
    "HD": "Hướng dẫn",
    "QĐ": "Quyết định",
    "CV": "Công văn",
}

ABSTAIN_TEXT = "Không tìm thấy thông tin này trong các văn bản đã được nạp vào hệ thống."


def abstention(plan: QueryPlan, chunks: list[RetrievedChunk], reason: str, registry: AgencyRegistry) -> Answer:
    """The fixed abstention sentence plus the closest documents, so the user knows where we looked."""
    lines = [ABSTAIN_TEXT]
    seen: list[str] = []
    for chunk in chunks:
        if chunk.doc_id not in seen and len(seen) < 3:
            seen.append(chunk.doc_id)
    if seen:
        lines.append("Các văn bản gần nhất:")
        for doc_id in seen:
            chunk = next(c for c in chunks if c.doc_id == doc_id)
            lines.append(f"- {document_label(chunk, registry)}")
    return Answer("\n".join(lines), [], True, 0.0, chunks, {**plan.as_dict(), "abstain_reason": reason})


def document_label(chunk: RetrievedChunk, registry: AgencyRegistry) -> str:
    """ "Thông báo số 15/TB-UBND của UBND tỉnh Lai Châu (05/3/2014)" or "bài “…” (Hà Tĩnh, 13/3/2023)"."""
    meta = chunk.metadata
    when = _vn_date(meta.get("issued", ""))
    number = meta.get("number", "")
    if number:
        code = re.search(r"/([A-ZĐ]+)", number)
        kind = KIND_WORD.get(code.group(1), "Văn bản") if code else "Văn bản"
        issuer = _issuer_name(meta.get("issuer", ""), registry) or (
            f"UBND tỉnh {meta['province']}" if meta.get("province") else ""
        )
        label = f"{kind} số {number}" + (f" của {issuer}" if issuer else "")
        return label + (f" ({when})" if when else "")
    where = ", ".join(x for x in (meta.get("province", ""), when) if x)
    title = _short_title(meta.get("title", ""))
    name = f"bài “{title}”" if title else "bài viết"
    return name + (f" ({where})" if where else "")


def _issuer_name(issuer: str, registry: AgencyRegistry) -> str:
    """The issuer by the registry's name of the body it is ("Văn phòng điều phối chương trình mtqg
    xây dựng nông thôn mới tỉnh Tiền Giang" → "Văn phòng Điều phối nông thôn mới tỉnh Tiền
    Giang"): the header's spelling varies in case and length, the registry's does not."""
    mentions = registry.find(issuer) if issuer else []
    if not mentions or mentions[0].start > 0 or registry.get(mentions[0].agency_id).collective:
        return issuer
    name = re.sub(r"\s+(tỉnh|thành phố)$", "", registry.get(mentions[0].agency_id).name)
    place = re.search(r"\b(tỉnh|thành phố|TP\.?)\s+\S.*$", issuer)
    label = f"{name} {place.group(0)}" if place else name
    return label if len(label) < len(issuer) else issuer


def _short_title(title: str, words: int = 8) -> str:
    """Long news titles are cut for the lead line (the citation keeps the full title)."""
    parts = title.split()
    return title if len(parts) <= words else " ".join(parts[:words]) + "…"


def lead_line(chunk: RetrievedChunk, registry: AgencyRegistry) -> str:
    return f"Theo {document_label(chunk, registry)}:"


def _vn_date(iso: str) -> str:
    try:
        d = date.fromisoformat(iso)
    except ValueError:
        return ""
    return f"{d.day:02d}/{d.month:02d}/{d.year}"
