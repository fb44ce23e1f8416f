"""Make the Word 97-2003 (.doc) and OpenDocument (.odt) kit in tests/data/word/ from the shared documents.

Each kit document is a DOCX first, then LibreOffice headless saves it as .doc and .odt (the way a
provincial office's Word or LibreOffice writes them):
- `003_lai-chau_ket-luan` — the shared formats kit's python-docx DOCX of seed 003 (title, headings,
  bullets, one 5×2 table); expected text: the formats kit's.
- `002_ha-tinh_header-footer` — the formats kit's DOCX of seed 002 with a page header and footer
  that must stay out of the text; expected text: the formats kit's.
- `c08_kon-tum_quyet-dinh` — dev document c08 (a quyết định with a 5-column appendix table written
  as "a | b | c" lines) built here as a DOCX with a real table; expected: its lines, table rows as
  tab-separated cells.

LibreOffice is needed only to regenerate the kit (`apt-get install libreoffice-writer-nogui`), never
to run the tests. Run: .venv/bin/python scripts/make_word_kit.py ../shared
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

from docx import Document

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "word"
FROM_FORMATS = {
    "003_lai-chau_ket-luan": "003_lai-chau_ket-luan_python-docx",
    "002_ha-tinh_header-footer": "002_ha-tinh_header-footer",
}
DEV_TABLE_DOC = ("c08_kon-tum_quyet-dinh", "c08_kon-tum_quyet-dinh_2024.txt")


def docx_from_lines(lines: list[str], target: Path) -> str:
    """A DOCX with one paragraph per line and each run of "a | b" lines as a table; returns the
    expected text (blank line between blocks, table rows as tab-separated cells)."""
    doc = Document()
    expected: list[str] = []
    i = 0
    while i < len(lines):
        if " | " not in lines[i]:
            if lines[i].strip():
                doc.add_paragraph(lines[i].strip())
                expected.append(lines[i].strip())
            i += 1
            continue
        rows = []
        while i < len(lines) and " | " in lines[i]:
            rows.append([c.strip() for c in lines[i].split("|")])
            i += 1
        width = max(len(r) for r in rows)
        table = doc.add_table(rows=len(rows), cols=width)
        table.style = "Table Grid"
        for r, cells in enumerate(rows):
            cells = cells + [""] * (width - len(cells))
            for c, text in enumerate(cells):
                table.cell(r, c).text = text
            expected.append("\t".join(cells).rstrip("\t"))
    doc.core_properties.language = "vi-VN"
    doc.save(str(target))
    return "\n\n".join(expected) + "\n"


def convert(docx: Path, fmt: str, outdir: Path) -> Path:
    """LibreOffice headless: DOCX → .doc ("doc:MS Word 97") or .odt."""
    target = {"doc": "doc:MS Word 97", "odt": "odt"}[fmt]
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                target,
                "--outdir",
                str(outdir),
                str(docx),
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return outdir / f"{docx.stem}.{fmt}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("shared", type=Path, help="the shared folder (holds corpus/)")
    args = parser.parse_args()
    if shutil.which("soffice") is None:
        raise SystemExit("LibreOffice is needed to make the kit: apt-get install -y libreoffice-writer-nogui")
    formats = args.shared / "corpus" / "formats"
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sources: dict[str, Path] = {}
        for name, stem in FROM_FORMATS.items():
            sources[name] = work / f"{name}.docx"
            shutil.copyfile(formats / f"{stem}.docx", sources[name])
            shutil.copyfile(formats / "_expected" / f"{stem}.txt", OUT / f"{name}.txt")
        name, dev_file = DEV_TABLE_DOC
        lines = (args.shared / "corpus" / "dev" / dev_file).read_text(encoding="utf-8").splitlines()
        sources[name] = work / f"{name}.docx"
        (OUT / f"{name}.txt").write_text(docx_from_lines(lines, sources[name]), encoding="utf-8")
        for _, docx in sorted(sources.items()):
            for fmt in ("doc", "odt"):
                made = convert(docx, fmt, work)
                shutil.copyfile(made, OUT / made.name)
                print(f"{OUT / made.name}: {made.stat().st_size} bytes")


if __name__ == "__main__":
    main()
