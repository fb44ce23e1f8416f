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
    PRIMARY KEY (key, type, value, chunk_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS chunk_filters_chunk ON chunk_filters(chunk_id, key, type, value);
"""
# rows by value (a filter's clause is a range of the primary key) and by chunk (the other clauses
# of an $and are probes of the chunks the first one selects; a document's rows are deleted by chunk)
DELETE_DOCUMENT = "DELETE FROM chunk_filters WHERE chunk_id IN (SELECT chunk_id FROM chunks WHERE doc_id=?)"

# bump when what the table holds changes: indexes opened by older code are then refilled
FORMAT = "2"
META_KEY = "chunk_filters"

_KEYS = frozenset({"province", "year", "kind"})
_AGENCY_PREFIX = "ag_"
_COMPARE = {"$eq": "=", "$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}

Row = tuple[str, str, Any, str]  # key, type, value, chunk_id
# a parsed filter: ("leaf", condition on key/type/value, args) or ("$and" | "$or", children)
Node = tuple[Any, ...]


def create(db: Any) -> None:
    """Create the table in the records' file (dropping an earlier form of it, to be refilled); an
    index with no chunks yet is marked filled."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(chunk_filters)")}
    if columns and columns != {"key", "type", "value", "chunk_id"}:
        db.execute("DROP TABLE chunk_filters")
    db.executescript(SCHEMA)
    if not db.execute("SELECT 1 FROM chunks LIMIT 1").fetchone():
        db.execute("INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)", (META_KEY, FORMAT))


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
                yield key, kind, int(value) if kind == "b" else value, chunk.chunk_id


def insert(db: Any, found: Iterable[Row]) -> None:
    db.executemany("INSERT OR REPLACE INTO chunk_filters(key, type, value, chunk_id) VALUES (?,?,?,?)", found)


def where_sql(where: Mapping[str, Any]) -> tuple[str, list[Any]] | None:
    """A SELECT of the chunk ids `where` matches, with its parameters; None when the filter uses
    a key the table does not hold or anything not translated (the caller then asks Chroma)."""
    node = _parse(where)
    return None if node is None else _select(node)


def _parse(where: Any) -> Node | None:
    if not isinstance(where, Mapping) or len(where) != 1:
        return None
    ((key, condition),) = where.items()
    if key in ("$and", "$or"):
        if not isinstance(condition, list) or len(condition) < 2:
            return None
        children = [_parse(c) for c in condition]
        return None if any(c is None for c in children) else (key, children)
    if not isinstance(key, str) or key.startswith("$") or not filtered_key(key):
        return None
    return _leaf(key, condition)


def _select(node: Node) -> tuple[str, list[Any]]:
    """The chunk ids of a node: a leaf is a range of the primary key; an $or the union of its
    children; an $and its first leaf's chunks (else its first child's), probed for the others."""
    if node[0] == "leaf":
        return f"SELECT chunk_id FROM chunk_filters WHERE {node[1]}", node[2]
    children = node[1]
    if node[0] == "$or":
        parts = [_select(c) for c in children]
        return " UNION ".join(f"SELECT chunk_id FROM ({sql})" for sql, _ in parts), [
            a for _, args in parts for a in args
        ]
    first = next((n for n, c in enumerate(children) if c[0] == "leaf"), 0)
    sql, args = _select(children[first])
    probes = [_probe(c) for n, c in enumerate(children) if n != first]
    where = " AND ".join(p for p, _ in probes)
    return f"SELECT d.chunk_id FROM ({sql}) AS d WHERE {where}", args + [a for _, more in probes for a in more]


def _probe(node: Node) -> tuple[str, list[Any]]:
    """A condition on the chunk `d.chunk_id`: index lookups by chunk, not a scan of a range."""
    if node[0] == "leaf":
        return f"EXISTS (SELECT 1 FROM chunk_filters x WHERE x.chunk_id = d.chunk_id AND {node[1]})", node[2]
    parts = [_probe(c) for c in node[1]]
    joiner = " AND " if node[0] == "$and" else " OR "
    return f"({joiner.join(p for p, _ in parts)})", [a for _, args in parts for a in args]


def _leaf(key: str, condition: Any) -> Node | None:
    if isinstance(condition, Mapping):
        if len(condition) != 1:
            return None
        ((op, operand),) = condition.items()
    else:
        op, operand = "$eq", condition
    base = "key=? AND type=? AND value"
    if op == "$in":
        if not isinstance(operand, list) or not operand or len({type(v) for v in operand}) != 1:
            return None
        kind = _type_of(operand[0])
        if kind is None or isinstance(operand[0], float):
            return None
        values = [int(v) if kind == "b" else v for v in operand]
        return ("leaf", f"{base} IN ({','.join('?' * len(values))})", [key, kind, *values])
    if op not in _COMPARE:
        return None
    kind = _type_of(operand)
    if kind is None or isinstance(operand, float) or (op != "$eq" and kind != "n"):
        return None  # floats: Chroma's float precision is not reproduced here
    return ("leaf", f"{base} {_COMPARE[op]} ?", [key, kind, int(operand) if kind == "b" else operand])
