"""Every option swerun's commands share, each defined once as a decorator group.

A command stacks the groups it needs; the headline ``swerun --model M --split S`` stacks every group
``infer`` and ``eval`` use, so a flag one of them accepts is accepted there too:

- ``dataset_options``: --split, --dataset, --instance-ids
- ``image_options``: --repo-url, --registry, --ca-bundle, --specs
- ``model_options``: --model, --base-url, --api-key, --agent, --env-file, --models-config
- ``limit_options``: --step-limit, --cost-limit, --token-limit, --time-limit, --command-timeout
- ``run_options``: --run-id (checked as the options are parsed, before anything is written),
  --results-dir, --max-workers
- ``grading_options``: --timeout, --retries, --official-grading
- ``backend_options``: --backend, --ray-address

``run_settings`` turns the parsed options into the one settings model, the same way for every command.

Only click is imported here: ``swerun --help`` loads this module.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from ..agent.agents import agent_names  # the agent registry: stdlib imports only, cheap for --help
from ..resources import SPECS_ENV

F = TypeVar("F", bound=Callable[..., Any])
Decorator = Callable[[F], F]


def _stack(fn: F, options: Sequence[Decorator]) -> F:
    """Apply ``options`` so that they show in ``--help`` in the order given."""
    for opt in reversed(options):
        fn = opt(fn)
    return fn


def ids(values: Sequence[str]) -> list[str]:
    """``--instance-ids a,b --instance-ids c`` (or space-separated) -> ``[a, b, c]``."""
    return [i for v in values for i in v.replace(",", " ").split() if i]


# -- dataset ----------------------------------------------------------------------------------------

def split_option(help: str = "mini (bundled), lite, verified, full, multimodal, multilingual") -> Decorator:
    return click.option("--split", default=None, help=help)


def dataset_option(help: str = "local .json/.jsonl/.parquet of SWE-bench rows, or a Hugging Face id") -> Decorator:
    return click.option("--dataset", help=help)


def dataset_options(fn: F) -> F:
    return _stack(fn, [
        split_option(),
        dataset_option(),
        click.option("--instance-ids", "instance_ids", multiple=True,
                     help="only these instances (repeat or comma-separate)"),
    ])


# -- images -----------------------------------------------------------------------------------------

def _use_specs(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> None:
    if value:  # read by spec.spec_file, in this process and all its worker threads
        os.environ[SPECS_ENV] = os.pathsep.join(value)


def image_options(fn: F) -> F:
    return _stack(fn, [
        click.option("--repo-url", envvar="SWERUN_REPO_URL",
                     help="repository URL template, e.g. file:///mirrors/{owner}+{name}/repo"),
        click.option("--registry", envvar="SWERUN_REGISTRY", help="registry to pull images from (host:port)"),
        click.option("--ca-bundle", type=click.Path(exists=True, dir_okay=False),
                     help="CA bundle image builds trust (default: PIP_CERT, REQUESTS_CA_BUNDLE, SSL_CERT_FILE)"),
        click.option("--specs", multiple=True, type=click.Path(exists=True, file_okay=False), envvar=SPECS_ENV,
                     expose_value=False, callback=_use_specs, is_eager=True,
                     help="folder of environment specs (<owner>__<name>.yaml) searched before the bundled ones; "
                          "repeatable"),
    ])


# -- model and agent --------------------------------------------------------------------------------

def model_options(required: bool = True) -> Decorator:
    """The model and who drives it. The headline command declares --model optional: without it,
    ``swerun`` prints its help."""

    def apply(fn: F) -> F:
        return _stack(fn, [
            click.option("--model", "-m", "model", required=required,
                         help="a preset (qwen3-coder), openai:<model> for any OpenAI-compatible server, or a model "
                              "id with --base-url"),
            click.option("--base-url", help="OpenAI-compatible endpoint, or an Anthropic one for claude-code (default: "
                                            "the preset's, or OPENAI_BASE_URL)"),
            click.option("--api-key", help="API key (better: the preset's variable, OPENAI_API_KEY or a .env file)"),
            click.option("--agent", default="swerun", show_default=True,
                         type=click.Choice(agent_names()),
                         help="who drives the fix: swerun's own tool loop, or a CLI agent (qwen-code, claude-code)"),
            click.option("--env-file", type=click.Path(dir_okay=False),
                         help=".env file (default: as Qwen Code finds it)"),
            click.option("--models-config", type=click.Path(dir_okay=False), envvar="SWERUN_MODELS_CONFIG",
                         help="YAML merged over harness/agent/models.yaml (per-model options, presets)"),
        ])

    return apply


def limit_options(fn: F) -> F:
    return _stack(fn, [
        click.option("--step-limit", default=100, show_default=True, type=click.IntRange(0), help="0 = none"),
        click.option("--cost-limit", default=3.0, show_default=True, type=click.FloatRange(0),
                     help="USD per instance; 0 = none"),
        click.option("--token-limit", default=0, show_default=True, type=click.IntRange(0), help="0 = none"),
        click.option("--time-limit", default=3600, show_default=True, type=click.FloatRange(0),
                     help="agent wall seconds per instance; 0 = none"),
        click.option("--command-timeout", default=120, show_default=True, type=click.FloatRange(1),
                     help="seconds one bash command of the agent may run"),
    ])


# -- the run ----------------------------------------------------------------------------------------

def check_run_id(ctx: click.Context | None, param: click.Parameter | None, value: str | None) -> str | None:
    """Refuse a run id that is not one safe folder name, as the options are parsed: before any folder
    or log file exists. The rule is the run folder's own (``artifacts.RunDir``)."""
    if value is None:
        return None
    from ..artifacts import RunDir  # not at import time: pydantic is not needed for --help

    try:
        RunDir(Path(), value)  # validates only; touches nothing on disk
    except ValueError as exc:
        raise click.BadParameter(f"{exc} (one folder name, starting with a letter or digit)", ctx=ctx,
                                 param=param) from None
    return value


