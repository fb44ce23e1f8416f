"""The chunk metadata retrieval filters on, kept in the records' SQLite file, and a translator of
Chroma `where` filters into SQL over it.

Why: listing the chunk ids a filter selects through Chroma's `get(where=...)` costs ~44 ms at
100k chunks and grows with the collection; the same ids come from an indexed table in a few ms.
The table holds, per chunk, the values Chroma is given (`chroma_metadata`) for the keys retrieval
filters on (province, year, kind and the `ag_<agency>` flags), typed the way Chroma compares them:
numbers (an int equals the same float), booleans and strings are three kinds that never match each
other. A filter using another key, or an operator not translated here ($ne and $nin, whose
matches include chunks lacking the key), gets None: the caller asks Chroma instead. Filters Chroma
rejects (an empty `$in`, mixed types, `$and` of one clause) are not translated either, so Chroma
still raises its own error.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from core.contracts import Chunk

SCHEMA = """
CREATE TABLE IF NOT EXISTS chunk_filters (
    key TEXT NOT NULL,
    type TEXT NOT NULL,
    value NOT NULL,
    chunk_id TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    PRIMARY KEY (key, type, value, chunk_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS chunk_filters_doc ON chunk_filters(doc_id);
"""

# bump when what the table holds changes: indexes opened by older code are then refilled
FORMAT = "1"
META_KEY = "chunk_filters"

_KEYS = frozenset({"province", "year", "kind"})
_AGENCY_PREFIX = "ag_"
_COMPARE = {"$eq": "=", "$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}

Row = tuple[str, str, Any, str, str]  # key, type, value, chunk_id, doc_id


def filtered_key(key: str) -> bool:
    """A key whose values the table holds."""
    return key in _KEYS or key.startswith(_AGENCY_PREFIX)


def _type_of(value: Any) -> str | None:
    """The kind Chroma compares a value as ('b', 'n', 's'), None for what it does not store."""
    if isinstance(value, bool):
        return "b"
    if isinstance(value, (int, float)):
        return "n"
    if isinstance(value, str):
        return "s"
    return None


def rows_of(described: Iterable[tuple[Chunk, Mapping[str, Any]]]) -> Iterator[Row]:
    """The table's rows for these chunks, from the metadata Chroma is given for each."""
    for chunk, metadata in described:
        for key, value in metadata.items():
            kind = _type_of(value)
            if kind and filtered_key(key):
                yield key, kind, int(value) if kind == "b" else value, chunk.chunk_id, chunk.doc_id


def insert(db: Any, found: Iterable[Row]) -> None:
    db.executemany("INSERT OR REPLACE INTO chunk_filters(key, type, value, chunk_id, doc_id) VALUES (?,?,?,?,?)", found)


def where_sql(where: Mapping[str, Any]) -> tuple[str, list[Any]] | None:
    """A SELECT of the chunk ids `where` matches, with its parameters; None when the filter uses
    a key the table does not hold or anything not translated (the caller then asks Chroma)."""
    if not isinstance(where, Mapping) or len(where) != 1:
        return None
    ((key, condition),) = where.items()
    if key in ("$and", "$or"):
        if not isinstance(condition, list) or len(condition) < 2:
            return None
        parts = [where_sql(c) for c in condition]
        if any(p is None for p in parts):
            return None
        joiner = " INTERSECT " if key == "$and" else " UNION "
        sql = joiner.join(f"SELECT chunk_id FROM ({p[0]})" for p in parts if p)
        return sql, [arg for p in parts if p for arg in p[1]]
    if not isinstance(key, str) or key.startswith("$") or not filtered_key(key):
        return None
    return _leaf(key, condition)


def _leaf(key: str, condition: Any) -> tuple[str, list[Any]] | None:
    if isinstance(condition, Mapping):
        if len(condition) != 1:
            return None
        ((op, operand),) = condition.items()
    else:
        op, operand = "$eq", condition
    base = "SELECT chunk_id FROM chunk_filters WHERE key=? AND type=? AND value"
    if op == "$in":
        if not isinstance(operand, list) or not operand or len({type(v) for v in operand}) != 1:
            return None
        kind = _type_of(operand[0])
        if kind is None or isinstance(operand[0], float):
            return None
        values = [int(v) if kind == "b" else v for v in operand]
        return f"{base} IN ({','.join('?' * len(values))})", [key, kind, *values]
    if op not in _COMPARE:
        return None
    kind = _type_of(operand)
    if kind is None or isinstance(operand, float) or (op != "$eq" and kind != "n"):
        return None  # floats: Chroma's float precision is not reproduced here
    return f"{base} {_COMPARE[op]} ?", [key, kind, int(operand) if kind == "b" else operand]
