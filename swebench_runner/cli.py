"""The ``swerun`` command line. Thin: parse options, call the library, print what happened."""

from __future__ import annotations

import importlib
import logging
import os
import signal
import sys
import threading
from datetime import datetime
from pathlib import Path

import click

from . import __version__
from .errors import InputError, SwerunError
from .resources import SPECS_ENV

log = logging.getLogger("swebench_runner")


def _setup_logging(verbose: int) -> None:
    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("swebench_runner")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG)
    handler.setLevel(level)


def _stop_on_sigterm() -> None:
    """SIGTERM (batch schedulers, ``docker stop``, ``kill``) and SIGHUP stop a run the way Ctrl-C does:
    this process's containers are removed and finished results kept. Left alone where the signal is
    ignored on purpose (``nohup``)."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")

    if threading.current_thread() is not threading.main_thread():
        return  # only the main thread may set handlers (the CLI invoked in-process from a worker)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) is signal.SIG_DFL:
            signal.signal(sig, interrupt)


def _log_to_run(run_path: Path) -> None:
    """Keep an INFO log of the whole run beside its results, whatever the terminal shows."""
    run_path.mkdir(parents=True, exist_ok=True)
    fh = logging.FileHandler(run_path / "swerun.log", encoding="utf-8")
    fh.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
    fh.setLevel(logging.INFO)
    logging.getLogger("swebench_runner").addHandler(fh)


def _ids(values: tuple[str, ...]) -> list[str]:
    return [i for v in values for i in v.replace(",", " ").split() if i]


# Subcommands that live beside the feature they drive; imported only when invoked, so `swerun --help`
# and `swerun eval` stay fast. name -> "module:attribute" of a click command.
LAZY_COMMANDS = {
    "infer": "swebench_runner.agent.cli:infer_cmd",
    "validate": "swebench_runner.validate:validate_cmd",
    "report": "swebench_runner.reporting.cli:report_cmd",
    "compare": "swebench_runner.reporting.cli:compare_cmd",
    "submit": "swebench_runner.reporting.cli:submit_cmd",
    "debug": "swebench_runner.reporting.cli:debug_cmd",
    "images": "swebench_runner.reporting.cli:images_group",
}


class _Group(click.Group):
    """Turns swerun's own errors into one clear line and an exit status instead of a traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *(n for n in LAZY_COMMANDS if self._lazy(n))})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return super().get_command(ctx, name) or self._lazy(name)

    @staticmethod
    def _lazy(name: str) -> click.Command | None:
        target = LAZY_COMMANDS.get(name)
        if target is None:
            return None
        module, _, attr = target.partition(":")
        try:
            return getattr(importlib.import_module(module), attr)
        except ModuleNotFoundError as exc:
            if exc.name and module.startswith(exc.name):
                return None  # the module behind this command does not exist (yet): hide the command
            raise

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except InputError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        except SwerunError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)


@click.group(cls=_Group, invoke_without_command=True)
@click.version_option(__version__, prog_name="swerun")
@click.option("-v", "--verbose", count=True, help="-v for progress logs, -vv for debug logs")
@click.option("--model", "-m", help="run inference then evaluation: a preset (qwen3-coder) or openai:<model>")
@click.option("--base-url", help="OpenAI-compatible endpoint (default: the preset's, or OPENAI_BASE_URL)")
@click.option("--api-key", help="API key (better: the preset's variable, OPENAI_API_KEY or a .env file)")
@click.option("--agent", default="swerun", show_default=True, type=click.Choice(["swerun", "qwen-code"]),
              help="who drives the fix: swerun's tool loop or the Qwen Code CLI")
@click.option("--split", default=None, help="mini (bundled), lite, verified, full, ...")
@click.option("--dataset", help="local .json/.jsonl/.parquet of SWE-bench rows, or a Hugging Face id")
@click.option("--instance-ids", "instance_ids", multiple=True, help="only these instances")
@click.option("--run-id", default=None, help="names results/<run_id>/; rerunning it resumes")
@click.option("--max-workers", default=1, show_default=True, type=click.IntRange(1, 256))
@click.option("--results-dir", default="results", show_default=True, type=click.Path(file_okay=False))
@click.option("--step-limit", default=100, show_default=True, type=click.IntRange(0))
@click.option("--cost-limit", default=3.0, show_default=True, type=click.FloatRange(0), help="USD per instance")
@click.option("--time-limit", default=3600, show_default=True, type=click.FloatRange(0),
              help="agent wall seconds per instance")
@click.option("--timeout", default=1800, show_default=True, type=click.IntRange(1),
              help="seconds the tests of one instance may run")
@click.option("--env-file", type=click.Path(dir_okay=False), help=".env file (default: as Qwen Code finds it)")
@click.option("--models-config", type=click.Path(dir_okay=False), envvar="SWERUN_MODELS_CONFIG",
              help="YAML merged over harness/agent/models.yaml")
@click.pass_context
def main(ctx: click.Context, verbose: int, **bare) -> None:
    """swerun: evaluate coding models on SWE-bench style tasks in pinned Docker images.

    Bare `swerun --model M --split S` runs inference and then evaluation of the same run (resumable);
    `swerun infer` and `swerun eval` are its two halves.
    """
    _setup_logging(verbose)
    _stop_on_sigterm()
    if ctx.invoked_subcommand is not None:
        return
    if not bare["model"]:
        click.echo(ctx.get_help())
        return
    from .agent.cli import bare_run

    bare_run(**bare, token_limit=0, command_timeout=120, repo_url=None, registry=None, ca_bundle=None)


