"""Build ingest/data/ocr_punctuation.json: symbols Tesseract's model can emit for an ASCII sign.

OCR sees shapes, not code points: the 'vie' model reads the slash of "05/3" as U+2044 FRACTION
SLASH, which breaks dates and document numbers. The map is derived, not hand-picked: every
character of the model's own alphabet (its LSTM unicharset) that is a symbol (Unicode category S*)
and that Unicode's confusables list (TR39, as shipped by the MIT-licensed `confusable-homoglyphs`
package, 3.3.1) gives as a look-alike of an ASCII punctuation sign. Quotation marks (category P*)
are kept as they are: they are real typography in Vietnamese text.

    pip install confusable-homoglyphs   # build time only, not a dependency of the product
    python scripts/build_ocr_punctuation.py [--traineddata /usr/share/tesseract-ocr/5/tessdata/vie.traineddata]
"""

from __future__ import annotations

import argparse
import json
import string
import subprocess
import tempfile
import unicodedata
from importlib import resources
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "ingest" / "data" / "ocr_punctuation.json"


def alphabet(traineddata: Path) -> set[str]:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["combine_tessdata", "-u", str(traineddata), f"{tmp}/m."], check=True, capture_output=True)
        lines = Path(tmp, "m.lstm-unicharset").read_text("utf-8").splitlines()[1:]
    return {line.split(" ")[0] for line in lines if line}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traineddata", type=Path, default=Path("/usr/share/tesseract-ocr/5/tessdata/vie.traineddata"))
    args = parser.parse_args()
    chars = alphabet(args.traineddata)
    confusables = json.loads(resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8"))
    mapping = {
        entry["c"]: sign
        for sign in string.punctuation
        for entry in confusables.get(sign, [])
        if entry["c"] in chars and not entry["c"].isascii() and unicodedata.category(entry["c"]).startswith("S")
    }
    OUT.write_text(
        json.dumps(
            {
                "_comment": "Made by scripts/build_ocr_punctuation.py: symbols of Tesseract's vie alphabet that "
                "Unicode "
                "confusables (TR39) list as look-alikes of an ASCII sign; OCR text reads them as that sign.",
                "map": dict(sorted(mapping.items())),
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        "utf-8",
    )
    print(f"{OUT}: {mapping}")


if __name__ == "__main__":
    main()
