"""Loaders: one per format, chosen by sniffing the file's bytes (never its extension).

`load_bytes` is the single entry point; it raises `RefusedFile` with a specific reason for
anything that must not be indexed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.contracts import LoadedFile, RefusedFile

if TYPE_CHECKING:
    from ingest.loaders.ocr import OcrConfig, PageProgress


def load_bytes(
    data: bytes, source: str, ocr: OcrConfig | None = None, on_page: PageProgress | None = None
) -> LoadedFile:
    """Extract blocks from a file's bytes; `source` is display text used in errors only.

    `ocr` configures Tesseract for scanned PDF pages and images; `on_page(done, total)` is called
    after each OCR'd page (OCR takes seconds per page, so callers show it).
    """
    from ingest.sniff import sniff_format

    fmt = sniff_format(data, source)
    if fmt == "pdf":
        from ingest.loaders.pdf import load_pdf

        return load_pdf(data, source, ocr, on_page)
    if fmt == "image":
        from ingest.loaders.image import load_image

        return load_image(data, source, ocr, on_page)
    if fmt == "docx":
        from ingest.loaders.docx import load_docx

        return load_docx(data, source)
    if fmt == "odt":
        from ingest.loaders.odt import load_odt

        return load_odt(data, source)
    if fmt == "doc":
        from ingest.loaders.doc import load_doc

        return load_doc(data, source)
    if fmt == "html":
        from ingest.loaders.html import load_html

        return load_html(data, source)
    if fmt == "txt":
        from ingest.loaders.txt import load_txt

        return load_txt(data, source)
    raise RefusedFile(source, f"unsupported format {fmt!r}")
