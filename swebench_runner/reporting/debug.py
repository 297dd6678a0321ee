"""``swerun debug ID``: the instance's image, a container at ``base_commit``, and the run's evidence.

Three non-interactive paths and one interactive one, all from the same image and argv builders:
``run_tests`` evaluates a patch exactly as a run does (the same ``evaluate``, into a scratch folder, so the
user's run is never touched) and lines the per-test verdicts up against the run's ``report.json``;
``shell_argv`` is the ``docker run`` a person types to get a shell with the patch applied (the
interactive path runs that argv, and it is printed shell-quoted to reproduce by hand); ``replay``
(``replay.py``) steps through a trajectory. Scratch files go to ``<cache>/debug/<id>-<time>/``.
"""

from __future__ import annotations

import json
import logging
import shlex
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel

from ..artifacts import RunDir, atomic_write
from ..backends.base import Mount
from ..backends.docker import DockerBackend
from ..backends.docker_builder import ImageInfo
from ..dataset import Dataset, load_dataset
from ..errors import InputError
from ..evaluation.evaluate import EvalContext, evaluate, prepare_image
from ..resources import cache_dir
from ..settings import RunSettings
from ..spec import VersionSpec, spec_for
from ..types import Instance, InstanceResult, Prediction
from .runfiles import RunFolder
from .summary import TestRow, observed_statuses, test_rows

log = logging.getLogger(__name__)

DEBUG_RUN_ID = "debug"
# Applies /swerun/model.patch (if any) the way the first and last rungs of the eval ladder do, then runs
# the command given after the script's name ("bash" for a shell). Fixed text: nothing is interpolated.
APPLY_THEN = ('if [ -s /swerun/model.patch ]; then git apply -v /swerun/model.patch || '
              'patch --batch --forward --fuzz=5 -p1 -i /swerun/model.patch || '
              '{ echo "swerun debug: the patch does not apply" >&2; exit 3; }; fi; exec "$@"')


@dataclass(frozen=True)
class DebugTarget:
    instance: Instance
    spec: VersionSpec
    image: ImageInfo
    settings: EvalContext
    patch: str | None  # what to apply on top of base_commit; None: nothing
    patch_from: str  # where the patch came from, for people
    run: RunFolder | None
    workdir: Path

    @property
    def iid(self) -> str:
        return self.instance.instance_id


def _dataset(run: RunFolder | None, split: str | None, dataset: str | None) -> Dataset:
    if split or dataset or run is None:
        return load_dataset(split, dataset)
    ds = run.load_dataset()
    if ds is None:
        raise InputError("cannot load the run's dataset; pass --split or --dataset", source=str(run.path))
    return ds


def _settings(run: RunFolder | None, workdir: Path, repo_url: str | None, registry: str | None,
              ca_bundle: str | None) -> EvalContext:
    """Evaluation settings of the run (timeout, grading, image source) with a scratch results folder."""
    cfg = (run.run_json.get("config") or {}) if run else {}
    scratch = RunDir(workdir, DEBUG_RUN_ID)
    # a person at this machine: its own engine, whatever ran the run; one evaluation at a time, so no
    # network-namespace holder outlives it
    backend = DockerBackend(share_netns=False)
    builder = backend.images(repo_url=repo_url or cfg.get("repo_url"), log_dir=scratch.build_logs,
                             ca_bundle=ca_bundle, registry=registry or cfg.get("registry"))
    wanted = {"timeout": cfg.get("timeout"), "strict": cfg.get("strict"), "image_source": cfg.get("image_source"),
              "image_namespace": cfg.get("image_namespace")}
    settings = RunSettings(run_id=DEBUG_RUN_ID, results_root=workdir, **{k: v for k, v in wanted.items() if v is not None})
    return EvalContext(settings=settings, builder=builder, backend=backend)


def resolve_target(iid: str, *, run_path: Path | str | None = None, patch_file: Path | str | None = None,
                   split: str | None = None, dataset: str | None = None, repo_url: str | None = None,
                   registry: str | None = None, ca_bundle: str | None = None, use_run_patch: bool = True) -> DebugTarget:
    """Find the instance, build (or reuse) its image, pick the patch: ``patch_file``, else the run's."""
    run = RunFolder(run_path) if run_path else None
    ds = _dataset(run, split, dataset)
    instance = ds.by_id().get(iid)
    if instance is None:
        hint = "" if split or dataset else " (pass --split or --dataset, or --run)" if run is None else ""
        raise InputError(f"no instance {iid!r} in {ds.source}{hint}", source="ID")
    workdir = cache_dir() / "debug" / f"{iid}-{datetime.now():%Y%m%d-%H%M%S-%f}"
    workdir.mkdir(parents=True)
    settings = _settings(run, workdir, repo_url, registry, ca_bundle)
    spec = spec_for(instance)
    image = prepare_image(settings, instance, spec)
    patch, source = None, "none (the repository at base_commit)"
    if patch_file:
        path = Path(patch_file)
        if not path.is_file():
            raise InputError("patch file not found", source=str(path))
        patch, source = path.read_text(encoding="utf-8"), f"file {path}"
    elif run and use_run_patch:
        patch = run.patch(iid)
        if patch is None:
            raise InputError(f"run {run.run_id} has no patch for {iid}", source=str(run.path))
        source = f"run {run.run_id}"
    if patch is not None:
        atomic_write(workdir / "model.patch", patch)
    log.info("%s: image %s, patch from %s, scratch folder %s", iid, image.tag, source, workdir)
    return DebugTarget(instance, spec, image, settings, patch, source, run, workdir)


