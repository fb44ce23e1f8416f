"""Tesseract OCR of one page image, called as the `tesseract` command (Debian tesseract-ocr).

Why the command and not pytesseract: pytesseract is itself a wrapper that writes the image to a
temporary file and runs the same command; piping a PNG to `tesseract stdin stdout … tsv` does the
same with no dependency and no temporary files (bench/ocr_bench.py --tools: 8.95 s against
9.65 s for one page, under load). The TSV output gives each word's box and Tesseract's own block/paragraph/line
numbers: lines keep their position (so running headers and page numbers of scanned pages are
dropped like those of text pages) and paragraphs come from Tesseract's layout analysis.

Tesseract uses OpenMP; on the 2 shared cores two threads per page were 4–20 times slower than one
(its threads spin-wait for a busy core), so one thread is the default (`threads`, OMP_THREAD_LIMIT).
A missing command or a missing Vietnamese
model is a refusal naming the Debian packages to install, never a crash.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image

from core.contracts import RefusedFile

# (pages done, pages to OCR) after each OCR'd page of one file: the CLI and the upload tab show it.
PageProgress = Callable[[int, int], None]

DEBIAN_PACKAGES = "tesseract-ocr tesseract-ocr-vie"
NO_TESSERACT = f"OCR not available: Tesseract is not installed (install the Debian packages {DEBIAN_PACKAGES})"
NO_MODEL = (
    "OCR not available: Tesseract's {lang!r} model is not installed (install the Debian package tesseract-ocr-{lang})"
)


@dataclass(frozen=True)
class OcrConfig:
    """How pages are OCR'd. Defaults are what bench/ocr_bench.py measured best on the scan kit."""

    command: str = "tesseract"
    lang: str = "vie"
    dpi: int = 300  # PDF pages are rendered at this resolution
    threads: int = 1  # OMP_THREAD_LIMIT for each tesseract run
    timeout_s: float = 300.0  # one page
    psm: int = 3  # Tesseract's automatic page segmentation
    thresholding: int = 0  # Tesseract's binarisation: 0 Otsu, 1 adaptive Otsu, 2 Sauvola
    dropout: bool = True  # colour dropout: red stamps and blue signatures fade before binarisation
    deskew: bool = True  # straighten pages scanned at a slight angle


@dataclass(frozen=True)
class OcrLine:
    """One line Tesseract read: its words and box (pixels) and its paragraph on the page."""

    text: str
    left: int
    top: int
    bottom: int
    paragraph: int
    confidence: float


@dataclass(frozen=True)
class OcrPage:
    width: int
    height: int
    dpi: int
    lines: list[OcrLine]


def unavailable_reason(config: OcrConfig) -> str | None:
    """Why OCR cannot run here (missing command or language model), or None."""
    path = shutil.which(config.command)
    if path is None:
        return NO_TESSERACT
    if config.lang not in _languages(path):
        return NO_MODEL.format(lang=config.lang)
    return None


def require_ocr(config: OcrConfig, source: str) -> None:
    """Refuse the file when it needs OCR and OCR is not installed."""
    reason = unavailable_reason(config)
    if reason:
        raise RefusedFile(source, reason)


@lru_cache(maxsize=8)
def _languages(path: str) -> frozenset[str]:
    """Language models the tesseract at `path` has (asked once per command path)."""
    try:
        done = subprocess.run([path, "--list-langs"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    lines = (done.stdout + done.stderr).splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and " " not in line.strip())


def ocr_image(image: Image.Image, config: OcrConfig, source: str, page: int) -> OcrPage:
    """Run Tesseract on one (prepared) page image; raises RefusedFile when it fails."""
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)
    dpi = int(round(image.info.get("dpi", (config.dpi, config.dpi))[0])) or config.dpi
    command = [
        config.command,
        "stdin",
        "stdout",
        "-l",
        config.lang,
        "--psm",
        str(config.psm),
        "--dpi",
        str(dpi),
        "-c",
        f"thresholding_method={config.thresholding}",
        "tsv",
    ]
    env = {**os.environ, "OMP_THREAD_LIMIT": str(config.threads)}
    try:
        done = subprocess.run(
            command, input=buffer.getvalue(), capture_output=True, timeout=config.timeout_s, env=env, check=False
        )
    except FileNotFoundError as exc:
        raise RefusedFile(source, NO_TESSERACT) from exc
    except subprocess.TimeoutExpired as exc:
        raise RefusedFile(source, f"OCR failed on page {page} (Tesseract took over {config.timeout_s:.0f} s)") from exc
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
        raise RefusedFile(source, f"OCR failed on page {page} (Tesseract: {detail[0][:120]})")
    return OcrPage(image.width, image.height, dpi, parse_tsv(done.stdout.decode("utf-8", "replace")))


def parse_tsv(tsv: str) -> list[OcrLine]:
    """Lines (in reading order) from Tesseract's TSV: words grouped by block, paragraph, line."""
    rows = csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    lines: dict[tuple[int, int, int], list[dict[str, str]]] = {}
    for row in rows:
        if row.get("level") == "5" and (row.get("text") or "").strip():
            key = (int(row["block_num"]), int(row["par_num"]), int(row["line_num"]))
            lines.setdefault(key, []).append(row)
    paragraphs: dict[tuple[int, int], int] = {}
    out: list[OcrLine] = []
    for (block, par, _), words in lines.items():
        number = paragraphs.setdefault((block, par), len(paragraphs))
        tops = [int(w["top"]) for w in words]
        bottoms = [int(w["top"]) + int(w["height"]) for w in words]
        confidences = [float(w["conf"]) for w in words if float(w["conf"]) >= 0]
        out.append(
            OcrLine(
                text=" ".join(w["text"].strip() for w in words),
                left=min(int(w["left"]) for w in words),
                top=min(tops),
                bottom=max(bottoms),
                paragraph=number,
                confidence=sum(confidences) / len(confidences) if confidences else 0.0,
            )
        )
    return out
