"""OCR quality and speed on the scan kit (tests/data/scans): per file token match, CER, WER, s/page.

Quality: the loader's OCR text against `_expected/` (the text layer of the same pages):
- token match: `tests.support.token_match`, the measure of the formats kit (words and punctuation),
- word token match: the same ratio over words only,
- CER / WER: edit distance over characters (whitespace collapsed) / words, divided by the
  expected length.
Variants switch one preprocessing step or setting at a time, so each step's effect is measured.
Speed: seconds per OCR'd page (render + prepare + Tesseract), and a 10-page scanned PDF end to end.
On the shared 2-core machine figures are indicative (other people's jobs run at the same time).

    .venv/bin/python bench/ocr_bench.py [--variants default,no-dropout,...] [--ten-pages] [--tools]
`--tools` also times pypdfium2 against pdftoppm and pytesseract against the tesseract command when
those packages are importable (they are not project dependencies).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import resource
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ingest.loaders import load_bytes  # noqa: E402
from ingest.loaders.ocr import OcrConfig  # noqa: E402
from tests.support import token_match, tokens  # noqa: E402

KIT = ROOT / "tests" / "data" / "scans"
VARIANTS = {
    "default": OcrConfig(),
    "no-dropout": replace(OcrConfig(), dropout=False),
    "no-deskew": replace(OcrConfig(), deskew=False),
    "raw": replace(OcrConfig(), dropout=False, deskew=False),
    "sauvola": replace(OcrConfig(), thresholding=2),
    "threads-2": replace(OcrConfig(), threads=2),
    "dpi-200": replace(OcrConfig(), dpi=200),
}


def edit_distance(a: list[str], b: list[str]) -> int:
    """Levenshtein distance, one numpy row at a time (insertions by a running minimum)."""
    if not a or not b:
        return max(len(a), len(b))
    codes: dict[str, int] = {}
    xa = np.array([codes.setdefault(t, len(codes)) for t in a])
    xb = np.array([codes.setdefault(t, len(codes)) for t in b])
    j = np.arange(len(xb) + 1)
    row = j.copy()
    for i, code in enumerate(xa, start=1):
        tmp = np.empty_like(row)
        tmp[0] = i
        tmp[1:] = np.minimum(row[1:] + 1, row[:-1] + (xb != code))
        row = np.minimum.accumulate(tmp - j) + j
    return int(row[-1])


def measure(expected: str, got: str) -> dict[str, float]:
    words_e = [t for t in tokens(expected) if re.match(r"\w", t)]
    words_g = [t for t in tokens(got) if re.match(r"\w", t)]
    chars_e = list(" ".join(expected.split()))
    chars_g = list(" ".join(got.split()))
    import difflib

    return {
        "token_match": round(token_match(expected, got), 4),
        "word_token_match": round(difflib.SequenceMatcher(None, words_e, words_g, autojunk=False).ratio(), 4),
        "cer": round(edit_distance(chars_e, chars_g) / max(len(chars_e), 1), 4),
        "wer": round(edit_distance(words_e, words_g) / max(len(words_e), 1), 4),
    }


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (tesseract, pdftoppm): unlike wall time,
    it does not grow when other jobs share the cores."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run_file(path: Path, config: OcrConfig) -> dict[str, object]:
    pages: list[int] = []
    start, cpu = time.perf_counter(), cpu_seconds()
    loaded = load_bytes(path.read_bytes(), path.name, config, lambda done, total: pages.append(total))
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    got = "\n\n".join(block.text for block in loaded.blocks)
    expected = (KIT / "_expected" / f"{path.stem}.txt").read_text("utf-8")
    n = pages[-1] if pages else 1
    return {
        "file": path.name,
        "pages": n,
        **measure(expected, got),
        "s_per_page": round(seconds / n, 2),
        "cpu_s_per_page": round(cpu / n, 2),
    }


def ten_page_scan() -> dict[str, object]:
    """A 10-page image-only PDF (the clean kit pages repeated) through the loader."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    reader = PdfReader(str(KIT / "003_lai-chau_scan-clean.pdf"))
    for i in range(10):
        writer.add_page(reader.pages[i % len(reader.pages)])
    buffer = io.BytesIO()
    writer.write(buffer)
    start, cpu = time.perf_counter(), cpu_seconds()
    loaded = load_bytes(buffer.getvalue(), "ten-pages.pdf")
    return {
        "pages": 10,
        "seconds": round(time.perf_counter() - start, 1),
        "cpu_seconds": round(cpu_seconds() - cpu, 1),
        "ocr_pages": loaded.hints["ocr_pages"],
    }


def tools() -> dict[str, object]:
    """pdftoppm vs pypdfium2 (render one page at 300 dpi), tesseract CLI vs pytesseract (OCR it)."""
    from ingest.loaders.ocr import ocr_image
    from ingest.loaders.raster import render_pdf_pages

    data = (KIT / "003_lai-chau_scan-clean.pdf").read_bytes()
    out: dict[str, object] = {}
    start = time.perf_counter()
    image = next(render_pdf_pages(data, [0], 300, "x.pdf"))
    out["pdftoppm_s"] = round(time.perf_counter() - start, 2)
    try:
        import pypdfium2

        start = time.perf_counter()
        page = pypdfium2.PdfDocument(data)[0]
        page.render(scale=300 / 72).to_pil()
        out["pypdfium2_s"] = round(time.perf_counter() - start, 2)
    except ImportError:
        out["pypdfium2_s"] = "not installed"
    grey = image.convert("L")
    grey.info["dpi"] = (300, 300)
    start = time.perf_counter()
    ocr_image(grey, OcrConfig(), "x.pdf", 1)
    out["tesseract_cli_tsv_s"] = round(time.perf_counter() - start, 2)
    try:
        import pytesseract

        os.environ["OMP_THREAD_LIMIT"] = "1"
        start = time.perf_counter()
        pytesseract.image_to_data(grey, lang="vie", config="--psm 3 --dpi 300")
        out["pytesseract_s"] = round(time.perf_counter() - start, 2)
    except ImportError:
        out["pytesseract_s"] = "not installed"
    out["nproc"] = os.cpu_count()
    out["load_1min"] = os.getloadavg()[0]
    out["tesseract"] = subprocess.run(["tesseract", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default="default")
    parser.add_argument("--files", default="", help="comma-separated kit file names (default: all)")
    parser.add_argument("--ten-pages", action="store_true")
    parser.add_argument("--tools", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    files = (
        [KIT / f for f in args.files.split(",")]
        if args.files
        else sorted(p for p in KIT.iterdir() if p.is_file() and p.suffix != ".md")
    )
    results: dict[str, object] = {"load_1min_at_start": os.getloadavg()[0]}
    for name in args.variants.split(","):
        rows = [run_file(path, VARIANTS[name]) for path in files]
        results[name] = rows
        for row in rows:
            print(
                f"{name:11} {row['file']:32} tm={row['token_match']:.4f} wtm={row['word_token_match']:.4f} "
                f"cer={row['cer']:.4f} wer={row['wer']:.4f} {row['s_per_page']:.1f} s/page "
                f"({row['cpu_s_per_page']:.1f} CPU s/page)",
                flush=True,
            )
    if args.ten_pages:
        results["ten_pages"] = ten_page_scan()
        print("10-page scanned PDF:", results["ten_pages"], flush=True)
    if args.tools:
        results["tools"] = tools()
        print("tools:", results["tools"], flush=True)
    results["load_1min_at_end"] = os.getloadavg()[0]
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), "utf-8")


if __name__ == "__main__":
    main()
