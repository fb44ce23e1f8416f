"""Retrieval's metadata filters on an existing index: listing their ids from the records' filter
table vs Chroma's `get(where=...)`, and what the dense leg then costs.

    .venv/bin/python bench/where_listing.py --index DIR [--provinces 40]

For each indexed province (up to --provinces), the filters retrieval builds for a question naming
it (its merger group and documents of no province), with the UI's year range, and with a year
range and an agency: the first `Index.chunk_ids_where` call for each (a miss of its per-filter
cache: the records' table), Chroma's `get(where=...)` for the same filter (what it used before),
and whether the two id sets are identical; then k-NN queries of a real question vector with no
filter, restricted to the listed ids (what retrieval does) and with the `where` filter. Prints one
JSON line (medians, ms).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.measure import median_ms, timed_call  # noqa: E402 - after the path is set


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--index", type=Path, required=True, help="an index folder (not written to but for its filter table)"
    )
    p.add_argument("--provinces", type=int, default=40)
    p.add_argument("--k", type=int, default=40)
    args = p.parse_args(argv)
    from assistant.scope import PlaceScope, where_clause
    from assistant.settings import Settings
    from core.contracts import Filters
    from core.knowledge import Knowledge
    from vectorstore.index import Index

    knowledge = Knowledge.load()
    index = Index.open(Settings(index_dir=args.index))
    provinces = sorted({d.metadata.get("province", "") for d in index.documents()} - {""})[: args.provinces]
    agency = next(iter(knowledge.registry.ids_in("Sở Tài chính")), "")
    kinds: dict[str, list[dict[str, Any]]] = {"province": [], "province_years": [], "province_years_agency": []}
    for name in provinces:
        scope = PlaceScope((name,))
        kinds["province"].append(where_clause(None, scope, knowledge.places, knowledge.registry) or {})
        years = where_clause(Filters(year_from="2020", year_to="2023"), scope, knowledge.places, knowledge.registry)
        kinds["province_years"].append(years or {})
        kinds["province_years_agency"].append({"$and": [*(years or {})["$and"], {f"ag_{agency}": True}]})
    vector = index.query_vector("Số xã đạt chuẩn nông thôn mới của tỉnh năm 2023 là bao nhiêu?")
    res: dict[str, Any] = {"chunks": index.count(), "provinces": len(provinces), "identical": True}
    for kind, wheres in kinds.items():
        listed, chroma, sizes = [], [], []
        for where in wheres:
            took, ids = timed_call(lambda w=where: index.chunk_ids_where(w))
            before, got = timed_call(lambda w=where: index.collection.get(where=w, include=[])["ids"])
            res["identical"] = res["identical"] and set(ids) == set(got)
            listed.append(took)
            chroma.append(before)
            sizes.append(len(ids))
        res[f"{kind}_ids"] = median_ms(sizes)
        res[f"{kind}_records_ms"] = median_ms(listed)
        res[f"{kind}_chroma_get_ms"] = median_ms(chroma)

    def query(**options: Any) -> Any:
        return index.collection.query(query_embeddings=[vector], n_results=args.k, include=["distances"], **options)

    query()
    res["query_no_filter_ms"] = median_ms([timed_call(query)[0] for _ in range(20)])
    allowed = [sorted(index.chunk_ids_where(w)) for w in kinds["province"]]
    res["query_listed_ids_ms"] = median_ms([timed_call(lambda a=a: query(ids=a))[0] for a in allowed])
    res["query_where_ms"] = median_ms([timed_call(lambda w=w: query(where=w))[0] for w in kinds["province"]])
    index.close()
    print(json.dumps(res))
    return 0 if res["identical"] else 1


if __name__ == "__main__":
    sys.exit(main())
