"""Structure-aware answers: a question asking for a set or a sequence ("gồm những bước nào",
"những xã nào", "gồm những giấy tờ gì") is answered with the whole block that answers it — its
lead-in and every item, each cited with its exact span — read from the document's layout:
a lead line ending in ":" (or a table header) and the run of lines that share one item marker
("a)", "1.", "-", "+", "Bước 1.", a numbered table row). The block may run past the retrieved
chunk; the document is read through the Index.

A lead-in is never an answer on its own: `expand_lead_ins` adds the items under any lead-in an
extractive answer quotes. A list cut at the cap, or narrowed to the items naming the asked place,
says so. The blocks themselves are read by `block_layout`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.answering.block_layout import Block, Line, block_led_at, find_blocks
from assistant.answering.documents import DocumentView, with_cited
from assistant.answering.labels import document_label
from assistant.evidence import TermWeights, terms
from assistant.query import abbreviation_pairs
from core.contracts import Answer, Citation, QueryPlan, RetrievedChunk
from core.header_facts import NUMBER_RE
from core.knowledge import Knowledge
from core.vntext import fold


@dataclass(frozen=True)
class ListConfig:
    evidence_chunks: int = 6  # blocks overlapping these top chunks compete
    min_score: float = 0.45  # share of question-term weight the block must carry
    min_lead: float = 0.25  # ... and its lead-in with its heading alone
    max_items: int = 10  # past this cap: "và N mục khác"
    max_item_chars: int = 220
    expand_items: int = 6  # items added under a lead-in quoted by another strategy
    expand_items_for_figures: int = 3  # ... when the question asks a figure (the lead-in often states the total)


class ListBlocks:
    """The list/structure strategy (DESIGN.md "Answerer")."""

    name = "list"

    def __init__(
        self,
        weights: TermWeights,
        documents: DocumentView,
        knowledge: Knowledge,
        config: ListConfig | None = None,
    ) -> None:
        self.weights = weights
        self.documents = documents
        self.knowledge = knowledge
        self.cues = knowledge.cues
        self.config = config or ListConfig()

    def answer(self, plan: QueryPlan, retrieved: list[RetrievedChunk]) -> Answer | None:
        if not plan.asks_list or not retrieved or len(plan.parts) > 1:
            return None
        best = self.best_block(plan, retrieved)
        if best is None:
            return None
        block, score = best
        return self.render(plan, block, retrieved, min(1.0, score))

    # --- choosing the block ---------------------------------------------------------------
    def candidate_blocks(self, plan: QueryPlan, retrieved: list[RetrievedChunk]) -> list[tuple[Block, int]]:
        """Blocks overlapping the top chunks, with the rank of the best chunk they overlap."""
        out: dict[tuple[str, int], tuple[Block, int]] = {}
        top = retrieved[: self.config.evidence_chunks]
        for doc_id in dict.fromkeys(c.doc_id for c in top):
            spans = [(rank, c) for rank, c in enumerate(top) if c.doc_id == doc_id]
            for block in find_blocks(doc_id, self.documents.text(doc_id)):
                ranks = [rank for rank, c in spans if block.start < c.end and c.start < block.end]
                if ranks:
                    out.setdefault((doc_id, block.start), (block, min(ranks)))
        return list(out.values())

    def question_terms(self, plan: QueryPlan) -> set[str]:
        """The question's own topic terms: no province (it picked the documents), no bigram
        with a question word ("những xã", "xã nào"), no synonym expansion (a folded "tien" of
        "Tiên Lãng" is not "tiền" = "kinh phí"); abbreviations are matched in `cover`."""
        # a document's number ("Quyết định 3412/QĐ-UBND") picks the document, not a block in it
        text = fold(re.sub(rf"(?:\b\w+\s+)?(?:số\s+)?{NUMBER_RE}", " ", plan.retrieval_text))
        for province in plan.provinces:
            text = re.sub(rf"(?<!\w){re.escape(fold(province))}(?!\w)", " ", text)
        stop = self.cues.question_words
        return {t for t in terms(text) if self.weights.known(t) and not any(p in stop for p in t.split("_"))}

    def cover_fn(self, plan: QueryPlan, q_terms: set[str]):
        """Share of the question's term weight a text holds (an abbreviation the question uses
        counts as present when the text spells it out: "NTM" ↔ "nông thôn mới")."""
        w = lambda t: self.weights.idf(t) * (1.5 if "_" in t else 1.0)  # noqa: E731
        total = sum(w(t) for t in q_terms) or 1.0
        pairs = [(set(terms(short)), fold(full)) for short, full in abbreviation_pairs(plan.retrieval_text)]

        def cover(text: str) -> float:
            have = set(terms(text))
            folded = fold(text)
            for short_terms, full in pairs:
                if full and full in folded:
                    have |= short_terms
            return sum(w(t) for t in q_terms & have) / total

        return cover

    def best_block(self, plan: QueryPlan, retrieved: list[RetrievedChunk]) -> tuple[Block, float] | None:
        q_terms = self.question_terms(plan)
        if not q_terms:
            return None
        cover = self.cover_fn(plan, q_terms)
        scored = []
        for block, rank in self.candidate_blocks(plan, retrieved):
            chunk = self.documents.chunk_at(block.doc_id, block.start)
            heading = " ".join(chunk.heading_path) if chunk else ""
            lead = f"{heading} {block.title} {block.lead.text} {block.header.text if block.header else ''}"
            whole = lead + " " + " ".join(i.text for i in block.items)
            lead_cov, whole_cov = cover(lead), cover(whole)
            score = 0.6 * lead_cov + 0.4 * whole_cov + 0.05 / (1 + rank)
            if lead_cov >= self.config.min_lead and score >= self.config.min_score:
                scored.append((score, -rank, block))
        if not scored:
            return None
        score, _, block = max(scored, key=lambda s: (s[0], s[1]))
        block.chosen = narrowed_items(block, plan)
        return block, score

    # --- output ---------------------------------------------------------------------------
    def render(self, plan: QueryPlan, block: Block, retrieved: list[RetrievedChunk], confidence: float) -> Answer:
        cfg = self.config
        lead_chunk = self.documents.chunk_at(block.doc_id, block.start) or retrieved[0]
        lines = [f"Theo {document_label(lead_chunk, self.knowledge.registry)}:"]
        citations: list[Citation] = []
        cited: list[RetrievedChunk] = []

        def cite(line: Line, limit: int) -> str:
            chunk = self.documents.chunk_at(block.doc_id, line.start) or lead_chunk
            quote = _trimmed(line.text, limit)
            n = len(citations) + 1
            citations.append(Citation.of(n, chunk, quote, line.start, line.start + len(quote)))
            cited.append(chunk)
            return f"{_shown(quote)}{'…' if len(quote) < len(line.text) else ''} [{n}]"

        lines.append(cite(block.lead, 400))
        if block.header is not None:
            lines.append(cite(block.header, 400))
        chosen = block.chosen or block.items
        for item in chosen[: cfg.max_items]:
            lines.append(f"- {cite(item, cfg.max_item_chars)}")
        lines += completeness_notes(block, chosen, cfg.max_items)
        plan_dict = {**plan.as_dict(), "answered_by": "list", "list_items": len(block.items)}
        return Answer("\n".join(lines), citations, False, confidence, with_cited(retrieved, cited), plan_dict)

    def expand_lead_ins(self, plan: QueryPlan, answer: Answer) -> Answer:
        """Under every quoted lead-in ("… gồm các bước sau:", "… cụ thể như sau:") list what it
        leads into; the answer is rebuilt with citations renumbered in reading order."""
        if answer.abstained or not answer.citations:
            return answer
        leads = {}
        for c in answer.citations:
            doc_id = c.chunk_id.split(":")[0]
            # the quoted sentence is a block's lead-in (a trimmed quote still starts inside it)
            block = block_led_at(doc_id, self.documents.text(doc_id), c.start)
            if block is not None and block.header is None:
                block.chosen = [i for i in narrowed_items(block, plan) if not _cited(i, doc_id, answer.citations)]
                if block.chosen:
                    leads[c.n] = block
        if not leads:
            return answer
        by_n = {c.n: c for c in answer.citations}
        citations: list[Citation] = []
        cited: list[RetrievedChunk] = []
        out_lines = []
        marker = re.compile(r"\[(\d+)\]")
        for line in answer.text.splitlines():
            olds = [int(m) for m in marker.findall(line)]
            renumber = {}
            for old in olds:
                if old in by_n and old not in renumber:
                    c = by_n[old]
                    citations.append(_renumbered(c, len(citations) + 1))
                    renumber[old] = len(citations)
            out_lines.append(marker.sub(lambda m, r=renumber: f"[{r.get(int(m.group(1)), m.group(1))}]", line))
            for old in olds:
                block = leads.pop(old, None)
                if block is None:
                    continue
                chosen = block.chosen or block.items
                cap = self.config.expand_items_for_figures if plan.asks_quantity else self.config.expand_items
                for item in chosen[:cap]:
                    chunk = self.documents.chunk_at(block.doc_id, item.start)
                    if chunk is None:
                        continue
                    quote = _trimmed(item.text, self.config.max_item_chars)
                    citations.append(Citation.of(len(citations) + 1, chunk, quote, item.start, item.start + len(quote)))
                    cited.append(chunk)
                    more = "…" if len(quote) < len(item.text) else ""
                    out_lines.append(f"  - {_shown(quote)}{more} [{len(citations)}]")
                # items quoted elsewhere in the answer are shown: only the unquoted ones past the cap are left out
                notes = narrowing_note(block, narrowed_items(block, plan)) + left_out_note(len(chosen), cap)
                out_lines += ["  " + note for note in notes]
        answer.text = "\n".join(out_lines)
        answer.citations = citations
        answer.retrieved = with_cited(answer.retrieved, cited)
        answer.plan = {**answer.plan, "expanded_lead_ins": True}
        return answer


def _cited(item: Line, doc_id: str, citations: list[Citation]) -> bool:
    """Is the item already quoted by the answer (its span overlaps a citation of its document)?"""
    return any(c.chunk_id.split(":")[0] == doc_id and c.start < item.end and item.start < c.end for c in citations)


def narrowed_items(block: Block, plan: QueryPlan) -> list[Line]:
    """The items naming what the question names and the other items do not ("huyện Tiên Lãng",
    "Kim Sơn"): proper names — capitalised in the document — of the question that pick out some
    items but not all. The asked province is context, not a filter. None picked → every item."""
    asked = {t for t in terms(plan.retrieval_text) if "_" in t}
    provinces = {t for p in plan.provinces for t in terms(p)}
    hits: list[set[str]] = []
    for item in block.items:
        hits.append({g for g in _proper_bigrams(item.text) if g in asked and g not in provinces})
    names = set().union(*hits) if hits else set()
    names = {g for g in names if sum(g in h for h in hits) < len(block.items)}
    if not names:
        return list(block.items)
    best = max(len(h & names) for h in hits)
    return [item for item, h in zip(block.items, hits, strict=False) if best and len(h & names) == best]


def _proper_bigrams(text: str) -> set[str]:
    """Folded bigrams of two capitalised syllables not opening the item ("Tiên Lãng", "Kim Sơn")."""
    words = re.findall(r"\w+", text)
    out = set()
    for i, (a, b) in enumerate(zip(words, words[1:], strict=False)):
        if i > 0 and a[:1].isupper() and b[:1].isupper() and not a.isupper() and not a.isdigit():
            out.add(f"{fold(a)}_{fold(b)}")
    return out


def completeness_notes(block: Block, chosen: list[Line], cap: int) -> list[str]:
    """Say when the list shown is not the whole list."""
    return narrowing_note(block, chosen) + left_out_note(len(chosen), cap)


def narrowing_note(block: Block, chosen: list[Line]) -> list[str]:
    """The list was narrowed to the items naming the asked place or body."""
    if len(chosen) >= len(block.items):
        return []
    return [f"(trích {len(chosen)}/{len(block.items)} mục của danh sách: các mục nêu đúng nơi/đối tượng được hỏi)"]


def left_out_note(n_items: int, cap: int) -> list[str]:
    """How many of the items to show are past the cap."""
    return [f"- … và {n_items - cap} mục khác (xem văn bản)."] if n_items > cap else []


def _trimmed(text: str, limit: int) -> str:
    """The opening of a long item, cut at a clause or word boundary (shown with "…")."""
    if len(text) <= limit:
        return text
    cut = max(text.rfind(sep, 0, limit) for sep in (";", ",", " "))
    return text[: cut if cut > limit // 2 else limit].rstrip(" ,;")


def _shown(text: str) -> str:
    """How an item reads in the answer: a bare bullet marker gives way to the answer's own "- ",
    a table row's tab-separated cells read "a | b" (the citation keeps the document's text)."""
    return re.sub(r"\t+", " | ", re.sub(r"^[-–—+•*·]\s*", "", text))


def _renumbered(c: Citation, n: int) -> Citation:
    return Citation(n, c.chunk_id, c.source, c.title, c.number, c.province, c.issued, c.quote, c.start, c.end)
