"""Decide a file's format from its bytes, never from its name.

Uploads and crawls mislabel files: a failed download saves a portal's 404 page as `x.pdf`, a
scanner names a JPEG `.pdf`, someone renames a ZIP `.docx`. The name's extension is used for one
thing only: when it promises PDF or DOCX and the bytes are something else, we refuse with a reason
that says what the file really is, instead of handing the bytes to a loader that would fail
obscurely (or, worse, index a 404 page as a document).
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile

from core.contracts import RefusedFile

# Magic numbers of binary formats that are not documents we read. Checked before the text
# fallback so that an image is refused by name instead of being decoded into garbage.
_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
)
# Scans as images: OCR'd as documents (ingest/loaders/image.py) unless the name claims text.
_IMAGE_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"II*\x00", "TIFF image"),
    (b"MM\x00*", "TIFF image"),
)
_TEXT_SUFFIXES = (".txt", ".md", ".html", ".htm")
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc/.xls/.ppt

# Where to look for markers: PDF allows junk before the header (within the first KiB); HTML
# markers count only near the start so that a text file quoting "<body>" stays text.
_PDF_HEADER_WINDOW = 1024
_HTML_WINDOW = 2048

_HTML_START = re.compile(r"<!doctype\s+html|<html[\s>]", re.IGNORECASE)
_HTML_EARLY_TAG = re.compile(r"<(head|body)[\s>/]", re.IGNORECASE)
_XML_DECL = re.compile(r"<\?xml[^>]*\?>", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)

_DESCRIBE = {
    "pdf": "a PDF",
    "docx": "a Word DOCX document",
    "html": "an HTML page",
    "zip": "a ZIP archive",
    "odt": "an OpenDocument text (.odt)",
    "doc": "a Word 97-2003 document (.doc)",
    "ole2": "a legacy Office file (.xls/.ppt, OLE2) that is not a Word document",
}


def sniff_format(data: bytes, source: str) -> str:
    """Return "pdf" | "docx" | "odt" | "doc" | "html" | "image" | "txt" for `data`, or raise RefusedFile.

    Text that is not HTML is reported as "txt"; the txt loader does encoding detection and
    refuses binary content that has no magic number we know.
    """
    if not data:
        raise RefusedFile(source, "empty file")
    kind = _content_kind(data)
    _check_extension(kind, data, source)
    if kind == "zip":
        raise RefusedFile(source, f"not a valid DOCX ({_zip_problem(data)})")
    if kind == "ole2":
        raise RefusedFile(source, "legacy Office file (OLE2, not a Word document: .xls/.ppt?); save it as DOCX or PDF")
    if kind.startswith("binary:"):
        raise RefusedFile(source, f"binary content ({kind[7:]}), not text")
    if kind.startswith("image:"):
        if source.strip().lower().endswith(_TEXT_SUFFIXES):
            raise RefusedFile(source, f"binary content ({kind[6:]}), not text")
        return "image"
    return kind


def _content_kind(data: bytes) -> str:
    """What the bytes are: pdf, docx, zip (not a Word package), html, image:<what>, binary:<what>, or txt."""
    if b"%PDF-" in data[:_PDF_HEADER_WINDOW]:
        return "pdf"
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        if _is_odt(data):
            return "odt"
        return "docx" if _zip_problem(data) is None else "zip"
    if data.startswith(_OLE2_MAGIC):
        # a Word 97-2003 file is the OLE2 compound file with a "WordDocument" stream (its
        # directory entry names are UTF-16LE); .xls/.ppt have Workbook/PowerPoint streams instead
        return "doc" if "WordDocument".encode("utf-16-le") in data else "ole2"
    for magic, what in _IMAGE_MAGIC:
        if data.startswith(magic):
            return f"image:{what}"
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic):
            return f"binary:{what}"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "binary:WEBP image"
    if _looks_like_html(data):
        return "html"
    return "txt"


def _is_odt(data: bytes) -> bool:
    """An OpenDocument text: a ZIP whose `mimetype` member names it and that has content.xml."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" not in names or "content.xml" not in names:
                return False
            return archive.read("mimetype")[:100].strip() == b"application/vnd.oasis.opendocument.text"
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return False


def _zip_problem(data: bytes) -> str | None:
    """Why a ZIP is not a Word package, or None when it has the two parts python-docx needs."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        return f"damaged ZIP archive: {exc}"
    if "[Content_Types].xml" not in names:
        return "ZIP archive without [Content_Types].xml"
    if "word/document.xml" not in names:
        return "ZIP archive without word/document.xml; not a Word document"
    return None


def _looks_like_html(data: bytes) -> bool:
    """True when the start of the file is an HTML document (UTF-8/legacy or UTF-16 with BOM)."""
    head = _decode_head(data[:_HTML_WINDOW])
    head = _XML_DECL.sub("", head.lstrip("\ufeff \t\r\n\f"), count=1)
    head = _COMMENT.sub("", head).lstrip()
    if _HTML_START.match(head):
        return True
    return head.startswith("<") and _HTML_EARLY_TAG.search(head) is not None


def _decode_head(head: bytes) -> str:
    """Decode the first bytes well enough to look for tags (BOM decides UTF-16/32)."""
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if head.startswith(bom):
            return head[len(bom) :].decode(codec, errors="ignore")
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8) :]
    return head.decode("latin-1")  # tags are ASCII; any 8-bit encoding keeps them intact


def _check_extension(kind: str, data: bytes, source: str) -> None:
    """Refuse a file whose name promises PDF/DOCX while the bytes are something else."""
    name = source.strip().lower()
    if name.endswith(".pdf") and kind != "pdf":
        raise RefusedFile(source, f"not a PDF ({_what_instead(kind, 'no %PDF header')})")
    if name.endswith(".odt") and kind != "odt":
        raise RefusedFile(source, f"not a valid ODT ({_what_instead(kind, 'not an OpenDocument text package')})")
    if name.endswith(".doc") and kind != "doc":
        raise RefusedFile(source, f"not a Word 97-2003 .doc ({_what_instead(kind, 'no OLE2 WordDocument stream')})")
    if name.endswith(".docx") and kind != "docx":
        if kind == "zip":
            detail = _zip_problem(data) or "not a Word document"
        else:
            detail = _what_instead(kind, "not a ZIP package")
        raise RefusedFile(source, f"not a valid DOCX ({detail})")


def _what_instead(kind: str, default: str) -> str:
    if kind.startswith(("binary:", "image:")):
        return f"the content is a {kind.split(':', 1)[1]}"
    if kind in _DESCRIBE:
        return f"the content is {_DESCRIBE[kind]}"
    return default
