"""Evaluating one prediction: image, fresh container, eval script, log, grade.

``evaluate_task`` computes everything an instance leaves (its files and ``result.json`` record) and
writes nothing to the run folder, so it can run in a thread or on another machine; ``persist`` is the
one writer, called where the run folder lives, ``result.json`` last. Infrastructure failures raise
``InfraError`` (the runner retries and records them apart), carrying the files written so far as
``evidence``; everything that belongs to the verdict (resolved, unresolved, a patch that does not
apply) returns a result.
"""

from __future__ import annotations

import io
import json
import logging
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .. import official
from ..artifacts import RunDir, atomic_write, write_json
from ..backends.base import Backend, ImageProvider, RunResult
from ..backends.docker import DockerBackend
from ..errors import EvalTimeout, ImageBuildError, InfraError, PatchError
from ..images import base_for, env_recipe, instance_recipe
from ..patch import CheckedPatch, check_model_patch
from ..report import instance_report
from ..settings import RunSettings
from ..spec import VersionSpec
from ..tasks import Task, resolve_task, spec_hash
from ..types import Instance, InstanceResult, Outcome, Prediction
from . import assets, eval_script, testlog
from .grading import Grade, grade
from .log_parsers import get_parser

log = logging.getLogger(__name__)

__all__ = ["EvalContext", "Evaluation", "evaluate", "evaluate_task", "persist", "prepare_image", "spec_hash"]

# Image labels that say which environment an instance really ran in (recorded in result.json, run.json).
ENV_LABELS = ("swerun.base", "swerun.base.suite", "swerun.python", "swerun.scm_version")


@dataclass(frozen=True)
class EvalContext:
    """What evaluating needs in the process that does it: the run's settings (the one settings model),
    where containers run, and where images come from. Built once per process (per worker on Ray)."""

    settings: RunSettings
    builder: ImageProvider
    backend: Backend = field(default_factory=DockerBackend)

    @property
    def run(self) -> RunDir:
        return RunDir(self.settings.results_root, self.settings.run_id)


@dataclass
class Evaluation:
    """An instance's verdict and the files it leaves in its folder (name -> text), not yet written."""

    result: InstanceResult
    files: dict[str, str] = field(default_factory=dict)


def persist(run: RunDir, ev: Evaluation) -> InstanceResult:
    """Write an evaluation into the run folder: every file first, ``result.json`` last."""
    iid = ev.result.instance_id
    for name, text in ev.files.items():
        atomic_write(run.file(iid, name), text)
    write_json(run.file(iid, "result.json"), ev.result)
    return ev.result


def prepare_image(ctx: EvalContext, instance: Instance, spec: VersionSpec) -> Any:
    """Base, env and instance layers, each reused when present and built once otherwise (or the
    official prebuilt image, pulled when missing; with ``auto``, pulled where it can be, else ours
    built). Returns the provider's ``ImageInfo``."""
    if ctx.settings.image_source in ("swebench", "auto"):
        name = official.image_name(instance, ctx.settings.image_namespace)
        try:
            return ctx.builder.ensure_official(name)
        except ImageBuildError as exc:
            if ctx.settings.image_source == "swebench":
                raise
            log.info("%s: %s; building our image instead", instance.instance_id, exc)
    ctx.builder.ensure_base(base_for(spec, instance))
    env = env_recipe(instance, spec, ctx.builder.store)
    ctx.builder.ensure(env)
    return ctx.builder.ensure(instance_recipe(instance, spec, env, store=ctx.builder.store))


@contextmanager
def instance_log(iid: str) -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger that collects ``run_instance.log`` of one instance in memory, whatever thread runs it."""
    buf = io.StringIO()
    logger = logging.getLogger(f"swerun.instance.{iid}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = logging.StreamHandler(buf)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    try:
        yield logger, buf
    finally:
        logger.removeHandler(handler)


def _done(result: InstanceResult, files: dict[str, str], buf: io.StringIO, report: dict | None) -> Evaluation:
    if report is not None:
        files["report.json"] = json.dumps(report, indent=2) + "\n"
    files["run_instance.log"] = buf.getvalue()
    result = result.model_copy(update={"finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds")})
    return Evaluation(result, files)


def evaluate(ctx: EvalContext, instance: Instance, pred: Prediction, attempt: int = 1) -> InstanceResult:
    """Evaluate and write the instance's files into ``ctx.run`` (one process, one machine)."""
    task = resolve_task(instance, ctx.settings.image_source, ctx.settings.image_namespace)
    try:
        return persist(ctx.run, evaluate_task(ctx, task, pred, attempt))
    except InfraError as exc:
        for name, text in getattr(exc, "evidence", {}).items():
            atomic_write(ctx.run.file(instance.instance_id, name), text)
        raise


