"""Terminal renderings of summaries and comparisons: plain lines the CLI echoes (no colours, no width tricks)."""

from __future__ import annotations

from .chart import LABELS
from .compare import Comparison, Flip
from .summary import RunSummary, Tally

BAR = 20


def _bar(t: Tally) -> str:
    full = round(BAR * t.resolved / t.total) if t.total else 0
    return "#" * full + "." * (BAR - full)


def _tally_lines(title: str, rows: dict[str, Tally]) -> list[str]:
    if not rows:
        return []
    width = max(len(k) for k in rows)
    out = [title]
    for k, t in rows.items():
        infra = f"  ({t.counts['infra_error']} infra)" if t.counts["infra_error"] else ""
        out.append(f"  {k:<{width}}  {_bar(t)}  {t.resolved:>4}/{t.total:<4} {t.rate:5.1f}%{infra}")
    return out


def summary_lines(s: RunSummary, failures: int = 20) -> list[str]:
    t, c = s.overall, s.overall.counts
    lines = [f"Run {s.run_id}  model {s.model}  dataset {s.dataset or '?'}  {t.total} instances",
             f"Resolved      {t.resolved:>5} / {t.total}  ({t.rate:.1f}%)",
             f"Unresolved    {c['unresolved']:>5}",
             f"Empty patch   {c['empty_patch']:>5}",
             f"Patch errors  {c['error']:>5}",
             f"Infra errors  {c['infra_error']:>5}  (not counted against the model; rerun the same command)"]
    if c["not_evaluated"] or c["no_prediction"]:
        lines.append(f"Not evaluated {c['not_evaluated']:>5}   no prediction {c['no_prediction']}")
    if s.cost_total is not None:
        lines.append(f"Cost          ${s.cost_total:.4f} total, ${s.cost_mean or 0:.4f} mean; "
                     f"{s.steps_mean or 0:.1f} steps mean")
    lines += _tally_lines("By repository", s.by_repo)
    lines += _tally_lines("By difficulty", s.by_difficulty)
    bad = [r for r in s.instances if r.status not in ("resolved", "empty_patch")]
    if bad:
        lines.append("Not resolved (and why)")
        for r in bad[:failures]:
            lines.append(f"  {LABELS[r.status]:<14} {r.instance_id}: {r.reason}"[:180])
        if len(bad) > failures:
            lines.append(f"  ... {len(bad) - failures} more in report.html")
    return lines


def _flip_lines(flips: list[Flip], tests: int) -> list[str]:
    out = []
    for f in flips:
        out.append(f"  {f.instance_id}: {f.before} -> {f.after}" + (f"  ({f.note})" if f.note else ""))
        for ch in f.tests[:tests]:
            out.append(f"      {ch.kind:<12} {ch.before:>10} -> {ch.after:<10} {ch.name}"[:200])
        if len(f.tests) > tests:
            out.append(f"      ... {len(f.tests) - tests} more tests changed")
    return out


def comparison_lines(cmp: Comparison, tests: int = 8) -> list[str]:
    width = max(12, *(len(r.run_id) for r in cmp.runs))
    head = "".join(f"{r.run_id:>{width + 2}}" for r in cmp.runs)
    rows = [("model", [r.model for r in cmp.runs]),
            ("resolved", [f"{r.resolved}/{r.total}" for r in cmp.runs]),
            ("rate", [f"{r.rate:.1f}%" for r in cmp.runs]),
            ("infra errors", [str(r.infra_errors) for r in cmp.runs]),
            ("mean cost", ["-" if r.cost_mean is None else f"${r.cost_mean:.4f}" for r in cmp.runs]),
            ("mean steps", ["-" if r.steps_mean is None else f"{r.steps_mean:.1f}" for r in cmp.runs])]
    lines = [f"{'':<14}{head}"] + [f"{k:<14}" + "".join(f"{v[:width]:>{width + 2}}" for v in vals) for k, vals in rows]
    base = cmp.runs[0].run_id
    for p in cmp.pairs:
        lines.append("")
        lines.append(f"Resolved by {p.other} only ({len(p.gained)}):")
        lines += _flip_lines(p.gained, tests)
        lines.append(f"Resolved by {base} only ({len(p.lost)}):")
        lines += _flip_lines(p.lost, tests)
        if p.changed:
            lines.append(f"Other status changes ({len(p.changed)}):")
            lines += _flip_lines(p.changed, tests)
        if p.only_baseline or p.only_other:
            lines.append(f"Only in {base}: {len(p.only_baseline)}; only in {p.other}: {len(p.only_other)}")
    return lines
