"""The index-time settings an index was built with, recorded in it like the embedding model.

What a file turns into depends on the embedding model (recorded in the Chroma collection), the
pipeline version (recorded per document: a new version re-processes each document on the next
ingest) and the settings the writer passes here (chunk size, OCR language). Writing with other
values than those recorded would mix two kinds of chunks in one index, and re-ingesting unchanged
files would report them "unchanged" under settings they were never built with; so it is an error
naming both values and the way out. Reading is not affected (a question does not depend on them).
An empty index, or one built before these were recorded, takes the writer's values.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from vectorstore.records import RecordStore

META_KEY = "build_settings"


class IndexSettingsMismatch(RuntimeError):
    """The index was built with other index-time settings than the ones configured."""


def recorded(records: RecordStore) -> dict[str, str]:
    """The recorded settings ({} for an index built before they were recorded)."""
    raw = records.get_meta(META_KEY)
    return dict(json.loads(raw)) if raw else {}


def require(
    records: RecordStore, index_dir: Path, current: Mapping[str, str], pipeline: str, has_documents: bool
) -> None:
    """Raise IndexSettingsMismatch when `current` differs from the recorded settings of an index
    that holds documents; otherwise record `current` (and the pipeline version, for the record)."""
    before = recorded(records)
    if has_documents:
        differ = [k for k in sorted(current) if k in before and before[k] != str(current[k])]
        if differ:
            built = ", ".join(f"{k}={before[k]}" for k in differ)
            configured = ", ".join(f"{k}={current[k]}" for k in differ)
            env = " ".join(f"NTM_{k.upper()}={before[k]}" for k in differ)
            raise IndexSettingsMismatch(
                f"the index in {index_dir} was built with {built} but {configured} is configured; "
                f"set {env} or rebuild the index with `ntm ingest --rebuild`"
            )
    after = {**before, **{k: str(v) for k, v in current.items()}, "pipeline": pipeline}
    if after != before:
        records.set_meta(META_KEY, json.dumps(after, sort_keys=True))


def forget(records: RecordStore) -> None:
    """Drop the record (the index is being rebuilt: the next write records its settings)."""
    records.set_meta(META_KEY, "")
