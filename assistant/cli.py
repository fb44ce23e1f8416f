"""`ntm` command line: ingest · extract · docs · remove · search · ask · tasks · targets · serve.

The command names, flags, JSON shapes and exit codes are the contract in DESIGN.md "Command line":
scripts and tests call them. Human output goes to stdout, progress to stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from assistant.cli_index import (
    IndexOpt,
    JsonOpt,
    open_index,
    print_json,
    read_index,
    service_for,
    settings_for,
)
from assistant.cli_listing import FormatOpt, OutputOpt, docs, emit_rows, search
from assistant.cli_support import (
    CliError,
    fail,
    match_choice,
    match_province,
    non_empty_question,
    require_index,
)
from core.knowledge import Knowledge  # read once per command (a composition root), passed in

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="NTM Assistant: hỏi đáp văn bản nông thôn mới.",
)


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (recursive).")],
    index: IndexOpt = None,
    as_json: JsonOpt = False,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Drop the index first (e.g. after changing the embedding model).")
    ] = False,
    prune: Annotated[
        bool, typer.Option("--prune", help="Also remove indexed documents that are not among PATHS.")
    ] = False,
) -> None:
    """Add or update documents; unchanged files are skipped, bad files refused with a reason."""
    from tqdm import tqdm

    from assistant.cli_support import require_writable, write_error, writer_busy
    from ingest.ingester import Ingester
    from ingest.pipeline import iter_input_files

    settings = settings_for(index)
    try:
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise CliError(f"không tìm thấy: {', '.join(missing)}", 1, missing=missing)
        require_writable(settings.index_dir)
        if writer_busy(settings.index_dir):  # the index's write lock serialises ingests: wait our turn
            typer.echo(f"đang chờ: một tiến trình khác đang ghi vào chỉ mục {settings.index_dir.resolve()}…", err=True)
        if rebuild:
            _wipe_for_rebuild(index)
        settings, idx = open_index(index)
        total = len(iter_input_files(paths))
        bar = tqdm(total=total, unit="tệp", file=sys.stderr, disable=total == 0, dynamic_ncols=True)

        def on_file(source: str, status: str) -> None:
            bar.set_postfix_str(f"{source[-40:]}: {status[:60]}")
            bar.update(1)

        def on_page(source: str, done: int, total: int) -> None:
            bar.set_postfix_str(f"{source[-40:]}: OCR trang {done}/{total}")

        ingester = Ingester.from_settings(settings, idx, knowledge=Knowledge.load())
        report = ingester.ingest_paths(paths, on_file, prune=prune, on_page=on_page)
        bar.close()
    except typer.Exit:
        raise
    except CliError as exc:
        raise fail(exc, as_json) from exc
    except Exception as exc:  # noqa: BLE001 - exit code 1 is the contract for internal errors
        raise fail(write_error(exc, settings.index_dir), as_json) from exc
    if as_json:
        print_json(report.as_dict())
    else:
        typer.echo(
            f"thêm mới: {len(report.added)} · cập nhật: {len(report.updated)} · "
            f"không đổi: {len(report.unchanged)} · từ chối: {len(report.refused)}"
            + (f" · đã gỡ: {len(report.removed)}" if report.removed else "")
            + (f" · bản trùng (lưu làm bản khác): {len(report.duplicates)}" if report.duplicates else "")
        )
        for item in report.refused:
            typer.echo(f"  từ chối {item['source']}: {item['reason']}")
    raise typer.Exit(2 if report.refused else 0)


def _wipe_for_rebuild(index: Path | None) -> None:
    import shutil

    settings = settings_for(index)
    if settings.chroma_url:  # drop the server's collections (whatever model they were built with)
        from vectorstore.chunk_meta import chroma_client

        client = chroma_client(settings.index_dir, settings.chroma_url)
        for name in (settings.collection, f"{settings.collection}__records"):
            try:
                client.delete_collection(name)
            except Exception:  # noqa: BLE001 - it may not exist
                pass
    if (settings.index_dir / "records.sqlite").exists() or (settings.index_dir / "chroma").exists():
        shutil.rmtree(settings.index_dir)


@app.command()
def extract(file: Annotated[Path, typer.Argument(help="One file.")], as_json: JsonOpt = False) -> None:
    """Show the cleaned text and metadata a file would be indexed with (writes nothing)."""
    from assistant.settings import Settings
    from core.contracts import RefusedFile
    from ingest.pipeline import display_name, prepare_bytes, read_limited

    source = display_name(file.name)
    try:
        from ingest.ingester import ocr_config

        settings = Settings()
        data = read_limited(file, source, settings.max_file_bytes)
        prepared = prepare_bytes(data, source, Knowledge.load(), ocr=ocr_config(settings))
    except RefusedFile as exc:
        if as_json:
            print_json({"source": source, "refused": exc.reason})
        else:
            typer.echo(f"từ chối {source}: {exc.reason}", err=True)
        raise typer.Exit(2) from exc
    doc = prepared.document
    payload = {
        "source": source,
        "text": doc.text,
        "metadata": {**doc.metadata.as_dict(), "format": doc.format, "chunks": len(prepared.chunks)},
    }
    if as_json:
        print_json(payload)
    else:
        for key, value in payload["metadata"].items():
            typer.echo(f"{key}: {value}")
        typer.echo("")
        typer.echo(doc.text)


app.command()(docs)


@app.command()
def remove(
    source: Annotated[str, typer.Argument(help="The document's source, as `ntm docs` lists it.")],
    index: IndexOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Delete a document and all its chunks."""
    from ingest.pipeline import display_name

    try:
        settings = settings_for(index)
        require_index(settings.index_dir, settings.chroma_url)
        _, idx = open_index(index)
        with idx.batch():
            from ingest.copies import Copies

            # an alternate copy takes its place (re-read with the knowledge)
            removed, promoted = Copies(idx).remove(display_name(source), Knowledge.load())
        if not removed:
            raise CliError(f"không có tài liệu {source!r} trong chỉ mục (xem ntm docs)", 1, source=source)
    except CliError as exc:
        raise fail(exc, as_json) from exc
    if as_json:
        print_json({"removed": display_name(source)})
    else:
        typer.echo(f"đã xóa {source}")
        if promoted:
            typer.echo(f"bản khác {promoted} được đưa vào chỉ mục thay cho nó")


