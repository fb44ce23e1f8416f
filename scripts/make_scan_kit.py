"""Build the OCR kit in tests/data/scans/: scanned PDFs and images of the shared text PDFs.

Why generated: real scans of these documents do not exist, and a kit made from the shared text
PDFs has an exact reference, the PDF's own text layer. Each kit file is a few pages of a text PDF
rendered by poppler's `pdftoppm`, optionally degraded the way a scanner and an office degrade
paper (1–2° rotation, a red stamp, a signature scrawl in blue ink, sensor noise, blur, JPEG), and
saved as an image-only PDF or as PNG / JPEG / multi-page TIFF. The expected text of each file is
what our PDF loader reads from the same pages' text layer, written to `_expected/NAME.txt`.

Deterministic (seeded); rerun after changing it:
    .venv/bin/python scripts/make_scan_kit.py [--shared ../shared] [--out tests/data/scans]
Needs poppler-utils (pdftoppm) and the DejaVu fonts (fonts-dejavu-core) for the stamp text.
"""

from __future__ import annotations

import argparse
import io
import math
import random
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from pypdf import PdfReader, PdfWriter

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ingest.loaders import load_bytes  # noqa: E402

STAMP_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


@dataclass(frozen=True)
class KitFile:
    """One kit file: which pages of which shared PDF, how it is degraded and saved."""

    name: str
    source: str  # file in corpus/formats
    pages: tuple[int, ...]  # 1-based
    dpi: int
    noisy: bool
    mode: str  # "L" (grey), "RGB" or "1" (bilevel)


KIT = (
    KitFile("003_lai-chau_scan-clean.pdf", "003_lai-chau_ket-luan_libreoffice.pdf", (1, 2), 200, False, "L"),
    KitFile("003_lai-chau_scan-noisy.pdf", "003_lai-chau_ket-luan_libreoffice.pdf", (1, 2), 200, True, "RGB"),
    KitFile("002_ha-tinh_p1_clean.png", "002_ha-tinh_header-footer_libreoffice.pdf", (1,), 300, False, "L"),
    KitFile("002_ha-tinh_p2_noisy.jpg", "002_ha-tinh_header-footer_libreoffice.pdf", (2,), 250, True, "RGB"),
    KitFile("002_ha-tinh_p3-4_clean.tiff", "002_ha-tinh_header-footer_libreoffice.pdf", (3, 4), 300, False, "1"),
)


