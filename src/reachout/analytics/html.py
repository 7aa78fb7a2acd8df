"""A self-contained HTML report: tables and inline SVG bar charts, no scripts, no downloads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape

PALETTE = ("#2f6fdf", "#e07b39", "#3aa876", "#c2417a", "#7a5cc7", "#8c8c8c")


@dataclass
class Chart:
    title: str
    series: Mapping[str, Mapping[str, float | None]]  # series name -> label -> value
    percent: bool = True


@dataclass
class Table:
    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[object]]


@dataclass
class Section:
    heading: str
    text: str = ""
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


def _fmt(value: float | None, percent: bool) -> str:
    if value is None:
        return "n/a"
    return f"{value * 100:.1f}%" if percent else f"{value:,.0f}"


def bar_chart(chart: Chart, width: int = 640, bar_height: int = 16) -> str:
    """Grouped horizontal bars; one colour per series, labels down the left."""
    labels: list[str] = []
    for values in chart.series.values():
        labels.extend(k for k in values if k not in labels)
    names = list(chart.series)
    peak = max(
        (v for values in chart.series.values() for v in values.values() if v is not None),
        default=0.0,
    )
    peak = peak or 1.0
    left, right, top = 170, 70, 28
    group = bar_height * len(names) + 8
    height = top + group * len(labels) + 24
    span = width - left - right
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(chart.title)}">',
        f'<text x="0" y="16" font-weight="bold" font-size="14">{escape(chart.title)}</text>',
    ]
    for i, label in enumerate(labels):
        y0 = top + i * group
        parts.append(
            f'<text x="{left - 8}" y="{y0 + group / 2 + 4:.0f}" text-anchor="end" font-size="12">'
            f"{escape(label)}</text>"
        )
        for j, name in enumerate(names):
            value = chart.series[name].get(label)
            w = 0 if value is None else max(1.0, span * value / peak)
            y = y0 + j * bar_height
            colour = PALETTE[j % len(PALETTE)]
            parts.append(
                f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_height - 3}" fill="{colour}">'
                f"<title>{escape(name)}: {_fmt(value, chart.percent)}</title></rect>"
            )
            parts.append(
                f'<text x="{left + w + 4:.1f}" y="{y + bar_height - 5}" font-size="11">'
                f"{_fmt(value, chart.percent)}</text>"
            )
    legend_y = height - 8
    for j, name in enumerate(names):
        x = left + j * 150
        parts.append(
            f'<rect x="{x}" y="{legend_y - 10}" width="10" height="10" fill="{PALETTE[j % len(PALETTE)]}"/>'
        )
        parts.append(f'<text x="{x + 14}" y="{legend_y}" font-size="11">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _table(table: Table) -> str:
    head = "".join(f"<th>{escape(str(c))}</th>" for c in table.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in row) + "</tr>" for row in table.rows
    )
    return f"<h3>{escape(table.title)}</h3><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_page(title: str, sections: Sequence[Section], subtitle: str = "") -> str:
    out = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{escape(title)}</title><style>",
        "body{font-family:system-ui,sans-serif;margin:2em auto;max-width:980px;color:#222}",
        "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:4px 8px;",
        "text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}",
        "svg{display:block;margin:1em 0}",
        "</style></head><body>",
        f"<h1>{escape(title)}</h1>",
    ]
    if subtitle:
        out.append(f"<p>{escape(subtitle)}</p>")
    for section in sections:
        out.append(f"<h2>{escape(section.heading)}</h2>")
        if section.text:
            out.append(f"<p>{escape(section.text)}</p>")
        out.extend(bar_chart(chart) for chart in section.charts)
        out.extend(_table(table) for table in section.tables)
    out.append("</body></html>")
    return "\n".join(out)
