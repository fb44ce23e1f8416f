"""`ntm docs` and `ntm search`, and the row output (table, csv, xlsx, json) `docs`, `tasks` and
`targets` share; registered on the app by assistant/cli.py."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from assistant.cli_index import IndexOpt, JsonOpt, print_json, read_index
from assistant.cli_support import CliError, fail, non_empty_question

FormatOpt = Annotated[str, typer.Option("--format", help="table | csv | xlsx | json")]
OutputOpt = Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to this file (required for xlsx).")]


def emit_rows(rows: list[dict], columns: tuple[str, ...], fmt: str, output: Path | None) -> None:
    """Rows as a table, CSV or JSON on stdout or in `output`, or an XLSX sheet (needs `output`)."""
    from assistant import exporting

    if fmt not in exporting.FORMATS:
        raise CliError(f"định dạng không hỗ trợ: {fmt} (chọn: {', '.join(exporting.FORMATS)})")
    if fmt == "xlsx":
        if output is None:
            raise CliError("--format xlsx cần --output FILE.xlsx")
        output.write_bytes(exporting.to_xlsx(rows, columns))
        typer.echo(f"đã ghi {len(rows)} dòng vào {output}")
        return
    text = {"csv": lambda: exporting.to_csv(rows, columns), "json": lambda: exporting.to_json(rows)}.get(
        fmt, lambda: exporting.to_table(rows, columns)
    )()
    if output is not None:
        output.write_text(text, "utf-8")
        typer.echo(f"đã ghi {len(rows)} dòng vào {output}")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


DOC_COLUMNS = ("source", "province", "number", "issued", "kind", "n_chunks", "title", "alternates")


def docs(
    index: IndexOpt = None,
    as_json: JsonOpt = False,
    fmt: Annotated[str, typer.Option("--format", help="table | csv | xlsx | json")] = "table",
    output: Annotated[
        Optional[Path], typer.Option("--output", "-o", help="Write to this file (required for xlsx).")
    ] = None,
) -> None:
    """List indexed documents with their metadata and chunk counts (a header row first)."""
    try:
        _, idx = read_index(index)
        from ingest.copies import Copies

        records = Copies(idx).document_rows()  # with each one's alternate copies
        if as_json or fmt == "json" and output is None:
            print_json(records)
            return
        # alternate copies as "file (format); …" in tables and sheets (JSON keeps the list)
        flat = [
            {**r, "alternates": "; ".join(f"{a['source']} ({a['format']})" for a in r["alternates"])} for r in records
        ]
        emit_rows(flat, DOC_COLUMNS, fmt, output)
    except CliError as exc:
        raise fail(exc, as_json) from exc


def search(
    query: Annotated[str, typer.Argument(help="Search text.")],
    k: Annotated[int, typer.Option("--k", help="Results per leg.")] = 5,
    index: IndexOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Debug retrieval: the top chunks of each leg (dense, lexical) with their scores."""
    try:
        non_empty_question(query)
        _, idx = read_index(index)
    except CliError as exc:
        raise fail(exc, as_json) from exc
    legs = {"dense": idx.dense_search(query, k), "lexical": idx.lexical_search(query, k)}
    chunks = idx.chunks(sorted({h.chunk_id for hits in legs.values() for h in hits}))
    payload = {
        leg: [
            {
                "chunk_id": h.chunk_id,
                "score": round(h.score, 4),
                "heading_path": " › ".join(chunks[h.chunk_id].heading_path),
                "text": chunks[h.chunk_id].text[:300],
            }
            for h in hits
        ]
        for leg, hits in legs.items()
    }
    if as_json:
        print_json(payload)
        return
    for leg, rows in payload.items():
        typer.echo(f"== {leg}")
        for row in rows:
            typer.echo(f"{row['score']:>8.4f}  {row['chunk_id']}  {row['heading_path'][:60]}")
            typer.echo(f"          {row['text'][:160]}")
