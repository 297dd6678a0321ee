"""The official harness's prebuilt images (``--image-source swebench``): names and layout.

Those images hold the repository at ``/testbed`` with a post-install commit on top of the base commit,
and the environment as the conda env ``testbed`` under ``/opt/miniconda3``. We evaluate in them with
our own eval script (apply ladder, nonce'd markers) after activating that env, or with the row's own
``eval_script`` where the dataset row carries one.
"""

from __future__ import annotations

from .evaluation.eval_script import OFFICIAL, Layout
from .types import Instance

OFFICIAL_NAMESPACE = "swebench"


def image_name(instance: Instance, namespace: str | None = None) -> str:
    """``<namespace>/sweb.eval.x86_64.<id>:latest``; the id is lower-cased and its ``__`` written
    ``_1776_``. A row that names its own ``image`` keeps it unless a namespace is given."""
    if instance.image and namespace is None:
        return instance.image
    key = instance.instance_id.lower().replace("__", "_1776_")
    return f"{namespace or OFFICIAL_NAMESPACE}/sweb.eval.x86_64.{key}:latest"


def layout(instance: Instance) -> Layout:
    """The conda env is activated for our own script; a row's own script activates what it needs
    itself (the Multilingual images have no conda at all)."""
    if instance.eval_script is not None:
        return Layout(row_script=instance.eval_script)
    return OFFICIAL


def parser_name(instance: Instance, spec_parser: str | None) -> str | None:
    """The row's own parser (``parse_log_<name>`` in 5.x rows) where it names one, else the spec's. The
    Multilingual parsers are registered under their full official names (``parse_log_doctest`` is C++'s
    doctest, not our Python one); the Python ones under the short names the specs use."""
    if instance.log_parser:
        from .evaluation.log_parsers import known_parser

        name = instance.log_parser
        return name if known_parser(name) else name.removeprefix("parse_log_")
    return spec_parser


def official_style_script(instance: Instance, test_command: str, activate: bool = True) -> str:
    """An eval script written the way the official harness writes them (reset the test files, apply
    the test patch from a heredoc, run the tests between markers, reset again). For building rows that
    carry their own ``eval_script`` (swebench 5.x) in benchmarks and tests; ours is safer to run."""
    import shlex

    from .patch import split_test_files

    existing, _ = split_test_files(instance.test_patch)
    reset = f"git checkout {instance.base_commit} {shlex.join(existing)}" if existing else ":"
    lines = ["#!/bin/bash", "set -uxo pipefail",
             *(["source /opt/miniconda3/bin/activate", "conda activate testbed"] if activate else []),
             "cd /testbed", reset,
             f"git apply -v - <<'EOF_114329324912'\n{instance.test_patch}\nEOF_114329324912",
             ": '>>>>> Start Test Output'", test_command, ": '>>>>> End Test Output'", reset]
    return "\n".join(lines) + "\n"
