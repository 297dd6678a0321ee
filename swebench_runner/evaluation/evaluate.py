"""Evaluating one prediction: image, fresh container, eval script, log, grade, files.

Infrastructure failures raise ``InfraError`` (the runner retries and records them apart); everything
that belongs to the verdict (resolved, unresolved, a patch that does not apply) returns a result.
"""

from __future__ import annotations

import logging
import secrets
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from collections.abc import Iterator

from ..artifacts import RunDir, atomic_write, write_json
from ..builder import ImageBuilder, ImageInfo
from ..errors import EvalTimeout, InfraError, PatchError
from ..images import base_for, content_hash, env_recipe, instance_recipe
from ..patch import CheckedPatch, check_model_patch
from ..report import instance_report
from ..sandbox.docker import NETWORK, RunResult, SharedNetns, run_script
from ..spec import VersionSpec, spec_for
from ..types import Instance, InstanceResult, Outcome, Prediction
from .. import official
from . import eval_script, testlog
from .grading import Grade, grade
from .log_parsers import get_parser

log = logging.getLogger(__name__)


# Image labels that say which environment an instance really ran in (recorded in result.json, run.json).
ENV_LABELS = ("swerun.base", "swerun.base.suite", "swerun.python", "swerun.scm_version")


@dataclass(frozen=True)
class EvalSettings:
    run: RunDir
    builder: ImageBuilder
    timeout: int = 1800  # seconds the test command may run, enforced inside the container
    network: str | None = NETWORK
    strict: bool = True  # integrity checks on top of the official grading rules
    image_source: str = "build"  # "build": our layers from specs; "swebench": the official prebuilt images
    image_namespace: str | None = None  # registry namespace of the official images (default: the row's or Hub)
    netns: SharedNetns | None = None  # per-worker network namespaces to join (faster start than a new one)


def spec_hash(spec: VersionSpec) -> str:
    return content_hash(spec.model_dump(mode="json"))


def prepare_image(settings: EvalSettings, instance: Instance, spec: VersionSpec) -> ImageInfo:
    """Base, env and instance layers, each reused when present and built once otherwise (or the
    official prebuilt image, pulled when missing)."""
    if settings.image_source == "swebench":
        return settings.builder.ensure_official(official.image_name(instance, settings.image_namespace))
    settings.builder.ensure_base(base_for(spec, instance))
    env = env_recipe(instance, spec, settings.builder.store)
    settings.builder.ensure(env)
    return settings.builder.ensure(instance_recipe(instance, spec, env, store=settings.builder.store))


