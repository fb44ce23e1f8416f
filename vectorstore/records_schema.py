"""The records' SQLite tables (vectorstore/records.py): documents, chunks, the readings stored
with them, the task register and the figures. Derived tables of their own modules
(chunk_filters, chunk_vectors, alternates) are created there."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    source TEXT NOT NULL UNIQUE,
    content_hash TEXT NOT NULL,
    format TEXT NOT NULL,
    metadata TEXT NOT NULL,
    text TEXT NOT NULL,
    n_chunks INTEGER NOT NULL,
    pipeline TEXT NOT NULL DEFAULT '',
    ingested_at TEXT NOT NULL DEFAULT (datetime('now'))
);
-- every column but the text: a record is read without walking the text's overflow pages to reach
-- the columns stored after it (480 records: 32 -> 6 ms cold, 4.7 -> 2.5 warm, at 10k documents)
CREATE INDEX IF NOT EXISTS documents_head
    ON documents(doc_id, source, content_hash, format, metadata, n_chunks, ingested_at, pipeline);
-- each document's province and issue date, read for the register's scope without decoding every
-- metadata record
DROP INDEX IF EXISTS documents_province;
CREATE INDEX IF NOT EXISTS documents_place
    ON documents(json_extract(metadata, '$.province'), json_extract(metadata, '$.issued'), doc_id);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    n INTEGER NOT NULL,
    text TEXT NOT NULL,
    heading_path TEXT NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL,
    agencies TEXT NOT NULL,
    indexed_text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE TABLE IF NOT EXISTS agency_readings (
    chunk_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    version TEXT NOT NULL,
    readings TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS agency_readings_doc ON agency_readings(doc_id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS assignments (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    chunk_id TEXT NOT NULL,
    agency TEXT NOT NULL,
    agency_text TEXT NOT NULL,
    role TEXT NOT NULL,
    task TEXT NOT NULL,
    deadline TEXT NOT NULL,
    collective INTEGER NOT NULL,
    start INTEGER NOT NULL,
    "end" INTEGER NOT NULL
);
-- an agency's rows in a question's documents are one range per document (not every row of the
-- agency nation-wide, then filtered and sorted: 29 -> 5 ms for 1,251 of 26,945 rows at 100k chunks);
-- its agency prefix serves the queries by agency alone that the earlier index on agency did
DROP INDEX IF EXISTS assignments_agency;
CREATE INDEX IF NOT EXISTS assignments_agency_doc ON assignments(agency, doc_id, start);
CREATE INDEX IF NOT EXISTS assignments_doc ON assignments(doc_id);
CREATE TABLE IF NOT EXISTS targets (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    chunk_id TEXT NOT NULL,
    indicator TEXT NOT NULL,
    value TEXT NOT NULL,
    unit TEXT NOT NULL,
    period TEXT NOT NULL,
    scope TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS targets_doc ON targets(doc_id);
"""
