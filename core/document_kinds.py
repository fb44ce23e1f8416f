"""The document kinds and layout cues of `data/document_kinds.json` (kind words and số hiệu codes,
the openings of legal bases, recipients, decision lines, signature blocks …), read once into one
table that the header reader (`core/header_facts.py`) is given."""

from __future__ import annotations

from dataclasses import dataclass

from core.cue_tables import CueTable, CueTableError
from core.vntext import fold


@dataclass(frozen=True)
class DocumentKinds:
    """The kind names, codes and layout cues of `data/document_kinds.json`."""

    by_word: dict[str, str]  # folded kind word → kind
    by_code: dict[str, str]  # type code of the số hiệu → kind
    needs: dict[str, str]  # kind → folded word its title must contain (thông báo → kết luận)
    letter_subject: tuple[str, ...]
    letter_kind: str
    body_starts: tuple[str, ...]
    bases: tuple[str, ...]
    submission: tuple[str, ...]
    recipients: tuple[str, ...]
    decision_lines: tuple[str, ...]
    parents: dict[str, str]
    place_units: dict[str, str]
    subunit_heads: tuple[str, ...]
    signature_prefixes: tuple[str, ...]
    signature_titles: tuple[str, ...]
    signature_marks: tuple[str, ...]
    effect: tuple[str, ...]
    replace: tuple[str, ...]
    session: tuple[str, ...]

    @classmethod
    def load(cls) -> "DocumentKinds":
        """The packaged table."""
        return cls.from_table(CueTable.packaged("core", "document_kinds.json"))

    @classmethod
    def from_table(cls, table: CueTable) -> "DocumentKinds":
        kinds = table.items("kinds")
        try:
            by_word = {fold(w): k["kind"] for k in kinds for w in k["words"]}  # looked up on folded text
            by_code = {c: k["kind"] for k in kinds for c in k["codes"]}
            needs = {k["kind"]: fold(k["needs"]) for k in kinds if k.get("needs")}
        except (KeyError, TypeError, AttributeError) as exc:
            raise CueTableError(f"{table.name}: key 'kinds': each kind needs kind, words and codes ({exc!r})") from exc
        keys = (
            "letter_subject",
            "body_starts",
            "bases",
            "submission",
            "recipients",
            "decision_lines",
            "subunit_heads",
            "signature_prefixes",
            "signature_titles",
            "signature_marks",
            "effect",
            "replace",
            "session",
        )
        return cls(
            by_word,
            by_code,
            needs,
            letter_kind=table.text("letter_kind"),
            parents=table.mapping("parents"),
            place_units=table.mapping("place_units"),
            **{k: tuple(table.words(k)) for k in keys},
        )
