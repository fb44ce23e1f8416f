"""Page images for OCR: PDF pages rendered by poppler's `pdftoppm`, frames of PNG/JPEG/TIFF files.

Why pdftoppm and not pypdfium2: pypdfium2 renders a page at 300 dpi faster (0.17 s against
0.83 s, bench/ocr_bench.py --tools, under load), but rendering is under a tenth of a page's OCR
time, and pdftoppm comes from a Debian package (poppler-utils) installed beside Tesseract, so OCR
adds no Python dependency. Rendering (not extracting the embedded JPEG) gives
every page at one known resolution whatever the scanner stored (strips, masks, rotated pages).
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from PIL import Image, ImageSequence, UnidentifiedImageError

from core.contracts import RefusedFile

NO_PDFTOPPM = "OCR not available: pdftoppm is not installed (install the Debian package poppler-utils)"
_RENDER_TIMEOUT_S = 120


def require_renderer(source: str) -> None:
    if shutil.which("pdftoppm") is None:
        raise RefusedFile(source, NO_PDFTOPPM)


def render_pdf_pages(data: bytes, pages: list[int], dpi: int, source: str) -> Iterator[Image.Image]:
    """Each listed page (0-based) as an RGB image at `dpi`, one pdftoppm run per page."""
    with tempfile.TemporaryDirectory(prefix="ntm-ocr-") as tmp:
        pdf = Path(tmp) / "in.pdf"
        pdf.write_bytes(data)
        for number in pages:
            root = Path(tmp) / f"p{number}"
            command = [
                "pdftoppm",
                "-r",
                str(dpi),
                "-f",
                str(number + 1),
                "-l",
                str(number + 1),
                "-singlefile",
                str(pdf),
                str(root),
            ]
            try:
                done = subprocess.run(command, capture_output=True, timeout=_RENDER_TIMEOUT_S, check=False)
            except FileNotFoundError as exc:
                raise RefusedFile(source, NO_PDFTOPPM) from exc
            except subprocess.TimeoutExpired as exc:
                raise RefusedFile(source, f"damaged/truncated PDF (page {number + 1} could not be rendered)") from exc
            out = root.with_suffix(".ppm")
            if done.returncode != 0 or not out.exists():
                detail = done.stderr.decode("utf-8", "replace").strip()[:120]
                raise RefusedFile(source, f"damaged/truncated PDF (page {number + 1} could not be rendered: {detail})")
            with Image.open(out) as image:
                image.load()
                page = image.copy()
            out.unlink()
            page.info["dpi"] = (dpi, dpi)
            yield page


def image_frames(data: bytes, source: str) -> list[Image.Image]:
    """Every frame of an image file (TIFF pages), decoded; damaged images are refused."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            dpi = image.info.get("dpi")
            frames = []
            for frame in ImageSequence.Iterator(image):
                frame.load()
                copy = frame.copy()
                frame_dpi = frame.info.get("dpi") or dpi
                if frame_dpi and frame_dpi[0] >= 50:
                    copy.info["dpi"] = frame_dpi
                frames.append(copy)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise RefusedFile(source, f"damaged image ({type(exc).__name__}: {str(exc)[:120]})") from exc
    if not frames:
        raise RefusedFile(source, "damaged image (no frames)")
    return frames
