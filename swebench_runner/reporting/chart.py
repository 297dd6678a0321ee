"""The one picture of a report: instances per repository as stacked bars, resolved first.

Drawn as inline SVG on the server side, so it needs no script, no font file and no network, prints,
and shows even with JavaScript off. Bars are shares of each repository (a repository of 2 instances is
as readable as one of 231); the label says the counts.
"""

from __future__ import annotations

from html import escape

from .summary import STATUSES, Tally

LABELS = {"resolved": "resolved", "unresolved": "unresolved", "empty_patch": "empty patch",
          "error": "patch error", "infra_error": "infrastructure error", "not_evaluated": "not evaluated",
          "no_prediction": "no prediction"}
COLORS = {"resolved": "#1a7f37", "unresolved": "#cf222e", "empty_patch": "#8c959f", "error": "#bc4c00",
          "infra_error": "#8250df", "not_evaluated": "#c9d1d9", "no_prediction": "#d0d7de"}

ROW, BAR, LABEL_W, BAR_W, NUM_W = 24, 16, 230, 420, 150


def bar_chart(rows: dict[str, Tally], title: str = "Resolved by repository") -> str:
    """An SVG of one stacked bar per key of ``rows``; every segment carries a tooltip with its count."""
    height = ROW * len(rows) + 8
    width = LABEL_W + BAR_W + NUM_W
    parts = [(f'<svg class="chart" role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" '
              f'width="{width}" height="{height}" viewBox="0 0 {width} {height}"><title>{escape(title)}</title>')]
    for i, (name, t) in enumerate(rows.items()):
        y = 4 + i * ROW
        parts.append(f'<g class="bar" data-repo="{escape(name)}">')
        parts.append(f'<text x="{LABEL_W - 8}" y="{y + BAR - 3}" text-anchor="end">{escape(name)}</text>')
        x = float(LABEL_W)
        for status in STATUSES:
            n = t.counts.get(status, 0)
            if not n or not t.total:
                continue
            w = BAR_W * n / t.total
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{BAR}" fill="{COLORS[status]}">'
                         f'<title>{escape(name)}: {n} {LABELS[status]}</title></rect>')
            x += w
        parts.append(f'<text class="num" x="{LABEL_W + BAR_W + 8}" y="{y + BAR - 3}">'
                     f'{t.resolved}/{t.total} ({t.rate:.1f}%)</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def legend(present: set[str]) -> str:
    items = "".join(f'<li><i style="background:{COLORS[s]}"></i>{LABELS[s]}</li>' for s in STATUSES if s in present)
    return f'<ul class="legend">{items}</ul>'
