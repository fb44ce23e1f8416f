"""Decode the bytes of a plain-text file into NFC Unicode, guessing Vietnamese legacy encodings.

Vietnamese text files in the wild come as UTF-8, UTF-16 (Notepad's "Unicode"), Windows-1258
(with combining tone marks), TCVN3/VN3 ("ABC", .VnTime fonts; Python has no codec for it), or as
TCVN3 mojibake (TCVN3 bytes shown as cp1252 and then saved as UTF-8). Only the bytes are looked
at, never the file name. When the bytes do not settle the question (no BOM), every candidate
decoding is scored for how much it reads like Vietnamese, and the best one wins; nothing falls
back to Latin-1.
"""

from __future__ import annotations

import codecs
import functools
import json
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources

from core.contracts import RefusedFile

# Magic numbers of binary formats people save or download under a .txt name.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"PK\x05\x06", "ZIP archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "MS Office 97-2003 document"),
    (b"\x1f\x8b", "gzip archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
)

# Longest BOM first: the UTF-32 LE BOM starts with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# C0 controls that ordinary text files contain: TAB, LF, VT, FF, CR, and the DOS end-of-file mark.
_TEXT_CONTROLS = frozenset("\t\n\x0b\x0c\r\x1a")
_MAX_CONTROL_SHARE = 0.01  # more stray control characters than this: not a text file
_MIN_SCORE = 0.5  # below this share of well-formed Vietnamese words no decoding is trusted
_REPAIR_MARGIN = 0.2  # a valid UTF-8 text is re-read as mojibake only when clearly better
_SAMPLE_SLICES, _SAMPLE_SLICE_CHARS = 8, 16_384  # how much of a long text is scored

_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")  # huyền, sắc, ngã, hỏi, nặng
_VOWELS = "aăâeêioôơuưy"
_LETTERS = frozenset("abcdđeghiklmnopqrstuvxyfjwz" + _VOWELS)
# A toneless syllable: onset, vowel nucleus (one of the clusters Vietnamese spelling allows), coda.
_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|th|tr|qu|[bcdđghklmnpqrstvxfjwz])?"
    r"(?:iêu|yêu|oai|oao|oay|oeo|uây|uôi|uya|uyê|uyu|ươi|ươu"
    r"|ai|ao|au|ay|âu|ây|eo|êu|ia|iê|iu|oa|oă|oe|oi|oo|ôi|ơi|ua|uâ|uê|ui|uo|uô|uơ|uy"
    r"|ưa|ưi|ươ|ưu|yê|[aăâeêioôơuưy])"
    r"(?:ngh|ng|nh|ch|[cmnpt])?"
)
_WORD = re.compile(r"(?:[^\W\d_]|[\u0300-\u036f])+")


@dataclass(frozen=True)
class _Candidate:
    """One way of reading the bytes; on equal scores the earlier-listed candidate wins."""

    encoding: str
    text: str


def decode_text(data: bytes, source: str) -> str:
    """Return the file's text as NFC with "\\n" line ends, or refuse it with a specific reason."""
    if not data:
        raise RefusedFile(source, "empty file")
    kind = _binary_kind(data)
    if kind:
        raise RefusedFile(source, f"binary content ({kind}), not text")
    text = _decode_with_bom(data, source)
    if text is None:
        text = _decode_without_bom(data, source)
    return _normalise(text)


