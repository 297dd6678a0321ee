"""Render ``harness/eval/eval.sh`` for one prediction: every value is shell-quoted, never interpolated raw.

The script is the only thing that runs in the evaluation container. It reads its inputs from files in
``/swerun`` (never from heredocs, which a patch containing the delimiter could break out of).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from functools import cache

from ..patch import CheckedPatch, parse_patch, split_test_files
from ..resources import harness_dir
from ..spec import VersionSpec
from ..types import Instance

START = ">>>>> Start Test Output"
END = ">>>>> End Test Output"
EXIT_CODE = ">>>>> Test Exit Code"
TIMED_OUT = ">>>>> Tests Timed Out"
APPLY_FAILED = ">>>>> Patch Apply Failed"
APPLIED = ">>>>> Applied Patch"
RESET_FAILED = ">>>>> Reset Failed"
TEST_PATCH_FAILED = ">>>>> Test Patch Apply Failed"
TEST_NANOSECONDS = ">>>>> Test Nanoseconds"
# Exit statuses of the script: which phase stopped it.
EXIT_PATCH, EXIT_RESET, EXIT_TEST_PATCH = 3, 4, 5

_PLACEHOLDER = re.compile(r"@([A-Z_]+)@")


@dataclass(frozen=True)
class Layout:
    """How an image is laid out: ours (venv on PATH) or the official harness's (conda env `testbed`)."""

    activate: str = ""  # shell line that puts the environment on PATH
    row_script: str | None = None  # the dataset row's own eval script, run in place of our test phase


OURS = Layout()
OFFICIAL = Layout(activate="source /opt/miniconda3/bin/activate && conda activate testbed || "
                           "{ echo '>>>>> Environment activation failed'; exit 10; }")
# Either image: the official one has the conda env, ours has the venv on PATH already.
AUTO = Layout(activate="if [ -f /opt/miniconda3/bin/activate ]; then " + OFFICIAL.activate + "; fi")
ROW_SCRIPT_PATH = "/swerun/row_eval.sh"


def with_assets(row_script: str, restore: list[str]) -> str:
    """Put the asset-restoring lines just before the row script's start marker: after its own reset
    and test patch, before its tests (where the official harness puts them)."""
    if not restore:
        return row_script
    lines = row_script.splitlines()
    at = next((i for i, line in enumerate(lines) if START in line), len(lines))
    return "\n".join([*lines[:at], *restore, *lines[at:]]) + "\n"


def with_exit_code(row_script: str) -> str:
    """Make a row's eval script print its test command's exit status after the end marker.

    Official scripts end with a reset of the test files, so their own exit status is the reset's; the
    test command is the line just before the end marker (swebench 5.x makes the same change).
    """
    out: list[str] = []
    for line in row_script.splitlines():
        if END in line and not any(EXIT_CODE in o for o in out):
            out += ["swerun_rc=$?", line, f'echo "{EXIT_CODE}: $swerun_rc"']
        else:
            out.append(line)
    return "\n".join(out) + "\n"


@dataclass(frozen=True)
class EvalPlan:
    """What the eval script will do, derived from the instance, spec and patch."""

    script: str
    reinstall: bool
    test_command: str


@cache
def _template() -> str:
    return (harness_dir() / "eval" / "eval.sh").read_text(encoding="utf-8")


def _words(items: list[str]) -> str:
    return " ".join(shlex.quote(i) for i in items)


def _test_files(instance: Instance) -> list[str]:
    """The files the tests are in: the test patch's, in its order; for a task whose tests are in the
    repository already (no test patch), the files its test ids name (``path::name``)."""
    if instance.test_patch.strip():
        return [f.path for f in parse_patch(instance.test_patch)]
    ids = [t.split("::", 1)[0] for t in instance.FAIL_TO_PASS + instance.PASS_TO_PASS if "::" in t]
    return list(dict.fromkeys(ids))


def render(instance: Instance, spec: VersionSpec, patch: CheckedPatch | None, timeout: int,
           layout: Layout = OURS, restore: list[str] | None = None) -> EvalPlan:
    """``restore``: lines that put staged test assets in place after the test patch."""
    existing, created = split_test_files(instance.test_patch)
    reinstall = bool(patch and patch.touches(spec.reinstall_globs))
    paths = patch.paths if patch else []
    debris = [p + ext for p in paths for ext in (".rej", ".orig")]
    added = [f.path for f in patch.files if f.added] if patch else []
    reset = []
    if existing:
        reset.append(f"git checkout -q {shlex.quote(instance.base_commit)} -- {_words(existing)} || "
                     f"{{ echo {shlex.quote(RESET_FAILED)}; exit {EXIT_RESET}; }}")
    if created:
        reset.append(f"rm -rf -- {_words(created)}")
    # A failed reinstall is the patch's doing (a broken setup.py); the tests still run and say so.
    install = (["echo '>>>>> Reinstalling (the patch touches build files)'"]
               + [f"{{ {line}\n}} || echo '>>>>> Reinstall failed; running the tests anyway'" for line in spec.install]
               if reinstall else [])
    test_command = spec.test_command(_test_files(instance))
    apply_tests = ([f"git apply -v /swerun/test.patch || {{ echo {shlex.quote(TEST_PATCH_FAILED)}; "
                    f"exit {EXIT_TEST_PATCH}; }}"] if instance.test_patch.strip() else [])
    test_setup = ["echo '>>>>> Resetting test files'", *reset, *apply_tests, *(restore or [])]
    eval_commands = list(spec.eval_commands)
    if layout.row_script is not None:  # the row's script resets, applies the test patch and runs the tests
        test_setup, eval_commands, test_command = [":"], [], f"bash {ROW_SCRIPT_PATH}"
    values = {
        "INSTANCE_ID": instance.instance_id,
        "ENV_EXPORTS": "\n".join(f"export {k}={shlex.quote(v)}" for k, v in sorted(spec.env.items())),
        "PATCH_ADDED": _words(added),
        "PATCH_DEBRIS": _words(debris),
        "REINSTALL": "\n".join(install),
        "ACTIVATE": layout.activate,
        "TEST_SETUP": "\n".join(test_setup),
        "EVAL_COMMANDS": "\n".join(eval_commands),
        "TIMEOUT": str(int(timeout)),
        "TEST_COMMAND": test_command,
    }
    script = _PLACEHOLDER.sub(lambda m: values[m.group(1)], _template())
    return EvalPlan(script=script, reinstall=reinstall, test_command=test_command)
