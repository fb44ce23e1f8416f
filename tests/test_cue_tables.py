"""The one cue-table reader (core/cue_tables.py): NFC text, folded keys, compiled regexes, and bad data
refused with the file and the key named; every packaged table loads through it."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from core.cue_tables import CueTable, CueTableError
from core.vntext import fold

pytestmark = pytest.mark.unit


def _table(tmp_path: Path, data: object, name: str = "cues.json") -> CueTable:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return CueTable.from_path(path)


def test_text_is_nfc_whatever_the_file_holds(tmp_path: Path) -> None:
    decomposed = unicodedata.normalize("NFD", "Sở Kế hoạch và Đầu tư")
    table = _table(tmp_path, {"words": [decomposed], "levels": {unicodedata.normalize("NFD", "Cấp Xã"): "xã"}})
    assert table.words("words") == ["Sở Kế hoạch và Đầu tư"] and decomposed not in table.words("words")
    assert table.mapping("levels", str.lower) == {"cấp xã": "xã"}
    assert table.mapping("levels", fold) == {"cap xa": "xã"}


def test_regexes_are_compiled_and_match_nfc_text(tmp_path: Path) -> None:
    table = _table(tmp_path, {"chair": unicodedata.normalize("NFD", r"\bchủ trì\b")})
    assert table.regex("chair").search("Sở Tài chính chủ trì, phối hợp")
    assert table.compile("chair", rf"^(?:{table.text('chair')})").match("chủ trì thực hiện")


@pytest.mark.parametrize(
    ("data", "call", "message"),
    [
        ({"a": "x"}, lambda t: t.text("b"), "missing key 'b'"),
        ({"a": "("}, lambda t: t.regex("a"), "key 'a': invalid regular expression"),
        ({"a": ["x", 3]}, lambda t: t.words("a"), "key 'a' must be a list of strings, found 3"),
        ({"a": ["x"]}, lambda t: t.text("a"), "key 'a' must be a string, found list"),
        ({"a": "x"}, lambda t: t.mapping("a"), "key 'a' must be an object, found str"),
    ],
)
def test_bad_data_names_the_file_and_the_key(tmp_path: Path, data, call, message: str) -> None:  # type: ignore[no-untyped-def]
    table = _table(tmp_path, data, "broken_cues.json")
    with pytest.raises(CueTableError, match="broken_cues.json") as raised:
        call(table)
    assert message in str(raised.value)


def test_a_file_that_is_not_a_json_object_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "list.json").write_text("[1, 2]", encoding="utf-8")
    (tmp_path / "half.json").write_text('{"a": ', encoding="utf-8")
    with pytest.raises(CueTableError, match=r"list\.json: expected a JSON object of cues, found list"):
        CueTable.from_path(tmp_path / "list.json")
    with pytest.raises(CueTableError, match=r"half\.json: not valid JSON"):
        CueTable.from_path(tmp_path / "half.json")
    with pytest.raises(CueTableError, match=r"core/data/no_such_cues\.json: cannot be read"):
        CueTable.packaged("core", "no_such_cues.json")


def test_every_packaged_cue_table_loads_through_the_reader() -> None:
    from assistant.answering.document_facts import FactCues
    from core.document_kinds import DocumentKinds
    from core.question_cues import default_cues
    from ingest.directive_cues import load_directive_cues
    from ingest.target_rules import load_target_rules

    cues = default_cues()
    assert cues.asked_kinds(fold("Quyết định được ban hành ngày nào?")) == ["date"]
    assert DocumentKinds.load().by_word[fold("KẾ HOẠCH")] == "kế hoạch"
    assert load_directive_cues().level_names["cấp xã"]
    assert {kind for kind, _ in load_target_rules().cues} == {"mục tiêu", "kết quả"}
    assert FactCues.load().asked(fold("Quyết định số 58 do ai ký?"))


def test_a_bad_packaged_table_is_named_by_its_loader(tmp_path: Path) -> None:
    from ingest.directive_cues import parse_cues
    from ingest.target_rules import parse_rules

    with pytest.raises(CueTableError, match="directive.json: missing key 'triggers'"):
        parse_cues(_table(tmp_path, {}, "directive.json"))
    rules = dict(CueTable.packaged("ingest", "indicators.json").data, negated="(unclosed")
    with pytest.raises(CueTableError, match="indicators.json: key 'negated': invalid regular expression"):
        parse_rules(_table(tmp_path, rules, "indicators.json"))
