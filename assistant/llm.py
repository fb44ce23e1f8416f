"""The optional LLM answer path: the top retrieved chunks become numbered excerpts, a LangChain chat
model writes a short cited answer from them, and the answer is kept only if it stays grounded —
every claim cited [n] to a real excerpt and every number found in what it cites. Anything else (an
uncited sentence, an invented figure, a server that is down) falls back to the extractive answer,
so configuring an LLM can change the wording but never lower the grounding bar.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from assistant.answering.labels import ABSTAIN_TEXT, abstention, document_label
from assistant.evidence import split_units
from core.agencies import AgencyRegistry
from core.contracts import Answer, Citation, QueryPlan, RetrievedChunk
from core.sentences import REPLY, sentence_pieces
from core.vntext import fold, folded_syllables

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.settings import Settings

log = logging.getLogger(__name__)

PROVIDERS = ("openai", "ollama")
_EXTRA = 'pip install -e ".[llm]"'
TokenCallback = Callable[[str], None]  # the model's answer so far, after each streamed token


class MissingExtra(ImportError):
    """An optional extra (a client library) is not installed; the message names the pip command."""

    def __init__(self, extra: str, package: str, purpose: str) -> None:
        super().__init__(f'{purpose} cần gói tùy chọn {package!r} (extra "{extra}"): {_EXTRA}')
        self.extra = extra
        self.package = package


class LLMTimeout(TimeoutError):
    """The model did not finish its answer within the configured time."""


_MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_LEADING_MARKERS = re.compile(r"^((?:\[\d+(?:\s*[,;]\s*\d+)*\]\s*)+)(.*)$", re.S)
_NUMBER = re.compile(r"\d+(?:[.,/]\d+)*")
_BULLET = re.compile(r"^\s*(?:[-*•+–]|\d{1,2}[.)])\s+")
_THINK = re.compile(r"<think>.*?</think>", re.S | re.I)
_EXCERPT_TAG = re.compile(r"</?\s*trich_doan[^>]*>", re.I)
_PLACEHOLDER = re.compile(r"\{(excerpts|question)\}")
_SECTION = re.compile(r"^=== (system|user) ===\s*$", re.M)
_MAX_QUOTE = 380


def make_chat_model(spec: str, base_url: str | None, api_key: str | None, timeout_s: float = 20.0) -> BaseChatModel:
    """`openai:<model>` (any OpenAI-compatible server: vLLM, llama.cpp, Ollama's /v1, hosted APIs)
    or `ollama:<model>` → a LangChain chat model; the client libraries are an optional extra.
    No retries: a slow or failing server falls back to the extractive answer within `timeout_s`."""
    provider, _, model = spec.partition(":")
    provider = provider.strip().lower()
    model = model.strip()
    if provider not in PROVIDERS:
        raise ValueError(f"unknown LLM provider {provider!r} in {spec!r}; valid providers: {', '.join(PROVIDERS)}")
    if not model:
        raise ValueError(f"LLM spec {spec!r} names no model; use '{provider}:<model>'")
    if provider == "openai":
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as exc:
            raise MissingExtra("llm", "langchain-openai", f"NTM_LLM={spec} (provider 'openai')") from exc
        return ChatOpenAI(
            model=model,
            base_url=base_url,
            api_key=api_key or "not-needed",
            temperature=0,
            timeout=timeout_s,
            max_retries=0,
        )
    try:
        from langchain_ollama import ChatOllama
    except ImportError as exc:
        raise MissingExtra("llm", "langchain-ollama", f"NTM_LLM={spec} (provider 'ollama')") from exc
    return ChatOllama(model=model, base_url=base_url, temperature=0, client_kwargs={"timeout": timeout_s})


class GroundingError(ValueError):
    """The model's answer is not backed by the excerpts it was given."""


@dataclass(frozen=True)
class _Claim:
    """One sentence or bullet of the model's answer and the excerpt numbers it cites."""

    text: str  # without markers
    refs: tuple[int, ...]


@dataclass(frozen=True)
class _Excerpt:
    n: int
    chunk: RetrievedChunk
    label: str
    rendered: str  # exactly what the model saw


class LLMAnswerer:
    def __init__(
        self,
        model: BaseChatModel,
        registry: AgencyRegistry,
        prompt_version: str = "v1",
        max_excerpts: int = 6,
        timeout_s: float = 20.0,
    ) -> None:
        self.model = model
        self.registry = registry  # names the excerpts' documents (labels.document_label)
        self.prompt_version = prompt_version
        self.max_excerpts = max_excerpts
        self.timeout_s = timeout_s  # the whole answer, however slowly the server streams it
        self._prompt: tuple[str, str] | None = None

    @classmethod
    def from_settings(cls, settings: Settings, registry: AgencyRegistry) -> LLMAnswerer:
        if not settings.llm:
            raise ValueError("settings.llm is not set; the extractive answerer needs no LLMAnswerer")
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        timeout = settings.llm_timeout_s
        return cls(make_chat_model(settings.llm, settings.llm_base_url, key, timeout), registry, timeout_s=timeout)

    # --- prompt ---------------------------------------------------------------------------
    def _sections(self) -> tuple[str, str]:
        """(system, user template) from the versioned prompt file, read once on first use."""
        if self._prompt is None:
            from prompts import load_prompt

            text = load_prompt("answer_vi", self.prompt_version)
            parts = _SECTION.split(text)
            sections = {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
            if set(sections) != {"system", "user"}:
                raise ValueError(
                    f"prompts/answer_vi.{self.prompt_version}.md needs '=== system ===' and '=== user ===' sections"
                )
            self._prompt = (sections["system"], sections["user"])
        return self._prompt

    def excerpts(self, chunks: list[RetrievedChunk]) -> list[_Excerpt]:
        """The top chunks numbered 1..n, each headed by its document label and heading path."""
        out = []
        for n, chunk in enumerate(chunks[: self.max_excerpts], start=1):
            label = document_label(chunk, self.registry)
            heading = " › ".join(chunk.heading_path) or "(không có)"
            body = _EXCERPT_TAG.sub(" ", chunk.text).strip()  # excerpt text cannot close its own tag
            rendered = f'<trich_doan so="{n}">\nNguồn: {label}\nMục: {heading}\n{body}\n</trich_doan>'
            out.append(_Excerpt(n, chunk, label, rendered))
        return out

    def messages(self, plan: QueryPlan, excerpts: list[_Excerpt]) -> list[tuple[str, str]]:
        system, user = self._sections()
        question = plan.normalized or plan.question
        if plan.follow_up and plan.retrieval_text and plan.retrieval_text != question:
            question += f"\n(Câu hỏi nối tiếp; ngữ cảnh: {plan.retrieval_text})"
        values = {"excerpts": "\n\n".join(e.rendered for e in excerpts), "question": question}
        return [("system", system), ("human", _PLACEHOLDER.sub(lambda m: values[m.group(1)], user))]

    # --- answering ------------------------------------------------------------------------
    def _generate(self, messages: list[tuple[str, str]], on_token: TokenCallback | None) -> str:
        """The model's whole reply, streamed token by token (each partial text goes to `on_token`);
        LLMTimeout once `timeout_s` has passed, however the server trickles its tokens."""
        deadline = time.monotonic() + self.timeout_s
        parts: list[str] = []
        for piece in self.model.stream(messages):
            parts.append(piece.text if isinstance(piece.text, str) else str(piece.content))
            if time.monotonic() > deadline:
                raise LLMTimeout(f"no complete answer within {self.timeout_s:g} s")
            if on_token is not None:
                on_token("".join(parts))
        return "".join(parts)

    def answer(
        self, plan: QueryPlan, chunks: list[RetrievedChunk], fallback: Answer, on_token: TokenCallback | None = None
    ) -> Answer:
        """The model's answer if it is grounded in the excerpts; otherwise `fallback`, with the
        reason in `plan["llm_fallback"]` (eval and logs show why the LLM was not used). The reply
        is streamed to `on_token` as it is written: a draft until the checks have passed."""
        excerpts = self.excerpts(chunks)
        if not excerpts:
            return _fallback(fallback, "no excerpts")
        try:
            text = _THINK.sub("", self._generate(self.messages(plan, excerpts), on_token)).strip()
        except Exception as exc:  # noqa: BLE001 - any client/server failure means "use the extractive answer"
            log.info("LLM call failed, using the extractive answer: %s", exc)
            kind = "llm timeout" if _is_timeout(exc) else "llm error"
            return _fallback(fallback, f"{kind}: {type(exc).__name__}: {exc}")
        if _is_abstention(text):
            out = abstention(plan, chunks, "llm abstained", self.registry)
            out.plan["answered_by"] = "llm"
            return out
        try:
            return self._grounded(text, excerpts, chunks, fallback)
        except GroundingError as exc:
            log.info("LLM answer rejected, using the extractive answer: %s", exc)
            return _fallback(fallback, f"ungrounded: {exc}")

    def _grounded(self, text: str, excerpts: list[_Excerpt], chunks: list[RetrievedChunk], fallback: Answer) -> Answer:
        leads, claims = split_claims(text)
        if not claims:
            raise GroundingError("no cited sentence")
        by_n = {e.n: e for e in excerpts}
        all_numbers = set().union(*(_numbers_of(e) for e in excerpts))
        for lead in leads:
            missing = _numbers(lead) - all_numbers
            if missing:
                raise GroundingError(f"number(s) {sorted(missing)} in the lead line are in no excerpt")
        order: list[int] = []
        for claim in claims:
            if not claim.refs:
                raise GroundingError(f"uncited sentence: {claim.text[:80]!r}")
            bad = [r for r in claim.refs if r not in by_n]
            if bad:
                raise GroundingError(f"marker(s) {bad} point to no excerpt (1..{len(excerpts)})")
            cited = set().union(*(_numbers_of(by_n[r]) for r in claim.refs))
            missing = _numbers(claim.text) - cited
            if missing:
                raise GroundingError(f"number(s) {sorted(missing)} not in cited excerpt(s) {list(claim.refs)}")
            order += [r for r in claim.refs if r not in order]
        renumber = {old: new for new, old in enumerate(order, start=1)}
        citations = [
            _citation(renumber[old], by_n[old].chunk, [c.text for c in claims if old in c.refs]) for old in order
        ]
        rewritten = _MARKER.sub(lambda m: "".join(f"[{renumber[r]}]" for r in _dedupe(_refs(m.group(1)))), text)
        plan = {**fallback.plan, "answered_by": "llm"}
        return Answer(rewritten, citations, False, fallback.confidence, chunks, plan)


# --- parsing and checks -------------------------------------------------------------------
def split_claims(text: str) -> tuple[list[str], list[_Claim]]:
    """(lead lines, claims): a lead is a marker-less line ending in ':' — the first line, one
    starting "Theo …", or a short sub-heading like "Sở Tài chính:" — that names a source or a
    group; every other sentence or bullet is a claim and must be cited."""
    leads: list[str] = []
    claims: list[_Claim] = []
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for i, line in enumerate(lines):
        bare = line.strip("*_ #")
        if (
            not _MARKER.search(line)
            and bare.endswith(":")
            and (i == 0 or fold(bare).startswith("theo ") or len(bare.split()) <= 12)
        ):
            leads.append(bare)
            continue
        for sentence in _sentences(_BULLET.sub("", line)):
            refs = tuple(_dedupe(r for m in _MARKER.finditer(sentence) for r in _refs(m.group(1))))
            body = re.sub(r"\s+([.,;:!?])", r"\1", re.sub(r"\s+", " ", _MARKER.sub(" ", sentence))).strip()
            if body.strip("*_ .;:"):
                claims.append(_Claim(body, refs))
    return leads, claims


def _sentences(line: str) -> list[str]:
    """Sentences of one line (core.sentences, rule REPLY); markers written after the full stop
    ("… xã. [1]") stay with their sentence, and tiny marker-less fragments (abbreviations like
    "TP.") join the next sentence."""
    pieces: list[str] = []
    for piece in sentence_pieces(line, REPLY):
        m = _LEADING_MARKERS.match(piece)
        if m and pieces:
            pieces[-1] = f"{pieces[-1]} {m.group(1).strip()}"
            piece = m.group(2)
        if piece.strip():
            pieces.append(piece.strip())
    merged: list[str] = []
    carry = ""
    for i, piece in enumerate(pieces):
        piece = f"{carry} {piece}".strip() if carry else piece
        carry = ""
        if not _MARKER.search(piece) and len(piece.split()) < 3 and i < len(pieces) - 1:
            carry = piece
            continue
        merged.append(piece)
    return merged


def _refs(group: str) -> list[int]:
    return [int(x) for x in re.findall(r"\d+", group)]


def _dedupe(items: Any) -> list[int]:
    return list(dict.fromkeys(items))


def _numbers(text: str) -> set[str]:
    """Figures as written ("4.051", "31,64", "05/3/2014"), after folding; markers excluded."""
    return set(_NUMBER.findall(fold(_MARKER.sub(" ", text))))


def _numbers_of(excerpt: _Excerpt) -> set[str]:
    """Figures an excerpt supports: each as written, plus the day/month/year parts of dates."""
    found = _numbers(excerpt.rendered)
    return found | {part for token in found if "/" in token for part in token.split("/")}


def _is_abstention(text: str) -> bool:
    """The fixed refusal sentence, possibly quoted or wrapped, and no citation markers."""
    return fold(ABSTAIN_TEXT).rstrip(".") in fold(text) and not _MARKER.search(text)


def _is_timeout(exc: BaseException) -> bool:
    """A timeout from our deadline or any client library (httpx, openai, requests)."""
    while exc is not None:
        if isinstance(exc, TimeoutError) or "timeout" in type(exc).__name__.lower():
            return True
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return False


def _fallback(answer: Answer, reason: str) -> Answer:
    return replace(answer, plan={**answer.plan, "llm_fallback": reason})


def _citation(n: int, chunk: RetrievedChunk, sentences: list[str]) -> Citation:
    """Cite the chunk sentence that best overlaps what the answer says with it (or the chunk's
    opening), with offsets into the cleaned document for highlighting."""
    wanted = set(folded_syllables(" ".join(sentences)))
    best, best_score = None, 1  # at least two shared syllables, or it is a coincidence
    for unit in split_units(chunk, 0):
        score = len(wanted & set(folded_syllables(unit.text)))
        if score > best_score:
            best, best_score = unit, score
    if best is not None:
        quote, start = best.text, best.start
    else:
        lead = len(chunk.text) - len(chunk.text.lstrip())
        quote, start = chunk.text.strip()[:300], chunk.start + lead
    end = start + len(quote)
    if len(quote) > _MAX_QUOTE:
        quote = quote[:_MAX_QUOTE].rsplit(" ", 1)[0]  # the quote stays an exact document span
        end = start + len(quote)
    return Citation.of(n, chunk, quote, start, end)