def render(pdf: Path, page: int, dpi: int) -> Image.Image:
    """One page rendered by pdftoppm (RGB, so that colour overlays can be drawn on it)."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", str(pdf), f"{tmp}/p"],
            check=True,
        )
        (out,) = Path(tmp).glob("p*.png")
        return Image.open(out).convert("RGB")


def expected_text(pdf: Path, pages: tuple[int, ...]) -> str:
    """The text layer of these pages as our PDF loader reads it (furniture dropped, paragraphs)."""
    reader = PdfReader(str(pdf))
    writer = PdfWriter()
    for page in pages:
        writer.add_page(reader.pages[page - 1])
    buffer = io.BytesIO()
    writer.write(buffer)
    loaded = load_bytes(buffer.getvalue(), pdf.name)
    return "\n\n".join(block.text for block in loaded.blocks) + "\n"


def stamp(img: Image.Image, rng: random.Random) -> None:
    """A round red seal (ring, inscription, star) multiplied over the lower right of the page."""
    w, h = img.size
    r = int(0.09 * w)
    cx, cy = int(w * rng.uniform(0.6, 0.75)), int(h * rng.uniform(0.55, 0.8))
    layer = Image.new("L", img.size, 0)
    draw = ImageDraw.Draw(layer)
    for radius, width in ((r, max(3, r // 18)), (int(r * 0.72), max(2, r // 30))):
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=255, width=width)
    font = ImageFont.truetype(str(STAMP_FONT), max(10, r // 6))
    text = "ỦY BAN NHÂN DÂN TỈNH • "
    for i, char in enumerate(text * 2):
        angle = math.pi + i * 2 * math.pi / (2 * len(text))
        x, y = cx + 0.86 * r * math.cos(angle), cy + 0.86 * r * math.sin(angle)
        draw.text((x, y), char, fill=255, font=font, anchor="mm")
    star = [
        (
            cx + (r * 0.3 if k % 2 == 0 else r * 0.12) * math.cos(-math.pi / 2 + k * math.pi / 5),
            cy + (r * 0.3 if k % 2 == 0 else r * 0.12) * math.sin(-math.pi / 2 + k * math.pi / 5),
        )
        for k in range(10)
    ]
    draw.polygon(star, fill=255)
    alpha = np.asarray(layer, dtype=np.float32) / 255.0 * 0.8
    ink = np.array([200, 30, 35], dtype=np.float32)
    arr = np.asarray(img, dtype=np.float32)
    # multiply blend, as ink over ink: black text stays black, paper turns red
    blended = arr * (1 - alpha[..., None]) + (arr * ink / 255.0) * alpha[..., None]
    img.paste(Image.fromarray(blended.clip(0, 255).astype(np.uint8)))


def signature(img: Image.Image, rng: random.Random) -> None:
    """A looping scrawl in blue ballpoint, partly over the text, where a signer signs."""
    w, h = img.size
    x0, y0 = w * rng.uniform(0.5, 0.6), h * rng.uniform(0.6, 0.8)
    length = w * 0.25
    points = []
    phase = rng.uniform(0, math.pi)
    for i in range(400):
        t = i / 399
        x = x0 + length * t + 0.04 * w * math.sin(14 * t * math.pi + phase)
        y = y0 + 0.025 * h * math.sin(9 * t * math.pi) * (1 - t) - 0.02 * h * t
        points.append((x, y))
    draw = ImageDraw.Draw(img)
    draw.line(points, fill=(25, 45, 150), width=max(2, w // 450), joint="curve")


def degrade(img: Image.Image, rng: random.Random) -> Image.Image:
    """Stamp, signature, paper tint, 1–2° rotation, blur and sensor noise."""
    stamp(img, rng)
    signature(img, rng)
    angle = rng.choice((-1, 1)) * rng.uniform(1.0, 2.0)
    img = img.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=(255, 255, 255))
    img = img.filter(ImageFilter.GaussianBlur(0.7))
    arr = np.asarray(img, dtype=np.float32) * 0.92 + 8  # greyish paper, weaker black
    noise = np.random.default_rng(rng.randrange(1 << 30)).normal(0, 14, arr.shape[:2])[..., None]
    return Image.fromarray((arr + noise).clip(0, 255).astype(np.uint8))


def save(pages: list[Image.Image], path: Path, dpi: int) -> None:
    """Image-only PDF (JPEG pages), PNG, JPEG or multi-page TIFF (Group 4 when bilevel)."""
    suffix = path.suffix.lower()
    first, rest = pages[0], pages[1:]
    if suffix == ".pdf":
        first.save(path, "PDF", save_all=True, append_images=rest, resolution=dpi, quality=60, title="")
    elif suffix == ".png":
        first.save(path, "PNG", dpi=(dpi, dpi), optimize=True)
    elif suffix in (".jpg", ".jpeg"):
        first.save(path, "JPEG", dpi=(dpi, dpi), quality=60)
    elif suffix in (".tif", ".tiff"):
        compression = "group4" if first.mode == "1" else "tiff_lzw"
        first.save(path, "TIFF", save_all=True, append_images=rest, dpi=(dpi, dpi), compression=compression)
    else:
        raise ValueError(path)


def build(kit: KitFile, formats: Path, out: Path) -> None:
    rng = random.Random(kit.name)
    pdf = formats / kit.source
    pages = []
    for number in kit.pages:
        img = render(pdf, number, kit.dpi)
        if kit.noisy:
            img = degrade(img, rng)
        pages.append(
            img.convert(kit.mode) if kit.mode != "1" else img.convert("L").point(lambda v: 255 * (v > 160)).convert("1")
        )
    save(pages, out / kit.name, kit.dpi)
    expected = out / "_expected" / (Path(kit.name).stem + ".txt")
    expected.write_text(expected_text(pdf, kit.pages), encoding="utf-8")
    print(f"{kit.name}: {len(pages)} page(s), {(out / kit.name).stat().st_size // 1024} KiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--out", type=Path, default=ROOT / "tests" / "data" / "scans")
    args = parser.parse_args()
    (args.out / "_expected").mkdir(parents=True, exist_ok=True)
    for kit in KIT:
        build(kit, args.shared / "corpus" / "formats", args.out)


if __name__ == "__main__":
    main()
