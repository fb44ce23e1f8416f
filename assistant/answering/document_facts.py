"""Metadata questions answered from the document's own header facts, cited to the header span.

"Kế hoạch … số mấy, ban hành ngày nào, ai ký?", "căn cứ văn bản nào", "cơ quan nào trình", "hiệu
lực từ khi nào", "ai chủ trì hội nghị": each asks a fact the document states once, in its header,
its closing clauses, its signature block or its lead sentence (core/header_facts.py,
core/event_facts.py). Quoting sentences that merely resemble the question ("Căn cứ …" lines
for "ai ký?") is what this strategy replaces. It answers only when every interrogative word of
the question is explained by a fact cue (assistant/data/document_fact_cues.json) and the chosen
document states every asked fact; otherwise it returns None and the next strategy answers.

Construction (the service wires it first in the chain; `knowledge` is core.knowledge.Knowledge,
`cues` the FactCues read once by the composition root):
    DocumentFacts.for_index(index, knowledge, cues)     # reads texts and chunks from the Index
    DocumentFacts(document_text, document_chunks, knowledge, cues)  # or any two callables:
        document_text(doc_id) -> str | None             # the cleaned text (Index.document_text)
        document_chunks(doc_id) -> list[RetrievedChunk] # the document's chunks, to cite spans
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from assistant.answering.labels import document_label
from core.contracts import Answer, Citation, QueryPlan, RetrievedChunk
from core.cue_tables import CueTable
from core.event_facts import event_fact, official_date, presided_fact, sentences
from core.header_facts import NUMBER_RE, Fact, HeaderFacts, read_header
from core.knowledge import Knowledge
from core.vntext import fold

_CANDIDATE_DOCS = 1  # the best-matching document answers; a lower-ranked one is often another meeting or plan
_CACHE = 256
_LEAD_CHARS = 1500  # where a document without a header announces its own number


@dataclass(frozen=True)
class FactCues:
    """Which facts a question asks, from `data/document_fact_cues.json`."""

    interrogatives: re.Pattern[str]
    facts: dict[str, list[re.Pattern[str]]]
    declines: list[re.Pattern[str]]  # look-alike questions the header does not answer
    doc_nouns: re.Pattern[str]
    event_nouns: re.Pattern[str]
    stop_words: frozenset[str]

    @classmethod
    def load(cls) -> "FactCues":
        return cls.from_table(CueTable.packaged("assistant", "document_fact_cues.json"))

    @classmethod
    def from_table(cls, table: CueTable) -> "FactCues":
        """Patterns compiled; "{doc}" in a fact or decline pattern stands for the table's document nouns."""
        doc = table.text("doc")
        facts = {
            name: [
                table.compile(f"facts.{name}", p.replace("{doc}", doc)) for p in table.string_list(f"facts.{name}", ps)
            ]
            for name, ps in table.mapping("facts").items()
        }
        declines = [table.compile("declines", p.replace("{doc}", doc)) for p in table.words("declines")]
        return cls(
            table.regex("interrogatives"),
            facts,
            declines,
            table.compile("doc", rf"\b{doc}\b"),
            table.regex("event_nouns"),
            frozenset(table.words("stop_words")),
        )

    def asked(self, folded: str) -> list[str]:
        """Facts asked, in question order; [] unless every interrogative is inside a fact cue."""
        if any(rx.search(folded) for rx in self.declines):
            return []
        hits: list[tuple[int, int, str]] = []
        for name, patterns in self.facts.items():
            for rx in patterns:
                hits += [(m.start(), m.end(), name) for m in rx.finditer(folded)]
        # a cue inside a longer one of another fact is part of it ("tại TTr số mấy" is not "số mấy")
        hits = [
            h
            for h in hits
            if not any(o[2] != h[2] and o[0] <= h[0] and h[1] <= o[1] and o[1] - o[0] > h[1] - h[0] for o in hits)
        ]
        if not hits:
            return []
        for q in self.interrogatives.finditer(folded):
            if not any(s <= q.start() and q.end() <= e for s, e, _ in hits):
                return []
        order: dict[str, None] = {}
        for _, _, name in sorted(hits):
            order.setdefault(name, None)
        names = list(order)
        if "date" in names and ({"issued", "event"} & set(names)):
            names.remove("date")  # a bare "ngày nào" next to a specific one is that one
        if names == ["date"] and not (self.event_nouns.search(folded) or self.doc_nouns.search(folded)):
            return []  # "khi nào?" alone says nothing of a document or a meeting
        return names


