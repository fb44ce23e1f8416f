"""The import graph follows DESIGN.md's flow: core imports nothing of ours, the store only core,
the query side only core and the store, and only composition roots import ingest."""

import pytest

from scripts.import_graph import ALLOWED, edges, layer_of, violations

pytestmark = pytest.mark.unit


def test_every_import_follows_the_layering():
    assert violations() == []


def test_the_query_side_reaches_the_store_only_through_the_index(tmp_path, monkeypatch):
    import scripts.import_graph as graph

    module = tmp_path / "assistant" / "answering"
    module.mkdir(parents=True)
    (module / "peek.py").write_text(
        "from vectorstore.records import RecordStore\nfrom vectorstore.index import Index\n"
    )
    monkeypatch.setattr(graph, "ROOT", tmp_path)
    assert violations() == [
        "assistant/answering/peek.py:1: assistant.answering.peek → vectorstore.records (the store's internals)"
    ]


def test_layers_are_read_from_module_names():
    assert layer_of("core.vntext") == "core"
    assert layer_of("assistant.answering.extractive") == "assistant.query_side"
    assert layer_of("assistant.cli_index") == "root"
    assert layer_of("vectorstore.index") == "vectorstore"


def test_the_kernel_is_used_by_both_sides():
    graph = edges()
    assert graph[("ingest", "core")] > 0 and graph[("assistant.query_side", "core")] > 0
    assert ("core", "ingest") not in graph and ("vectorstore", "ingest") not in graph
    assert ALLOWED["core"] == set()
