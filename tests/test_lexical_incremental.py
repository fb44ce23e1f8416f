"""The incremental BM25 index gives what a full rebuild gives, and what bm25s gave before."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from vectorstore.lexical import LexicalIndex, fingerprint, lexical_tokens

pytestmark = pytest.mark.unit

QUERIES = [
    "Sở Kế hoạch và Đầu tư chủ trì cơ chế quản lý đầu tư",
    "so ke hoach va dau tu",
    "Hà Tĩnh có bao nhiêu sản phẩm OCOP",
    "xã đạt chuẩn nông thôn mới năm 2020",
    "ubnd huyen bao cao ket qua",
    "giao thông nông thôn kinh phí",
]


def corpus_chunks(shared: Path) -> list[tuple[str, str]]:
    """Real documents of the kit, cut into ~900-character pieces."""
    out = []
    for folder in ("seeds", "dev"):
        for path in sorted((shared / "corpus" / folder).glob("*.txt")):
            text = path.read_text("utf-8", errors="replace")
            out += [(f"{path.stem}:{i}", text[i : i + 900]) for i in range(0, len(text), 900)]
    return out


@pytest.fixture(scope="module")
def chunks(shared: Path) -> list[tuple[str, str]]:
    got = corpus_chunks(shared)
    assert len(got) > 100
    return got


def results(index: LexicalIndex, allowed: set[str] | None = None) -> list[list[tuple[str, float]]]:
    return [index.search(q, 25, allowed) for q in QUERIES]


def test_adding_and_removing_gives_the_rebuilt_results(tmp_path: Path, chunks) -> None:
    rng = random.Random(7)
    inc = LexicalIndex(tmp_path / "inc")
    inc.add(chunks[:50])
    inc.save("g1")
    for start in range(50, len(chunks), 23):  # batches of documents coming in
        inc.add(chunks[start : start + 23])
    removed = set(rng.sample([i for i, _ in chunks], 40))
    inc.remove(sorted(removed))
    changed = [(i, t + " sản phẩm OCOP") for i, t in chunks[:10] if i not in removed]  # an updated document
    inc.add(changed)
    inc.save("g2")
    final = dict(chunks)
    final.update(changed)
    kept = [(i, final[i]) for i, _ in chunks if i not in removed]

    full = LexicalIndex(tmp_path / "full")
    full.rebuild(kept, "r")
    assert inc.n_chunks == full.n_chunks == len(kept)
    assert inc.fingerprint == full.fingerprint == fingerprint(kept)
    assert results(inc) == results(full)
    assert all(results(full))
    allowed = {i for i, _ in kept[::4]}
    assert results(inc, allowed) == results(full, allowed)
    assert all(i in allowed for hits in results(inc, allowed) for i, _ in hits)
    assert not any(i in removed for hits in results(inc) for i, _ in hits)

    reopened = LexicalIndex(tmp_path / "inc")
    assert reopened.load() and reopened.generation == "g2"
    assert reopened.fingerprint == full.fingerprint and results(reopened) == results(full)
    for term in ("ocop", "ke_hoach", "nong_thon", "khong-co-tu-nay"):
        assert reopened.document_frequency(term) == full.document_frequency(term)


def test_scores_are_those_of_bm25s(tmp_path: Path, chunks) -> None:
    """Same scoring as the bm25s index the product used before (Lucene BM25, k1 1.5, b 0.75)."""
    import bm25s

    index = LexicalIndex(tmp_path / "lex")
    index.rebuild(chunks)
    model = bm25s.BM25()
    model.index([lexical_tokens(t) or ["_"] for _, t in chunks], show_progress=False)
    for query in QUERIES:
        tokens = [t for t in lexical_tokens(query) if t in model.vocab_dict]
        docs, scores = model.retrieve([tokens], k=10, show_progress=False)
        ref = [(chunks[int(d)][0], float(s)) for d, s in zip(docs[0], scores[0], strict=False)]
        mine = index.search(query, 10)
        assert [s for _, s in mine] == pytest.approx([s for _, s in ref], rel=1e-5)
        assert {i for i, _ in mine[:5]} == {i for i, _ in ref[:5]}


def test_a_reader_follows_a_writer_through_the_manifest(tmp_path: Path, chunks) -> None:
    writer = LexicalIndex(tmp_path / "lex")
    writer.rebuild(chunks[:60], "a")
    reader = LexicalIndex(tmp_path / "lex")
    assert reader.load() and reader.generation == "a"
    writer.add(chunks[60:120])
    writer.remove([chunks[0][0]])
    writer.save("b")
    assert reader.generation == "a" and reader.n_chunks == 60  # nothing changes until it loads
    assert reader.load() and reader.generation == "b"
    assert results(reader) == results(writer) and reader.fingerprint == writer.fingerprint
    # segments merged away are deleted from disk; only the manifest's are kept
    names = {p.name for p in (tmp_path / "lex").iterdir()}
    assert names == {"manifest.json", "terms.jsonl"} | {f"{s.name}.npz" for s in writer._segments}


def test_an_old_format_folder_is_not_loaded(tmp_path: Path) -> None:
    folder = tmp_path / "lex"
    folder.mkdir()
    (folder / "manifest.json").write_text('{"ids": ["a:0"], "fingerprint": "x"}', "utf-8")
    assert not LexicalIndex(folder).load()  # the Index then rebuilds it from the records


def test_a_filtered_search_ranks_as_the_whole_index_does(tmp_path: Path, chunks) -> None:
    """Searching among allowed ids scores only their postings, yet gives exactly the scores and
    order of the unfiltered search restricted to them: over several segments with removed rows,
    for small and large id sets (with unknown and removed ids), and after the index changes
    (a remembered set's rows are not reused)."""
    rng = random.Random(11)
    index = LexicalIndex(tmp_path / "lex")
    for start in range(0, len(chunks), 37):
        index.add(chunks[start : start + 37])
    removed = set(rng.sample([i for i, _ in chunks], 30))
    index.remove(sorted(removed))
    assert len(index._segments) > 1 and any(not s.live.all() for s in index._segments)
    ids = [i for i, _ in chunks]

    def check(allowed: frozenset[str]) -> None:
        for query in QUERIES:
            whole = [(i, s) for i, s in index.search(query, len(ids)) if i in allowed]
            assert index.search(query, 25, allowed) == whole[:25]

    sets = [frozenset(rng.sample(ids, n)) for n in (3, 40, len(ids) // 2, len(ids) - 5)]
    for allowed in [*sets, frozenset(ids) | {"no-such-chunk"}, frozenset(removed)]:
        check(allowed)
    assert index.search(QUERIES[2], 25, frozenset(removed)) == []
    index.add([(ids[0], "sản phẩm OCOP Hà Tĩnh " * 3)])  # changes what a remembered set ranks
    for allowed in sets:
        check(allowed | {ids[0]})
        check(allowed)


def test_searches_between_changes_score_as_a_rebuilt_index(tmp_path: Path, chunks) -> None:
    """BM25's chunk count and average length are remembered between questions: every add and
    remove must make the next search count them again."""
    inc = LexicalIndex(tmp_path / "inc")
    inc.add(chunks[:60])
    kept = list(chunks[:60])
    for step in range(4):
        assert results(inc)  # remembered here...
        if step % 2:
            gone = {i for i, _ in kept[::5]}
            inc.remove(sorted(gone))
            kept = [(i, t) for i, t in kept if i not in gone]
        else:
            inc.add(chunks[60 + 20 * step : 80 + 20 * step])
            kept += chunks[60 + 20 * step : 80 + 20 * step]
        full = LexicalIndex(tmp_path / f"full{step}")
        full.rebuild(kept, "r")
        assert results(inc) == results(full)  # ...and counted again after the change
