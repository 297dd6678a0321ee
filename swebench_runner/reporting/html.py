"""``report.html``: one self-contained page per run (CSS, script, chart and data inline; no CDN).

The summary, the chart and the instance table are rendered here, so the page reads without script;
the script (``static/report.js``) adds filters and opens one instance from the embedded JSON. The JSON
is placed in a ``<script type="application/json">`` block with every ``<`` escaped, so no patch or log
text can close the block or become markup.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from functools import cache
from html import escape
from importlib import resources

from .. import __version__
from .chart import LABELS, bar_chart, legend
from .summary import STATUSES, InstanceRecord, RunSummary, Tally

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


@cache
def _static(name: str) -> str:
    return resources.files(__package__).joinpath("static", name).read_text(encoding="utf-8")


def _card(n: str, label: str, cls: str = "", note: str = "") -> str:
    note_html = f'<div class="note">{escape(note)}</div>' if note else ""
    return (f'<div class="card {cls}" data-kind="{escape(cls or label)}"><div class="n">{escape(n)}</div>'
            f'<div class="l">{escape(label)}</div>{note_html}</div>')


def _cards(s: RunSummary) -> str:
    t, c = s.overall, s.overall.counts
    cards = [_card(f"{t.resolved}/{t.total}", f"resolved ({t.rate:.1f}%)", "main"),
             _card(str(c["unresolved"]), "unresolved"), _card(str(c["empty_patch"]), "empty patch"),
             _card(str(c["error"]), "patch errors"),
             _card(str(c["infra_error"]), "infrastructure errors", "infra",
                   "ours, not the model's: rerun the same command to retry them")]
    if c["not_evaluated"] or c["no_prediction"]:
        cards.append(_card(str(c["not_evaluated"] + c["no_prediction"]), "not evaluated / no prediction"))
    if s.cost_total is not None:
        cards.append(_card(f"${s.cost_total:.2f}", f"cost (mean ${s.cost_mean or 0:.4f})"))
        cards.append(_card(f"{s.steps_mean or 0:.1f}", "mean steps"))
    return "\n".join(cards)


def _tally_table(title: str, rows: dict[str, Tally], section_id: str) -> str:
    if not rows:
        return ""
    body = "".join(f"<tr><td>{escape(k)}</td><td class='num'>{t.resolved}</td><td class='num'>{t.total}</td>"
                   f"<td class='num'>{t.rate:.1f}%</td><td class='num'>{t.counts['infra_error']}</td></tr>"
                   for k, t in rows.items())
    return (f'<section id="{section_id}"><h2>{escape(title)}</h2><table class="small"><thead><tr><th></th>'
            "<th class='num'>resolved</th><th class='num'>instances</th><th class='num'>rate</th>"
            f"<th class='num'>infra errors</th></tr></thead><tbody>{body}</tbody></table></section>")


def _head(agent: bool) -> str:
    cols = ["Instance", "Repository", "Status", "FAIL_TO_PASS", "PASS_TO_PASS", *(["Steps", "Cost"] if agent else []), "Why"]
    return "<tr>" + "".join(f"<th>{c}</th>" for c in cols) + "</tr>"


def _row(r: InstanceRecord, agent: bool) -> str:
    def frac(kind: str) -> str:
        if not any(t.kind == kind and t.ok is not None for t in r.tests):
            return ""  # not graded (no tests ran): no fraction to show
        ok, n = r.passed(kind)
        return f"{ok}/{n}"

    t = r.trajectory
    agent_cols = (f"<td class='num'>{t.n_steps if t else ''}</td><td class='num'>{f'${t.cost:.4f}' if t else ''}</td>"
                  if agent else "")
    return (f'<tr data-id="{escape(r.instance_id)}" data-status="{r.status}">'
            f'<td><a href="#instance={escape(r.instance_id)}">{escape(r.instance_id)}</a></td>'
            f"<td>{escape(r.repo)}</td><td><span class='badge {r.status}'>{escape(LABELS[r.status])}</span></td>"
            f"<td class='num'>{frac('FAIL_TO_PASS')}</td><td class='num'>{frac('PASS_TO_PASS')}</td>{agent_cols}"
            f"<td class='why' title='{escape(r.reason)}'>{escape(r.reason)}</td></tr>")


def _filters(s: RunSummary) -> str:
    buttons = ['<button type="button" data-filter="all" aria-pressed="true">all</button>']
    for st in STATUSES:
        n = s.overall.counts.get(st, 0)
        if n:
            buttons.append(f'<button type="button" data-filter="{st}" aria-pressed="false">{LABELS[st]} ({n})</button>')
    return "\n".join(buttons)


def _data_json(s: RunSummary) -> str:
    payload = {"run_id": s.run_id, "labels": LABELS,
               "instances": [r.model_dump(mode="json") for r in s.instances]}
    # "<" escaped: nothing in a patch or log can end the <script> block ("</script>", "<!--").
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def render(s: RunSummary) -> str:
    """The whole page as one string."""
    title = f"swerun report: {s.run_id}"
    meta = (f"model {s.model} · dataset {s.dataset or '?'}"
            f"{' (split ' + s.split + ')' if s.split else ''} · {s.overall.total} instances · {s.path}")
    present = {st for st in STATUSES if s.overall.counts.get(st)}
    agent = any(r.trajectory for r in s.instances)
    values = {
        "version": escape(__version__), "title": escape(title), "meta": escape(meta), "css": _static("report.css"),
        "cards": _cards(s), "chart": bar_chart(s.by_repo), "legend": legend(present),
        "difficulty": _tally_table("By difficulty", s.by_difficulty, "by-difficulty"),
        "filters": _filters(s), "head": _head(agent), "rows": "\n".join(_row(r, agent) for r in s.instances),
        "generated": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "data": _data_json(s), "js": _static("report.js"),
    }
    # One pass over the template only: text inside a value is never taken for a placeholder.
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], _static("report.html"))
