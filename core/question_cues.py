"""The question-cue table (`data/question_cues.json`) compiled once: how a Vietnamese question says
what it asks for — its intent, the kind of fact, a list or sequence, a definition — and how a
document sentence reads as an instruction to the system rather than a fact.

The planner reads the table once and records what it found in the `QueryPlan`; strategies and
evidence scoring read the plan, so one question is classified once, from one place.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from core.contrasts import ContrastSets
from core.cue_tables import CueTable
from core.memo import Memo
from core.sentences import EVIDENCE, text_spans
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
    contrasts: ContrastSets  # closed classes of exclusive categories ("vốn sự nghiệp" is not "vốn đầu tư phát triển")
    # instruction spans per chunk text, remembered and primable with the ones ingest stored
    instructions: Memo[str, tuple[tuple[int, int], ...]] = field(
        default_factory=lambda: Memo(4096), compare=False, repr=False
    )

    @classmethod
    def from_table(cls, table: CueTable) -> "QuestionCues":
        """The table's patterns compiled (they match folded text: no diacritics, lower case)."""
        c, t = table.regex, table.text
        return cls(
            intents=tuple((name, table.compile(f"intents.{name}", p)) for name, p in table.pairs("intents")),
            agency_intent_needs=c("agency_intent_needs"),
            follow_up=c("follow_up"),
            part_question_word=c("part_question_word"),
            answer_types=tuple(table.patterns("answer_types").items()),
            condition_not_question=c("condition_not_question"),
            quantity=c("quantity"),
            unit_trigger=c("unit_trigger"),
            unit_classes=tuple(
                (table.compile("unit_classes", asks), answer) for asks, answer in table.pairs("unit_classes")
            ),
            counted_nouns=t("counted_nouns"),
            signer=c("signer"),
            question_words=frozenset(t("question_words").split()),
            task_asking_words=frozenset(t("task_asking_words").split()),
            action_verbs=c("action_verbs"),
            list_question=c("list_question"),
            sequence_question=c("sequence_question"),
            definition_question=c("definition_question"),
            definition_statement=c("definition_statement"),
            instruction_to_system=c("instruction_to_system"),
            cross_document_joiners=c("cross_document_joiners"),
            contrasts=ContrastSets.from_json(table.mapping("contrast_sets")),
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

    def instruction_spans(self, text: str) -> tuple[tuple[int, int], ...]:
        """(start, end) of each sentence of a chunk that is an instruction to the system;
        remembered per text (retrieval reads likely evidence ahead, answering masks it later)."""
        return self.instructions.get_or_compute(text, self.find_instruction_spans)

    def find_instruction_spans(self, text: str) -> tuple[tuple[int, int], ...]:
        """`instruction_spans` read afresh (what ingest stores), not remembered."""
        pattern = self.instruction_to_system
        return tuple((s, e) for s, e in text_spans(text, EVIDENCE) if pattern.search(fold(text[s:e])))

    @property
    def instruction_key(self) -> str:
        """What stored instruction spans were found with (this pattern): spans stored under
        another key came from another cue table and are not used."""
        pattern = self.instruction_to_system
        return hashlib.blake2b(f"{pattern.flags}:{pattern.pattern}".encode(), digest_size=8).hexdigest()


def load_cues(path: Path | None = None) -> QuestionCues:
    """The packaged table, or another one (tests, experiments)."""
    if path is not None:
        return QuestionCues.from_table(CueTable.from_path(Path(path)))
    return default_cues()


def default_cues() -> QuestionCues:
    """The packaged table (`core.knowledge.Knowledge.load` reads it once)."""
    return QuestionCues.from_table(CueTable.packaged("core", "question_cues.json"))
