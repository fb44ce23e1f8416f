"""Refusal reasons in Vietnamese for the web app: the loaders refuse a file with a short English
reason plus technical detail ("corrupt DOCX (XML parse error: …)"); users of the Vietnamese UI read
a Vietnamese sentence, with the original reason kept as a folded detail. The CLI keeps the English.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).with_name("data") / "refusal_reasons.json"


@dataclass(frozen=True)
class RefusalTexts:
    """Reason openings (English, as the loaders word them) → Vietnamese messages."""

    reasons: dict[str, str]
    unknown: str

    def kind_of(self, reason: str) -> str | None:
        """The key whose text the reason opens with (the longest one), else the longest one it
        contains (a reason opening with a tool's name: "antiword took longer than …"), or None."""
        lowered = reason.strip().lower()
        keys = [k for k in self.reasons if lowered.startswith(k.lower())]
        keys = keys or [k for k in self.reasons if k.lower() in lowered]
        return max(keys, key=len) if keys else None

    def vietnamese(self, reason: str) -> str:
        """The Vietnamese message for an English refusal reason ('{number}' filled from it)."""
        kind = self.kind_of(reason)
        if kind is None:
            return self.unknown
        message = self.reasons[kind]
        if "{number}" in message:
            number = re.search(r"\d+", reason)
            message = message.replace("{number}", number.group(0) if number else "?")
        return message


@lru_cache(maxsize=1)
def load_refusal_texts(path: Path = DATA) -> RefusalTexts:
    """The table of `assistant/data/refusal_reasons.json` (read once)."""
    data = json.loads(path.read_text("utf-8"))
    return RefusalTexts(dict(data["reasons"]), data["unknown"])
