"""Encoding detection and the plain-text loader, on the shared kit and on small synthetic cases."""

from __future__ import annotations

import codecs
import importlib.util
import random
import shutil
import subprocess
import unicodedata
from collections.abc import Callable

import pytest

from core.contracts import BlockKind, RefusedFile
from ingest.clean import clean_blocks, join_blocks
from ingest.encodings import decode_tcvn3, decode_text, tcvn3_table
from ingest.loaders.txt import load_txt
from tests.support import shared_dir, token_match

pytestmark = pytest.mark.unit

KIT_FILES = [
    "004_thai-nguyen_cp1258.txt",
    "004_thai-nguyen_utf16le-bom.txt",
    "001_bac-kan_tcvn3-abc.txt",
    "001_bac-kan_tcvn3-as-cp1252-mojibake.utf8.txt",
]

SENTENCE = (
    "Ủy ban nhân dân tỉnh Bắc Kạn tổ chức Hội nghị sơ kết chương trình xây dựng nông thôn mới;\n"
    "đường giao thông được cứng hóa, người dân hưởng ứng, số xã đạt chuẩn tăng lên 88 xã."
)
TONES = "\u0300\u0301\u0303\u0309\u0323"


def _cp1258_windows(text: str) -> bytes:
    """Encode as Windows does: a single cp1258 code when there is one, else letter + tone mark."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", ch)
            tone = next(c for c in decomposed if c in TONES)
            base = unicodedata.normalize("NFC", decomposed.replace(tone, ""))
            out += base.encode("cp1258") + tone.encode("cp1258")
    return bytes(out)


def _tcvn3(text: str) -> bytes:
    """Encode with the inverse of our table (every letter of SENTENCE is in it)."""
    inverse = {char: byte for byte, char in tcvn3_table().items()}
    return bytes(ord(ch) if ch.isascii() else inverse[ch] for ch in unicodedata.normalize("NFC", text))


def _refusal(data: bytes) -> str:
    with pytest.raises(RefusedFile) as caught:
        decode_text(data, "x.txt")
    assert caught.value.source == "x.txt"
    return caught.value.reason


# --- the shared kit -------------------------------------------------------------------------


@pytest.mark.parametrize("name", KIT_FILES)
def test_kit_file_matches_expected(name: str) -> None:
    """The kit's expected text is what a correct extractor returns: decoded, then cleaned of
    page furniture (the seed-004 copies end with the portal's comment box and address)."""
    formats = shared_dir() / "corpus" / "formats"
    loaded = load_txt((formats / name).read_bytes(), name)
    got, _ = join_blocks(clean_blocks(loaded.blocks))
    expected = (formats / "_expected" / name).read_text(encoding="utf-8")
    ratio = token_match(expected, got)
    print(f"{name}: token match {ratio:.4f}")
    assert loaded.format == "txt"
    assert ratio >= 0.99
    assert unicodedata.is_normalized("NFC", got)


def test_seeds_decode_unchanged() -> None:
    seeds = sorted((shared_dir() / "corpus" / "seeds").glob("*.txt"))
    assert len(seeds) == 5
    for path in seeds:
        raw = path.read_bytes()
        assert decode_text(raw, path.name) == raw.decode("utf-8").replace("\r\n", "\n"), path.name


def test_png_named_txt_is_refused() -> None:
    data = (shared_dir() / "corpus" / "bad" / "png-image-named.txt").read_bytes()
    with pytest.raises(RefusedFile) as caught:
        load_txt(data, "png-image-named.txt")
    assert "PNG" in caught.value.reason
    assert "png-image-named.txt" in str(caught.value)


def test_kit_random_bytes_are_refused() -> None:
    data = (shared_dir() / "corpus" / "bad" / "random-bytes.pdf").read_bytes()
    assert "binary" in _refusal(data)


# --- refusals ------------------------------------------------------------------------------


def test_empty_file_is_refused() -> None:
    assert _refusal(b"") == "empty file"


@pytest.mark.parametrize(
    ("magic", "kind"),
    [(b"\xff\xd8\xff\xe0", "JPEG"), (b"GIF89a", "GIF"), (b"PK\x03\x04", "ZIP"), (b"%PDF-1.7\n", "PDF")],
)
def test_binary_magic_is_named(magic: bytes, kind: str) -> None:
    reason = _refusal(magic + bytes(range(256)))
    assert kind in reason and "not text" in reason


def test_random_bytes_are_refused() -> None:
    rng = random.Random(20240501)
    assert "binary" in _refusal(bytes(rng.randrange(256) for _ in range(4096)))


def test_random_high_bytes_are_not_guessed_into_text() -> None:
    """No NULs or controls, so only the plausibility score can tell: it must not pass as Vietnamese."""
    rng = random.Random(7)
    assert _refusal(bytes(rng.randrange(0x80, 0x100) for _ in range(4096))) == "unknown text encoding"


def test_other_legacy_encoding_is_not_read_as_latin1() -> None:
    assert _refusal("Привет, это обычный русский текст.".encode("cp1251")) == "unknown text encoding"


def test_control_characters_are_refused() -> None:
    assert "binary" in _refusal(b"abc\x01\x02\x03\x04\x05def" * 4)


# --- synthetic round trips -----------------------------------------------------------------


@pytest.mark.parametrize(
    "encode",
    [
        lambda s: s.encode("utf-8"),
        lambda s: codecs.BOM_UTF8 + s.encode("utf-8"),
        lambda s: codecs.BOM_UTF16_LE + s.encode("utf-16-le"),
        lambda s: codecs.BOM_UTF16_BE + s.encode("utf-16-be"),
        lambda s: s.encode("utf-32"),
        lambda s: unicodedata.normalize("NFD", s).encode("utf-8"),
        _cp1258_windows,
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-le-bom", "utf-16-be-bom", "utf-32-bom", "utf-8-nfd", "cp1258"],
)
def test_round_trip(encode: Callable[[str], bytes]) -> None:
    assert decode_text(encode(SENTENCE), "x.txt") == SENTENCE


def test_cp1258_with_combining_marks_and_crlf() -> None:
    data = _cp1258_windows(SENTENCE).replace(b"\n", b"\r\n")
    assert b"\xd2" in data or b"\xde" in data  # combining tone marks are really there
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert decode_text(data, "x.txt") == SENTENCE


def test_tcvn3_round_trip() -> None:
    assert decode_text(_tcvn3(SENTENCE), "x.txt") == SENTENCE


def test_tcvn3_mojibake_is_repaired_keeping_soft_hyphens() -> None:
    mojibake = _tcvn3(SENTENCE).decode("cp1252")
    assert "\u00ad" in mojibake  # the letter ư, shown as a soft hyphen
    assert decode_text(mojibake.encode("utf-8"), "x.txt") == SENTENCE


def test_cp1258_shown_as_latin1_is_repaired() -> None:
    mojibake = _cp1258_windows(SENTENCE).decode("latin-1")
    assert decode_text(mojibake.encode("utf-8"), "x.txt") == SENTENCE


def test_genuine_latin1_range_vietnamese_is_left_alone() -> None:
    """Words made only of cp1252 letters could be re-encoded; they must not be "repaired"."""
    text = "Tôi yêu bà. Cà phê sáng nay là ý của chị."
    assert decode_text(text.encode("utf-8"), "x.txt") == text


def test_short_tcvn3_word_is_decoded() -> None:
    assert decode_text(_tcvn3("ủy ban"), "x.txt") == "ủy ban"


def test_line_ends_are_normalised() -> None:
    assert decode_text(b"a\r\nb\rc\nd\x1a", "x.txt") == "a\nb\nc\nd"


# --- the loader ----------------------------------------------------------------------------


def test_load_txt_blocks() -> None:
    text = "Tiêu đề\r\n\r\n  Đoạn\u00a0một.  \r\n+ ý thứ nhất\r\n- ý thứ hai\r\n• ý ba\r\n* ý bốn\r\n-5% so với\r\n"
    loaded = load_txt(text.encode("utf-8"), "a.txt")
    assert [(b.text, b.kind) for b in loaded.blocks] == [
        ("Tiêu đề", BlockKind.PARAGRAPH),
        ("Đoạn một.", BlockKind.PARAGRAPH),
        ("+ ý thứ nhất", BlockKind.LIST_ITEM),
        ("- ý thứ hai", BlockKind.LIST_ITEM),
        ("• ý ba", BlockKind.LIST_ITEM),
        ("* ý bốn", BlockKind.LIST_ITEM),
        ("-5% so với", BlockKind.PARAGRAPH),
    ]
    assert loaded.source == "a.txt" and loaded.format == "txt"


# --- the TCVN3 table -----------------------------------------------------------------------


def _iconv_tcvn3(data: bytes) -> str:
    result = subprocess.run(["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"], input=data, capture_output=True, check=True)
    return result.stdout.decode("utf-8")


@pytest.mark.skipif(shutil.which("iconv") is None, reason="glibc iconv not installed")
def test_tcvn3_table_agrees_with_iconv() -> None:
    table = tcvn3_table()
    assert sorted(table) == list(range(0x80, 0x100))
    for byte in range(0x80, 0x100):
        assert table[byte] == _iconv_tcvn3(bytes([byte])), hex(byte)
    assert decode_tcvn3(b"\t\n\r") == _iconv_tcvn3(b"\t\n\r") == "\t\n\r"


def test_tcvn3_table_agrees_with_kit_table() -> None:
    """Cross-check against the kit's own table (used here only as an independent reference)."""
    path = shared_dir() / "corpus" / "formats" / "_build" / "tcvn3.py"
    if not path.is_file():
        pytest.skip("kit's tcvn3.py not present")
    spec = importlib.util.spec_from_file_location("kit_tcvn3", path)
    assert spec and spec.loader
    kit = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(kit)
    table = tcvn3_table()
    assert len(kit.VN3) >= 70
    for byte, char in kit.VN3.items():
        assert table[byte] == char, hex(byte)
