"""How a document is named to people: one readable title for chat sources, the documents tab and
exports, so nobody reads a hash file name ("002_8b2520492b2011fc.txt") as a title.

The title is what a Vietnamese official would say: kind + số hiệu + issuer + date ("Thông báo kết
luận số 15/TB-UBND của UBND tỉnh Lai Châu, ngày 05/03/2014"); for a document without a number,
its own title or, failing that, the opening of its text (its first heading or lead), with the
province and date. The file name is kept by callers as a detail, never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from assistant.answering.labels import KIND_WORD

LEAD_WORDS = 14  # the opening of a document shown as its title, when it has no title of its own
TITLE_WORDS = 30  # a very long title is cut (the full title stays in the document's metadata)
GENERIC_KINDS = {"", "khác", "tin/bài"}  # kinds that say nothing about a numbered document


def vn_date(iso: str) -> str:
    """ "2014-03-05" → "05/03/2014"; "" for anything that is not an ISO date."""
    try:
        d = date.fromisoformat((iso or "")[:10])
    except ValueError:
        return ""
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def kind_word(meta: Mapping[str, Any]) -> str:
    """The document kind as a capitalised Vietnamese word ("Thông báo kết luận", "Tin bài")."""
    kind = str(meta.get("kind") or "")
    if kind not in GENERIC_KINDS:
        return kind[:1].upper() + kind[1:]
    code = re.search(r"/([A-ZĐ]+)", str(meta.get("number") or ""))
    if code and code.group(1) in KIND_WORD:
        return KIND_WORD[code.group(1)]
    return "Tin bài" if kind == "tin/bài" else "Văn bản"


def _cut(text: str, words: int) -> str:
    parts = " ".join(text.split()).split(" ")
    return " ".join(parts) if len(parts) <= words else " ".join(parts[:words]).rstrip(",;:") + "…"


def lead_of(text: str) -> str:
    """The first line of a document's cleaned text that reads as words (its heading or lead)."""
    for line in (text or "").splitlines():
        line = line.strip()
        if sum(ch.isalpha() for ch in line) >= 12:
            return _cut(line, LEAD_WORDS)
    return ""


def readable_title(meta: Mapping[str, Any], lead: str = "") -> str:
    """The title shown for a document with metadata `meta` (a document's or a citation's keys:
    kind, number, issuer, province, issued, title); `lead` is the opening of its text, used when
    it has neither a number nor a title. "" when nothing is known (callers show the file name)."""
    when = vn_date(str(meta.get("issued") or ""))
    province = str(meta.get("province") or "")
    number = str(meta.get("number") or "")
    if number:
        issuer = str(meta.get("issuer") or "") or (f"UBND tỉnh {province}" if province else "")
        return (
            f"{kind_word(meta)} số {number}" + (f" của {issuer}" if issuer else "") + (f", ngày {when}" if when else "")
        )
    where = ", ".join(x for x in (province, when) if x)
    title = _cut(str(meta.get("title") or ""), TITLE_WORDS)
    if title:
        return title + (f" ({where})" if where else "")
    if lead:
        return f"{kind_word(meta)}" + (f" ({where})" if where else "") + f": “{lead}”"
    if where:
        return f"{kind_word(meta)} ({where})"
    return ""
