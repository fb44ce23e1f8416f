"""Targets at ingest: which figures a document plans (mục tiêu) and which it reports achieved
(kết quả), each tied to the chunk that states it."""
from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

from ingest.extract import Target, _sentences
from ingest.model import Chunk, CleanDocument
from ingest.vntext import fold, is_day_month


@cache
def _indicators() -> list[dict[str, str]]:
    raw = resources.files("ingest").joinpath("data/indicators.json").read_text("utf-8")
    return json.loads(raw)["indicators"]


_FIGURE = re.compile(r"(?<![\w/.,])(\d+(?:[.,]\d+)*(?:/\d+)?)(\s*%)?")
_TARGET_CUES = re.compile(r"\b(mục tiêu|chỉ tiêu|phấn đấu|tối thiểu|có thêm|đề ra|dự kiến|kế hoạch|định hướng|kỳ vọng|phải đạt|sẽ)\b", re.IGNORECASE)
_RESULT_CUES = re.compile(r"\b(đã|đạt được|đến nay|hiện có|toàn tỉnh có|tính đến|kết quả|giảm|tăng|huy động được|còn)\b", re.IGNORECASE)


def _clauses(sentence: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"[^;]+", sentence)]


def _indicator_for(before: str, after: str) -> dict[str, str] | None:
    fa, fb = fold(after).strip(), fold(before)[-80:]
    for ind in _indicators():
        if ind.get("after") and re.search(ind["after"], fa):
            return ind
    for ind in _indicators():
        if ind.get("before") and not ind.get("after") and re.search(ind["before"], fb):
            return ind
    for ind in _indicators():
        if ind.get("before") and ind.get("after") and re.search(ind["before"], fb) and re.match(r"^tieu chi", fa):
            return ind
    return None


# Counting units that make a figure an indicator value ("12 phòng học", "92 lớp", "4.051 tỷ đồng").
_UNITS = (
    r"tiêu chí/xã|tiêu chí|xã|huyện|thôn|bản|km|sản phẩm|hộ|khu dân cư|tỷ đồng|triệu đồng(?:/người/năm)?|"
    r"nghìn đồng|đồng|m2|m²|ha|ngày công|phòng học|nhà văn hóa|lớp|mô hình|công trình|trường|người|lao động|"
    r"hợp tác xã|tổ hợp tác|doanh nghiệp|chợ|trạm|điểm|cầu|kênh|tấn|con"
)


def _unit_of(after: str, percent: bool) -> str:
    if percent:
        return "%"
    m = re.match(rf"\s*({_UNITS})(?!\w)", after)
    return m.group(1) if m else ""


def _generic_indicator(unit: str, after: str, before: str) -> str:
    """"số phòng học …" from the words after a count, or the words before a percentage."""
    if unit == "%":
        words = re.split(r"[,;:(]", before)[-1].split()[-6:]
        return " ".join(words).strip() or "tỷ lệ"
    phrase = re.split(r"[,;:.()]|\bso với\b|\bđể\b|\btrong\b", after)[0].split()[:6]
    return "số " + " ".join(phrase).strip()


def _kind_of(sentence: str, heading: str, doc_kind: str) -> str:
    context = fold(heading)
    if re.search(r"muc tieu|chi tieu|ke hoach|dinh huong|nhiem vu nam", context):
        return "mục tiêu"
    if re.search(r"ket qua|danh gia", context):
        return "kết quả"
    if _TARGET_CUES.search(sentence) and not re.search(r"\b(đã|đạt được|đến nay)\b", sentence, re.IGNORECASE):
        return "mục tiêu"
    if _RESULT_CUES.search(sentence):
        return "kết quả"
    return "mục tiêu" if doc_kind == "kế hoạch" else "kết quả"


def _period_of(clause: str, heading: str, sentence: str) -> str:
    for text in (clause, sentence, heading):
        m = re.search(r"(\d{1,2}/\d{1,2}/\d{4}|\d+ tháng (?:đầu |cuối )?năm \d{4}|giai đoạn \d{4}\s*[-–]\s*\d{4}|\d{4}\s*[-–]\s*\d{4}|năm \d{4}|\b(?:19|20)\d\d\b)", text)
        if m:
            return m.group(1)
    return ""


def _scope_of(clause: str) -> str:
    m = re.search(r"\b(huyện|thị xã|thành phố)\s+([A-ZĐ][\wÀ-ỹ]*(?:\s+[A-ZĐ][\wÀ-ỹ]*){0,2})", clause)
    if m:
        return f"{m.group(1)} {m.group(2)}"
    return "tỉnh"


def extract_targets(doc: CleanDocument, chunks: list[Chunk]) -> list[Target]:
    """Planned and achieved figures of known indicators, with unit, period, scope and kind."""
    out: list[Target] = []
    for chunk in chunks:
        heading = " ".join(chunk.heading_path)
        for sentence, _, _ in _sentences(chunk.text):
            for start, end in _clauses(sentence):
                clause = sentence[start:end]
                for m in _FIGURE.finditer(clause):
                    value = m.group(1)
                    if re.fullmatch(r"(19|20)\d\d", value) or _is_date_or_number(clause, m):
                        continue
                    after = clause[m.end() : m.end() + 60]
                    before = clause[: m.start()]
                    unit = _unit_of(after, bool(m.group(2)))
                    known = _indicator_for(before, after)
                    if known is None and not unit:
                        continue
                    name = known["name"] if known else _generic_indicator(unit, after, before)
                    shown = value + ("%" if m.group(2) else "")
                    out.append(
                        Target(
                            indicator=name,
                            value=shown,
                            unit=unit,
                            period=_period_of(clause, heading, sentence),
                            scope=_scope_of(clause),
                            kind=_kind_of(sentence, heading, doc.metadata.kind),
                            text=clause.strip(),
                            chunk_id=chunk.chunk_id,
                            doc_id=doc.doc_id,
                        )
                    )
    return out


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
    return bool(re.search(r"(ngày|tháng|quý|số|Bước|khóa|lần thứ|thứ|giai đoạn)\s*$", clause[: m.start()], re.IGNORECASE))
