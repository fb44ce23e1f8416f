"""Image loader: a PNG, JPEG or (multi-page) TIFF is a scanned document; every frame is OCR'd.

Offices send scans as images as often as PDFs (a phone photo of a signed notice, a fax TIFF).
Frames go through the same OCR, furniture removal and paragraph grouping as scanned PDF pages.
"""

from __future__ import annotations

from core.contracts import LoadedFile, RefusedFile
from ingest.loaders.ocr import OcrConfig, PageProgress, require_ocr
from ingest.loaders.ocr_pages import ocr_blocks, ocr_pages
from ingest.loaders.pdf_lines import drop_page_furniture
from ingest.loaders.raster import image_frames


def load_image(
    data: bytes, source: str, ocr: OcrConfig | None = None, on_page: PageProgress | None = None
) -> LoadedFile:
    """OCR every frame of an image file, or refuse it (no OCR installed, damaged, no text)."""
    config = ocr or OcrConfig()
    require_ocr(config, source)
    frames = image_frames(data, source)
    numbers = list(range(len(frames)))
    pages = ocr_pages(frames, numbers, config, source, on_page)
    blocks = ocr_blocks(drop_page_furniture([pages[n] for n in numbers]))
    if not blocks:
        raise RefusedFile(source, "no extractable text (OCR found no text in the image)")
    return LoadedFile(
        source=source, format="image", blocks=blocks, hints={"ocr_pages": ",".join(str(n + 1) for n in numbers)}
    )
