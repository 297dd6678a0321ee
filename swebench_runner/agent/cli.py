"""``swerun infer`` and the bare ``swerun --model M --split S`` (inference, then evaluation of the same run).

Thin: resolve the model and limits, call the pipeline, print what happened. The API key is resolved
here and handed to the model client only; a redacting filter is put on every log handler first, so
no log line, file or report of the run can carry it.
"""

from __future__ import annotations

import logging
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from ..cli import _ids, _log_to_run, dataset_options, image_options
from .loop import AgentLimits

log = logging.getLogger(__name__)


def model_options(fn):
    """Options shared by ``infer`` and the bare command (which declares the same names on the group)."""
    for opt in reversed([
        click.option("--model", "-m", "model", required=True,
                     help="a preset (qwen3-coder), openai:<model> for any OpenAI-compatible server, or a model id "
                          "with --base-url"),
        click.option("--base-url", help="OpenAI-compatible endpoint (default: the preset's, or OPENAI_BASE_URL)"),
        click.option("--api-key", help="API key (better: the preset's variable, OPENAI_API_KEY or a .env file)"),
        click.option("--agent", default="swerun", show_default=True, type=click.Choice(["swerun", "qwen-code"]),
                     help="who drives the fix: swerun's own tool loop, or the Qwen Code CLI"),
        click.option("--env-file", type=click.Path(dir_okay=False), help=".env file (default: as Qwen Code finds it)"),
        click.option("--models-config", type=click.Path(dir_okay=False), envvar="SWERUN_MODELS_CONFIG",
                     help="YAML merged over harness/agent/models.yaml (per-model options, presets)"),
        click.option("--run-id", default=None, help="names results/<run_id>/; rerunning it resumes"),
        click.option("--max-workers", default=1, show_default=True, type=click.IntRange(1, 256)),
        click.option("--results-dir", default="results", show_default=True, type=click.Path(file_okay=False)),
        click.option("--step-limit", default=100, show_default=True, type=click.IntRange(0), help="0 = none"),
        click.option("--cost-limit", default=3.0, show_default=True, type=click.FloatRange(0),
                     help="USD per instance; 0 = none"),
        click.option("--token-limit", default=0, show_default=True, type=click.IntRange(0), help="0 = none"),
        click.option("--time-limit", default=3600, show_default=True, type=click.FloatRange(0),
                     help="wall seconds per instance; 0 = none"),
        click.option("--command-timeout", default=120, show_default=True, type=click.FloatRange(1),
                     help="seconds one bash command may run"),
    ]):
        fn = opt(fn)
    return fn


def _limits(kw: dict[str, Any]) -> AgentLimits:
    return AgentLimits(step_limit=kw["step_limit"], cost_limit=kw["cost_limit"], token_limit=kw["token_limit"],
                       time_limit=kw["time_limit"], command_timeout=kw["command_timeout"])


def _infer(kw: dict[str, Any], *, evaluate: bool):
    """Resolve everything, run the pipeline; returns (dataset, outcome, config)."""
    from ..dataset import load_dataset
    from .agents import make_agent
    from .model_config import resolve_model
    from .pipeline import PipelineConfig, run_pipeline
    from .secrets import Redactor

    settings = resolve_model(kw["model"], base_url=kw["base_url"], api_key=kw["api_key"], env_file=kw["env_file"],
                             models_config=kw["models_config"])
    redact = Redactor([settings.api_key.get_secret_value()])
    run_id = kw["run_id"] or datetime.now().strftime("%Y%m%d-%H%M%S")
    _log_to_run(Path(kw["results_dir"]) / run_id)
    redact.install()
    dataset = load_dataset(kw["split"], kw["dataset"]).select(_ids(kw["instance_ids"]))
    limits = _limits(kw)
    agent = make_agent(kw["agent"], settings, limits)
    cfg = PipelineConfig(run_id=run_id, results_root=Path(kw["results_dir"]), max_workers=kw["max_workers"],
                         evaluate=evaluate, eval_timeout=kw.get("timeout") or 1800, repo_url=kw["repo_url"],
                         registry=kw["registry"], ca_bundle=kw["ca_bundle"], progress=sys.stderr.isatty(),
                         describe={"split": kw["split"], "dataset": kw["dataset"], "source": dataset.source})
    outcome = run_pipeline(dataset, agent, limits, settings.public(), cfg, redact)
    return dataset, outcome, cfg, agent, settings


@click.command("infer")
@dataset_options
@model_options
@image_options
def infer_cmd(**kw: Any) -> None:
    """Run an agent on every instance; writes trajectories and results/<run_id>/preds.jsonl."""
    from .pipeline import summary_lines

    _, outcome, *_ = _infer(kw, evaluate=False)
    for line in summary_lines(outcome):
        click.echo(line)
    where = f" --split {kw['split']}" if kw["split"] else ""
    where += f" --dataset {kw['dataset']}" if kw["dataset"] else ""
    click.echo(f"Evaluate with: swerun eval --predictions {outcome.preds_path} --run-id {outcome.run.run_id}{where}")
    if outcome.failed:
        sys.exit(3)


def bare_run(**kw: Any) -> None:
    """``swerun --model M --split S``: infer and evaluate the same run, each instance graded as it finishes."""
    from ..report import summary_lines as eval_summary
    from ..runner import RunConfig, run_evaluation
    from .pipeline import predictions_for_eval, summary_lines

    dataset, outcome, cfg, agent, settings = _infer(kw, evaluate=True)
    for line in summary_lines(outcome):
        click.echo(line)
    preds = predictions_for_eval(outcome)
    if not preds:
        click.echo("No predictions to evaluate.")
        sys.exit(3)
    rcfg = RunConfig(run_id=cfg.run_id, results_root=cfg.results_root, max_workers=cfg.max_workers,
                     timeout=cfg.eval_timeout, repo_url=cfg.repo_url, registry=cfg.registry, ca_bundle=cfg.ca_bundle,
                     progress=cfg.progress, extra={"split": kw["split"], "dataset": kw["dataset"],
                                                   "predictions": str(outcome.preds_path), "agent": agent.name,
                                                   "model": settings.public()})
    result = run_evaluation(dataset, preds, rcfg)
    for line in eval_summary(result.report, result.results):
        click.echo(line)
    click.echo(f"Report: {result.report_path}")
    if outcome.failed or result.report["infra_failure_instances"]:
        sys.exit(3)
