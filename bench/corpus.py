"""A deterministic synthetic corpus of NTM-style provincial notices, for speed benchmarks.

Why synthetic: a benchmark at 2k–100k chunks needs a corpus of that size that anyone can rebuild
bit for bit, and the shared kit has a few dozen real documents. The notices follow the register of
the real ones (administrative header, số hiệu, date, lead-in, results with figures, targets,
agency sections with tasks and deadlines) so extraction, chunking and the task register do real
work. The vocabulary is in `bench/data/synthetic_notices.json`; provinces (the 63 before the 2025
merger) and their districts come from the gazetteer data `core/data/places.json`.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
VOCABULARY = Path(__file__).with_name("data") / "synthetic_notices.json"
PLACES = ROOT / "core" / "data" / "places.json"
CHUNK_TARGET_CHARS = 850  # an agency section or a results paragraph grows to about this size


@dataclass(frozen=True)
class Province:
    name: str
    level: str  # "tỉnh" or "thành phố"
    districts: tuple[str, ...]


@dataclass
class Vocabulary:
    """Everything the generator draws from (read once from the data files, passed in)."""

    data: dict[str, Any]
    provinces: list[Province]

    @classmethod
    def load(cls, vocabulary: Path = VOCABULARY, places: Path = PLACES) -> "Vocabulary":
        data = json.loads(vocabulary.read_text(encoding="utf-8"))
        gazetteer = json.loads(places.read_text(encoding="utf-8"))
        by_province: dict[str, list[str]] = {}
        for district, provinces in sorted(gazetteer["districts"].items()):
            for p in provinces:
                by_province.setdefault(p, []).append(district)
        provinces = [
            Province(p["name"], p["level"], tuple(by_province.get(p["name"], ())) or (p["name"],))
            for p in gazetteer["provinces"]
            if p.get("before")
        ]
        return cls(data, provinces)


@dataclass
class Notice:
    """One generated document and the facts questions can be asked about."""

    file_name: str
    text: str
    province: str
    year: int
    facts: list[dict[str, str]] = field(default_factory=list)
    sections: int = 0  # paragraphs sized like one chunk (a rough chunk count)


def _person(rng: random.Random, v: dict[str, Any]) -> str:
    return f"{rng.choice(v['surnames'])} {rng.choice(v['middle_names'])} {rng.choice(v['given_names'])}"


def _value(rng: random.Random, indicator: dict[str, Any]) -> str:
    x = rng.uniform(indicator["low"], indicator["high"])
    return f"{x:.{indicator['decimals']}f}".replace(".", ",")


def _date(rng: random.Random, year: int) -> str:
    return f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{year}"


def _slug(text: str) -> str:
    from core.vntext import fold

    return "-".join(fold(text).lower().replace("đ", "d").split())


def _grow(rng: random.Random, make: Any, target: int = CHUNK_TARGET_CHARS) -> list[str]:
    """Sentences from `make()` until their total length reaches about one chunk."""
    out: list[str] = []
    while sum(len(s) + 1 for s in out) < target:
        out.append(make())
    return out


def make_notice(rng: random.Random, vocab: Vocabulary, n: int, agencies_per_notice: int) -> Notice:
    """One notice: header, lead-in, two results paragraphs, targets, agency sections, closing."""
    v = vocab.data
    province = rng.choice(vocab.provinces)
    year = rng.randint(v["years"][0], v["years"][1])
    kind = rng.choice(v["kinds"])
    meeting = rng.choice(v["meetings"])
    presider, presider_title = _person(rng, v), rng.choice(v["presider_titles"])
    district = lambda: rng.choice(province.districts)  # noqa: E731 - a draw, not a constant
    fill = {
        "province": province.name,
        "year": str(year),
        "prev_year": str(year - 1),
        "next_year": str(year + 1),
        "meeting": meeting,
        "presider": presider,
        "presider_title": presider_title,
        "meeting_date": _date(rng, year),
    }
    number = f"{rng.randint(1, 399)}/{kind['code']}"
    day, month = rng.randint(1, 28), rng.randint(1, 12)
    unit = province.level.upper()
    lines = [
        "ỦY BAN NHÂN DÂN                         CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        f"{unit} {province.name.upper()}                      Độc lập - Tự do - Hạnh phúc",
        f"Số: {number}                         {province.name}, ngày {day:02d} tháng {month:02d} năm {year}",
        "",
        kind["kind"],
        kind["title"].format(**fill),
        "",
        kind["lead"].format(**fill),
        "",
        kind["assess_heading"].format(**fill),
        "",
    ]
    facts = [{"type": "meeting", "meeting": meeting, "province": province.name, "year": str(year)}]
    sections = 1
    for _ in range(2):

        def result() -> str:
            ind = rng.choice(v["indicators"])
            facts.append({"type": "indicator", "indicator": ind["name"], "province": province.name, "year": str(year)})
            return rng.choice(v["result_templates"]).format(
                **fill,
                indicator=ind["name"],
                value=_value(rng, ind),
                unit=ind["unit"],
                district=district(),
                trend=rng.choice(v["trends"]),
                as_of=_date(rng, year),
            )

        lines += [" ".join(_grow(rng, result)), ""]
        sections += 1
    targets = []
    for ind in rng.sample(v["indicators"], 3):
        targets.append(
            rng.choice(v["target_templates"]).format(
                **fill, indicator=ind["name"], value=_value(rng, ind), unit=ind["unit"], district=district()
            )
        )
        facts.append({"type": "target", "indicator": ind["name"], "province": province.name, "year": str(year)})
    lines += [" ".join(targets), "", kind["task_heading"], ""]
    sections += 1
    for i, agency in enumerate(rng.sample(v["agencies"], agencies_per_notice), start=1):
        others = [a for a in v["agencies"] if a != agency]
        lines.append(f"{i}. {agency}:")

        def task(others: list[str] = others) -> str:
            topic = rng.choice(v["topics"])
            d = district()
            facts.append(
                {"type": "district", "district": d, "topic": topic, "province": province.name, "year": str(year)}
            )
            return "- " + rng.choice(v["task_templates"]).format(
                **fill, other=rng.choice(others), topic=topic, district=d, deadline=_date(rng, year)
            )

        lines += _grow(rng, task) + [""]
        facts.append({"type": "agency", "agency": agency, "province": province.name, "year": str(year)})
        sections += 1
    lines += [v["closing"], "", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "", presider, ""]
    name = f"{n:06d}_{_slug(province.name)}_{kind['code'].split('-')[0].lower()}_{year}.txt"
    return Notice(name, "\n".join(lines), province.name, year, facts, sections)


def generate(
    chunks: int, seed: int = 12, vocab: Vocabulary | None = None, agencies_per_notice: int = 6
) -> list[Notice]:
    """Notices until their chunk-sized sections add up to `chunks` (the real count is what the
    chunker makes of them; the benchmark reports that)."""
    vocab = vocab or Vocabulary.load()
    rng = random.Random(seed)
    out: list[Notice] = []
    total = 0
    while total < chunks:
        notice = make_notice(rng, vocab, len(out), agencies_per_notice)
        out.append(notice)
        total += notice.sections
    return out


def write_corpus(notices: list[Notice], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for notice in notices:
        (folder / notice.file_name).write_text(notice.text, encoding="utf-8")
    return folder


def questions(notices: list[Notice], count: int, seed: int = 12, vocab: Vocabulary | None = None) -> list[str]:
    """`count` distinct questions about facts of the corpus, in the templates' phrasings."""
    vocab = vocab or Vocabulary.load()
    templates = {
        "agency": vocab.data["questions"][0],
        "indicator": vocab.data["questions"][1],
        "meeting": vocab.data["questions"][2],
        "target": vocab.data["questions"][3],
        "district": vocab.data["questions"][4],
    }
    rng = random.Random(seed + 1)
    facts = [f for notice in notices for f in notice.facts]
    out: list[str] = []
    seen: set[str] = set()
    for _ in range(count * 20):
        if len(out) >= count or not facts:
            break
        fact = rng.choice(facts)
        q = templates[fact["type"]].format(**fact)
        q = q[0].upper() + q[1:]
        if q not in seen:
            seen.add(q)
            out.append(q)
    return out
