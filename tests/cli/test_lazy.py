"""``swerun --help`` stays fast: it loads click and the option definitions, not Docker, datasets or the
OpenAI client; every command is loaded from swebench_runner.cli only when it is listed or invoked."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest

from swebench_runner.cli import LAZY_COMMANDS, main

from .conftest import run_swerun

HEAVY = ("docker", "datasets", "openai")
PROBE = """
import json, sys
from swebench_runner.cli import main
for args in {argvs!r}:
    main(args, prog_name="swerun", standalone_mode=False)
print("LOADED " + json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def loaded_by(*argvs: list[str]) -> list[str]:
    res = subprocess.run([sys.executable, "-c", PROBE.format(argvs=list(argvs), heavy=HEAVY)], capture_output=True,
                         text=True, timeout=60, check=True)
    return json.loads(res.stdout.rsplit("LOADED ", 1)[1])


def test_top_level_help_imports_no_docker_datasets_or_openai():
    assert loaded_by(["--help"]) == []


@pytest.mark.parametrize("command", sorted(LAZY_COMMANDS))
def test_each_commands_help_imports_none_either(command):
    assert loaded_by([command, "--help"]) == []


def test_every_command_is_loaded_from_the_cli_package():
    for name, target in LAZY_COMMANDS.items():
        assert target.startswith("swebench_runner.cli."), target
        cmd = main.get_command(click.Context(main), name)
        assert isinstance(cmd, click.Command) and cmd.name == name
        assert cmd.callback.__module__ == target.partition(":")[0]


def test_entry_points_run(tmp_path):
    script = run_swerun("--help", cwd=tmp_path)
    assert script.returncode == 0 and "Usage: swerun" in script.stdout, script.stderr
    assert all(name in script.stdout for name in LAZY_COMMANDS)
    module = subprocess.run([sys.executable, "-m", "swebench_runner", "--version"], capture_output=True, text=True,
                            cwd=tmp_path, timeout=60)
    assert module.returncode == 0 and module.stdout.startswith("swerun, version"), module.stderr
