"""What the `ntm` commands check before they do anything, and how they report a user error.

Read commands never create an index: a missing or empty one is an error that says where it was
looked for and how to fill it. A filter value the index does not hold (province, kind, agency) is
an error that lists the values it does hold, so a typo is not mistaken for "no results".
"""

from __future__ import annotations

import errno
import json
import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import typer

from core.places import Gazetteer
from core.vntext import fold

EXIT_INTERNAL = 1  # internal error, missing index or missing optional extra
EXIT_USAGE = 2  # bad input: empty question, unknown filter value, unknown format


class CliError(Exception):
    """A one-line error for the user; `details` go into the --json error document."""

    def __init__(self, message: str, code: int = EXIT_USAGE, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details


def fail(error: CliError, as_json: bool) -> typer.Exit:
    """Print the error (stderr; with --json also `{"error": ...}` on stdout); the caller raises the result."""
    typer.echo(f"lỗi: {error.message}", err=True)
    if as_json:
        sys.stdout.write(json.dumps({"error": error.message, **error.details}, ensure_ascii=False, indent=2) + "\n")
    return typer.Exit(error.code)


def ingest_hint(index_dir: Path) -> str:
    return f'nạp tài liệu trước: ntm ingest THƯ_MỤC --index "{index_dir}" (hoặc đặt NTM_INDEX_DIR)'


def require_index(index_dir: Path, chroma_url: str | None) -> None:
    """CliError unless `index_dir` holds an index (checked before opening, which would create one)."""
    where = index_dir.resolve()
    if not (index_dir / "records.sqlite").is_file() or (not chroma_url and not (index_dir / "chroma").is_dir()):
        raise CliError(f"không tìm thấy chỉ mục tại {where}; {ingest_hint(index_dir)}", EXIT_INTERNAL, index=str(where))


def require_documents(index: Any) -> None:
    if not index.documents():
        where = index.index_dir.resolve()
        raise CliError(
            f"chỉ mục tại {where} chưa có tài liệu nào; {ingest_hint(index.index_dir)}", EXIT_INTERNAL, index=str(where)
        )


def _listing(values: list[str], limit: int = 25) -> str:
    shown = ", ".join(values[:limit])
    return shown + (f" … và {len(values) - limit} giá trị khác (xem --json)" if len(values) > limit else "")


def unknown(what: str, value: str, known: Iterable[str]) -> CliError:
    values = sorted(set(known))
    listing = _listing(values) if values else "(chỉ mục không có giá trị nào)"
    return CliError(f"không có {what} {value!r} trong chỉ mục; có: {listing}", EXIT_USAGE, unknown=value, known=values)


def match_province(value: str, indexed: Iterable[str], places: Gazetteer, across_merger: bool = False) -> str:
    """The indexed province meant by `value` (any spelling or abbreviation the gazetteer knows);
    with `across_merger`, a province whose 2025 merger partner is indexed also counts (retrieval
    reaches those documents). CliError listing the indexed provinces otherwise."""
    value = value.strip()
    indexed = sorted(set(indexed) - {""})
    gazetteer = places
    canonical = gazetteer.resolve(value) or value
    by_fold = {fold(p): p for p in indexed}
    if fold(canonical) in by_fold:
        return by_fold[fold(canonical)]
    if across_merger and gazetteer.resolve(value) and gazetteer.reach([canonical]) & set(indexed):
        return canonical
    raise unknown("tỉnh", value, indexed)


def match_choice(what: str, value: str, known: Iterable[str]) -> str:
    """`value` among `known`, compared without case or diacritics; CliError listing them otherwise."""
    values = sorted(set(known) - {""})
    for v in values:
        if fold(v) == fold(value.strip()):
            return v
    raise unknown(what, value, values)


def non_empty_question(question: str) -> str:
    if not question.strip():
        raise CliError('câu hỏi trống: hãy nhập một câu hỏi, ví dụ ntm ask "Sở Tài chính phải làm gì?"')
    return question.strip()


def _write_problem(exc: BaseException) -> str:
    """'đĩa đầy' / 'chỉ đọc' / '' for an error raised while writing an index (OS, SQLite or Chroma)."""
    for e in (exc, exc.__cause__, exc.__context__):
        if isinstance(e, OSError) and e.errno == errno.ENOSPC:
            return "full"
        if isinstance(e, OSError) and e.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return "readonly"
    text = str(exc).lower()
    if "disk is full" in text or "no space left" in text:
        return "full"
    if "readonly database" in text or "read-only file system" in text or "unable to open database file" in text:
        return "readonly"
    return ""


def write_error(exc: BaseException, index_dir: Path) -> CliError:
    """A clear error for a failed write: what happened, what the index still holds, what to do."""
    where = index_dir.resolve()
    problem = _write_problem(exc)
    if problem == "full":
        return CliError(
            f"đĩa đầy: không còn chỗ để ghi vào chỉ mục tại {where} ({exc}). Các tệp đã nạp xong vẫn ở "
            "trong chỉ mục, tệp đang nạp dở không được ghi; giải phóng dung lượng rồi chạy lại lệnh "
            "(chỉ các tệp còn thiếu được nạp).",
            EXIT_INTERNAL,
            index=str(where),
            problem="disk full",
        )
    if problem == "readonly":
        return CliError(
            f"không ghi được vào chỉ mục tại {where} (thư mục chỉ đọc hoặc không có quyền ghi: {exc}); "
            "chỉ mục không thay đổi. Hãy dùng --index với một thư mục ghi được.",
            EXIT_INTERNAL,
            index=str(where),
            problem="read-only",
        )
    return CliError(f"lỗi khi ghi chỉ mục tại {where}: {type(exc).__name__}: {exc}", EXIT_INTERNAL, index=str(where))


def open_error(exc: BaseException, index_dir: Path) -> CliError:
    """A clear error when an existing index cannot be opened (Chroma and SQLite write on open)."""
    where = index_dir.resolve()
    problem = _write_problem(exc)
    if problem:
        why = "đĩa đầy" if problem == "full" else "thư mục chỉ đọc hoặc không có quyền ghi"
        return CliError(
            f"không mở được chỉ mục tại {where}: {why} ({exc}). Kho Chroma nhúng cần ghi được vào thư mục "
            "chỉ mục ngay cả khi chỉ đọc: giải phóng dung lượng / cấp quyền ghi, hoặc sao chép chỉ mục "
            "sang thư mục ghi được và dùng --index.",
            EXIT_INTERNAL,
            index=str(where),
            problem="disk full" if problem == "full" else "read-only",
        )
    return CliError(f"không mở được chỉ mục tại {where}: {type(exc).__name__}: {exc}", EXIT_INTERNAL, index=str(where))


def require_writable(index_dir: Path) -> None:
    """CliError before anything is opened when the index folder cannot be written."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-probe-", dir=index_dir)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise write_error(exc, index_dir) from exc


def writer_busy(index_dir: Path) -> bool:
    """Another process holds the index's write lock (an ingest in progress)."""
    from vectorstore.index import write_lock_held

    return write_lock_held(index_dir)
