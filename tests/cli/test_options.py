"""One definition per option: a flag shared by several commands parses the same way in all of them."""

from __future__ import annotations

import click
import pytest

from swebench_runner.cli import main
from swebench_runner.cli.eval import eval_cmd
from swebench_runner.cli.images import images_group
from swebench_runner.cli.infer import infer_cmd
from swebench_runner.cli.options import check_run_id, ids
from swebench_runner.cli.validate import validate_cmd

COMMANDS = {"swerun": main, "eval": eval_cmd, "infer": infer_cmd, "validate": validate_cmd,
            "images estimate": images_group.commands["estimate"], "images build": images_group.commands["build"]}
# deliberate differences: --model is optional on the group (no model: help); image builds use fewer workers
EXPECTED = {("swerun", "--model"), ("images build", "--max-workers")}


def signature(p: click.Parameter) -> tuple:
    return (p.type.to_info_dict(), p.default, p.multiple, p.envvar, getattr(p, "is_flag", False), p.required,
            p.expose_value)


def test_a_shared_flag_parses_the_same_everywhere():
    seen: dict[str, tuple[str, tuple]] = {}
    shared = 0
    for cmd_name, cmd in COMMANDS.items():
        for p in cmd.params:
            if not isinstance(p, click.Option) or p.name in ("help", "version", "verbose"):
                continue
            flag = p.opts[0]
            if (cmd_name, flag) in EXPECTED:
                continue
            if flag in seen:
                shared += 1
                assert signature(p) == seen[flag][1], f"{flag}: {cmd_name} differs from {seen[flag][0]}"
            else:
                seen[flag] = (cmd_name, signature(p))
    assert shared > 30


def test_ids_split_on_commas_and_spaces():
    assert ids(("a,b", "c  d", "", ",e,")) == ["a", "b", "c", "d", "e"]


@pytest.mark.parametrize("good", ["r1", "2024-01-01_run.2", "A" * 128])
def test_safe_run_ids_pass(good):
    assert check_run_id(None, None, good) == good


@pytest.mark.parametrize("bad", ["../x", "..", ".", ".hidden", "a/b", "/abs", "a\\b", "", "a b", "A" * 129, "é"])
def test_unsafe_run_ids_are_refused(bad):
    with pytest.raises(click.BadParameter):
        check_run_id(None, None, bad)
