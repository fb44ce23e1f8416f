"""The one interface every answer strategy implements.

The service tries strategies in order — document facts (metadata), the task register, list and
structure blocks, extractive sentences, the optional LLM — and returns the first answer; a
strategy that cannot answer the question returns None rather than a weak answer.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from core.contracts import Answer, QueryPlan, RetrievedChunk


@runtime_checkable
class Answerer(Protocol):
    """`answer(plan, retrieved) -> Answer | None`; `name` is recorded as the answer's generator."""

    name: str

    def answer(self, plan: QueryPlan, retrieved: list[RetrievedChunk]) -> Answer | None: ...
