"""Scanned pages → the loaders' lines and blocks: OCR each page with progress, then paragraphs.

OCR lines become `pdf_lines.Line`s in PDF points (y up, as pypdf reports text), so a scanned
page's running header and page number are dropped by the same rule as a text page's
(`drop_page_furniture`), in mixed PDFs across both kinds of page. Paragraphs are Tesseract's own;
lines of one paragraph are joined like a PDF's wrapped lines (hyphen kept, soft hyphen removed).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from PIL import Image

from core.contracts import Block, BlockKind
from ingest.loaders.ocr import OcrConfig, OcrPage, PageProgress, ocr_image
from ingest.loaders.pdf_blocks import join_lines
from ingest.loaders.pdf_lines import BULLET_GLYPHS, Line, Run, clean_text
from ingest.loaders.scan_prep import prepare

_TEXT_BULLET = ("- ", "+ ", "– ")
_PUNCTUATION = Path(__file__).resolve().parents[1] / "data" / "ocr_punctuation.json"


def ocr_pages(
    images: Iterable[Image.Image],
    numbers: list[int],
    config: OcrConfig,
    source: str,
    on_page: PageProgress | None = None,
) -> dict[int, list[Line]]:
    """OCR each image (page `numbers[i]`, 0-based); `on_page(done, total)` after each one."""
    out: dict[int, list[Line]] = {}
    for done, (number, image) in enumerate(zip(numbers, images, strict=False), start=1):
        page = ocr_image(prepare(image, config.dropout, config.deskew), config, source, number + 1)
        out[number] = page_lines(page, number)
        if on_page:
            on_page(done, len(numbers))
    return out


def page_lines(page: OcrPage, number: int) -> list[Line]:
    """The page's OCR lines as `Line`s in points, top of the page first."""
    scale = 72.0 / page.dpi
    lines = []
    for ocr in page.lines:
        text = clean_text(plain_punctuation(ocr.text))
        if not text:
            continue
        size = round((ocr.bottom - ocr.top) * scale, 1)
        run = Run(text, ocr.left * scale, (page.height - ocr.bottom) * scale, size, False)
        lines.append(Line(page=number, runs=[run], paragraph=ocr.paragraph))
    return lines


def plain_punctuation(text: str) -> str:
    """Symbols Tesseract emits for an ASCII sign read as that sign ("05⁄3" → "05/3").

    The map (ingest/data/ocr_punctuation.json) is derived from the model's alphabet and Unicode's
    confusables by scripts/build_ocr_punctuation.py; without it a scan's dates and numbers break.
    """
    table = _punctuation_table()
    return text.translate(table) if table else text


@lru_cache(maxsize=1)
def _punctuation_table(path: Path = _PUNCTUATION) -> dict[int, str]:
    """The symbol → sign map, read once."""
    return {ord(k): v for k, v in json.loads(path.read_text("utf-8"))["map"].items()}


def ocr_blocks(lines: list[Line]) -> list[Block]:
    """One block per Tesseract paragraph (per page), list items recognised by their bullet."""
    groups: list[list[Line]] = []
    for prev, line in zip([None, *lines], lines, strict=False):
        if prev is None or (prev.page, prev.paragraph) != (line.page, line.paragraph) or _starts_item(prev, line):
            groups.append([line])
        else:
            groups[-1].append(line)
    blocks = []
    for group in groups:
        text = clean_text(join_lines([line.text for line in group]))
        if text[:1] in BULLET_GLYPHS:
            blocks.append(Block(text.lstrip(BULLET_GLYPHS + " "), BlockKind.LIST_ITEM))
        elif _is_item(text):
            blocks.append(Block(text, BlockKind.LIST_ITEM))
        elif text:
            blocks.append(Block(text))
    return [block for block in blocks if block.text]


def _starts_item(prev: Line, line: Line) -> bool:
    """A bullet glyph starts an item; "- " does after a finished sentence (as in text PDFs)."""
    return line.text[:1] in BULLET_GLYPHS or (line.text.startswith(_TEXT_BULLET) and prev.text[-1:] in ".:;!?…")


def _is_item(text: str) -> bool:
    return text[:1] in BULLET_GLYPHS or text.startswith(_TEXT_BULLET)
