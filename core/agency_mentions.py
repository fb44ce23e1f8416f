"""Agency readings of a chunk, computed once at ingest and stored with it.

Answering a question reads the agencies named in every sentence of its evidence chunks (is the
asked body named? does another body answer "cơ quan nào"?). Parsing a sentence with the agency
grammar costs about 0.25 ms, and a question's evidence holds ~30 sentences no earlier question
read: the largest part of what answering adds to retrieval. Those readings depend only on the
chunk, so ingest computes them (in its preparing workers, beside embedding) and retrieval hands
the stored ones of its candidates to the registry (`AgencyRegistry.prime`).

A stored table is used only when it was computed by the same agency code and data
(`reading_version`: a hash of both); otherwise, and for texts it does not hold, `find` reads the
text as before. So answers are the same with or without stored readings; only the time differs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

from core import agencies, agency_grammar, agency_tokens, agency_units, places, sentences, vntext
from core.agencies import Agency, AgencyRegistry, reading_key
from core.sentences import EVIDENCE, text_spans

_DATA_FILES = ("agencies.json", "agency_grammar.json", "places.json")
_CODE = (agencies, agency_grammar, agency_tokens, agency_units, places, sentences, vntext)


def reading_version() -> str:
    """Hash of the code and data an agency reading comes from (the registry, its grammar, the
    gazetteer, the text and sentence rules, this module, and their data files): a stored table of
    any other version is ignored. Read once, by `Knowledge.load`."""
    digest = hashlib.sha256()
    data = Path(__file__).with_name("data")
    files = sorted({Path(m.__file__ or "") for m in _CODE} | {Path(__file__)}) + [data / n for n in _DATA_FILES]
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def chunk_texts(text: str, heading_path: Sequence[str]) -> list[str]:
    """The texts of a chunk the answer path reads agencies in: each evidence sentence (and its
    opening, where a subject would be), the heading path's last one and two entries and all of it,
    and the whole chunk under its headings."""
    texts: dict[str, None] = {}
    for start, end in text_spans(text, EVIDENCE):
        if end - start >= 3:
            texts.setdefault(text[start:end])
            texts.setdefault(text[start:end][:60])
    for heading in (heading_path[-1:], heading_path[-2:], heading_path):
        texts.setdefault(" ".join(heading))
    texts.setdefault(" ".join(heading_path) + " " + text)
    return list(texts)


def chunk_readings(registry: AgencyRegistry, text: str, heading_path: Sequence[str], version: str) -> str:
    """The stored form (JSON) of every reading the answer path will ask for in this chunk."""
    found: dict[str, list[list[object]]] = {}
    discovered: dict[str, list[object]] = {}
    for t in chunk_texts(text, heading_path):
        mentions = registry.find(t)
        found[reading_key(t)] = [[m.agency_id, m.start, m.end, m.person] for m in mentions]
        for m in mentions:
            agency = registry.get(m.agency_id)
            if agency.discovered:
                discovered[agency.id] = [agency.name, agency.level, agency.unit]
    return json.dumps({"v": version, "m": found, "d": discovered}, ensure_ascii=False, separators=(",", ":"))


def prime_registry(registry: AgencyRegistry, stored: Sequence[str], version: str) -> int:
    """Hand the registry these chunks' stored readings; returns how many were of `version` (the
    others are ignored: `find` reads those texts itself)."""
    used = 0
    for raw in stored:
        table = json.loads(raw)
        if table.get("v") != version or not version:
            continue
        discovered = [
            Agency(agency_id, name, level, (), unit=unit, discovered=True)
            for agency_id, (name, level, unit) in table["d"].items()
        ]
        registry.prime(table["m"], discovered)
        used += 1
    return used
