"""Prepare a scanned page for Tesseract: colour dropout and deskew.

Why colour dropout: Vietnamese official documents carry a red seal and a signature in blue ink over
the signer's block. Taking each pixel's brightest channel keeps black and grey print dark and turns
red and blue ink light, so Tesseract's binarisation drops them instead of reading them as letters.
Why deskew: a page fed 1–2° askew gives Tesseract lines that drift across each other's tone marks;
the angle is the one whose horizontal projection profile is sharpest (text lines and gaps
alternate most), found on a reduced copy. Both are measured in bench/ocr_bench.py.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

_MAX_ANGLE = 3.0  # degrees searched either way; larger skews are not scanner skew
_PROFILE_WIDTH = 800  # the angle search runs on a copy this wide
_MIN_CORRECTION = 0.15  # degrees; below this rotating only blurs


def prepare(image: Image.Image, dropout: bool = True, deskew: bool = True) -> Image.Image:
    """A greyscale page, colour dropped out and straightened as configured."""
    dpi = image.info.get("dpi")
    grey = to_grey(image, dropout)
    if deskew:
        angle = skew_angle(grey)
        if abs(angle) >= _MIN_CORRECTION:
            grey = grey.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
    if dpi:
        grey.info["dpi"] = dpi
    return grey


def to_grey(image: Image.Image, dropout: bool) -> Image.Image:
    """Greyscale; with `dropout`, each pixel's brightest channel (coloured ink turns light)."""
    if image.mode in ("1", "L"):
        return image.convert("L")
    if image.mode in ("I;16", "I", "F"):
        arr = np.asarray(image, dtype=np.float64)
        span = float(arr.max() - arr.min()) or 1.0
        return Image.fromarray(((arr - arr.min()) * 255.0 / span).astype(np.uint8))
    rgb = image.convert("RGB")
    if not dropout:
        return rgb.convert("L")
    # When the text itself is coloured (a red notice, blue print), dropout would erase it: keep
    # the plain grey page when dropout loses most of its ink (counted on a reduced copy).
    small = rgb.reduce(max(1, rgb.width // _PROFILE_WIDTH))
    plain_small = np.asarray(small.convert("L"))
    threshold = _otsu(plain_small)
    ink_before = int((plain_small < threshold).sum())
    ink_after = int((np.asarray(small).max(axis=2) < threshold).sum())
    if ink_after * 2 < ink_before:
        return rgb.convert("L")
    return Image.fromarray(np.asarray(rgb).max(axis=2))


def skew_angle(grey: Image.Image) -> float:
    """The rotation (degrees, counter-clockwise) that makes text lines horizontal."""
    scale = min(1.0, _PROFILE_WIDTH / max(grey.width, 1))
    small = grey.resize((max(1, int(grey.width * scale)), max(1, int(grey.height * scale))), Image.BILINEAR)
    arr = np.asarray(small, dtype=np.uint8)
    ink = Image.fromarray(((arr < _otsu(arr)) * 255).astype(np.uint8))

    def sharpness(angle: float) -> float:
        rotated = np.asarray(ink.rotate(angle, resample=Image.NEAREST, fillcolor=0), dtype=np.float64)
        profile = rotated.sum(axis=1)
        return float(np.square(np.diff(profile)).sum())

    best = max(np.arange(-_MAX_ANGLE, _MAX_ANGLE + 0.01, 0.5), key=sharpness)
    fine = np.arange(best - 0.4, best + 0.41, 0.1)
    return round(float(max(fine, key=sharpness)), 2)


def _otsu(arr: np.ndarray) -> int:
    """Otsu's threshold of a uint8 image (ink is darker than it)."""
    hist = np.bincount(arr.ravel(), minlength=256).astype(np.float64)
    total = hist.sum()
    weights = np.cumsum(hist)
    means = np.cumsum(hist * np.arange(256))
    between = np.zeros(256)
    valid = (weights > 0) & (weights < total)
    w0, w1 = weights[valid], total - weights[valid]
    m0 = means[valid] / w0
    m1 = (means[-1] - means[valid]) / w1
    between[valid] = w0 * w1 * (m0 - m1) ** 2
    return int(between.argmax())
