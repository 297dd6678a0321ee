"""``swerun infer`` and the headline ``swerun --model M --split S`` (inference, then evaluation of the same run).

Thin: resolve the model and limits, call the pipeline, print what happened. The API key is resolved
here and handed to the model client only; a redacting filter is put on every log handler first, so
no log line, file or report of the run can carry it.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from .options import (
    backend_options,
    dataset_options,
    ids,
    image_options,
    limit_options,
    model_options,
    run_options,
    run_settings,
)
from .runtime import log_to_run, new_run_id


def _limits(kw: dict[str, Any]):
    from ..agent.loop import AgentLimits

    return AgentLimits(step_limit=kw["step_limit"], cost_limit=kw["cost_limit"], token_limit=kw["token_limit"],
                       time_limit=kw["time_limit"], command_timeout=kw["command_timeout"])


def _infer(kw: dict[str, Any], *, evaluate: bool):
    """Resolve everything, run the pipeline; returns (dataset, outcome, config, agent, settings)."""
    from ..agent.model_config import resolve_model
    from ..agent.secrets import Redactor
    from ..dataset import load_dataset

    settings = resolve_model(kw["model"], base_url=kw["base_url"], api_key=kw["api_key"], env_file=kw["env_file"],
                             models_config=kw["models_config"])
    from ..model import check_served_model

    check_served_model(settings)  # a wrong model name fails here, naming the served ones, not per instance
    redact = Redactor([settings.api_key.get_secret_value()])
    run_id = new_run_id(kw["run_id"])
    log_to_run(Path(kw["results_dir"]) / run_id)
    redact.install()  # after the run's log file exists: its handler gets the filter too
    dataset = load_dataset(kw["split"], kw["dataset"]).select(ids(kw["instance_ids"]))
    from ..agent.agents import make_agent  # after the inputs are read: a mistake in them is reported at once
    from ..agent.pipeline import run_pipeline

    limits = _limits(kw)
    agent = make_agent(kw["agent"], settings, limits)
    cfg = run_settings(kw, run_id, evaluate=evaluate,
                       extra={"split": kw["split"], "dataset": kw["dataset"], "source": dataset.source})
    outcome = run_pipeline(dataset, agent, limits, settings.public(), cfg, redact)
    return dataset, outcome, cfg, agent, settings


@click.command("infer")
@dataset_options
@model_options(required=True)
@run_options
@limit_options
@image_options
@backend_options
def infer_cmd(**kw: Any) -> None:
    """Run an agent on every instance; writes trajectories and results/<run_id>/preds.jsonl."""
    from ..agent.pipeline import summary_lines

    _, outcome, *_ = _infer(kw, evaluate=False)
    for line in summary_lines(outcome):
        click.echo(line)
    where = f" --split {kw['split']}" if kw["split"] else ""
    where += f" --dataset {kw['dataset']}" if kw["dataset"] else ""
    click.echo(f"Evaluate with: swerun eval --predictions {outcome.preds_path} --run-id {outcome.run.run_id}{where}")
    if outcome.failed:
        sys.exit(3)


def bare_run(**kw: Any) -> None:
    """``swerun --model M --split S``: infer and evaluate the same run, each instance graded as it finishes.

    ``kw`` holds every option of the headline command: those of ``infer`` and the grading ones of ``eval``.
    """
    from ..agent.pipeline import predictions_for_eval, summary_lines
    from ..report import summary_lines as eval_summary
    from ..runner import run_evaluation

    dataset, outcome, cfg, agent, settings = _infer(kw, evaluate=True)
    for line in summary_lines(outcome):
        click.echo(line)
    preds = predictions_for_eval(outcome)
    if not preds:
        click.echo("No predictions to evaluate.")
        sys.exit(3)
    rcfg = cfg.model_copy(update={"evaluate": False, "extra": {
        "split": kw["split"], "dataset": kw["dataset"], "predictions": str(outcome.preds_path), "agent": agent.name,
        "model": settings.public()}})
    result = run_evaluation(dataset, preds, rcfg)
    for line in eval_summary(result.report, result.results):
        click.echo(line)
    click.echo(f"Report: {result.report_path}")
    if outcome.failed or result.report["infra_failure_instances"]:
        sys.exit(3)