def shell_argv(target: DebugTarget, *, tty: bool = True, command: list[str] | None = None) -> list[str]:
    """``docker run`` of a throwaway container at ``base_commit`` with the patch applied, running ``command``
    (an interactive, non-login shell by default: a login shell would reset PATH and lose the image's venv).
    The same argv is run for the interactive shell and printed for people."""
    mounts = [Mount(source=str(target.workdir / "model.patch"), target="/swerun/model.patch")] if (
        target.patch is not None) else []
    return target.settings.backend.run_argv(
        target.image.tag, ["bash", "-c", APPLY_THEN, "swerun-debug", *(command or ["bash"])], tty=tty,
        env=target.spec.env, mounts=mounts, labels={"swerun.instance": target.iid, "swerun.run": DEBUG_RUN_ID})


def printable(argv: list[str]) -> str:
    return shlex.join(argv)


def open_shell(target: DebugTarget) -> int:
    """The interactive path: run ``shell_argv`` attached to this terminal."""
    import subprocess

    argv = shell_argv(target)
    if shutil.which(argv[0]) is None:
        raise InputError(f"the {argv[0]} command line is not installed; run the printed command elsewhere")
    target.settings.backend.prepare_run(DEBUG_RUN_ID)
    return subprocess.call(argv)


class TestsOutcome(BaseModel):
    __test__ = False

    result: InstanceResult
    rows: list[TestRow]  # now
    expected: list[TestRow]  # the run's report.json, or the dataset's expectation (all pass)
    expected_from: str
    tests_status: dict | None  # report.json of this evaluation
    differ: list[str]  # tests whose verdict differs from expected
    workdir: str
    repro: list[str]  # docker argv that reruns the eval script by hand

    @property
    def same(self) -> bool:
        return not self.differ


def _expected(target: DebugTarget) -> tuple[list[TestRow], str]:
    report = target.run.report(target.iid) if target.run else None
    if report and "tests_status" in report:
        return test_rows(report["tests_status"], target.instance, None), f"run {target.run.run_id}'s report.json"
    rows = [TestRow(name=n, kind=k, ok=True) for k in ("FAIL_TO_PASS", "PASS_TO_PASS")
            for n in getattr(target.instance, k)]
    return rows, "the dataset (every FAIL_TO_PASS and PASS_TO_PASS test passes)"


def _repro(target: DebugTarget, files: Path) -> list[str]:
    """Files and argv to rerun the evaluation by hand: the eval script with its inputs in /swerun."""
    repro = target.workdir / "repro"
    repro.mkdir(exist_ok=True)
    shutil.copyfile(files / "eval.sh", repro / "eval.sh")
    atomic_write(repro / "model.patch", target.patch or "")
    atomic_write(repro / "test.patch", target.instance.test_patch)
    atomic_write(repro / "nonce", "debug")
    return target.settings.backend.run_argv(target.image.tag, ["bash", "/swerun/eval.sh"],
                                            mounts=[Mount(source=str(repro), target="/swerun")])


def run_tests(target: DebugTarget) -> TestsOutcome:
    """Evaluate ``target.patch`` as a run would and compare each test's verdict with the expected one."""
    pred = Prediction(instance_id=target.iid, model_name_or_path="swerun-debug", model_patch=target.patch or "")
    result = evaluate(target.settings, target.instance, pred)
    files = target.settings.run.instance(target.iid)
    report = target.settings.run.file(target.iid, "report.json")
    body = (json.loads(report.read_text()) if report.is_file() else {}).get(target.iid) or {}
    output = (files / "test_output.txt").read_text(errors="replace") if (files / "test_output.txt").is_file() else None
    rows = test_rows(body.get("tests_status"), target.instance, observed_statuses(target.instance, output))
    expected, where = _expected(target)
    want = {f"{e.kind}::{e.name}": e.ok for e in expected}
    now = {f"{r.kind}::{r.name}": r.ok for r in rows}
    differ = sorted(k for k in want.keys() | now.keys() if want.get(k) != now.get(k))
    repro = _repro(target, files) if (files / "eval.sh").is_file() else []
    return TestsOutcome(result=result, rows=rows, expected=expected, expected_from=where,
                        tests_status=body.get("tests_status"), differ=differ, workdir=str(target.workdir), repro=repro)
