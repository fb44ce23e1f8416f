"""Precision and recall of the task register and the targets tracker against gold files.

Gold assignments name the source, the agency and verbatim keywords of each task. The agency is a
registry id in the seeds' gold (`eval/datasets/seed_assignments.jsonl`) and a full canonical
Vietnamese name in the shared dev gold; a name is canonicalised by the same recogniser the product
uses (core/agency_grammar: "Kho bạc Nhà nước thành phố" and "Kho bạc Nhà nước Hà Nội" are one
body), so gold and extraction agree when both name the same body; no lineage is applied (Sở NN&PTNT
is not Sở Nông nghiệp và Môi trường). A gold addressee defined by a condition ("UBND các xã đăng ký
đạt chuẩn năm 2019") is its collective ("UBND các xã"). One nothing resolves is compared as a
folded name with the extracted row's agency name. An extracted assignment matches a gold one when it
comes from the same source, is for the same agency and its task text contains one of the keywords
(case- and diacritic-insensitive); each side matches at most once. Role agreement is reported among the matches.
Recall is also reported for named bodies alone (gold rows whose agency is not a collective such as
"Các sở, ban, ngành" or "UBND các huyện"). Gold targets match on source and value (and report kind
agreement).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from core.vntext import fold, fold_aligned


class GoldFileError(ValueError):
    """A gold file that cannot be used (names the file and line)."""


def load_gold(path: Path, required: Iterable[str]) -> list[dict[str, Any]]:
    rows = []
    for n, line in enumerate(Path(path).read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise GoldFileError(f"{path}, line {n}: not JSON ({exc.msg})") from exc
        missing = [k for k in required if k not in row]
        if missing:
            raise GoldFileError(f"{path}, line {n}: missing {', '.join(missing)}")
        rows.append(row)
    if not rows:
        raise GoldFileError(f"{path}: no rows")
    return rows


def _stem(source: str) -> str:
    name = source.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[0] if "." in name else name


def _scores(n_match: int, n_extracted: int, n_gold: int) -> dict[str, float | int]:
    if n_gold == 0:
        raise GoldFileError("gold set is empty")
    precision = n_match / n_extracted if n_extracted else 0.0
    recall = n_match / n_gold
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "n_gold": n_gold,
        "n_extracted": n_extracted,
        "n_matched": n_match,
    }


def _match(
    gold: list[dict[str, Any]],
    extracted: list[dict[str, Any]],
    same_item: Callable[[dict[str, Any], dict[str, Any]], bool],
    agrees: Callable[[dict[str, Any], dict[str, Any]], bool],
) -> tuple[int, int, list[str]]:
    """Greedy one-to-one matching; prefers a candidate that also agrees (role, kind).
    Returns (matches, matches that agree, ids of unmatched gold rows)."""
    used: set[int] = set()
    n_match = n_agree = 0
    misses: list[str] = []
    for g in gold:
        hit = None
        for i, e in enumerate(extracted):
            if i in used or not same_item(g, e):
                continue
            hit = i
            if agrees(g, e):
                break
        if hit is None:
            misses.append(g.get("id", ""))
            continue
        used.add(hit)
        n_match += 1
        n_agree += agrees(g, extracted[hit])
    return n_match, n_agree, misses


def _report(
    gold: list[dict[str, Any]], extracted: list[dict[str, Any]], same_item, agrees, agree_name: str
) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    n_match, n_agree, misses = _match(gold, extracted, same_item, agrees)
    out = _scores(n_match, len(extracted), len(gold))
    out[agree_name] = round(n_agree / n_match, 4) if n_match else 0.0
    out["missed"] = misses
    return out


def _agency_key(name: str) -> str:
    return " ".join(fold(name).replace("&", " va ").replace(",", " ").split())


def assignment_scores(
    extracted: list[dict[str, Any]], gold: list[dict[str, Any]], resolve: Callable[[str], str] | None = None
) -> dict[str, Any]:
    """`extracted`: dicts with source, agency (id), role, task and optionally agency_name.
    `resolve` maps a gold agency (id or name) to an id; without it gold agencies are ids.
    Returns precision/recall/f1/role accuracy, plus recall over named (non-collective) bodies
    when gold rows say `collective`."""
    resolve = resolve or (lambda name: name)
    gold_ids = [resolve(g["agency"]) for g in gold]

    def same_agency(g: dict[str, Any], e: dict[str, Any]) -> bool:
        gid = gold_ids[g["_i"]]
        if gid and e["agency"] == gid:
            return True
        return not gid and _agency_key(e.get("agency_name", e["agency"])) == _agency_key(g["agency"])

    def same(g: dict[str, Any], e: dict[str, Any]) -> bool:
        task = fold(e["task"])
        return _stem(e["source"]) == g["source"] and same_agency(g, e) and any(fold(k) in task for k in g["keywords"])

    indexed = [{**g, "_i": i} for i, g in enumerate(gold)]
    out = _report(indexed, extracted, same, lambda g, e: e["role"] == g["role"], "role_accuracy")
    named = [g for g in indexed if not g.get("collective")]
    if len(named) < len(indexed) and named:
        missed = set(out["missed"])
        out["recall_named"] = round(sum(1 for g in named if g.get("id", "") not in missed) / len(named), 4)
        out["n_gold_named"] = len(named)
    return out


def _value_key(value: str) -> str:
    """The figure itself: gold values are written with their unit ("62 xã", "5.126,4 tỷ đồng",
    "46,6%"), extracted ones may carry it separately."""
    m = re.search(r"\d+(?:[.,]\d+)*(?:/\d+)?", value)
    figure = m.group(0) if m else value.replace(" ", "").rstrip("%")
    return figure.lstrip("0") or "0"


def target_scores(extracted: list[dict[str, Any]], gold: list[dict[str, Any]]) -> dict[str, Any]:
    """`extracted`: dicts with source, value, kind. Returns precision/recall/f1/kind accuracy."""

    def same(g: dict[str, Any], e: dict[str, Any]) -> bool:
        return _stem(e["source"]) == g["source"] and _value_key(e["value"]) == _value_key(g["value"])

    return _report(gold, extracted, same, lambda g, e: e["kind"] == g["kind"], "kind_accuracy")


def _registry_resolver(registry: Any) -> Callable[[str], str]:
    """Gold agency (registry id or full name) → the id the recogniser gives that name ('' if none):
    the agency named at the start of the gold name (for a conditional addressee, its collective)."""

    def resolve(name: str) -> str:
        if name in registry.agencies:
            return name
        for question in (False, True):
            mentions = registry.find(name, question=question)
            if mentions and mentions[0].start <= 4:
                return mentions[0].agency_id
        return ""

    return resolve


def _mark_collectives(gold: list[dict[str, Any]], registry: Any, resolve: Callable[[str], str]) -> None:
    for g in gold:
        gid = resolve(g["agency"])
        if gid:
            g["collective"] = registry.get(gid).collective
        else:
            # a plural addressee: "Các sở, ban, ngành", "UBND các huyện, thị xã, thành phố"
            g["collective"] = " cac " in f" {_agency_key(g['agency'])} "


def _score_rows(extracted: list[dict[str, Any]], assignments_gold: Path, registry: Any) -> dict[str, Any]:
    gold = load_gold(assignments_gold, ("source", "agency", "role", "keywords"))
    resolve = _registry_resolver(registry)
    _mark_collectives(gold, registry, resolve)
    sources = {g["source"] for g in gold}
    return assignment_scores([e for e in extracted if _stem(e["source"]) in sources], gold, resolve)


def _row(source: str, a: Any, registry: Any) -> dict[str, Any]:
    name = registry.agencies[a.agency].name if a.agency in registry.agencies else a.agency_text
    return {"source": source, "agency": a.agency, "agency_name": name, "role": a.role, "task": a.task}


def score_corpus(
    corpus_dir: Path, assignments_gold: Path | None = None, targets_gold: Path | None = None, knowledge: Any = None
) -> dict[str, Any]:
    """Register scores of a corpus without an index or embeddings: every file goes through the
    ingest pipeline's prepare step and its extracted rows are scored against the gold files.
    `assignments.agency_coverage` is the share of gold addressees the recogniser finds (see
    `recogniser_coverage`). Fast enough to run after every change to ingest."""
    from core.contracts import RefusedFile
    from core.knowledge import Knowledge
    from ingest.pipeline import iter_input_files, prepare_bytes

    knowledge = knowledge or Knowledge.load()  # a composition root: eval tooling
    registry = knowledge.registry
    prepared = {}
    for path, source in iter_input_files([Path(corpus_dir)]):
        try:
            prepared[source] = prepare_bytes(path.read_bytes(), source, knowledge)
        except RefusedFile:
            continue
    out: dict[str, Any] = {}
    if assignments_gold is not None:
        rows = [_row(source, a, registry) for source, p in prepared.items() for a in p.assignments]
        out["assignments"] = _score_rows(rows, assignments_gold, registry)
        texts = {_stem(source): p.document.text for source, p in prepared.items()}
        out["assignments"]["agency_coverage"] = recogniser_coverage(
            texts, load_gold(assignments_gold, ("source", "agency", "agency_text")), registry
        )
    if targets_gold is not None:
        gold = load_gold(targets_gold, ("source", "value", "kind"))
        sources = {g["source"] for g in gold}
        rows = [
            {"source": s, "value": t.value, "kind": t.kind}
            for s, p in prepared.items()
            for t in p.targets
            if _stem(s) in sources
        ]
        out["targets"] = target_scores(rows, gold)
    return out


def recogniser_coverage(texts: dict[str, str], gold: list[dict[str, Any]], registry: Any) -> dict[str, Any]:
    """Share of gold rows whose addressee the recogniser finds in the source document: a mention
    inside the place where the document writes the gold `agency_text` (anywhere in the document
    when that text is not found verbatim) that resolves to the gold agency."""
    resolve = _registry_resolver(registry)
    found = 0
    missed: list[str] = []
    for g in gold:
        text = texts.get(g["source"])
        if text is None:
            raise GoldFileError(f"gold source {g['source']!r} is not in the corpus")
        gid = resolve(g["agency"])
        if gid and gid in _ids_near(text, g["agency_text"], registry):
            found += 1
        else:
            missed.append(f"{g.get('id', '')}: {g['agency_text']} → {g['agency']}")
    return {"share": round(found / len(gold), 4), "n_gold": len(gold), "n_found": found, "missed": missed}


def _ids_near(text: str, surface: str, registry: Any) -> set[str]:
    """Agencies the recogniser finds, reading the whole document, where it writes `surface`."""
    mentions = registry.find(text)
    folded, needle = fold_aligned(text), fold_aligned(surface)
    spans = [(m.start(), m.end()) for m in re.finditer(re.escape(needle), folded)] if needle.strip() else []
    if not spans:
        return {m.agency_id for m in mentions}
    return {m.agency_id for m in mentions for start, end in spans if m.end > start and m.start < end}


def register_metrics(
    index: Any, assignments_gold: Path | None, targets_gold: Path | None, registry: Any = None
) -> dict[str, Any]:
    """Score what the index's register holds against the gold files that are given."""
    docs = {d.doc_id: d.source for d in index.documents()}
    out: dict[str, Any] = {}
    if assignments_gold is not None:
        if registry is None:
            from core.knowledge import Knowledge

            registry = Knowledge.load().registry
        rows = [_row(docs[a.doc_id], a, registry) for a in index.assignments()]
        out["assignments"] = _score_rows(rows, assignments_gold, registry)
        gold = load_gold(assignments_gold, ("source", "agency", "agency_text"))
        wanted = {g["source"] for g in gold}
        texts = {
            _stem(source): index.document_text(doc_id) or ""
            for doc_id, source in docs.items()
            if _stem(source) in wanted
        }
        if wanted <= set(texts):  # inside "assignments": every part of the section is a P/R score
            out["assignments"]["agency_coverage"] = recogniser_coverage(texts, gold, registry)
    if targets_gold is not None:
        gold = load_gold(targets_gold, ("source", "value", "kind"))
        sources = {g["source"] for g in gold}
        extracted = [
            {"source": docs[t.doc_id], "value": t.value, "kind": t.kind}
            for t in index.targets()
            if _stem(docs[t.doc_id]) in sources
        ]
        out["targets"] = target_scores(extracted, gold)
    return out


def main(argv: list[str] | None = None) -> int:
    """`python -m eval.register_metrics --corpus DIR --assignments GOLD [--targets GOLD]`: register
    scores and recogniser coverage of a corpus without building an index."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--assignments", type=Path)
    parser.add_argument("--targets", type=Path)
    parser.add_argument("--misses", action="store_true", help="also list missed gold rows")
    args = parser.parse_args(argv)
    scores = score_corpus(args.corpus, args.assignments, args.targets)
    if not args.misses:
        for part in scores.values():
            part.pop("missed", None)
            part.get("agency_coverage", {}).pop("missed", None)
    print(json.dumps(scores, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