app.command()(search)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="Câu hỏi (có dấu hoặc không dấu).")],
    province: Annotated[str, typer.Option("--province", help="Only documents of this province.")] = "",
    year: Annotated[Optional[int], typer.Option("--year", help="Only documents issued in this year.")] = None,
    index: IndexOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer a question from the indexed documents, with citations (or say it is not there)."""
    from assistant.provenance import answer_label, fallback_notice
    from core.contracts import Filters

    try:
        question = non_empty_question(question)
        settings, idx = read_index(index)
        knowledge = Knowledge.load()
        if province.strip():
            indexed = {d.metadata.get("province", "") for d in idx.documents()}
            province = match_province(province, indexed, knowledge.places, across_merger=True)
        service = service_for(settings, idx, knowledge)
    except CliError as exc:
        raise fail(exc, as_json) from exc
    answer = service.ask(question, filters=Filters(province=province, year_from=year, year_to=year))
    notice = fallback_notice(answer.fallback_reason)
    if notice:
        typer.echo(f"lưu ý: {notice}", err=True)
    if as_json:
        print_json(answer.as_json())
        return
    typer.echo(answer.text)
    for c in answer.citations:
        where = " · ".join(x for x in (c.number, c.province, c.issued) if x)
        typer.echo(f"  [{c.n}] {c.source}" + (f" ({where})" if where else "") + f" — “{c.quote[:120]}”")
    typer.echo(f"({answer_label(answer.as_json())})")


@app.command()
def tasks(
    agency: Annotated[str, typer.Option("--agency", help="Cơ quan: tên đầy đủ, viết tắt hoặc không dấu.")],
    province: Annotated[str, typer.Option("--province", help="Only notices of this province.")] = "",
    year: Annotated[Optional[int], typer.Option("--year", help="Only notices issued in this year.")] = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    index: IndexOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The task register: every task the notices assign to an agency (with shared ones)."""
    from assistant.register import TASK_COLUMNS, TaskRegister, UnknownAgency

    fmt = "json" if as_json else fmt
    try:
        _, idx = read_index(index)
        knowledge = Knowledge.load()
        register = TaskRegister(idx, knowledge.registry)
        if province.strip():
            indexed = {d.metadata.get("province", "") for d in idx.documents()}
            province = match_province(province, indexed, knowledge.places)
        try:
            rows = register.tasks(agency, province, year)
        except UnknownAgency as exc:
            ids = {a.agency for a in idx.assignments()}
            names = [register.registry.get(i).name for i in ids if i in register.registry.agencies]
            raise CliError(
                f"{exc}; cơ quan có nhiệm vụ trong chỉ mục: "
                + ", ".join(sorted(names)[:25])
                + (" …" if len(names) > 25 else ""),
                unknown=agency,
                known=sorted(names),
            ) from exc
        emit_rows([r.as_dict() for r in rows], TASK_COLUMNS, fmt, output)
    except CliError as exc:
        raise fail(exc, as_json) from exc


@app.command()
def targets(
    province: Annotated[str, typer.Option("--province", help="Only documents of this province.")] = "",
    indicator: Annotated[str, typer.Option("--indicator", help="Only indicators containing this text.")] = "",
    kind: Annotated[str, typer.Option("--kind", help="mục tiêu | kết quả")] = "",
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    index: IndexOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The targets tracker: planned (mục tiêu) and achieved (kết quả) figures."""
    from assistant.register import TARGET_COLUMNS, TaskRegister

    fmt = "json" if as_json else fmt
    try:
        _, idx = read_index(index)
        knowledge = Knowledge.load()
        if province.strip():
            indexed = {d.metadata.get("province", "") for d in idx.documents()}
            province = match_province(province, indexed, knowledge.places)
        if kind.strip():
            kind = match_choice("loại số liệu (--kind)", kind, {t.kind for t in idx.targets()})
        rows = TaskRegister(idx, knowledge.registry).targets(province, indicator, kind)
        emit_rows([r.as_dict() for r in rows], TARGET_COLUMNS, fmt, output)
    except CliError as exc:
        raise fail(exc, as_json) from exc


@app.command()
def serve(
    host: Annotated[
        Optional[str], typer.Option("--host", help="Address to bind (default: NTM_HOST or 127.0.0.1).")
    ] = None,
    port: Annotated[Optional[int], typer.Option("--port", help="Port (default: NTM_PORT or 7860).")] = None,
    index: IndexOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Start the web app (chat, task register, documents) over the index."""
    from assistant.ui.app import serve as serve_app

    settings = settings_for(index)
    try:
        service = service_for(settings)
    except CliError as exc:
        raise fail(exc, as_json) from exc
    from assistant.ui.limits import bind_warning

    warning = bind_warning(host or settings.host, settings)
    if warning:
        typer.echo(warning, err=True)
    if as_json:
        print_json(
            {
                "url": f"http://{host or settings.host}:{port or settings.port}/",
                "index": str(settings.index_dir),
                "warning": warning or None,
            }
        )
        sys.stdout.flush()
    serve_app(service, settings, host, port)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    app()