@contextmanager
def instance_log(path) -> Iterator[logging.Logger]:
    """A logger that writes ``run_instance.log`` for one instance, whatever thread runs it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    logger = logging.getLogger(f"swerun.instance.{path.parent.name}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = logging.FileHandler(path, mode="a", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    try:
        yield logger
    finally:
        logger.removeHandler(handler)
        handler.close()


def _finish(settings: EvalSettings, instance: Instance, pred: Prediction, result: InstanceResult,
            report: dict | None) -> InstanceResult:
    if report is not None:
        write_json(settings.run.file(instance.instance_id, "report.json"), report)
    result = result.model_copy(update={"finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds")})
    write_json(settings.run.file(instance.instance_id, "result.json"), result)
    return result


def evaluate(settings: EvalSettings, instance: Instance, pred: Prediction, attempt: int = 1) -> InstanceResult:
    t0 = time.monotonic()
    iid = instance.instance_id
    files = settings.run.instance(iid)
    files.mkdir(parents=True, exist_ok=True)
    with instance_log(files / "run_instance.log") as ilog:
        ilog.info("evaluating %s (model %s, attempt %d)", iid, pred.model_name_or_path, attempt)
        spec = spec_for(instance)
        base = InstanceResult(instance_id=iid, model_name_or_path=pred.model_name_or_path, outcome=Outcome.ERROR,
                              patch_sha256=pred.patch_sha256, spec_hash=spec_hash(spec), attempts=attempt)
        atomic_write(files / "patch.diff", pred.model_patch or "")
        if pred.is_empty:
            ilog.info("empty patch: nothing to evaluate")
            return _finish(settings, instance, pred, base.model_copy(update={
                "outcome": Outcome.EMPTY_PATCH, "reason": "empty patch"}), instance_report(instance, pred, None))
        try:
            checked = check_model_patch(pred.model_patch or "")
        except PatchError as exc:
            ilog.error("patch refused: %s", exc)
            return _finish(settings, instance, pred, base.model_copy(update={"reason": str(exc)}),
                           instance_report(instance, pred, None))
        if checked.reverted:
            ilog.warning("reverted changes to test infrastructure: %s", ", ".join(checked.reverted))
        t_img = time.monotonic()
        image = prepare_image(settings, instance, spec)
        ilog.info("image %s (%s, %s)", image.tag, image.id[:19], image.source)
        return _run(settings, instance, pred, spec, checked, image, base, ilog, t0, time.monotonic() - t_img)


def _execute(settings: EvalSettings, instance: Instance, spec: VersionSpec, checked: CheckedPatch,
             image: ImageInfo, ilog: logging.Logger) -> tuple[RunResult, testlog.TestLog]:
    """Render the eval script, run it once in a fresh container, keep its files, read the log."""
    iid = instance.instance_id
    layout = official.layout(instance) if settings.image_source == "swebench" else eval_script.OURS
    plan = eval_script.render(instance, spec, checked, settings.timeout, layout)
    atomic_write(settings.run.file(iid, "eval.sh"), plan.script)
    files = {"swerun/model.patch": checked.text, "swerun/test.patch": instance.test_patch,
             "swerun/eval.sh": plan.script}
    if layout.row_script is not None:
        files["swerun/row_eval.sh"] = eval_script.with_exit_code(layout.row_script)
    nonce = secrets.token_hex(12)
    ilog.info("running tests: %s%s", plan.test_command, " (after reinstall)" if plan.reinstall else "")
    run = run_script(
        image.tag, plan.script, run_id=settings.run.run_id, network=settings.network, netns=settings.netns,
        name=f"swerun-{settings.run.run_id}-{iid}-{secrets.token_hex(3)}"[:120],
        timeout=settings.timeout + 600, labels={"swerun.instance": iid}, files={**files, "swerun/nonce": nonce},
    )
    atomic_write(settings.run.file(iid, "test_output.txt"), run.output)
    tl = testlog.read(run.output, nonce, row_script=layout.row_script is not None)
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


def _run(settings: EvalSettings, instance: Instance, pred: Prediction, spec: VersionSpec, checked: CheckedPatch,
         image: ImageInfo, base: InstanceResult, ilog: logging.Logger, t0: float, t_image: float) -> InstanceResult:
    iid = instance.instance_id
    run, tl = _execute(settings, instance, spec, checked, image, ilog)
    base = base.model_copy(update={
        "image": image.tag, "image_id": image.id, "image_digests": list(image.digests),
        "environment": {k.removeprefix("swerun."): v for k, v in image.labels.items() if k in ENV_LABELS},
        "applied_with": tl.applied_with, "reverted_files": list(checked.reverted), "test_exit_code": tl.exit_code,
        "seconds_image": round(t_image, 3), "seconds_container": round(run.seconds, 3),
        "seconds_tests": None if tl.test_seconds is None else round(tl.test_seconds, 3)})
    if run.exit_code == eval_script.EXIT_PATCH:
        reason = "patch does not apply (git apply, --3way, --reject and patch --fuzz=5 all failed)"
        ilog.error(reason)
        return _finish(settings, instance, pred, base.model_copy(update={
            "reason": reason, "seconds_total": round(time.monotonic() - t0, 3)}), instance_report(instance, pred, None))
    if run.exit_code != 0 or tl.section is None:
        phase = {eval_script.EXIT_RESET: "resetting the test files",
                 eval_script.EXIT_TEST_PATCH: "applying the test patch"}.get(run.exit_code, "running the eval script")
        raise InfraError(f"{iid}: failed {phase} (exit {run.exit_code}); see test_output.txt")
    if tl.timed_out:
        raise EvalTimeout(f"{iid}: tests ran past {settings.timeout}s")
    parser = spec.log_parser if settings.image_source == "build" else official.parser_name(instance, spec.log_parser)
    g = grade(instance, get_parser(parser), tl, strict=settings.strict)
    outcome = Outcome.RESOLVED if g.resolved else Outcome.UNRESOLVED
    ilog.info("%s%s", outcome.value, f": {_reason(g)}" if not g.resolved else "")
    return _finish(settings, instance, pred, base.model_copy(update={
        "outcome": outcome, "reason": _reason(g), "violations": list(g.violations),
        "failing_tests": g.failing_tests(), "seconds_total": round(time.monotonic() - t0, 3)}),
        instance_report(instance, pred, g))