@dataclass
class _Doc:
    """One candidate document: its text, header facts and meeting facts."""

    doc_id: str
    text: str
    header: HeaderFacts
    meta: dict[str, Any]

    def resolve(self, asked: list[str], wants_event: bool) -> list[str]:
        """A bare "ngày nào" is the meeting's date for a meeting question, else the issue date."""
        date = "event" if wants_event and self.fact("event") else "issued"
        return list(dict.fromkeys(date if n == "date" else n for n in asked))

    def fact(self, name: str) -> Fact | list[Fact] | None:
        h = self.header
        if name == "presided":
            return presided_fact(self.text, self.meta.get("presided_by", ""))
        if name == "event":
            return event_fact(self.text, self.meta.get("event_date", ""))
        if name == "bases":
            return h.bases or None
        if name in ("number", "issued") and getattr(h, name) is None:
            return self._announced(name)
        return getattr(h, name, None)

    def _announced(self, name: str) -> Fact | None:
        """Number and date of a document without a header, from the lead sentence announcing it
        ("UBND tỉnh ban hành Thông báo số 15/TB-UBND ngày 05/3/2014 …"; metadata found them there)."""
        number = self.meta.get("number", "")
        if not number:
            return None
        spans = [(s, e) for s, e in sentences(self.text, _LEAD_CHARS) if number in self.text[s:e]]
        if not spans:
            return None
        s, e = spans[0]
        if name == "number":
            return Fact(number, s, e)
        dated = event_fact(self.text[:e], self.meta.get("issued", ""))
        return Fact(dated.value, dated.start, dated.end, self.meta["issued"]) if dated and dated.start == s else None


