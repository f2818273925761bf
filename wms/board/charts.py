"""Charts drawn on the server as SVG: pure functions from numbers to markup (no JavaScript, no CDN, nothing for
the Content-Security-Policy to refuse). Every bar is a `<g class="bar">` carrying its label and value, with a
`<title>` the browser shows on hover."""
from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

PALETTE = ("#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#d53f8c", "#319795", "#b7791f", "#718096")


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 × 10^n not below `value` (1 for nothing), so the axis reads in round numbers."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover  (the loop always returns)


def _number(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


def bar_chart(bars: Sequence[tuple[str, float]], *, title: str, width: int = 520, height: int = 200,
              colour: str = PALETTE[0]) -> Markup:
    """One bar per (label, value), in the given order."""
    return stacked_bar_chart([label for label, _ in bars], [("", [value for _, value in bars])], title=title,
                             width=width, height=height, colours=(colour,))


def stacked_bar_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *, title: str,
                      width: int = 520, height: int = 200, colours: Sequence[str] = PALETTE) -> Markup:
    """One bar per label, made of one segment per series (a worker, a reason), stacked; a legend when there
    is more than one named series. Negative values count as zero."""
    for name, values in series:
        if len(values) != len(labels):
            raise ValueError(f"series {name!r} has {len(values)} values for {len(labels)} labels")
    totals = [sum(max(values[i], 0) for _, values in series) for i in range(len(labels))]
    top = nice_ceiling(max(totals, default=0))
    legend = [name for name, _ in series if name]
    left, right, above, below = 40, 8, 14 if not legend else 30, 34
    plot_w, plot_h = max(width - left - right, 10), max(height - above - below, 10)
    slot = plot_w / max(len(labels), 1)
    bar_w = max(slot * 0.7, 1)
    # Label every bar when they fit, else every n-th, so 30 days stay readable.
    every = max(1, math.ceil(len(labels) * 34 / plot_w))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for fraction in (0, 0.5, 1):
        y = above + plot_h * (1 - fraction)
        parts.append(f'<line class="grid" x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#d0d7de" stroke-width="1"/>')
        parts.append(f'<text class="axis" x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10">'
                     f"{_number(top * fraction)}</text>")
    for index, label in enumerate(labels):
        x = left + index * slot + (slot - bar_w) / 2
        parts.append(f'<g class="bar" data-label="{escape(label)}" data-value="{_number(totals[index])}">')
        parts.append(f"<title>{escape(label)}: {_number(totals[index])}</title>")
        base = above + plot_h
        for number, (name, values) in enumerate(series):
            value = max(values[index], 0)
            if not value:
                continue
            h = plot_h * value / top
            base -= h
            tip = f"<title>{escape(name)}: {_number(value)}</title>" if name else ""
            parts.append(f'<rect x="{x:.1f}" y="{base:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                         f'fill="{colours[number % len(colours)]}">{tip}</rect>')
        parts.append("</g>")
        if index % every == 0:
            parts.append(f'<text class="label" x="{x + bar_w / 2:.1f}" y="{above + plot_h + 14}" '
                         f'text-anchor="middle" font-size="10">{escape(label)}</text>')
    x = left
    for number, name in enumerate(legend):
        parts.append(f'<rect x="{x}" y="6" width="10" height="10" fill="{colours[number % len(colours)]}"/>')
        parts.append(f'<text class="legend" x="{x + 14}" y="15" font-size="10">{escape(name)}</text>')
        x += 24 + 7 * len(name)
    parts.append("</svg>")
    return Markup("".join(parts))
