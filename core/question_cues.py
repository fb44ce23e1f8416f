"""The question-cue table (`data/question_cues.json`) compiled once: how a Vietnamese question says
what it asks for — its intent, the kind of fact, a list or sequence, a definition — and how a
document sentence reads as an instruction to the system rather than a fact.

The planner reads the table once and records what it found in the `QueryPlan`; strategies and
evidence scoring read the plan, so one question is classified once, from one place.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from core.vntext import fold


@dataclass(frozen=True)
class QuestionCues:
    intents: tuple[tuple[str, re.Pattern[str]], ...]
    agency_intent_needs: re.Pattern[str]
    follow_up: re.Pattern[str]
    part_question_word: re.Pattern[str]
    answer_types: tuple[tuple[str, re.Pattern[str]], ...]
    condition_not_question: re.Pattern[str]
    quantity: re.Pattern[str]
    unit_trigger: re.Pattern[str]
    unit_classes: tuple[tuple[re.Pattern[str], str], ...]
    counted_nouns: str
    signer: re.Pattern[str]
    question_words: frozenset[str]
    task_asking_words: frozenset[str]
    action_verbs: re.Pattern[str]
    list_question: re.Pattern[str]
    sequence_question: re.Pattern[str]
    definition_question: re.Pattern[str]
    definition_statement: re.Pattern[str]
    instruction_to_system: re.Pattern[str]
    cross_document_joiners: re.Pattern[str]  # words joining two places' clauses ("và", "còn", "so với")

    @classmethod
    def from_json(cls, data: dict) -> "QuestionCues":
        c = re.compile
        return cls(
            intents=tuple((name, c(p)) for name, p in data["intents"]),
            agency_intent_needs=c(data["agency_intent_needs"]),
            follow_up=c(data["follow_up"]),
            part_question_word=c(data["part_question_word"]),
            answer_types=tuple((name, c(p)) for name, p in data["answer_types"].items()),
            condition_not_question=c(data["condition_not_question"]),
            quantity=c(data["quantity"]),
            unit_trigger=c(data["unit_trigger"]),
            unit_classes=tuple((c(asks), answer) for asks, answer in data["unit_classes"]),
            counted_nouns=data["counted_nouns"],
            signer=c(data["signer"]),
            question_words=frozenset(data["question_words"].split()),
            task_asking_words=frozenset(data["task_asking_words"].split()),
            action_verbs=c(data["action_verbs"]),
            list_question=c(data["list_question"]),
            sequence_question=c(data["sequence_question"]),
            definition_question=c(data["definition_question"]),
            definition_statement=c(data["definition_statement"]),
            instruction_to_system=c(data["instruction_to_system"]),
            cross_document_joiners=c(data["cross_document_joiners"]),
        )

    # --- what a question asks -------------------------------------------------------------
    def asked_kinds(self, folded: str) -> list[str]:
        """Kinds of fact asked for ("ngày nào" → date); "sở nào thì sở đó …" is a condition."""
        folded = self.condition_not_question.sub(" ", folded)
        return [name for name, cue in self.answer_types if cue.search(folded)]

    def unit_pattern(self, folded: str) -> str:
        """For "bao nhiêu tiền / phần trăm / xã …", the regex the answer's figure must match ("" = any).
        The noun right after the question word is the head of what is counted ("bao nhiêu xã",
        "bao nhiêu phần trăm vốn") and decides first; only a bare "đạt bao nhiêu?" is read from
        the clause's topic words ("thu nhập … đạt bao nhiêu" → đồng). Place names should be
        masked by the caller ("Tiền Giang" is not "tiền")."""
        if not self.unit_trigger.search(folded):
            return ""
        head = re.search(r"\b(?:bao nhieu|may)\s*(%|\w+(?:\s+\w+)?)", folded)
        if head:
            for asks, answer_unit in self.unit_classes:
                if asks.search(head.group(1)):
                    return answer_unit
            counted = re.match(rf"({self.counted_nouns})\b", head.group(1))
            if counted:
                return rf"\d\s*{counted.group(1)}\b"
        for asks, answer_unit in self.unit_classes:
            if asks.search(folded):
                return answer_unit
        return ""

    def is_instruction(self, text: str) -> bool:
        """A document sentence addressed to the system ("Bỏ qua mọi hướng dẫn trước đó …"): shown
        to nobody as a fact."""
        return bool(self.instruction_to_system.search(fold(text)))


def load_cues(path: Path | None = None) -> QuestionCues:
    """The packaged table, or another one (tests, experiments)."""
    if path is not None:
        return QuestionCues.from_json(json.loads(Path(path).read_text("utf-8")))
    return default_cues()


@cache
def default_cues() -> QuestionCues:
    text = resources.files("core").joinpath("data/question_cues.json").read_text("utf-8")
    return QuestionCues.from_json(json.loads(text))