class DocumentFacts:
    """Answerer for document-fact (metadata) questions; `name` is the answer's generator."""

    name = "metadata"

    def __init__(
        self,
        document_text: Callable[[str], str | None],
        document_chunks: Callable[[str], list[RetrievedChunk]],
        knowledge: Knowledge,
        cues: FactCues,
    ) -> None:
        self.document_text = document_text
        self.document_chunks = document_chunks
        self.cues = cues
        self.kinds = knowledge.kinds
        self.knowledge = knowledge
        self._headers: dict[tuple[str, int], HeaderFacts] = {}

    @classmethod
    def for_index(cls, index: Any, knowledge: Knowledge, cues: FactCues) -> "DocumentFacts":
        """Wire to a vectorstore Index: texts from its records, chunks with the document's metadata."""

        def chunks_of(doc_id: str) -> list[RetrievedChunk]:
            doc = index.document(doc_id)
            if doc is None:
                return []
            records = index.chunks(index.chunk_ids(doc_id))
            return [
                RetrievedChunk(
                    c.chunk_id, doc_id, doc.source, 0.0, c.text, c.heading_path, c.start, c.end, doc.metadata
                )
                for c in sorted(records.values(), key=lambda c: c.n)
            ]

        return cls(index.document_text, chunks_of, knowledge, cues)

    def answer(self, plan: QueryPlan, retrieved: list[RetrievedChunk]) -> Answer | None:
        asked = self.cues.asked(plan.folded)
        if not asked or not retrieved:
            return None
        wants_event = bool(self.cues.event_nouns.search(plan.folded)) or "presided" in asked
        for doc in self._candidates(plan, retrieved):
            names = doc.resolve(asked, wants_event)
            found = {name: doc.fact(name) for name in names}
            if all(found.values()):
                return self._compose(plan, retrieved, doc, names, found)
        return None

    def header(self, doc_id: str, text: str) -> HeaderFacts:
        key = (doc_id, len(text))
        if key not in self._headers:
            if len(self._headers) >= _CACHE:
                self._headers.pop(next(iter(self._headers)))
            self._headers[key] = read_header(text, self.kinds, self.knowledge.names.find)
        return self._headers[key]

    def _candidates(self, plan: QueryPlan, retrieved: list[RetrievedChunk]) -> list[_Doc]:
        """The documents whose own number the question names, else the best-matching one (only
        those are read and parsed)."""
        first: dict[str, RetrievedChunk] = {}
        for chunk in retrieved:
            first.setdefault(chunk.doc_id, chunk)
        named = {fold(n) for n in re.findall(NUMBER_RE, plan.normalized)}
        own = [c for c in first.values() if c.metadata.get("number") and fold(c.metadata["number"]) in named]
        docs = []
        for chunk in own or list(first.values())[:_CANDIDATE_DOCS]:
            text = self.document_text(chunk.doc_id)
            if text:
                docs.append(_Doc(chunk.doc_id, text, self.header(chunk.doc_id, text), dict(chunk.metadata)))
        return docs

    def _compose(
        self, plan: QueryPlan, retrieved: list[RetrievedChunk], doc: _Doc, names: list[str], found: dict[str, Any]
    ) -> Answer:
        chunks = self.document_chunks(doc.doc_id) or [c for c in retrieved if c.doc_id == doc.doc_id]
        citations: list[Citation] = []

        def cite(*facts: Fact) -> str:
            start, end = min(f.start for f in facts), max(f.end for f in facts)
            for c in citations:
                if (c.start, c.end) == (start, end):
                    return f"[{c.n}]"
            chunk = _chunk_for(chunks, start, end)
            citations.append(Citation.of(len(citations) + 1, chunk, doc.text[start:end], start, end))
            return f"[{len(citations)}]"

        lines: list[str] = []
        if "number" in names or "issued" in names:
            lines.append(self._identity(doc, cite))
        elif doc.header.formal or doc.fact("number"):
            lines.append(f"Theo {self._label(doc)}:")
        else:
            lines.append(f"Theo {document_label(_chunk_for(chunks, 0, 1), self.knowledge.registry)}:")
        said: set[tuple[int, int]] = set()
        for name in names:
            if name in ("number", "issued"):
                continue
            line = self._fact_line(name, found[name], doc, plan, cite, said)
            if line:
                lines.append(line)
        return Answer(
            "\n".join(lines),
            citations,
            False,
            0.9,
            _with_cited(retrieved, chunks, citations),
            {**plan.as_dict(), "generator": self.name, "facts": names},
        )

    def _label(self, doc: _Doc) -> str:
        """ "Kế hoạch số 58/KH-UBND ngày 21/02/2023 của UBND thành phố Hà Nội"."""
        h = doc.header
        number, issued = doc.fact("number"), doc.fact("issued")
        parts = [self._kind_word(h, number)]
        if number:
            parts.append(f"số {number.value}")
        if issued:
            parts.append(f"ngày {official_date(issued.detail)}")
        issuer = h.issuer.value if h.issuer else doc.meta.get("issuer", "")
        if issuer:
            parts.append(f"của {issuer}")
        return " ".join(parts)

    def _identity(self, doc: _Doc, cite: Callable[..., str]) -> str:
        """The label with the trích yếu, cited to the number and date lines of the header."""
        h = doc.header
        stated = [f for f in (doc.fact("number"), doc.fact("issued")) if f is not None]
        near = len(stated) == 2 and stated[1].start - stated[0].end < 150
        refs = cite(*stated) if near or len(stated) == 1 else " ".join(cite(f) for f in stated)
        subject = h.subject.value if h.subject and h.kind_line is not None else ""
        return f"{self._label(doc)}{_about(subject)} {refs}".strip()

    def _kind_word(self, h: HeaderFacts, number: Fact | None) -> str:
        """ "Kế hoạch", "Quyết định", "Công văn" …: the kind line as written, else the kind its
        number's type code names, else "Văn bản"."""
        if h.kind_line is not None and h.kind != self.kinds.letter_kind:
            word = h.kind_line.value
        elif h.kind not in ("", "khác"):
            word = h.kind
        else:
            code = re.search(r"/(?:\d{4}/)?([A-ZĐa-z]+)-", number.value if number else "")
            word = self.kinds.by_code.get(code.group(1), "văn bản") if code else "văn bản"
        word = "thông báo" if word == "thông báo kết luận" else word
        return word[:1].upper() + word[1:].lower()

    def _fact_line(self, name: str, value: Any, doc: _Doc, plan: QueryPlan, cite: Callable[..., str], said: set) -> str:
        if name == "bases":
            chosen = self._matching_bases(value, plan, doc)
            return "Căn cứ:\n" + "\n".join(f"- {b.value} {cite(b)}" for b in chosen)
        fact: Fact = value
        if (fact.start, fact.end) in said and name not in ("presided", "event", "signer"):
            return ""
        said.add((fact.start, fact.end))
        if name == "signer":
            return f"Người ký: {fact.value} ({fact.detail}) {cite(fact)}"
        if name == "presided":
            return f"Chủ trì: {fact.value} {cite(fact)}"
        if name == "event":
            return f"Thời gian: ngày {fact.value.removeprefix('ngày ')} {cite(fact)}"
        if name == "issuer":
            return f"Cơ quan ban hành: {fact.value} {cite(fact)}"
        if name == "recipients":
            return f"Kính gửi: {fact.value} {cite(fact)}"
        labels = {
            "submitted_by": "Cơ quan trình",
            "effective": "Hiệu lực",
            "replaces": "Thay thế",
            "session": "Thông qua",
            "subject": "Trích yếu",
        }
        return f"{labels.get(name, name)}: {fact.value} {cite(fact)}"

    def _matching_bases(self, bases: list[Fact], plan: QueryPlan, doc: _Doc) -> list[Fact]:
        """The legal bases the question narrows to ("căn cứ QĐ nào của TTg về Bộ tiêu chí …"): those
        sharing the most words with the question, beyond the words naming the document itself (its
        issuer, province and title)."""
        h = doc.header
        identity = " ".join([h.issuer.value if h.issuer else "", h.title, doc.meta.get("province", "")])
        drop = set(fold(identity).split()) | self.cues.stop_words
        words = set(fold(" ".join([re.sub(NUMBER_RE, " ", plan.normalized), *plan.expansions])).split()) - drop
        scores = [len(words & set(fold(b.value).split())) for b in bases]
        best = max(scores, default=0)
        return [b for b, s in zip(bases, scores, strict=False) if s == best] if best else bases


def _about(subject: str) -> str:
    """The trích yếu after the number, as "về …" unless it already reads so."""
    subject = subject.strip()
    if not subject:
        return ""
    if fold(subject).startswith("v/v"):
        return " " + subject
    if fold(subject).startswith("ve "):
        return " " + subject[:1].lower() + subject[1:]
    return f" về {subject[:1].lower()}{subject[1:]}" if len(subject) < 160 else ""


def _chunk_for(chunks: list[RetrievedChunk], start: int, end: int) -> RetrievedChunk:
    """The chunk holding most of [start, end) (else the nearest before it)."""
    overlap = lambda c: min(c.end, end) - max(c.start, start)  # noqa: E731
    best = max(chunks, key=overlap)
    if overlap(best) > 0:
        return best
    before = [c for c in chunks if c.start <= start]
    return before[-1] if before else chunks[0]


def _with_cited(
    retrieved: list[RetrievedChunk], chunks: list[RetrievedChunk], citations: list[Citation]
) -> list[RetrievedChunk]:
    have = {c.chunk_id for c in retrieved}
    extra = {
        c.chunk_id: c for c in chunks if c.chunk_id not in have and any(x.chunk_id == c.chunk_id for x in citations)
    }
    return list(retrieved) + list(extra.values())
