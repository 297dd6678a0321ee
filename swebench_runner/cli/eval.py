"""``swerun eval``: grade a predictions file, every instance in a fresh container of its pinned image."""

from __future__ import annotations

import sys

import click

from .options import backend_options, dataset_options, grading_options, ids, image_options, run_options, run_settings
from .runtime import log_to_run, new_run_id


@click.command("eval")
@dataset_options
@click.option("--predictions", "-p", required=True, help="predictions file (.jsonl/.json), 'gold' or 'empty'")
@run_options
@grading_options
@click.option("--image-source", type=click.Choice(["build", "swebench", "auto"]), default="build", show_default=True,
              help="build our layers from specs, use the official prebuilt sweb.eval.x86_64.* images (or the "
                   "row's image), or auto: the official image where it can be pulled, else ours")
@click.option("--image-namespace", default=None,
              help="registry namespace of the official images (default: the row's image, else 'swebench')")
@image_options
@backend_options
def eval_cmd(**kw) -> None:
    """Evaluate predictions: every instance in a fresh container of its pinned image."""
    from ..dataset import load_dataset
    from ..predictions import load_predictions

    full = load_dataset(kw["split"], kw["dataset"])
    preds = load_predictions(kw["predictions"], full)
    selected = full.select(ids(kw["instance_ids"]))
    from ..report import summary_lines  # after the inputs are read: a mistake in them is reported at once
    from ..runner import run_evaluation

    run_id = new_run_id(kw["run_id"])
    cfg = run_settings(kw, run_id, image_source=kw["image_source"], image_namespace=kw["image_namespace"],
                       extra={"split": kw["split"], "dataset": kw["dataset"], "predictions": kw["predictions"]})
    log_to_run(cfg.results_root / run_id)
    outcome = run_evaluation(selected, preds, cfg)
    click.echo(f"Run {run_id}: {len(outcome.evaluated)} evaluated now, "
               f"{len(outcome.report['submitted_ids']) - len(outcome.evaluated)} reused from earlier")
    for line in summary_lines(outcome.report, outcome.results):
        click.echo(line)
    click.echo(f"Report: {outcome.report_path}")
    if outcome.report["infra_failure_instances"]:
        sys.exit(3)
