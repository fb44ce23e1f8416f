"""What every `ntm` command shares: the index and JSON options, opening the configured index (a
read command never creates one, and reads a temporary copy of a read-only or full-disk index),
the service, and JSON output."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from assistant.cli_support import CliError, require_documents, require_index

IndexOpt = Annotated[
    Optional[Path], typer.Option("--index", help="Index folder (default: NTM_INDEX_DIR or .ntm/index).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]


def settings_for(index: Path | None):  # type: ignore[no-untyped-def]
    from assistant.settings import Settings

    return Settings(index_dir=index) if index else Settings()


def open_index(index: Path | None):  # type: ignore[no-untyped-def]
    from vectorstore.index import Index

    settings = settings_for(index)
    return settings, Index.open(settings)


def read_index(index: Path | None):  # type: ignore[no-untyped-def]
    """(settings, Index) for a read command: CliError when the index is missing or empty (never creates one)."""
    from assistant.cli_support import open_error

    settings = settings_for(index)
    require_index(settings.index_dir, settings.chroma_url)
    try:
        settings, idx = open_index(index)
    except Exception as exc:  # noqa: BLE001 - Chroma/SQLite errors on open: say where and why
        if type(exc).__name__ == "EmbeddingModelMismatch":
            raise CliError(str(exc), 1) from exc
        error = open_error(exc, settings.index_dir)
        if error.details.get("problem") not in ("read-only", "disk full") or settings.chroma_url:
            raise error from exc
        settings, idx = _read_only_copy(settings, error.details["problem"])
    require_documents(idx)
    return settings, idx


def _read_only_copy(settings, problem: str):  # type: ignore[no-untyped-def]
    """A read-only index folder (or one on a full disk) still answers: the embedded Chroma store
    must write when it opens, so read commands open a temporary copy (removed at exit) and say so."""
    import atexit
    import shutil
    import tempfile

    copy = Path(tempfile.mkdtemp(prefix="ntm-readonly-")) / "index"
    shutil.copytree(settings.index_dir, copy, ignore=shutil.ignore_patterns(".write.lock"))
    atexit.register(shutil.rmtree, copy.parent, True)
    why = "chỉ đọc" if problem == "read-only" else "nằm trên đĩa đầy"
    typer.echo(f"lưu ý: chỉ mục tại {settings.index_dir.resolve()} {why}; đang đọc từ một bản sao tạm.", err=True)
    return open_index(copy)


def service_for(settings, idx=None, knowledge=None):  # type: ignore[no-untyped-def]
    """The ChatService (over `knowledge` when the command read it already); a missing optional
    extra (NTM_LLM without its client) is a one-line CliError."""
    from assistant.llm import MissingExtra
    from assistant.service import build_service

    try:
        return build_service(settings, idx, knowledge)
    except MissingExtra as exc:
        raise CliError(str(exc), 1, missing_extra=exc.extra) from exc


def print_json(payload: object) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
