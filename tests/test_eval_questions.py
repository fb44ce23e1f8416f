"""The question-set contract: a valid set loads; every error names the file and the line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.dataset import load_questions

GOLD = "003_53ad26070fe62449"


def _line(**overrides: object) -> str:
    row = {
        "id": "t-1",
        "question": "Q?",
        "answer": "A.",
        "must_include": [["17 xã"]],
        "sources": [GOLD],
        "type": "result",
        "style": "plain",
    }
    row.update(overrides)
    return json.dumps({k: v for k, v in row.items() if v is not ...}, ensure_ascii=False)


@pytest.mark.unit
def test_a_valid_question_set_loads(tmp_path: Path) -> None:
    path = tmp_path / "qa.jsonl"
    path.write_text(
        "\n".join([_line(), "", _line(id="t-2", type="unanswerable", must_include=[], sources=[], agency="Sở Y tế")])
        + "\n",
        encoding="utf-8",
    )
    items = load_questions(path)
    assert [i.id for i in items] == ["t-1", "t-2"]
    assert items[0].must_include == (("17 xã",),) and items[0].answerable
    assert not items[1].answerable and items[1].agency == "Sở Y tế"


@pytest.mark.unit
@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (_line(type=...), "missing field(s): type"),
        (_line(type="guess"), "type 'guess' is not one of"),
        (_line(style="shouting"), "style 'shouting'"),
        (_line(must_include=[]), "must_include is empty"),
        (_line(must_include=[[]]), "group 1 must be a non-empty list"),
        (_line(must_include=["17 xã"]), "group 1 must be a non-empty list"),
        (_line(sources=[]), "sources is empty"),
        (_line(type="unanswerable"), "unanswerable item must have must_include []"),
        (_line(question=""), "'question' must be a non-empty string"),
        ('{"id": "t-9", ', "invalid JSON"),
        ("[1, 2]", "expected a JSON object"),
    ],
)
def test_question_set_errors_name_the_file_and_line(tmp_path: Path, bad: str, message: str) -> None:
    path = tmp_path / "qa.jsonl"
    path.write_text("\n".join([_line(id="ok-1"), _line(id="ok-2"), bad]) + "\n", encoding="utf-8")
    with pytest.raises(ValueError) as info:
        load_questions(path)
    assert f"{path}, line 3:" in str(info.value)
    assert message in str(info.value)


@pytest.mark.unit
def test_duplicate_ids_name_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "qa.jsonl"
    path.write_text("\n".join([_line(), _line(id="t-2"), _line()]) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"line 3: duplicate id 't-1' \(first on line 1\)"):
        load_questions(path)


@pytest.mark.unit
def test_the_seed_question_set_is_valid(shared: Path) -> None:
    items = load_questions(shared / "eval" / "seed_qa.jsonl")
    assert len(items) == 70
    assert sum(not i.answerable for i in items) == 6