def dataset_options(fn):
    fn = click.option("--instance-ids", "instance_ids", multiple=True,
                      help="only these instances (repeat or comma-separate)")(fn)
    fn = click.option("--dataset", help="local .json/.jsonl/.parquet of SWE-bench rows, or a Hugging Face id")(fn)
    fn = click.option("--split", default=None, help="mini (bundled), lite, verified, full, multimodal, "
                                                     "multilingual")(fn)
    return fn


def _use_specs(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> None:
    if value:  # read by spec.spec_file, in this process and all its worker threads
        os.environ[SPECS_ENV] = os.pathsep.join(value)


def image_options(fn):
    fn = click.option("--specs", multiple=True, type=click.Path(exists=True, file_okay=False), envvar=SPECS_ENV,
                      expose_value=False, callback=_use_specs, is_eager=True,
                      help="folder of environment specs (<owner>__<name>.yaml) searched before the bundled "
                           "ones; repeatable")(fn)
    fn = click.option("--ca-bundle", type=click.Path(exists=True, dir_okay=False),
                      help="CA bundle image builds trust (default: PIP_CERT, REQUESTS_CA_BUNDLE, SSL_CERT_FILE)")(fn)
    fn = click.option("--registry", envvar="SWERUN_REGISTRY", help="registry to pull images from (host:port)")(fn)
    fn = click.option("--repo-url", envvar="SWERUN_REPO_URL",
                      help="repository URL template, e.g. file:///mirrors/{owner}+{name}/repo")(fn)
    return fn


@main.command("eval")
@dataset_options
@click.option("--predictions", "-p", required=True, help="predictions file (.jsonl/.json), 'gold' or 'empty'")
@click.option("--run-id", default=None, help="names results/<run_id>/; rerunning it resumes")
@click.option("--max-workers", default=1, show_default=True, type=click.IntRange(1, 256))
@click.option("--timeout", default=1800, show_default=True, type=click.IntRange(1),
              help="seconds the tests of one instance may run")
@click.option("--results-dir", default="results", show_default=True, type=click.Path(file_okay=False))
@click.option("--retries", default=1, show_default=True, type=click.IntRange(0, 10),
              help="extra attempts after an infrastructure failure")
@click.option("--official-grading", is_flag=True,
              help="grade exactly as the official harness (no integrity checks on the log)")
@click.option("--image-source", type=click.Choice(["build", "swebench"]), default="build", show_default=True,
              help="build our layers from specs, or use the official prebuilt sweb.eval.x86_64.* images")
@click.option("--image-namespace", default=None,
              help="registry namespace of the official images (default: the row's image, else 'swebench')")
@image_options
def eval_cmd(split, dataset, instance_ids, predictions, run_id, max_workers, timeout, results_dir, retries,
             official_grading, image_source, image_namespace, repo_url, registry, ca_bundle) -> None:
    """Evaluate predictions: every instance in a fresh container of its pinned image."""
    from .dataset import load_dataset
    from .predictions import load_predictions
    from .report import summary_lines
    from .runner import RunConfig, run_evaluation

    full = load_dataset(split, dataset)
    preds = load_predictions(predictions, full)
    selected = full.select(_ids(instance_ids))
    run_id = run_id or datetime.now().strftime("%Y%m%d-%H%M%S")
    cfg = RunConfig(run_id=run_id, results_root=Path(results_dir), max_workers=max_workers, timeout=timeout,
                    retries=retries, repo_url=repo_url, registry=registry, ca_bundle=ca_bundle,
                    strict=not official_grading, image_source=image_source, image_namespace=image_namespace,
                    progress=sys.stderr.isatty(),
                    extra={"split": split, "dataset": dataset, "predictions": predictions})
    _log_to_run(Path(results_dir) / run_id)
    outcome = run_evaluation(selected, preds, cfg)
    click.echo(f"Run {run_id}: {len(outcome.evaluated)} evaluated now, "
               f"{len(outcome.report['submitted_ids']) - len(outcome.evaluated)} reused from earlier")
    for line in summary_lines(outcome.report, outcome.results):
        click.echo(line)
    click.echo(f"Report: {outcome.report_path}")
    if outcome.report["infra_failure_instances"]:
        sys.exit(3)


@main.group("datasets")
def datasets_group() -> None:
    """Known splits and the bundled data."""


@datasets_group.command("ls")
def datasets_ls() -> None:
    """List split names and where their rows come from."""
    from .dataset import split_registry

    for name, entry in split_registry().items():
        click.echo(f"{name:<14} {entry.get('path') and 'bundled: ' + entry['path'] or entry.get('hf')}")


@datasets_group.command("build-mini")
@click.option("--check", is_flag=True, help="only say whether instances.jsonl matches its sources")
def datasets_build_mini(check: bool) -> None:
    """Regenerate datasets/mini/instances.jsonl from the bundled task sources."""
    from . import bundled

    if check:
        ok = bundled.is_current()
        click.echo("instances.jsonl is current" if ok else "instances.jsonl is out of date: run build-mini")
        sys.exit(0 if ok else 1)
    click.echo(f"wrote {bundled.write_rows()}")


if __name__ == "__main__":
    main()
