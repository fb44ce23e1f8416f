"""The agency grammar's shortcuts (shared tokens, first-word indexes, skipped tokens, the grouped
alias regex, the translate-based aligned fold) read exactly what the plain definitions read, on
generated notices and their lower-case, unaccented and capitalised variants."""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import fields, replace

import pytest

from bench.corpus import Vocabulary, generate, questions
from core.agencies import _alias_regex, _alternation
from core.agency_tokens import _TOKEN, at_seq, tokenize
from core.agency_units import GrammarMatch
from core.vntext import _aligned_folds, _fold_char, canonical_tones, fold, fold_aligned, has_diacritics, nfc

pytestmark = pytest.mark.unit


def _unaccented(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    return nfc("".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)))


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """Lines of generated notices and questions, as written and lower-case, unaccented, capitals."""
    vocab = Vocabulary.load()
    notices = generate(40, seed=5, vocab=vocab)
    lines = [line for n in notices for line in n.text.splitlines() if line.strip()]
    lines += questions(notices, 40, seed=5, vocab=vocab)
    lines = list(dict.fromkeys(lines))[:600]
    return (
        lines + [t.lower() for t in lines[::3]] + [_unaccented(t) for t in lines[::3]] + [t.upper() for t in lines[::7]]
    )


def test_tokens_are_the_token_regex_matches_with_their_word_facts(texts: list[str]) -> None:
    for text in texts + ["", "  ", "Sở NN&PTNT|LĐ-TB&XH\n(x)", "İ Σ ǅ 𝐒ở"]:
        toks, starts, ends = tokenize(text)
        matches = list(_TOKEN.finditer(text))
        assert [t.text for t in toks] == [m.group() for m in matches]
        assert starts == [m.start() for m in matches] and ends == [m.end() for m in matches]
        for t in toks:
            letters = [c for c in t.text if c.isalpha()]
            assert t.plain == (not has_diacritics(text))
            assert (t.folded, t.low, t.cap) == (fold(t.text), canonical_tones(t.text).lower(), t.text[:1].isupper())
            assert t.acronym == (len(letters) >= 2 and all(c.isupper() for c in letters))
            assert t.word == bool(re.fullmatch(r"\w+", t.text))


def test_a_word_shares_one_token_per_diacritics_flag() -> None:
    with_marks = tokenize("Sở Tài chính")
    again = tokenize("Giám đốc Sở")
    plain = tokenize("So Tai chinh")
    assert with_marks.toks[0] is again.toks[2]  # one object for "Sở" in both texts
    assert not with_marks.toks[0].plain
    lower = tokenize("so tai chinh")
    assert lower.toks[0] is not plain.toks[0] and plain.toks[0].plain and lower.toks[0].plain
    mixed = tokenize("Tai chinh và")  # has diacritics: the same word, not plain
    assert not mixed.toks[0].plain and mixed.toks[0] is not plain.toks[1]


def _reference_seq(grammar, toks, i, seqs) -> int:
    """`_seq` before the first-word index: every entry of the table tried in order."""
    if i >= len(toks) or toks[i].folded not in grammar._first:
        return 0
    for seq in seqs:
        if seq[0][1] == toks[i].folded and at_seq(toks, i, seq):
            return len(seq)
    return 0


def test_first_word_indexes_find_what_scanning_every_entry_finds(knowledge, texts: list[str]) -> None:
    g = knowledge.registry.grammar
    tables = (g.titles, g.unit_heads, g.level_seqs, g.appositions, g.program_phrases)
    for table in tables:  # longest first, so the longest sequence at a place wins
        assert [len(s) for s in table] == sorted((len(s) for s in table), reverse=True)
    checked = 0
    for text in texts:
        toks = tokenize(text).toks
        for i in range(len(toks) + 1):
            for table in tables:
                assert g._seq(toks, i, table) == _reference_seq(g, toks, i, table)
            head = next(
                ((len(s), e) for s, e in g.heads if i < len(toks) and s[0][1] == toks[i].folded and at_seq(toks, i, s)),
                None,
            )
            assert g._head(toks, i) == (head if i < len(toks) and toks[i].folded in g._first else None)
            unit = None
            if i < len(toks) and toks[i].folded in g._unit_first:
                unit = next(((len(s), lv) for s, lv in g._unit_type_list if at_seq(toks, i, s)), None)
            assert g._unit_type(toks, i) == unit
            province = 0
            for n in (4, 3, 2, 1):
                joined = " ".join(t.folded for t in toks[i : i + n])
                if i + n <= len(toks) and (toks[i].cap or toks[i].plain) and joined in g.provinces:
                    province = n
                    break
            assert g._province_len(toks, i) == province
            checked += bool(province or unit)
    assert checked > 100  # the texts do hold provinces and unit types


