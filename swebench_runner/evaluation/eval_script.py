"""Render ``harness/eval/eval.sh`` for one prediction: every value is shell-quoted, never interpolated raw.

The script is the only thing that runs in the evaluation container. It reads its inputs from files in
``/swerun`` (never from heredocs, which a patch containing the delimiter could break out of).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from functools import cache

from ..patch import CheckedPatch, split_test_files
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


def render(instance: Instance, spec: VersionSpec, patch: CheckedPatch | None, timeout: int) -> EvalPlan:
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
    test_command = spec.test_command(existing + created)
    values = {
        "INSTANCE_ID": instance.instance_id,
        "ENV_EXPORTS": "\n".join(f"export {k}={shlex.quote(v)}" for k, v in sorted(spec.env.items())),
        "PATCH_ADDED": _words(added),
        "PATCH_DEBRIS": _words(debris),
        "REINSTALL": "\n".join(install),
        "RESET_TESTS": "\n".join(reset) or ":",
        "EVAL_COMMANDS": "\n".join(spec.eval_commands),
        "TIMEOUT": str(int(timeout)),
        "TEST_COMMAND": test_command,
    }
    script = _PLACEHOLDER.sub(lambda m: values[m.group(1)], _template())
    return EvalPlan(script=script, reinstall=reinstall, test_command=test_command)
