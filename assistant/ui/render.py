"""Pure rendering for the web app: answers, sources, highlighted spans, chips, Markdown export.

Every piece of document text (answers quote documents verbatim) goes through `html.escape`
before it is put into HTML, so a document containing `<script>` or `onerror=` shows that text
inertly. Only the markup built here (citation links, <mark>, layout) is live HTML.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

from assistant.refusals import RefusalTexts, load_refusal_texts

CITE_RE = re.compile(r"\[(\d{1,3})\]")
ABSTAIN_LABEL = "Không có căn cứ trong tài liệu"
SOURCE_HINT = "Bấm vào một trích dẫn [n] để xem đoạn văn gốc, phần được trích dẫn được tô sáng."
PARAGRAPH_WINDOW = 1200  # characters shown around a quote when its paragraph is longer


def cite_link(n: int | str) -> str:
    return f'<a class="cite" data-n="{int(n)}" href="#cite-{int(n)}" title="Xem nguồn [{int(n)}]">[{int(n)}]</a>'


def link_citations(escaped: str) -> str:
    """Turn `[n]` markers of already-escaped text into citation links."""
    return CITE_RE.sub(lambda m: cite_link(m.group(1)), escaped)


def answer_lines(text: str) -> list[str]:
    """The answer as escaped HTML lines with `[n]` as links (the unit the chat streams in)."""
    return [link_citations(escape(line)) for line in text.splitlines()]


def answer_html(lines: Sequence[str], abstained: bool = False, done: bool = True, label: str = "") -> str:
    """Lines from `answer_lines` wrapped in one raw-HTML block (no blank line, so the chat's
    Markdown renderer leaves it alone); `label` (who answered) under it once it is complete."""
    body = "<br>".join(line for line in lines)
    badge = f'<div class="abstain-label">{escape(ABSTAIN_LABEL)}</div>' if abstained and done else ""
    classes = "answer abstained" if abstained else "answer"
    cursor = "" if done else '<span class="typing">▍</span>'
    by = f'<div class="gen-label">{escape(label)}</div>' if label and done else ""
    return f'<div class="{classes}">{badge}{body}{cursor}{by}</div>'


def cited_numbers(text: str) -> set[int]:
    return {int(n) for n in CITE_RE.findall(text or "")}


def cited_only(answer: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Citations whose marker appears in the answer text (all of them if it shows none)."""
    citations = list(answer.get("citations") or [])
    shown = cited_numbers(answer.get("answer", ""))
    return [c for c in citations if c["n"] in shown] if shown else citations


def source_title(c: Mapping[str, Any]) -> str:
    """A citation's readable document title ("label", see `assistant.titles`), else its title,
    else its file name (always shown too, as a detail)."""
    return str(c.get("label") or c.get("title") or c.get("source", ""))


def _meta_line(c: Mapping[str, Any]) -> str:
    parts = [
        f"Số hiệu: {c['number']}" if c.get("number") else "",
        f"Tỉnh: {c['province']}" if c.get("province") else "",
        f"Ngày: {c['issued']}" if c.get("issued") else "",
    ]
    return " · ".join(escape(p) for p in parts if p)


def sources_html(answer: Mapping[str, Any] | None) -> str:
    """The sources panel: one card per cited source (title, số hiệu, province, date, quote)."""
    if not answer:
        return '<div class="sources empty">Nguồn trích dẫn sẽ hiện ở đây.</div>'
    cards = []
    for c in cited_only(answer):
        title = escape(source_title(c))
        cards.append(
            f'<div class="src-card" id="src-{int(c["n"])}">'
            f'<div class="src-head">{cite_link(c["n"])} <span class="src-title">{title}</span></div>'
            f'<div class="src-meta">{_meta_line(c)}</div>'
            f'<div class="src-file">{escape(c.get("source", ""))}</div>'
            f'<blockquote class="src-quote">{escape(c.get("quote", ""))}</blockquote></div>'
        )
    if not cards:
        return '<div class="sources empty">Câu trả lời này không trích dẫn tài liệu nào.</div>'
    return '<div class="sources">' + "".join(cards) + "</div>"