def test_skipped_tokens_never_start_a_name(knowledge, texts: list[str]) -> None:
    """`parse` asks `_at` only at `_may_start`'s tokens: at every other token `_at` finds nothing."""
    g = knowledge.registry.grammar
    found = 0
    for text in texts:
        toks = tokenize(nfc(text)).toks
        for question in (False, True):
            kept = set(g._may_start(toks, question))
            for n in range(len(toks)):
                if g._at(toks, n, question):
                    found += 1
                    assert n in kept, (text, n, question)
            assert len(kept) < len(toks) or not toks
    assert found > 300


def test_parse_offsets_are_character_offsets(knowledge, texts: list[str]) -> None:
    g = knowledge.registry.grammar
    for text in texts[:200]:
        shifted = [(m.start + 3, m.end + 3, m.key) for m in g.parse(text)]
        assert [(m.start, m.end, m.key) for m in g.parse("   " + text)] == shifted
        for m in g.parse(text):
            assert text[m.start] == text[m.start :].lstrip()[0] and text[m.end - 1].strip()


def test_grouped_alias_alternation_matches_as_the_plain_one() -> None:
    """Aliases sharing a first letter, one a prefix of another, and keys that do not begin with a
    letter (they stay ungrouped): the same match at every place, in every text."""
    keys = ["so tai chinh", "so tai", "so y te", "ubnd huyen", "ubnd", "u", "-ban", "&x", "s", "so-nn&ptnt", "1 ban"]
    keys = sorted(keys, key=len, reverse=True)
    plain = re.compile(rf"(?<![\w&])(?:{'|'.join(_alias_regex(k) for k in keys)})(?![\w&])")
    grouped = re.compile(rf"(?<![\w&])(?:{_alternation(keys)})(?![\w&])")
    rng = random.Random(3)
    pieces = [*keys, " ", "  ", ",", "-", "&", "a", "so", "tai", "chinh", "ubnd", "huyen", "x", "\n", "1"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) + rng.choice(["", " "]) for _ in range(rng.randrange(1, 12)))
        assert [m.span() for m in grouped.finditer(text)] == [m.span() for m in plain.finditer(text)], text


def test_registry_alias_pattern_matches_as_the_plain_one(knowledge, texts: list[str]) -> None:
    for loose in (False, True):
        pattern, by_alias = knowledge.registry._patterns[loose]
        keys = sorted(by_alias, key=len, reverse=True)
        plain = re.compile(rf"(?<![\w&])(?:{'|'.join(_alias_regex(k) for k in keys)})(?![\w&])")
        for text in texts:
            folded = fold_aligned(text)
            assert [m.span() for m in pattern.finditer(folded)] == [m.span() for m in plain.finditer(folded)]


def test_aligned_fold_is_the_per_character_fold() -> None:
    rng = random.Random(9)
    codes = list(range(0x3000)) + [rng.randrange(0x110000) for _ in range(20000)]
    for code in codes:
        ch = chr(code)
        assert fold_aligned(ch) == "".join(_fold_char(c) for c in nfc(ch)), hex(code)
    text = "Sở NN&PTNT tỉnh Đắk Lắk, UBND HUYỆN İ"
    assert fold_aligned(text) == "".join(_fold_char(c) for c in nfc(text))
    assert len(_aligned_folds()) <= 65536  # bounded however many characters it met


def test_canonical_keys_are_cached_per_program_flag(knowledge) -> None:
    g = knowledge.registry.grammar
    word = next(w for w in g.program_words if " " not in w)
    name = f"Văn phòng Điều phối {word.upper()}"
    with_program = g.canon(name, program=True)
    without = g.canon(name)
    assert with_program != without
    assert g.canon(name, program=True) == with_program and g.canon(name) == without


def test_a_match_moved_to_other_offsets_keeps_every_field() -> None:
    values = {"int": 7, "str": "x", "bool": True}  # every field away from its default
    match = GrammarMatch(**{f.name: values[str(f.type)] for f in fields(GrammarMatch)})
    assert match.spanning(3, 9) == replace(match, start=3, end=9)
