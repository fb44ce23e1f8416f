"""report.md and report.html from one description of the report.

A report is a list of blocks (`eval/report_blocks.py`: headings, paragraphs, tables, images, quotes,
lists) that `to_markdown` and `to_html` render alike. Two reports are built from them:
`single_report` (one configuration, `eval/single_report.py`) and `suite_report` (every configuration
of a multi-config run side by side, `eval/suite_report.py`); what both show is in
`eval/report_values.py`. This module is the one place callers import them from.
"""

from __future__ import annotations

from eval.report_blocks import (
    TITLE,
    Block,
    Heading,
    Image,
    Item,
    Items,
    Links,
    Para,
    Quote,
    Table,
    to_html,
    to_markdown,
)
from eval.report_values import (
    HIT_KS,
    REPORT_ANSWER_CHARS,
    REPORT_RETRIEVED,
    STYLE_ORDER,
    SUITE_ANSWER_CHARS,
    TYPE_ORDER,
    Row,
    fmt,
    hit_curve,
    latencies,
    ordered,
    short,
)
from eval.single_report import single_report
from eval.suite_report import suite_report, summary_table

__all__ = [
    "HIT_KS",
    "REPORT_ANSWER_CHARS",
    "REPORT_RETRIEVED",
    "STYLE_ORDER",
    "SUITE_ANSWER_CHARS",
    "TITLE",
    "TYPE_ORDER",
    "Block",
    "Heading",
    "Image",
    "Item",
    "Items",
    "Links",
    "Para",
    "Quote",
    "Row",
    "Table",
    "fmt",
    "hit_curve",
    "latencies",
    "ordered",
    "short",
    "single_report",
    "suite_report",
    "summary_table",
    "to_html",
    "to_markdown",
]