def paragraph_bounds(text: str, start: int, end: int, window: int = PARAGRAPH_WINDOW) -> tuple[int, int]:
    """The paragraph(s) holding [start, end) (blank-line separated), cut to a window around it."""
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    left = text.rfind("\n\n", 0, start)
    left = 0 if left < 0 else left + 2
    right = text.find("\n\n", end)
    right = len(text) if right < 0 else right
    if right - left > (end - start) + window:
        left = max(left, start - window // 2)
        right = min(right, end + window // 2)
    return left, right


def highlight_html(text: str, start: int, end: int) -> str:
    """The span [start, end) of `text` in <mark class="hl"> inside its escaped paragraph."""
    left, right = paragraph_bounds(text, start, end)
    start, end = max(left, start), min(right, max(start, end))
    before = ("… " if left > 0 and text[left - 1] not in "\n" else "") + text[left:start]
    after = text[end:right] + (" …" if right < len(text) and text[right] not in "\n" else "")
    return f'{escape(before)}<mark class="hl">{escape(text[start:end])}</mark>{escape(after)}'


def source_view_html(citation: Mapping[str, Any] | None, document_text: str | None) -> str:
    """The source viewer: which document, then the quoted span highlighted in its paragraph."""
    if not citation:
        return f'<div class="source-view empty">{escape(SOURCE_HINT)}</div>'
    title = escape(source_title(citation))
    number = f"[{int(citation['n'])}] " if citation.get("n") else ""
    head = (
        f'<div class="sv-head">{number}<span class="src-title">{title}</span></div>'
        f'<div class="src-meta">{_meta_line(citation)}</div><div '
        f'class="src-file">{escape(citation.get("source", ""))}</div>'
    )
    text = document_text or ""
    start, end = int(citation.get("start", 0)), int(citation.get("end", 0))
    if text and text[start:end].strip():
        body = highlight_html(text, start, end)
    else:  # the document changed or was removed since the answer: show the stored quote
        body = f'<mark class="hl">{escape(citation.get("quote", ""))}</mark>'
    return f'<div class="source-view">{head}<div class="sv-para">{body}</div></div>'


def chips_html(chips: Iterable[tuple[str, str]]) -> str:
    """Active filters as chips: (label, value) pairs."""
    items = [f'<span class="chip"><b>{escape(k)}:</b> {escape(v)}</span>' for k, v in chips if v]
    if not items:
        return '<div class="chips"><span class="chip none">Không lọc: tìm trong mọi tài liệu</span></div>'
    return '<div class="chips">' + "".join(items) + "</div>"


def document_html(text: str | None, title: str = "") -> str:
    """A document's cleaned text, escaped, whitespace kept."""
    if text is None:
        return '<div class="doc-view empty">Chọn một tài liệu để xem nội dung đã làm sạch.</div>'
    head = f'<div class="sv-head">{escape(title)}</div>' if title else ""
    return f'<div class="doc-view">{head}<pre class="doc-text">{escape(text)}</pre></div>'


STATUS_LABELS = {
    "added": "thêm mới",
    "updated": "cập nhật",
    "unchanged": "không đổi",
    "refused": "từ chối",
    "duplicate": "bản trùng: lưu làm bản khác của",
    "pending": "đang chờ",
    "working": "đang xử lý…",
}


def reason_html(reason: str, texts: RefusalTexts) -> str:
    """A refusal reason in Vietnamese, the loader's own (technical, English) wording folded away."""
    return (
        f'<span class="reason">{escape(texts.vietnamese(reason))}</span> '
        f'<details class="reason-detail"><summary>Chi tiết kỹ thuật</summary><code>{escape(reason)}</code></details>'
    )


def ingest_log_html(
    rows: Sequence[tuple[str, str, str]], done: int | None = None, texts: RefusalTexts | None = None
) -> str:
    """Per-file ingest progress and results: (source, status, reason) rows; refusal reasons in
    Vietnamese (`texts`, default the shipped table)."""
    texts = texts or load_refusal_texts()
    total = len(rows)
    finished = sum(1 for _, s, _ in rows if s not in ("pending", "working")) if done is None else done
    items = []
    for source, status, reason in rows:
        label = STATUS_LABELS.get(status, status)
        if status == "duplicate":  # the reason is the document this file is a copy of
            why = f" <b>{escape(reason)}</b>" if reason else ""
        else:
            why = f" — {reason_html(reason, texts)}" if reason else ""
        items.append(f'<li class="st-{escape(status)}"><b>{escape(source)}</b>: {escape(label)}{why}</li>')
    bar = f'<progress value="{finished}" max="{max(total, 1)}"></progress> {finished}/{total} tệp'
    return f'<div class="ingest-log"><div class="ingest-progress">{bar}</div><ul>{"".join(items)}</ul></div>'


def notice_html(message: str, kind: str = "info") -> str:
    return f'<div class="notice {escape(kind)}">{escape(message)}</div>'


def answer_markdown(question: str, answer: Mapping[str, Any]) -> str:
    """The answer with its cited sources as a Markdown document (the chat's export)."""
    lines = ["# NTM Assistant — câu trả lời", "", f"**Câu hỏi:** {question.strip()}", "", "## Trả lời", ""]
    if answer.get("abstained"):
        lines += [f"> {ABSTAIN_LABEL}", ""]
    lines += [answer.get("answer", "").rstrip(), "", "## Nguồn trích dẫn", ""]
    for c in cited_only(answer):
        where = ", ".join(x for x in (c.get("number"), c.get("province"), c.get("issued")) if x)
        title = source_title(c)
        lines.append(f"{c['n']}. **{title}**" + (f" ({where})" if where else "") + f" — `{c.get('source', '')}`")
        quote = " ".join(str(c.get("quote", "")).split())
        lines += [f"   > {quote}", ""]
    return "\n".join(lines).rstrip() + "\n"
