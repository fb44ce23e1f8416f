"""Shared by ingest and assistant, without I/O at import: places gazetteer (core.places)."""
