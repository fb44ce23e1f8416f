"""Word 97-2003 (.doc) loader, through a Debian tool run as a subprocess.

- antiword (package antiword, what `make test` installs): its DocBook output (`-x db`) keeps
  headings (chapter / sect1 titles), list items and table rows as elements, and Unicode text; the
  page header and footer are not in it. On the kit (tests/data/word) it gives token match 1.0 on
  all three files with every table row, in 0.1 s a file.
- LibreOffice (`soffice --headless --convert-to docx`, package libreoffice-writer-nogui) only when
  antiword is missing: the DOCX loader then reads the conversion; 8-12 s a file, and on the kit's
  c08 its DOCX lost the appendix table (token match 0.94). catdoc, measured too, keeps tables as
  tab-separated rows but appends the
  headers and footers ("UBND TỈNH …", "Trang PAGE 5") after the body and has no headings, so it
  is not used (README ".doc and .odt" has the figures).

A file is written to a private temporary folder under a fixed name (never the upload's name).
No tool installed → a refusal naming the package to install, never a crash.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from core.contracts import Block, BlockKind, LoadedFile, RefusedFile

TIMEOUT_S = 180
_WS = re.compile(r"\s+")
_SECTION_LEVEL = {"chapter": 2, "sect1": 3, "sect2": 4, "sect3": 5, "sect4": 6, "sect5": 7}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, recover=False)


def doc_tools() -> list[str]:
    """The .doc readers installed, best first."""
    return [tool for tool in ("antiword", "soffice") if shutil.which(tool)]


def load_doc(data: bytes, source: str, tool: str | None = None) -> LoadedFile:
    """Extract blocks from a Word 97-2003 file with `tool` (default: the best installed)."""
    tools = [tool] if tool else doc_tools()
    if not tools or shutil.which(tools[0]) is None:
        raise RefusedFile(
            source,
            "Word 97-2003 .doc needs antiword (apt-get install antiword) or LibreOffice "
            "(apt-get install libreoffice-writer-nogui); neither is installed",
        )
    with tempfile.TemporaryDirectory(prefix="ntm-doc-") as tmp:
        path = Path(tmp) / "input.doc"
        path.write_bytes(data)
        if tools[0] == "soffice":
            return _via_libreoffice(path, source)
        return _via_antiword(path, source)


def _via_libreoffice(path: Path, source: str) -> LoadedFile:
    from ingest.loaders.docx import load_docx

    profile = path.parent / "profile"
    result = _run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "docx",
            "--outdir",
            str(path.parent),
            str(path),
        ],
        source,
        "LibreOffice",
    )
    converted = path.with_suffix(".docx")
    if not converted.is_file():
        raise RefusedFile(source, f"LibreOffice could not read this .doc ({_first_line(result.stderr) or 'no output'})")
    loaded = load_docx(converted.read_bytes(), source)
    return LoadedFile(source=source, format="doc", blocks=loaded.blocks, hints=loaded.hints)


def _via_antiword(path: Path, source: str) -> LoadedFile:
    result = _run(["antiword", "-x", "db", str(path)], source, "antiword")
    if result.returncode != 0 or not result.stdout.strip():
        reason = _first_line(result.stderr) or f"exit code {result.returncode}"
        raise RefusedFile(source, f"not a readable Word 97-2003 .doc (antiword: {reason})")
    try:
        root = etree.fromstring(result.stdout, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise RefusedFile(source, f"not a readable Word 97-2003 .doc (antiword output: {exc})") from exc
    blocks = [b for b in _docbook_blocks(root) if b.text]
    if not blocks:
        raise RefusedFile(source, "no extractable text")
    return LoadedFile(source=source, format="doc", blocks=blocks)


def _run(command: list[str], source: str, name: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(command, capture_output=True, timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise RefusedFile(source, f"{name} took longer than {TIMEOUT_S} s on this .doc") from exc
    except OSError as exc:
        raise RefusedFile(source, f"cannot run {name} ({exc.strerror})") from exc


def _docbook_blocks(element: etree._Element, in_list: bool = False) -> Iterator[Block]:
    """Blocks from antiword's DocBook: section titles, paragraphs, list items, table rows.
    The book's own title and bookinfo come from the file's properties (decoded as Latin-1 by
    antiword, so mis-decoded for Vietnamese) and are skipped."""
    for child in element.iterchildren():
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in ("bookinfo", ""):
            continue
        if tag == "title":
            level = _SECTION_LEVEL.get(element.tag)
            if level is not None:
                yield Block(_text(child), BlockKind.HEADING, level)
        elif tag == "para" and child.find(".//informaltable") is None and child.find(".//table") is None:
            yield Block(_text(child), BlockKind.LIST_ITEM if in_list else BlockKind.PARAGRAPH)
        elif tag == "row":
            cells = [_text(entry) for entry in child.iterchildren("entry")]
            if any(cells):
                yield Block("\t".join(cells).rstrip("\t"), BlockKind.TABLE_ROW)
        elif tag in ("itemizedlist", "orderedlist", "listitem"):
            yield from _docbook_blocks(child, in_list=True)
        else:
            yield from _docbook_blocks(child, in_list)


def _text(element: etree._Element) -> str:
    text = unicodedata.normalize("NFC", "".join(element.itertext())).replace("\u00ad", "")
    return _WS.sub(" ", text).strip()


def _first_line(stderr: bytes) -> str:
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    return lines[0][:200] if lines else ""
