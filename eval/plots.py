"""The report's plots as PNG files (matplotlib, Agg backend: no display needed).

`write_plots(folder, rows)` draws, for one or several configurations:
- accuracy_by_type.png   grouped bars: accuracy per question type, one bar per configuration
- accuracy_by_style.png  the same per question style
- hit_at_k.png           hit@k for k = 1..10, one line per configuration
- latency.png            histogram of per-question latency (log-spaced bins), one outline per configuration
and returns {plot name: path relative to the report}. Without matplotlib it returns {} and says so
on stderr: the plots are a reading aid, never a metric, so a missing plotting library must not fail
an evaluation (install it: pip install matplotlib).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.report import (
    HIT_KS,
    STYLE_ORDER,
    TYPE_ORDER,
    Row,
    hit_curve,
    latencies,
    ordered,
)

PLOTS_DIR = "plots"


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"svg.hashsalt": "ntm", "figure.dpi": 100, "font.size": 9})
    return plt


def write_plots(report_dir: Path, rows: Sequence[Row]) -> dict[str, str]:
    try:
        plt = _pyplot()
    except ImportError:
        print("warning: matplotlib is not installed: no plots (pip install matplotlib)", file=sys.stderr)
        return {}
    folder = Path(report_dir) / PLOTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, draw in (
        ("accuracy_by_type", _by_group("by_type", TYPE_ORDER, "question type")),
        ("accuracy_by_style", _by_group("by_style", STYLE_ORDER, "question style")),
        ("hit_at_k", _hit_at_k),
        ("latency", _latency),
    ):
        fig = draw(plt, rows)
        path = folder / f"{name}.png"
        fig.savefig(path, format="png", bbox_inches="tight", metadata={"Software": None})
        plt.close(fig)
        out[name] = f"{PLOTS_DIR}/{name}.png"
    return out


def _by_group(key: str, order: Sequence[str], label: str):  # type: ignore[no-untyped-def]
    def draw(plt: Any, rows: Sequence[Row]) -> Any:
        groups = ordered({g for row in rows for g in row.metrics.get(key, {})}, order)
        fig, ax = plt.subplots(figsize=(max(6.0, 1.2 * len(groups) + 2), 3.8))
        width = 0.8 / max(len(rows), 1)
        for i, row in enumerate(rows):
            values = [row.metrics.get(key, {}).get(g, {}).get("accuracy") for g in groups]
            xs = [j + (i - (len(rows) - 1) / 2) * width for j in range(len(groups))]
            ax.bar(
                xs,
                [v if v is not None else 0.0 for v in values],
                width,
                label=row.name,
                hatch="//" if row.baseline else None,
                alpha=0.85,
            )
        ax.set_xticks(range(len(groups)))
        n = {g: next(r.metrics[key][g]["n"] for r in rows if g in r.metrics.get(key, {})) for g in groups}
        ax.set_xticklabels([f"{g}\n(n={n[g]})" for g in groups])
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("accuracy")
        ax.set_title(f"Accuracy by {label}")
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        return fig

    return draw


def _hit_at_k(plt: Any, rows: Sequence[Row]) -> Any:
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for row in rows:
        curve = hit_curve(row.records)
        ax.plot(
            list(HIT_KS),
            [curve[k] if curve[k] is not None else math.nan for k in HIT_KS],
            marker="o",
            linestyle="--" if row.baseline else "-",
            label=row.name,
        )
    ax.set_xticks(list(HIT_KS))
    ax.set_xlabel("k (retrieved chunks)")
    ax.set_ylabel("hit@k")
    ax.set_ylim(0, 1.05)
    ax.set_title("Gold document among the top k retrieved chunks")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def _latency(plt: Any, rows: Sequence[Row]) -> Any:
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    values = [v for row in rows for v in latencies(row.records) if v > 0]
    low, high = (min(values), max(values)) if values else (1.0, 10.0)
    low, high = max(low * 0.9, 0.1), max(high * 1.1, low * 2)
    bins = [low * (high / low) ** (i / 30) for i in range(31)]
    for row in rows:
        ax.hist(
            [max(v, low) for v in latencies(row.records)],
            bins=bins,
            histtype="step",
            linewidth=1.5,
            linestyle="--" if row.baseline else "-",
            label=row.name,
        )
    from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("latency per question (ms, log scale)")
    ax.set_ylabel("questions")
    ax.set_title("Latency")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig
