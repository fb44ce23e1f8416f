"""One sentence splitter for Vietnamese administrative text, with the rule each reader needs.

A sentence ends at a mark (".", "!", "?") followed by white space, and — for most readers — only
when what follows can open a sentence (a capital, a quote, a bullet, a figure). That keeps whole
the things a full stop does not end inside a line: figures ("4.051", "1.200", "31,64%", "5,6"),
dates ("10/7/2019"), "v.v." before a lower-case word, an ellipsis inside a clause. A line break
always ends a sentence: `text_spans` and `sentence_at` split a text into lines themselves, the other
functions take one line.

Readers differ in a few documented ways, each a field of `SentenceRule`, so that the outline of
a document, the evidence units of an answer, the sentences of an LLM reply, the meeting facts
and the cut points of long chunks all come from one function (see the named rules below):
- `next_start`: what must follow the white space for a new sentence to begin ("" = anything);
- `marks`: the characters that end a sentence ("…" ends a reply's sentence; ";" is a cut point);
- `long_clauses`: a sentence longer than this also ends at ";" before a capital;
- `join_markers`: a piece that is only a list marker or a signature abbreviation ("1.", "a.",
  "II.", "KT.", "Điều 2.") opens the next piece instead of standing alone.

Known gap: an abbreviation before a name ("TP. Hà Nội", "Tp. Huế") ends a sentence under OUTLINE,
EVIDENCE and MEETING (none in the shared corpora; REPLY's caller joins fragments under three words).
A shape rule would also swallow the list markers "I." and "A."; a list of abbreviations belongs in
core/data, passed in.

Note on the capital class: `À-Ỹ` spans every precomposed Vietnamese letter, lower case included
("ở", "ạ"), so after a mark any non-ASCII letter opens a sentence; ASCII lower case does not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

CAPITAL = "A-ZĐÀ-Ỹ"
# Pieces that are only a list marker or a signature-block abbreviation: they open the next piece.
_MARKER_ONLY = re.compile(r"(?:[IVX]+|\d{1,2}(?:\.\d{1,2})*|[a-zđ]|KT|TM|TL|Bước \d{1,2}|Điều \d{1,2})\.")
_CLAUSE_END = re.compile(rf"(?<=;)\s*(?=[{CAPITAL}])")


@dataclass(frozen=True)
class SentenceRule:
    """Where one sentence of a line ends and the next begins (see the module docstring)."""

    marks: str = ".!?"
    next_start: str = ""
    long_clauses: int = 0  # 0: a long sentence is not cut at its clauses
    join_markers: bool = False
    name: str = field(default="", compare=False)

    @cached_property
    def boundary(self) -> re.Pattern[str]:
        """White space after an end mark (and before `next_start`): match.start() ends a sentence,
        match.end() starts the next."""
        marks = re.escape(self.marks)
        ahead = f"(?={self.next_start})" if self.next_start else ""
        return re.compile(rf"(?<=[{marks}])\s+{ahead}")


# The outline of a document (registers, targets): a capital or a quote opens a sentence; list
# markers and "KT." stay with their line.
OUTLINE = SentenceRule(next_start=rf"[{CAPITAL}\"“]", join_markers=True, name="outline")
# Evidence units of an answer: also a figure, a bracket or a bullet opens one; a long sentence is
# cut at "; " before a capital (a list run together in one sentence).
EVIDENCE = SentenceRule(next_start=rf"[\"“(+\-•]?\s*[{CAPITAL}0-9]", long_clauses=300, name="evidence")
# The sentences of an LLM's reply: any full stop, "!", "?" or "…" followed by a space ends one (the
# reply's own citation markers, not capitals, tell its claims apart; see assistant/llm.py).
REPLY = SentenceRule(marks=".!?…", name="reply")
# The sentences of a meeting's lead (who chaired it, when; also the metadata stage's sentence around
# a date or a number): an ASCII capital, Đ, a quote or a bracket opens one.
MEETING = SentenceRule(next_start=r"[A-ZĐ\"“(]", name="meeting")
# Where a too-long block may be cut into chunks: after any end mark or ";" followed by a space.
CUT = SentenceRule(marks=".;!?", name="cut")


def boundaries(line: str, rule: SentenceRule) -> list[tuple[int, int]]:
    """(end of a sentence, start of the next) at each boundary of `line` under `rule`."""
    return [m.span() for m in rule.boundary.finditer(line)]


def sentence_spans(line: str, rule: SentenceRule) -> list[tuple[int, int]]:
    """[start, end) of each piece of `line`, as cut (white space at the boundaries left out; a
    leading or trailing space of the line kept; no joining of markers)."""
    spans = []
    start = 0
    for end, nxt in boundaries(line, rule):
        spans.append((start, end))
        start = nxt
    spans.append((start, len(line)))
    if not rule.long_clauses:
        return spans
    out = []
    for s, e in spans:
        if e - s <= rule.long_clauses:
            out.append((s, e))
            continue
        at = s
        for m in _CLAUSE_END.finditer(line, s, e):
            out.append((at, m.start()))
            at = m.end()
        out.append((at, e))
    return out


def text_spans(text: str, rule: SentenceRule) -> list[tuple[int, int]]:
    """[start, end) in `text` of each sentence of each of its lines (a line break ends one),
    white space at both ends left out, empty ones dropped."""
    out = []
    for line in re.finditer(r"[^\n]+", text):
        for s, e in sentence_spans(line.group(0), rule):
            piece = line.group(0)[s:e]
            stripped = piece.strip()
            if stripped:
                start = line.start() + s + piece.find(stripped)
                out.append((start, start + len(stripped)))
    return out


def evidence_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of each evidence unit of a chunk: its EVIDENCE sentences of at least three
    characters (shorter ones are stray marks). Answering scores these, and ingest stores what it
    reads in these same spans (core/chunk_readings), so both take them from here."""
    return [(s, e) for s, e in text_spans(text, EVIDENCE) if e - s >= 3]


def sentence_at(text: str, pos: int, rule: SentenceRule) -> tuple[int, int]:
    """[start, end) of the sentence of `text` (see `text_spans`) holding position `pos`; between
    two sentences, the next one; past the last, (pos, len(text))."""
    for s, e in text_spans(text, rule):
        if pos < e:
            return s, e
    return pos, len(text)


def sentence_pieces(line: str, rule: SentenceRule) -> list[str]:
    """The text of each span of `sentence_spans`."""
    return [line[s:e] for s, e in sentence_spans(line, rule)]


def split_sentences(line: str, rule: SentenceRule = OUTLINE) -> list[str]:
    """The sentences of one line, stripped, empty ones dropped; with `rule.join_markers` a piece
    that is only a list marker or "KT." is joined to the next ("1. Sở Tài chính:" is one line)."""
    parts: list[str] = []
    for piece in sentence_pieces(line, rule):
        piece = piece.strip()
        if rule.join_markers and parts and _MARKER_ONLY.fullmatch(parts[-1]):
            parts[-1] = f"{parts[-1]} {piece}"
        elif piece:
            parts.append(piece)
    return parts
