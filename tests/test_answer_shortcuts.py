"""The answer path's shortcuts give what the plain computation gives, on the seed, dev and format
corpora's documents (as the index holds them) and generated notices."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answering.block_layout import _blocks, block_led_at, may_lead_at
from bench.corpus import Vocabulary, generate
from ingest.clean import clean_blocks, join_blocks
from ingest.loaders import load_bytes

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def documents(shared: Path) -> list[str]:
    """Cleaned document texts of every seed, dev and format file, generated notices, and layouts
    around a table's header cell (blank and whitespace lines, CRLF, a long line before it)."""
    texts = []
    for folder in ("seeds", "dev", "formats"):
        for path in sorted((shared / "corpus" / folder).glob("*.*")):
            try:
                texts.append(join_blocks(clean_blocks(load_bytes(path.read_bytes(), path.name).blocks))[0])
            except Exception:  # a file the loaders refuse holds no document
                continue
    texts += [n.text for n in generate(30, seed=3, vocab=Vocabulary.load())]
    rows = "STT Tên xã Kết quả\n1 Xã A đạt\n2 Xã B đạt\n3 Xã C chưa đạt\n"
    texts += [
        f"Danh sách như sau:\n  \n{rows}",
        f"Bảng 1. Kết quả\n\n   \n{rows}- Ghi chú một\n- Ghi chú hai",
        f"{'x' * 320}\n{rows}",
        f"{rows}",
        "Các bước:\r\n1. Nộp hồ sơ\r\n2. Thẩm định\r\n  \r\n3. Công nhận\r\n",
        "Gồm:\n\n\n- một\n- hai\n\t\n",
    ]
    return texts


def test_a_lead_in_is_found_at_every_offset_as_reading_every_block_finds_it(documents: list[str]) -> None:
    leads = 0
    for n, text in enumerate(documents):
        doc_id = f"doc{n}"
        first: dict[int, object] = {}
        for block in _blocks(doc_id, text):
            for offset in range(block.lead.start, block.lead.end):
                first.setdefault(offset, block)
        leads += len(first)
        for offset in range(-2, len(text) + 2):
            found = block_led_at(doc_id, text, offset)
            want = first.get(offset)
            assert found == want, (n, offset, text[max(0, offset - 40) : offset + 40])
            if want is not None:
                assert may_lead_at(text, offset)
                assert found is not want and found.items is not want.items  # a fresh copy
    assert leads > 5000  # lead-ins, table headers and their captions occur: the check is not vacuous
