"""``swerun validate``: is an environment fit to grade patches? The logic is ``swebench_runner.validate``."""

from __future__ import annotations

import sys

import click

from .options import (
    backend_options,
    check_run_id,
    dataset_options,
    grading_options,
    ids,
    image_options,
    run_options,
    run_settings,
)
from .runtime import new_run_id


@click.command("validate")
@dataset_options
@image_options
@click.option("--runs", default=3, show_default=True, type=click.IntRange(1, 20), help="gold runs per instance")
@run_options
@grading_options
@backend_options
def validate_cmd(**kw) -> None:
    """Check environments: gold N times (broken? flaky?) and no fix once (vacuous?).

    One folder per run under <results-dir>/<run_id>/ and the verdicts in its validation.json.
    Exits 1 when any instance is broken, flaky or vacuous, 3 when runs failed for infrastructure reasons.
    """
    from ..dataset import load_dataset
    from ..validate import Verdict, run_ids, table, validate

    run_id, runs = kw["run_id"], kw["runs"]
    for derived in run_ids(run_id, runs) if run_id is not None else []:  # the run ids of its runs must be valid too
        try:
            check_run_id(None, None, derived)
        except click.BadParameter:
            raise click.BadParameter(f"{run_id!r} is too long: the runs of a validation are named {derived!r} "
                                     "and such", param_hint="'--run-id'") from None
    selected = load_dataset(kw["split"], kw["dataset"]).select(ids(kw["instance_ids"]))
    run_id = new_run_id(run_id, prefix="validate-")
    base = run_settings(kw, run_id, extra={"split": kw["split"], "dataset": kw["dataset"], "validate": True})
    report = validate(selected, base, runs)
    for line in table(report):
        click.echo(line)
    click.echo(f"Report: {base.results_root / run_id / 'validation.json'}")
    if report.ids(Verdict.BROKEN) or report.ids(Verdict.FLAKY) or report.ids(Verdict.VACUOUS):
        sys.exit(1)
    if report.ids(Verdict.INFRA):
        sys.exit(3)
