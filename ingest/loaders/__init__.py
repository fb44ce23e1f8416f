"""Loaders: one per format, chosen by sniffing the file's bytes (never its extension).

`load_bytes` is the single entry point; it raises `RefusedFile` with a specific reason for
anything that must not be indexed.
"""
from __future__ import annotations

from ingest.model import LoadedFile, RefusedFile


def load_bytes(data: bytes, source: str) -> LoadedFile:
    """Extract blocks from a file's bytes; `source` is display text used in errors only."""
    from ingest.sniff import sniff_format

    fmt = sniff_format(data, source)
    if fmt == "pdf":
        from ingest.loaders.pdf import load_pdf

        return load_pdf(data, source)
    if fmt == "docx":
        from ingest.loaders.docx import load_docx

        return load_docx(data, source)
    if fmt == "html":
        from ingest.loaders.html import load_html

        return load_html(data, source)
    if fmt == "txt":
        from ingest.loaders.txt import load_txt

        return load_txt(data, source)
    raise RefusedFile(source, f"unsupported format {fmt!r}")
