import random
import unicodedata

import pytest

from core.vntext import (
    _fold_word,
    canonical_tones,
    fold,
    fold_aligned,
    fold_by_words,
    folded_syllables,
    nfc,
    normalize_text,
    syllables,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("new_style", "old_style"),
    [("hoá", "hóa"), ("thuỷ", "thủy"), ("Uỷ ban", "Ủy ban"), ("khoẻ", "khỏe"), ("tuỳ", "tùy"), ("hoà", "hòa")],
)
def test_tone_marks_follow_one_convention(new_style: str, old_style: str) -> None:
    assert canonical_tones(new_style) == old_style
    assert canonical_tones(old_style) == old_style


@pytest.mark.parametrize("word", ["hoàng", "thuyết", "quý", "giữa", "người", "khuya", "NN&PTNT", "ĐBKK", "2014"])
def test_words_with_unambiguous_tone_are_unchanged(word: str) -> None:
    assert canonical_tones(word) == word


def test_nfd_input_becomes_nfc_with_same_text() -> None:
    nfd = unicodedata.normalize("NFD", "Thông báo số 16 của Ủy ban")
    out = normalize_text(nfd)
    assert out == "Thông báo số 16 của Ủy ban"
    assert unicodedata.is_normalized("NFC", out)


def test_normalize_text_unifies_spaces_but_keeps_lines() -> None:
    assert normalize_text("Sở\u00a0Tài  chính\t:\n  dòng  hai ") == "Sở Tài chính :\ndòng hai"


def test_fold_matches_text_typed_without_diacritics() -> None:
    assert fold("Sở Kế hoạch và Đầu tư") == fold("so ke hoach va dau tu") == "so ke hoach va dau tu"
    assert fold("Đường giao thông") == "duong giao thong"


def test_fold_aligned_keeps_offsets() -> None:
    text = "Giao Sở Tài chính chủ trì"
    folded = fold_aligned(text)
    assert len(folded) == len(text)
    start = folded.index("so tai chinh")
    assert text[start : start + len("so tai chinh")] == "Sở Tài chính"


def test_numbers_stay_whole_tokens() -> None:
    assert syllables("huy động 4.051 tỷ đồng, 96/96 xã, 31,64%") == [
        "huy",
        "động",
        "4.051",
        "tỷ",
        "đồng",
        "96/96",
        "xã",
        "31,64%",
    ]


def test_fold_by_table_equals_the_word_by_word_definition() -> None:
    """`fold` translates characters through a table; the definition folds each word. They agree on
    every character of the Basic Multilingual Plane, and on text mixing them with combining marks,
    case pairs whose lower case grows (İ) and characters beyond the plane."""
    for code in range(0x10000):
        ch = chr(code)
        assert fold(ch) == fold_by_words(nfc(ch).lower()), hex(code)
    rnd = random.Random(7)
    alphabet = [chr(c) for c in range(0x20, 0x2FFF)] + list("ắằẳẵặđĐ\u0301\u0323İß가") + ["𝐀", "😀"]
    for _ in range(3000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 30)))
        assert fold(text) == fold_by_words(nfc(text).lower()), text
    assert fold("Sở Nông nghiệp và Phát triển nông thôn") == "so nong nghiep va phat trien nong thon"


def test_folded_syllables_need_no_tone_placement(shared) -> None:
    """Folding drops every tone mark, so `folded_syllables` skips placing them: it must equal
    folding the canonical syllables on real text and on syllables with marks anywhere (NFC or
    NFD, upper case, doubled tones, marks on consonants, numbers and punctuation between)."""
    texts = [p.read_text(encoding="utf-8") for p in sorted((shared / "corpus" / "dev").glob("*.txt"))[:10]]
    rnd = random.Random(3)
    letters = "aăâeêioôơuưybcdđghklmnpqrstvxAĂÂEÊIOÔƠUƯYĐQG0123456789 .,:/%-"
    marks = ["\u0300", "\u0301", "\u0303", "\u0309", "\u0323", "\u0302", "\u031b", "\u0306"]
    for _ in range(20000):
        word = "".join(rnd.choice(letters) + (rnd.choice(marks) if rnd.random() < 0.3 else "") for _ in range(12))
        texts.append(unicodedata.normalize(rnd.choice(["NFC", "NFD"]), word))
    changed = 0
    for text in texts:
        assert folded_syllables(text) == [_fold_word(t) for t in syllables(text)], text
        changed += canonical_tones(text) != nfc(text)
    assert changed > 1000  # tone placement did move marks in these texts: the check is not vacuous
