"""One reader for the cue tables kept in the packages' data folders (question cues, document kinds,
directive cues, the targets' indicators, the document-fact cues).

Each table is a JSON object read once by its typed loader (`QuestionCues`, `DocumentKinds`,
`DirectiveCues`, `TargetRules`, `FactCues`), which keeps its own structure; what they share is here:
every string NFC (one form for the Vietnamese cue words, whatever the editor saved), keys folded or
lower-cased where the table is looked up on folded text, regular expressions compiled, and bad data
refused with an error that names the file and the key rather than a bare `KeyError` or `re.error`
from deep inside a loader. Keys starting with "_" are comments.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any


class CueTableError(ValueError):
    """A cue table that cannot be used: the message names the file and the key."""


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    if isinstance(value, dict):
        return {_nfc(k): _nfc(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class CueTable:
    """A parsed cue table and the name its errors give (e.g. "ingest/data/directive_cues.json")."""

    name: str
    data: Mapping[str, Any]

    @classmethod
    def packaged(cls, package: str, file: str) -> CueTable:
        """The table `file` in `package`'s data folder (`resources`, so it works from a wheel too)."""
        name = f"{package}/data/{file}"
        try:
            text = resources.files(package).joinpath("data", file).read_text("utf-8")
        except (FileNotFoundError, UnicodeDecodeError) as exc:
            raise CueTableError(f"{name}: cannot be read ({exc})") from exc
        return cls.parse(text, name)

    @classmethod
    def from_path(cls, path: Path) -> CueTable:
        """A table in any file (another question-cue table for tests and experiments)."""
        try:
            text = Path(path).read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CueTableError(f"{path}: cannot be read ({exc})") from exc
        return cls.parse(text, str(path))

    @classmethod
    def parse(cls, text: str, name: str) -> CueTable:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CueTableError(f"{name}: not valid JSON ({exc})") from exc
        return cls.of(data, name)

    @classmethod
    def of(cls, data: Any, name: str = "cue table") -> CueTable:
        """A table already parsed (a dict built in memory)."""
        if not isinstance(data, dict):
            raise CueTableError(f"{name}: expected a JSON object of cues, found {type(data).__name__}")
        return cls(name, _nfc(data))

    # --- typed values ---------------------------------------------------------------------
    def get(self, key: str) -> Any:
        try:
            return self.data[key]
        except KeyError:
            raise CueTableError(f"{self.name}: missing key {key!r}") from None

    def _expect(self, key: str, value: Any, kind: type, what: str) -> Any:
        if not isinstance(value, kind):
            raise CueTableError(f"{self.name}: key {key!r} must be {what}, found {type(value).__name__}")
        return value

    def text(self, key: str) -> str:
        return str(self._expect(key, self.get(key), str, "a string"))

    def words(self, key: str) -> list[str]:
        """A list of strings (cue words or patterns)."""
        return self.string_list(key, self.get(key))

    def string_list(self, key: str, value: Any) -> list[str]:
        """`value` (found under `key`) as a list of strings, or an error naming the key."""
        self._expect(key, value, list, "a list of strings")
        bad = [v for v in value if not isinstance(v, str)]
        if bad:
            raise CueTableError(f"{self.name}: key {key!r} must be a list of strings, found {bad[0]!r}")
        return list(value)

    def mapping(self, key: str, key_form: Callable[[str], str] | None = None) -> dict[str, Any]:
        """A JSON object; `key_form` (e.g. `fold`, `str.lower`) is applied to its keys, for tables
        looked up on folded or lower-case text."""
        value = self._expect(key, self.get(key), dict, "an object")
        return {key_form(k) if key_form else k: v for k, v in value.items()}

    def pairs(self, key: str) -> list[tuple[str, str]]:
        """A list of [first, second] string pairs (ordered name → pattern rows)."""
        rows = self.items(key)
        bad = [r for r in rows if not (isinstance(r, list) and len(r) == 2 and all(isinstance(v, str) for v in r))]
        if bad:
            raise CueTableError(f"{self.name}: key {key!r} must hold [string, string] pairs, found {bad[0]!r}")
        return [(a, b) for a, b in rows]

    def items(self, key: str) -> list[Any]:
        """A JSON list of anything (rows of a table)."""
        return list(self._expect(key, self.get(key), list, "a list"))

    # --- regular expressions --------------------------------------------------------------
    def regex(self, key: str, flags: int = 0) -> re.Pattern[str]:
        """The pattern stored under `key`, compiled."""
        return self.compile(key, self.text(key), flags)

    def patterns(self, key: str, flags: int = 0) -> dict[str, re.Pattern[str]]:
        """An object of name → pattern, each compiled (in the file's order)."""
        out = {}
        for name, pattern in self.mapping(key).items():
            where = f"{key}.{name}"
            out[name] = self.compile(where, self._expect(where, pattern, str, "a string"), flags)
        return out

    def compile(self, key: str, pattern: str, flags: int = 0) -> re.Pattern[str]:
        """A pattern built from the data under `key` (e.g. its words in an alternation), compiled;
        an invalid one is an error naming the file and the key."""
        try:
            return re.compile(pattern, flags)
        except re.error as exc:
            raise CueTableError(f"{self.name}: key {key!r}: invalid regular expression ({exc})") from exc