def max_workers_option(limit: int = 256) -> Decorator:
    return click.option("--max-workers", default=1, show_default=True, type=click.IntRange(1, limit))


def run_options(fn: F) -> F:
    return _stack(fn, [
        click.option("--run-id", default=None, callback=check_run_id,
                     help="names <results-dir>/<run_id>/ (letters, digits, '.', '_', '-'); rerunning it resumes"),
        click.option("--results-dir", default="results", show_default=True, type=click.Path(file_okay=False)),
        max_workers_option(),
    ])


def grading_options(fn: F) -> F:
    return _stack(fn, [
        click.option("--timeout", default=1800, show_default=True, type=click.IntRange(1),
                     help="seconds the tests of one instance may run"),
        click.option("--retries", default=1, show_default=True, type=click.IntRange(0, 10),
                     help="extra attempts after an infrastructure failure"),
        click.option("--official-grading", is_flag=True,
                     help="grade exactly as the official harness (no integrity checks on the log)"),
    ])


def backend_options(fn: F) -> F:
    return _stack(fn, [
        click.option("--backend", type=click.Choice(["docker", "ray"]), default="docker", show_default=True,
                     help="where containers run: this machine's Docker engine, or the engines of a Ray cluster "
                          "(pip install 'swerun[ray]')"),
        click.option("--ray-address", default=None, envvar="RAY_ADDRESS",
                     help="Ray cluster to join, e.g. 10.0.0.1:6379 (default: start a local Ray instance)"),
    ])


def run_settings(kw: dict[str, Any], run_id: str, **fields: Any) -> Any:
    """The ``RunSettings`` of a command from its parsed options (``kw``) and what it adds (``fields``)."""
    import sys

    from ..settings import RunSettings

    if kw.get("ray_address") and kw.get("backend", "docker") != "ray":
        raise click.BadParameter("--ray-address needs --backend ray", param_hint="'--ray-address'")
    base: dict[str, Any] = {
        "run_id": run_id, "results_root": Path(kw.get("results_dir") or "results"),
        "max_workers": kw.get("max_workers") or 1, "timeout": kw.get("timeout") or 1800,
        "retries": kw.get("retries", 1), "repo_url": kw.get("repo_url"), "registry": kw.get("registry"),
        "ca_bundle": kw.get("ca_bundle"), "strict": not kw.get("official_grading", False),
        "backend": kw.get("backend") or "docker", "ray_address": kw.get("ray_address"),
        "progress": sys.stderr.isatty()}
    return RunSettings(**{**base, **fields})