def _binary_kind(data: bytes) -> str | None:
    """Name the binary format a file's magic number announces, if any."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    return None


def _decode_with_bom(data: bytes, source: str) -> str | None:
    """Decode by the byte order mark, when there is one (a BOM is the writer's own statement)."""
    for bom, encoding in _BOMS:
        if not data.startswith(bom):
            continue
        try:
            text = data[len(bom) :].decode(encoding)
        except UnicodeDecodeError as exc:
            if encoding == "utf-8":
                return None  # a stray UTF-8 BOM on a legacy file: guess from the bytes
            raise RefusedFile(source, f"unknown text encoding (invalid {encoding.upper()} after its BOM)") from exc
        _refuse_control_heavy(text, source)
        return text
    return None


def _decode_without_bom(data: bytes, source: str) -> str:
    """Pick the most Vietnamese-looking decoding among the plausible ones."""
    body = data[len(codecs.BOM_UTF8) :] if data.startswith(codecs.BOM_UTF8) else data
    if b"\x00" in body:
        raise RefusedFile(source, "binary content, not text")
    _refuse_control_heavy(body.decode("latin-1"), source)  # byte-wise count; not a decoding
    try:
        utf8 = body.decode("utf-8")
    except UnicodeDecodeError:
        return _best_legacy(body, source)
    repaired = _repair_mojibake(utf8)
    if repaired is not None:
        base = _score(utf8)
        fixed = _score(repaired)
        if fixed >= _MIN_SCORE and fixed > base + _REPAIR_MARGIN:
            return repaired
    return utf8


def _best_legacy(data: bytes, source: str) -> str:
    """Choose between legacy single-byte readings of bytes that are not UTF-8."""
    candidates = _legacy_candidates(data)
    candidates.append(_Candidate("utf-8 (damaged)", data.decode("utf-8", errors="replace")))
    text, score = _best(candidates)
    if score < _MIN_SCORE:
        raise RefusedFile(source, "unknown text encoding")
    return text


def _best(candidates: list[_Candidate]) -> tuple[str, float]:
    """The highest-scoring reading and its score (the first listed wins a tie)."""
    scored = [(_score(c.text), -i, c.text) for i, c in enumerate(candidates)]
    score, _, text = max(scored)
    return text, score


def _legacy_candidates(data: bytes) -> list[_Candidate]:
    """Readings of `data` as Windows-1258 (when it decodes) and as TCVN3 (always decodes)."""
    found = []
    try:
        found.append(_Candidate("cp1258", data.decode("cp1258")))
    except UnicodeDecodeError:
        pass
    found.append(_Candidate("tcvn3", decode_tcvn3(data)))
    return found


def _repair_mojibake(text: str) -> str | None:
    """Undo legacy bytes shown as cp1252 (or Latin-1) and saved as UTF-8; None if it cannot be.

    Soft hyphens must stay: in TCVN3 mojibake U+00AD is the byte 0xAD, the letter "ư".
    """
    if text.isascii():
        return None
    raw = text.translate(_cp1252_reverse())
    if any(ord(ch) > 0xFF for ch in raw):
        return None  # a character cp1252 cannot have produced: genuine Unicode text
    return _best(_legacy_candidates(raw.encode("latin-1")))[0]


@functools.cache
def _cp1252_reverse() -> dict[int, int]:
    """Map each character cp1252 decodes to, back to its byte (for str.translate + latin-1).

    cp1252 leaves 0x81, 0x8D, 0x8F, 0x90 and 0x9D undefined; Windows passes them through as the
    C1 controls U+0081.. and Latin-1 readers give C1 controls for all of 0x80-0x9F, so those map
    back to the same byte.
    """
    table = {cp: cp for cp in range(0x80, 0xA0)}
    for byte in range(0x80, 0x100):
        try:
            table[ord(bytes([byte]).decode("cp1252"))] = byte
        except UnicodeDecodeError:
            pass
    return table


def decode_tcvn3(data: bytes) -> str:
    """Decode TCVN3 (VN3/"ABC") bytes; ASCII and control bytes stay as they are."""
    text, _ = codecs.charmap_decode(data, "strict", _tcvn3_decoding_table())
    return text


@functools.cache
def tcvn3_table() -> dict[int, str]:
    """Byte -> character for 0x80-0xFF, from `data/tcvn3.json` (see data/make_tcvn3_table.sh)."""
    raw = resources.files("ingest").joinpath("data/tcvn3.json").read_text(encoding="utf-8")
    return {int(key, 16): char for key, char in json.loads(raw).items()}


@functools.cache
def _tcvn3_decoding_table() -> str:
    table = tcvn3_table()
    return "".join(table.get(byte, chr(byte)) for byte in range(256))


def _refuse_control_heavy(text: str, source: str) -> None:
    """Refuse text with NULs or many C0 control characters: it is binary data."""
    if "\x00" in text:
        raise RefusedFile(source, "binary content, not text")
    controls = sum(text.count(chr(code)) for code in range(0x20) if chr(code) not in _TEXT_CONTROLS)
    if controls > _MAX_CONTROL_SHARE * len(text):
        raise RefusedFile(source, "binary content, not text")


def _normalise(text: str) -> str:
    """NFC, "\\n" line ends, no BOM or trailing DOS end-of-file mark."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    text = text.removesuffix("\x1a")
    return unicodedata.normalize("NFC", text)


def _score(text: str) -> float:
    """How Vietnamese a decoding looks: share of good words among non-ASCII words and odd symbols.

    ASCII words and abbreviations say nothing about the encoding and are ignored; a text with no
    evidence either way scores 1.0 (nothing looks wrong).
    """
    text = unicodedata.normalize("NFC", _sample(text))
    good = bad = 0
    for word in _WORD.findall(text):
        if word.isascii() or _is_abbreviation(word):
            continue
        if _is_syllable(word.lower()):
            good += 1
        else:
            bad += 1
    bad += sum(1 for ch in text if _is_odd(ch))
    return good / (good + bad) if good + bad else 1.0


def _sample(text: str) -> str:
    """Evenly spread slices of a long text: enough evidence to score, bounded time on big files."""
    if len(text) <= _SAMPLE_SLICES * _SAMPLE_SLICE_CHARS:
        return text
    step = len(text) // _SAMPLE_SLICES
    return "\n".join(text[i * step : i * step + _SAMPLE_SLICE_CHARS] for i in range(_SAMPLE_SLICES))


def _is_abbreviation(word: str) -> bool:
    """Vowel-less words such as "HĐND", "QĐ", "đ" are abbreviations, not syllables."""
    return all(ch.isascii() or ch in "đĐ" for ch in word) and not any(ch in "aeiouyAEIOUY" for ch in word)


@functools.lru_cache(maxsize=65536)
def _is_syllable(word: str) -> bool:
    """A lowercase word is one well-formed Vietnamese syllable: one tone mark at most, on a vowel."""
    split = _split_tones(word)
    if split is None or split[1] > 1:
        return False
    base = split[0]
    return set(base) <= _LETTERS and _SYLLABLE.fullmatch(base) is not None


def _split_tones(word: str) -> tuple[str, int] | None:
    """The word without tone marks and how many it had; None if a tone mark sits on a non-vowel.

    Without the vowel check "ñ" would pass as "n" with a ngã tone.
    """
    kept: list[str] = []
    tones = 0
    base = ""
    for ch in unicodedata.normalize("NFD", word):
        if ch in _TONES:
            if not base or base.lower() not in "aeiouy":
                return None
            tones += 1
            continue
        if not unicodedata.combining(ch):
            base = ch
        kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept)), tones


@functools.lru_cache(maxsize=4096)
def _is_odd(ch: str) -> bool:
    """Characters that real Vietnamese text hardly has and wrong decodings produce a lot of."""
    code = ord(ch)
    if code < 0x80:
        return False
    if 0xA1 <= code <= 0xBF or ch in "×÷\ufffd":  # Latin-1 symbols: ¾ ¹ ¬ ¨ soft hyphen …
        return ch not in "°«»§"
    category = unicodedata.category(ch)
    return category in ("Cc", "Cf", "Co", "Cn", "Mn") or (category.startswith("L") and not _is_vietnamese_letter(ch))


@functools.lru_cache(maxsize=4096)
def _is_vietnamese_letter(ch: str) -> bool:
    """A letter of the Vietnamese alphabet, with or without one tone mark."""
    split = _split_tones(ch.lower())
    return split is not None and split[0] in _LETTERS
