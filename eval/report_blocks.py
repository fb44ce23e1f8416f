"""The blocks a report is made of (headings, paragraphs, tables, images, quotes, lists) and their two
renderings: `to_markdown` and `to_html` render the same blocks, so report.md and report.html never
disagree. Every piece of text is escaped (`<script>` in an answer stays text in both files); the HTML
is self-contained (inline CSS, no scripts, no external resources) apart from the plot PNGs it shows
by relative path.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Union
from urllib.parse import quote

TITLE = "NTM Assistant — evaluation report"


# --- blocks ---------------------------------------------------------------------------------
@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Para:
    text: str
    label: str = ""  # shown bold before the text


@dataclass
class Table:
    header: Sequence[str]
    rows: Sequence[Sequence[Any]]


@dataclass
class Image:
    path: str  # relative to the report
    alt: str


@dataclass
class Quote:
    text: str


@dataclass
class Item:
    label: str
    text: str = ""
    sub: list[str] = field(default_factory=list)  # an ordered sub-list


@dataclass
class Items:
    items: list[Item]


@dataclass
class Links:
    links: list[tuple[str, str]]  # (text, relative href)


Block = Union[Heading, Para, Table, Image, Quote, Items, Links]


# --- Markdown -------------------------------------------------------------------------------
def _md(text: Any) -> str:
    return html.escape(str(text), quote=False)


def _md_href(path: str) -> str:
    """A relative link target, percent-encoded (a name can never break out of the link)."""
    return quote(path, safe="/._-+")


def _md_cell(text: Any) -> str:
    return _md(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: Iterable[Block]) -> str:
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            out += ["#" * b.level + " " + _md(b.text), ""]
        elif isinstance(b, Para):
            out += [(f"**{_md(b.label)}** " if b.label else "") + _md(b.text), ""]
        elif isinstance(b, Table):
            out.append("| " + " | ".join(_md_cell(h) for h in b.header) + " |")
            out.append("|" + "---|" * len(b.header))
            out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b.rows]
            out.append("")
        elif isinstance(b, Image):
            out += [f"![{_md(b.alt)}]({_md_href(b.path)})", ""]
        elif isinstance(b, Quote):
            out += ["> " + _md(line) if line.strip() else ">" for line in (b.text or "(empty)").splitlines()]
            out.append("")
        elif isinstance(b, Items):
            for it in b.items:
                out.append(f"- **{_md(it.label)}**" + (f" {_md(it.text)}" if it.text else ""))
                out += [f"  {n}. {_md(s)}" for n, s in enumerate(it.sub, start=1)]
            out.append("")
        elif isinstance(b, Links):
            out += [" · ".join(f"[{_md(text)}]({_md_href(href)})" for text, href in b.links), ""]
        else:  # pragma: no cover - a new block type without a renderer
            raise TypeError(f"unknown report block {b!r}")
    return "\n".join(out).rstrip() + "\n"


# --- HTML -----------------------------------------------------------------------------------
_CSS = (
    'body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;'
    "max-width:1200px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\n"
    + """
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.92em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f2f2f2}
td.num{text-align:right;font-variant-numeric:tabular-nums}
blockquote{margin:.4em 0 .8em;padding:.3em .8em;border-left:4px solid #bbb;background:#fafafa;white-space:pre-wrap}
img{max-width:100%;border:1px solid #eee;margin:.4em 0 1em}
h3{margin-top:1.6em;border-top:1px solid #eee;padding-top:.6em}
""".strip()
)


def _h(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _is_num(value: Any) -> bool:
    text = str(value)
    return bool(text) and text.replace(".", "", 1).replace("-", "", 1).replace("—", "").strip().isdigit()


def to_html(blocks: Iterable[Block], title: str = TITLE) -> str:
    out = [
        "<!DOCTYPE html>",
        '<html lang="vi">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{_h(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
    ]
    for b in blocks:
        if isinstance(b, Heading):
            level = min(max(b.level, 1), 6)
            out.append(f"<h{level}>{_h(b.text)}</h{level}>")
        elif isinstance(b, Para):
            out.append("<p>" + (f"<strong>{_h(b.label)}</strong> " if b.label else "") + _h(b.text) + "</p>")
        elif isinstance(b, Table):
            out.append("<table><thead><tr>" + "".join(f"<th>{_h(h)}</th>" for h in b.header) + "</tr></thead><tbody>")
            for row in b.rows:
                cells = "".join(f'<td class="num">{_h(c)}</td>' if _is_num(c) else f"<td>{_h(c)}</td>" for c in row)
                out.append(f"<tr>{cells}</tr>")
            out.append("</tbody></table>")
        elif isinstance(b, Image):
            out.append(f'<p><img src="{_h(quote(b.path, safe="/._-+"))}" alt="{_h(b.alt)}"></p>')
        elif isinstance(b, Quote):
            out.append(f"<blockquote>{_h(b.text or '(empty)')}</blockquote>")
        elif isinstance(b, Items):
            out.append("<ul>")
            for it in b.items:
                sub = "<ol>" + "".join(f"<li>{_h(s)}</li>" for s in it.sub) + "</ol>" if it.sub else ""
                out.append(f"<li><strong>{_h(it.label)}</strong> {_h(it.text)}{sub}</li>")
            out.append("</ul>")
        elif isinstance(b, Links):
            out.append(
                "<p>"
                + " · ".join(f'<a href="{_h(quote(href, safe="/._-+"))}">{_h(text)}</a>' for text, href in b.links)
                + "</p>"
            )
        else:  # pragma: no cover
            raise TypeError(f"unknown report block {b!r}")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


# --- numbers from answers.jsonl records -----------------------------------------------------
