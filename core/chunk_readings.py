"""What ingest reads in a chunk for the answer path, stored with it: one JSON table per chunk.

A question's evidence is mostly sentences no earlier question read, and reading them is most of
what answering adds to retrieval. Everything in it that depends on the chunk alone is computed at
ingest (in the preparing workers, beside embedding) and stored in the records
(`agency_readings`): the agencies its texts name (core/agency_mentions), the facts of its
sentences (core/sentence_facts) and the sentences among them that are instructions to the system
(QuestionCues.instruction_spans). Retrieval primes the readers with the tables of the chunks it
returns (`prime_readings`).

A table is used only when it was made by the same code and data (`reading_version`, a hash of
both), and its instruction spans only under the same cue pattern (`QuestionCues.instruction_key`);
whatever a reader does not hold it reads from the text as before. So answers are the same with or
without stored tables; only the time differs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.agency_mentions import agency_table, prime_registry

if TYPE_CHECKING:
    from core.knowledge import Knowledge

_DATA_FILES = ("agencies.json", "agency_grammar.json", "places.json", "surnames.txt")
# the modules (beside this one) whose code a stored table depends on, read as files
_CODE = (
    "agencies",
    "agency_grammar",
    "agency_mentions",
    "agency_tokens",
    "agency_units",
    "finders",
    "memo",
    "places",
    "question_cues",
    "sentence_facts",
    "sentences",
    "vntext",
    "years",
)


def reading_version() -> str:
    """Hash of the code and data a stored table comes from (the registry, its grammar, the
    gazetteer, the sentence facts and their finders, the text and sentence rules, the instruction
    span reader, this module, and their data files): a table of any other version is ignored.
    Read once, by `Knowledge.load`."""
    digest = hashlib.sha256()
    data = Path(__file__).with_name("data")
    here = Path(__file__)
    files = sorted({here.with_name(f"{m}.py") for m in _CODE} | {here}) + [data / n for n in _DATA_FILES]
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def chunk_readings(knowledge: Knowledge, text: str, heading_path: Sequence[str]) -> str:
    """The stored form (JSON) of what the answer path will read in this chunk."""
    table = {
        "v": knowledge.reading_version,
        **agency_table(knowledge.registry, text, heading_path),
        "s": knowledge.sentences.sheet(text),
        "i": [knowledge.cues.instruction_key, knowledge.cues.find_instruction_spans(text)],
    }
    return json.dumps(table, ensure_ascii=False, separators=(",", ":"))


def decode_tables(knowledge: Knowledge, stored: Mapping[str, str]) -> dict[str, dict[str, Any] | None]:
    """Stored tables by chunk id, decoded: None for one of another version. Decoding is most of
    priming, and retrieval primes some chunks' agencies before their other readings: it decodes
    their tables once, for both (`prime_agency_tables`, `prime_tables`)."""
    return {chunk_id: _current(knowledge, raw) for chunk_id, raw in stored.items()}


def prime_agency_readings(knowledge: Knowledge, stored: Sequence[str]) -> int:
    """Hand the registry only the agency readings of these stored tables (the chunks' other
    readings are not needed: retrieval's boosts read their headings); returns how many were used."""
    tables = [t for t in (_current(knowledge, raw) for raw in stored) if t is not None]
    prime_agency_tables(knowledge, tables)
    return len(tables)


def prime_agency_tables(knowledge: Knowledge, tables: Sequence[Mapping[str, Any]]) -> None:
    """`prime_agency_readings` of decoded tables of this version (`decode_tables`)."""
    prime_registry(knowledge.registry, tables)


def prime_readings(knowledge: Knowledge, chunks: Sequence[tuple[str, str]]) -> int:
    """Hand the readers the stored tables of these (chunk text, table) pairs; returns how many
    were of this version (the others are ignored: the readers read those texts themselves)."""
    tables = [(text, t) for text, t in ((text, _current(knowledge, raw)) for text, raw in chunks) if t is not None]
    prime_tables(knowledge, tables)
    return len(tables)


def prime_tables(knowledge: Knowledge, chunks: Sequence[tuple[str, Mapping[str, Any]]]) -> None:
    """`prime_readings` of decoded tables of this version (`decode_tables`)."""
    instruction_key = knowledge.cues.instruction_key
    for text, table in chunks:
        knowledge.sentences.prime(text, table["s"])
        key, spans = table["i"]
        if key == instruction_key:
            knowledge.cues.instructions.put({text: tuple((s, e) for s, e in spans)})
    prime_registry(knowledge.registry, [table for _, table in chunks])


def _current(knowledge: Knowledge, raw: str) -> dict[str, Any] | None:
    """A stored table, decoded, when this code's version made it (None otherwise, or with none)."""
    version = knowledge.reading_version
    table: dict[str, Any] = json.loads(raw)
    return table if version and table.get("v") == version else None
