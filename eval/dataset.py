"""Question sets (shared/eval/SCHEMA.md): one JSON object per line, validated on load.

A bad question set must stop an evaluation before anything is ingested or asked, with a message
that names the file and the line, because a silently skipped or half-read item changes every
number in metrics.json.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.vntext import nfc

TYPES = ("target", "result", "task", "agency", "metadata", "cross_doc", "unanswerable")
STYLES = ("plain", "no_diacritics", "abbreviations", "paraphrase")
UNANSWERABLE = "unanswerable"
REQUIRED_FIELDS = ("id", "question", "answer", "must_include", "sources", "type", "style")


@dataclass(frozen=True)
class QAItem:
    """One question with what a correct answer must contain and where it is found."""

    id: str
    question: str
    answer: str
    must_include: tuple[tuple[str, ...], ...]
    sources: tuple[str, ...]
    type: str
    style: str
    agency: str = ""

    @property
    def answerable(self) -> bool:
        """DESIGN.md: answerable = type ≠ unanswerable."""
        return self.type != UNANSWERABLE


class _LineError(ValueError):
    """A problem with one line; `load_questions` prefixes the file and line number."""


@dataclass(frozen=True)
class ReadResult:
    """A question set read line by line: the valid items with their line numbers, and every problem."""

    items: list[tuple[int, QAItem]]
    errors: list[str]


def read_questions(path: Path | str) -> ReadResult:
    """Read a JSONL question set without raising on bad lines: each problem names file and line.

    Raises ValueError only when the file cannot be read at all.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"{path}: cannot read question set: {exc.strerror or exc}") from exc
    items: list[tuple[int, QAItem]] = []
    errors: list[str] = []
    first_line_of: dict[str, int] = {}
    for lineno, line in enumerate(raw.split(b"\n"), start=1):
        try:
            item = _parse_line(line, first_line=lineno == 1)
        except _LineError as exc:
            errors.append(f"{path}, line {lineno}: {exc}")
            continue
        if item is None:
            continue
        if item.id in first_line_of:
            errors.append(f"{path}, line {lineno}: duplicate id {item.id!r} (first on line {first_line_of[item.id]})")
            continue
        first_line_of[item.id] = lineno
        items.append((lineno, item))
    return ReadResult(items, errors)


def load_questions(path: Path | str) -> list[QAItem]:
    """Read and validate a JSONL question set; raise ValueError naming file and line of every problem."""
    path = Path(path)
    result = read_questions(path)
    if result.errors:
        raise ValueError("invalid question set:\n" + "\n".join(result.errors))
    if not result.items:
        raise ValueError(f"{path}: the question set holds no questions")
    return [item for _, item in result.items]


def _parse_line(line: bytes, first_line: bool) -> QAItem | None:
    """One JSONL line → QAItem; None for a blank line."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _LineError(f"not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    if first_line:
        text = text.removeprefix("\ufeff")
    if not text.strip():
        return None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _LineError(f"invalid JSON: {exc.msg} (column {exc.colno})") from exc
    if not isinstance(obj, dict):
        raise _LineError(f"expected a JSON object, got {type(obj).__name__}")
    return _item_from(obj)


def _item_from(obj: dict[str, Any]) -> QAItem:
    missing = [name for name in REQUIRED_FIELDS if name not in obj]
    if missing:
        raise _LineError("missing field(s): " + ", ".join(missing))
    item_id = _text(obj, "id")
    kind = _text(obj, "type")
    if kind not in TYPES:
        raise _LineError(f"id {item_id!r}: type {kind!r} is not one of {', '.join(TYPES)}")
    style = _text(obj, "style")
    if style not in STYLES:
        raise _LineError(f"id {item_id!r}: style {style!r} is not one of {', '.join(STYLES)}")
    groups = _groups(obj["must_include"], item_id)
    sources = _sources(obj["sources"], item_id)
    if kind == UNANSWERABLE and (groups or sources):
        raise _LineError(f"id {item_id!r}: an unanswerable item must have must_include [] and sources []")
    if kind != UNANSWERABLE and not groups:
        raise _LineError(f"id {item_id!r}: must_include is empty, which only an unanswerable item may be")
    if kind != UNANSWERABLE and not sources:
        raise _LineError(f"id {item_id!r}: sources is empty; an answerable item needs its gold document ids")
    agency = obj.get("agency", "")
    if not isinstance(agency, str):
        raise _LineError(f"id {item_id!r}: agency must be a string")
    return QAItem(
        id=item_id,
        question=_text(obj, "question"),
        answer=_text(obj, "answer"),
        must_include=groups,
        sources=sources,
        type=kind,
        style=style,
        agency=nfc(agency.strip()),
    )


def _text(obj: dict[str, Any], name: str) -> str:
    value = obj[name]
    if not isinstance(value, str) or not value.strip():
        raise _LineError(f"field {name!r} must be a non-empty string")
    return nfc(value.strip())


def _groups(value: Any, item_id: str) -> tuple[tuple[str, ...], ...]:
    """must_include: a list of non-empty lists of non-empty strings (alternatives)."""
    if not isinstance(value, list):
        raise _LineError(f"id {item_id!r}: must_include must be a list of lists of strings")
    groups = []
    for n, group in enumerate(value, start=1):
        if not isinstance(group, list) or not group:
            raise _LineError(f"id {item_id!r}: must_include group {n} must be a non-empty list of strings")
        if not all(isinstance(alt, str) and alt.strip() for alt in group):
            raise _LineError(f"id {item_id!r}: must_include group {n} holds an empty or non-string alternative")
        groups.append(tuple(nfc(alt.strip()) for alt in group))
    return tuple(groups)


def _sources(value: Any, item_id: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(s, str) and s.strip() for s in value):
        raise _LineError(f"id {item_id!r}: sources must be a list of non-empty strings (document ids)")
    return tuple(nfc(s.strip()) for s in value)