def evaluate_task(ctx: EvalContext, task: Task, pred: Prediction, attempt: int = 1) -> Evaluation:
    """The verdict on ``pred`` and the files it leaves; writes nothing into the run folder."""
    t0 = time.monotonic()
    instance = task.instance
    iid = instance.instance_id
    files: dict[str, str] = {"patch.diff": pred.model_patch or ""}
    with instance_log(iid) as (ilog, buf):
        try:
            ilog.info("evaluating %s (model %s, attempt %d)", iid, pred.model_name_or_path, attempt)
            base = InstanceResult(instance_id=iid, model_name_or_path=pred.model_name_or_path,
                                  outcome=Outcome.ERROR, patch_sha256=pred.patch_sha256, spec_hash=task.spec_hash,
                                  log_parser=task.parser, attempts=attempt)
            if pred.is_empty:
                ilog.info("empty patch: nothing to evaluate")
                return _done(base.model_copy(update={"outcome": Outcome.EMPTY_PATCH, "reason": "empty patch"}),
                             files, buf, instance_report(instance, pred, None))
            try:
                checked = check_model_patch(pred.model_patch or "")
            except PatchError as exc:
                ilog.error("patch refused: %s", exc)
                return _done(base.model_copy(update={"reason": str(exc)}), files, buf,
                             instance_report(instance, pred, None))
            if checked.reverted:
                ilog.warning("reverted changes to test infrastructure: %s", ", ".join(checked.reverted))
            t_img = time.monotonic()
            image = prepare_image(ctx, instance, task.spec)
            ilog.info("image %s (%s, %s)", image.tag, image.id[:19], image.source)
            return _run(ctx, task, pred, checked, image, base, ilog, buf, files, t0, time.monotonic() - t_img)
        except InfraError as exc:
            ilog.error("infrastructure failure: %s", exc)
            files["run_instance.log"] = buf.getvalue()
            exc.evidence = files  # type: ignore[attr-defined]
            raise


def _execute(ctx: EvalContext, task: Task, checked: CheckedPatch, image: Any, ilog: logging.Logger,
             files: dict[str, str]) -> tuple[RunResult, testlog.TestLog]:
    """Render the eval script, run it once in a fresh container, keep its files, read the log."""
    instance, iid = task.instance, task.instance_id
    staged = assets.collect(instance)
    restore = assets.restore_lines(sorted(staged))
    row = task.layout.row_script
    plan = eval_script.render(instance, task.spec, checked, ctx.settings.timeout, task.layout,
                              restore=restore if row is None else None)
    files["eval.sh"] = plan.script
    inputs: dict[str, str | bytes] = {"swerun/model.patch": checked.text, "swerun/test.patch": instance.test_patch,
                                      "swerun/eval.sh": plan.script}
    inputs.update({assets.staged_name(path): data for path, data in staged.items()})
    if row is not None:
        inputs["swerun/row_eval.sh"] = eval_script.with_exit_code(eval_script.with_assets(row, restore))
    nonce = secrets.token_hex(12)
    ilog.info("running tests: %s%s", plan.test_command, " (after reinstall)" if plan.reinstall else "")
    run = ctx.backend.run_script(
        image.tag, plan.script, run_id=ctx.run.run_id, limits=ctx.settings.limits,
        name=f"swerun-{ctx.run.run_id}-{iid}-{secrets.token_hex(3)}"[:120],
        timeout=ctx.settings.timeout + 600, labels={"swerun.instance": iid}, files={**inputs, "swerun/nonce": nonce},
    )
    files["test_output.txt"] = run.output
    tl = testlog.read(run.output, nonce, row_script=task.layout.row_script is not None)
    ilog.info("container exited %d after %.2fs; test command exit %s in %ss", run.exit_code, run.seconds,
              tl.exit_code, f"{tl.test_seconds:.2f}" if tl.test_seconds is not None else "?")
    return run, tl


def _reason(g: Grade) -> str:
    """One sentence on why an instance is not resolved."""
    if g.resolved:
        return ""
    if g.violations:
        return "log integrity: " + "; ".join(g.violations)
    if not g.log_valid:
        return "the test log does not describe a completed run (exit status and results disagree)"
    fails = g.failing_tests()
    return f"{len(fails)} failing: {', '.join(fails[:3])}{' ...' if len(fails) > 3 else ''}"


def _run(ctx: EvalContext, task: Task, pred: Prediction, checked: CheckedPatch, image: Any,
         base: InstanceResult, ilog: logging.Logger, buf: io.StringIO, files: dict[str, str], t0: float,
         t_image: float) -> Evaluation:
    instance, iid = task.instance, task.instance_id
    run, tl = _execute(ctx, task, checked, image, ilog, files)
    base = base.model_copy(update={
        "image": image.tag, "image_id": image.id, "image_digests": list(image.digests),
        "environment": {k.removeprefix("swerun."): v for k, v in image.labels.items() if k in ENV_LABELS},
        "applied_with": tl.applied_with, "reverted_files": list(checked.reverted), "test_exit_code": tl.exit_code,
        "seconds_image": round(t_image, 3), "seconds_container": round(run.seconds, 3),
        "seconds_tests": None if tl.test_seconds is None else round(tl.test_seconds, 3)})
    if run.exit_code == eval_script.EXIT_PATCH:
        reason = "patch does not apply (git apply, --3way, --reject and patch --fuzz=5 all failed)"
        ilog.error(reason)
        return _done(base.model_copy(update={"reason": reason, "seconds_total": round(time.monotonic() - t0, 3)}),
                     files, buf, instance_report(instance, pred, None))
    if run.exit_code != 0 or tl.section is None:
        phase = {eval_script.EXIT_RESET: "resetting the test files",
                 eval_script.EXIT_TEST_PATCH: "applying the test patch"}.get(run.exit_code, "running the eval script")
        raise InfraError(f"{iid}: failed {phase} (exit {run.exit_code}); see test_output.txt")
    if tl.timed_out:
        raise EvalTimeout(f"{iid}: tests ran past {ctx.settings.timeout}s")
    g = grade(instance, get_parser(task.parser), tl, strict=ctx.settings.strict, eval_type=task.eval_type)
    outcome = Outcome.RESOLVED if g.resolved else Outcome.UNRESOLVED
    ilog.info("%s%s", outcome.value, f": {_reason(g)}" if not g.resolved else "")
    return _done(base.model_copy(update={
        "outcome": outcome, "reason": _reason(g), "violations": list(g.violations),
        "failing_tests": g.failing_tests(), "seconds_total": round(time.monotonic() - t0, 3)}),
        files, buf, instance_report(instance, pred, g))
