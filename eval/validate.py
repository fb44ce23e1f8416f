"""`python -m eval validate FILE --corpus DIR`: is a question set fit to measure with?

Checks, each problem reported with the file and line of the question:
- the schema (shared/eval/SCHEMA.md) and unique ids — the same reader `run` uses;
- the line is NFC (SCHEMA.md: "UTF-8, NFC");
- every `sources` id is a document of the corpus (file name without extension), and the ingest
  stage does not refuse that file;
- every alternative of every `must_include` group occurs in at least one of the item's sources,
  as the product indexes them: the text after our ingest cleaning (`prepare_bytes`), matched the
  way the metrics match answers (case- and diacritic-insensitive, digits not inside longer numbers),
  or as the same number or date written another way: alternatives exist so that an answer may say
  "9 xã" where the document says "09 xã", or "17/02/2014" for "17 tháng 02 năm 2014", so leading
  zeros and the spelled-out date form are normalised on both sides (`notation_form`) — nothing else.

An alternative that occurs in no source can never be retrieved as evidence, so it is either a typo
or a fact the corpus does not hold; both make the numbers lie.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from eval.dataset import read_questions
from eval.metrics import contains, doc_id, match_form

_SPELLED_DATE = re.compile(r"(?<!\d)(\d{1,2}) thang (\d{1,2}) nam (\d{4})(?!\d)")
_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})[-.](\d{1,2})[-.](\d{4})(?!\d)")
_LEADING_ZEROS = re.compile(r"(?<![\d,.])0+(?=\d)")


def notation_form(text: str) -> str:
    """`match_form` with dates as d/m/yyyy and leading zeros of whole numbers dropped."""
    text = match_form(text)
    text = _SPELLED_DATE.sub(r"\1/\2/\3", text)
    text = _NUMERIC_DATE.sub(r"\1/\2/\3", text)
    return _LEADING_ZEROS.sub("", text)


def occurs(text: str, alternative: str) -> bool:
    """Is the alternative in the text, literally (as the metrics match) or in another notation?"""
    return contains(text, alternative) or contains(notation_form(text), notation_form(alternative))


@dataclass
class CorpusTexts:
    """The cleaned text of every document of a corpus, by document id; refused files by id."""

    texts: dict[str, str] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)


def load_corpus_texts(corpus: Path, max_file_bytes: int = 20 * 1024 * 1024) -> CorpusTexts:
    """Every supported file under `corpus`, loaded and cleaned exactly as `ntm ingest` would."""
    from core.contracts import RefusedFile
    from core.knowledge import Knowledge
    from ingest.pipeline import iter_input_files, prepare_bytes, read_limited

    knowledge = Knowledge.load()
    out = CorpusTexts()
    for path, source in iter_input_files([Path(corpus)]):
        key = doc_id(source)
        if key in out.texts or key in out.refused:
            out.duplicates.append(source)
        try:
            prepared = prepare_bytes(read_limited(path, source, max_file_bytes), source, knowledge)
        except RefusedFile as exc:
            out.refused[key] = exc.reason if hasattr(exc, "reason") else str(exc)
            continue
        out.texts[key] = prepared.document.text
    return out


def validate(qa: Path, corpus: Path) -> tuple[list[str], int]:
    """All problems of a question set against a corpus (empty = valid), and the number of items read."""
    qa, corpus = Path(qa), Path(corpus)
    if not corpus.exists():
        return [f"corpus not found: {corpus}"], 0
    result = read_questions(qa)
    problems = list(result.errors)
    raw_lines = qa.read_bytes().split(b"\n")
    docs = load_corpus_texts(corpus)
    if not docs.texts:
        problems.append(f"{corpus}: no document could be loaded")
    for source in docs.duplicates:
        problems.append(f"{corpus}: two files share the document id {doc_id(source)!r} ({source})")
    for lineno, item in result.items:
        where = f"{qa}, line {lineno}: id {item.id!r}"
        line = raw_lines[lineno - 1].decode("utf-8")
        if unicodedata.normalize("NFC", line) != line:
            problems.append(f"{where}: the line is not NFC-normalised")
        present = []
        for source in item.sources:
            if source in docs.refused:
                problems.append(f"{where}: source {source!r} is refused by ingest ({docs.refused[source]})")
            elif source not in docs.texts:
                problems.append(f"{where}: source {source!r} is not a document of {corpus}")
            else:
                present.append(docs.texts[source])
        if not present:
            continue
        for n, group in enumerate(item.must_include, start=1):
            for alt in group:
                if not any(occurs(text, alt) for text in present):
                    problems.append(
                        f"{where}: must_include group {n} alternative {alt!r} is in none of its sources "
                        f"({', '.join(item.sources)}) after ingest cleaning"
                    )
    if not result.items and not result.errors:
        problems.append(f"{qa}: the question set holds no questions")
    return problems, len(result.items)
