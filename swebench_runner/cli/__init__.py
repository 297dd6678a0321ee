"""The ``swerun`` command line: the outside of swerun. Thin: parse options, call the library, print.

Nothing in the library imports this package. Every command lives in a module of this package and is
imported only when it is invoked or listed (``LAZY_COMMANDS``), so ``swerun --help`` loads click and
the option definitions (``options.py``), not Docker, datasets or the OpenAI client.
"""

from __future__ import annotations

import importlib
import sys

import click
from click.core import ParameterSource

from .. import __version__
from ..errors import InputError, SwerunError
from .options import (
    backend_options,
    dataset_options,
    grading_options,
    image_options,
    limit_options,
    model_options,
    run_options,
)
from .runtime import setup_logging, stop_on_sigterm

# name -> "module:attribute" of a click command; every module is inside swebench_runner.cli
LAZY_COMMANDS = {
    "eval": "swebench_runner.cli.eval:eval_cmd",
    "infer": "swebench_runner.cli.infer:infer_cmd",
    "validate": "swebench_runner.cli.validate:validate_cmd",
    "serve": "swebench_runner.cli.serve:serve_cmd",
    "report": "swebench_runner.cli.reporting:report_cmd",
    "compare": "swebench_runner.cli.reporting:compare_cmd",
    "submit": "swebench_runner.cli.reporting:submit_cmd",
    "debug": "swebench_runner.cli.reporting:debug_cmd",
    "images": "swebench_runner.cli.images:images_group",
    "datasets": "swebench_runner.cli.datasets:datasets_group",
}

# the group's options that apply to every command, not only to the bare run
_GLOBAL = {"verbose", "version", "help"}


class _Group(click.Group):
    """Loads commands on demand; turns swerun's own errors into one clear line and an exit status."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        found = super().get_command(ctx, name)
        if found is not None or name not in LAZY_COMMANDS:
            return found
        module, _, attr = LAZY_COMMANDS[name].partition(":")
        return getattr(importlib.import_module(module), attr)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except InputError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        except SwerunError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)


def _given(ctx: click.Context) -> list[str]:
    """The bare run's options typed on the command line (not defaults, not environment variables)."""
    return [p.opts[0] for p in ctx.command.params
            if p.name not in _GLOBAL and ctx.get_parameter_source(p.name) is ParameterSource.COMMANDLINE]


@click.group(cls=_Group, invoke_without_command=True)
@click.version_option(__version__, prog_name="swerun")
@click.option("-v", "--verbose", count=True, help="-v for progress logs, -vv for debug logs")
@model_options(required=False)
@dataset_options
@run_options
@grading_options
@limit_options
@image_options
@backend_options
@click.pass_context
def main(ctx: click.Context, verbose: int, **bare) -> None:
    """swerun: evaluate coding models on SWE-bench style tasks in pinned Docker images.

    Bare `swerun --model M --split S` runs inference and then evaluation of the same run (resumable);
    `swerun infer` and `swerun eval` are its two halves and take the same options.
    """
    given = _given(ctx)
    if ctx.invoked_subcommand is not None:
        if given:  # they would be silently ignored: the command has its own
            raise click.UsageError(f"{', '.join(given)} must follow the command name: "
                                   f"swerun {ctx.invoked_subcommand} {given[0]} ...")
    elif not bare["model"]:
        if given:
            raise click.UsageError("Missing option '--model': the bare `swerun` runs a model "
                                   "(or name a command: swerun eval ...)")
        click.echo(ctx.get_help())
        return
    setup_logging(verbose)
    stop_on_sigterm()
    if ctx.invoked_subcommand is not None:
        return
    from .infer import bare_run

    bare_run(**bare)
