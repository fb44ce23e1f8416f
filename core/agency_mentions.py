"""Agency readings of a chunk, computed once at ingest and stored with it (core/chunk_readings).

Answering a question reads the agencies named in every sentence of its evidence chunks (is the
asked body named? does another body answer "cơ quan nào"?). Parsing a sentence with the agency
grammar costs about 0.25 ms, and a question's evidence holds ~30 sentences no earlier question
read: the largest part of what answering adds to retrieval. Those readings depend only on the
chunk, so ingest computes them (in its preparing workers, beside embedding) and retrieval hands
the stored ones of its candidates to the registry (`AgencyRegistry.prime`). For texts the
registry holds no reading of, `find` reads the text as before, so answers are the same with or
without stored readings; only the time differs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from core.agencies import Agency, AgencyRegistry, reading_key
from core.sentences import evidence_spans


def chunk_texts(text: str, heading_path: Sequence[str]) -> list[str]:
    """The texts of a chunk the answer path reads agencies in: each evidence sentence (and its
    opening, where a subject would be), the heading path's last one and two entries and all of it,
    and the whole chunk under its headings."""
    texts: dict[str, None] = {}
    for start, end in evidence_spans(text):
        texts.setdefault(text[start:end])
        texts.setdefault(text[start:end][:60])
    for heading in (heading_path[-1:], heading_path[-2:], heading_path):
        texts.setdefault(" ".join(heading))
    texts.setdefault(" ".join(heading_path) + " " + text)
    return list(texts)


def agency_table(registry: AgencyRegistry, text: str, heading_path: Sequence[str]) -> dict[str, Any]:
    """Every reading the answer path will ask for in this chunk ("m": mention rows by
    `reading_key`), and the agencies among them no data file lists ("d"), as stored."""
    found: dict[str, list[list[object]]] = {}
    discovered: dict[str, list[object]] = {}
    for t in chunk_texts(text, heading_path):
        mentions = registry.find(t)
        found[reading_key(t)] = [[m.agency_id, m.start, m.end, m.person] for m in mentions]
        for m in mentions:
            agency = registry.get(m.agency_id)
            if agency.discovered:
                discovered[agency.id] = [agency.name, agency.level, agency.unit]
    return {"m": found, "d": discovered}


def prime_registry(registry: AgencyRegistry, tables: Sequence[Mapping[str, Any]]) -> None:
    """Hand the registry these chunks' stored agency tables (`agency_table`, made by this same
    code and data: the caller checks the version)."""
    for table in tables:
        # one the registry holds is kept as it is (`prime`): only the others are made
        discovered = [
            Agency(agency_id, name, level, (), unit=unit, discovered=True)
            for agency_id, (name, level, unit) in table["d"].items()
            if agency_id not in registry.agencies
        ]
        registry.prime(table["m"], discovered)
