"""Running many instances: resume, a worker pool, retries of infrastructure failures, progress, cleanup.

A run id names a folder; running it again skips every instance already graded with the same patch and
spec (``result.json`` records both hashes) and redoes the rest, so a crash, Ctrl-C or ``kill -9`` costs
at most the instances that were in flight.
"""

from __future__ import annotations

import logging
import platform
import threading
from collections.abc import Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tqdm import tqdm

from . import __version__
from .artifacts import RunDir, read_json, write_json
from .builder import ImageBuilder
from .dataset import Dataset
from .errors import InfraError, SpecError, SwerunError
from .evaluation.evaluate import EvalSettings, evaluate, spec_hash
from .repos import RepoStore
from .report import run_report
from .sandbox import docker as sdocker
from .images import base_for
from .spec import spec_for
from .types import Instance, InstanceResult, Outcome, Prediction

log = logging.getLogger(__name__)


@dataclass
class RunConfig:
    run_id: str
    results_root: Path = Path("results")
    max_workers: int = 1
    timeout: int = 1800
    retries: int = 1  # extra attempts after an infrastructure failure
    repo_url: str | None = None
    registry: str | None = None
    ca_bundle: str | None = None
    strict: bool = True
    image_source: str = "build"  # or "swebench": the official prebuilt images
    image_namespace: str | None = None
    progress: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunOutcome:
    run: RunDir
    report: dict[str, Any]
    report_path: Path
    results: dict[str, InstanceResult]
    evaluated: list[str]  # ids that did container work in this invocation


def load_results(run: RunDir) -> dict[str, InstanceResult]:
    out = {}
    for iid in run.instance_ids():
        data = read_json(run.file(iid, "result.json"))
        if data is not None:
            out[iid] = InstanceResult.model_validate(data)
    return out


def _is_done(prev: InstanceResult | None, pred: Prediction, shash: str) -> bool:
    return (prev is not None and prev.outcome.graded and prev.patch_sha256 == pred.patch_sha256
            and prev.spec_hash == shash)


def _write_run_json(run: RunDir, dataset: Dataset, cfg: RunConfig, preds: Mapping[str, Prediction],
                    results: Mapping[str, InstanceResult] | None = None) -> None:
    prev = read_json(run.run_json) or {}
    try:
        server = sdocker.client().version().get("Version")
    except SwerunError:
        server = None
    data = {
        "run_id": run.run_id,
        "started_at": prev.get("started_at") or datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "updated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "dataset": {"name": dataset.name, "source": dataset.source, "instances": len(dataset.instances)},
        "models": sorted({p.model_name_or_path for p in preds.values()}),
        "config": {"max_workers": cfg.max_workers, "timeout": cfg.timeout, "retries": cfg.retries,
                   "repo_url": cfg.repo_url, "registry": cfg.registry, "strict": cfg.strict,
                   "ca_bundle": bool(cfg.ca_bundle), "image_source": cfg.image_source,
                   "image_namespace": cfg.image_namespace, **cfg.extra},
        "versions": {"swerun": __version__, "python": platform.python_version(), "docker_server": server},
        "images": {**prev.get("images", {}), **{iid: {"tag": r.image, "id": r.image_id, "digests": r.image_digests,
                                                      "environment": r.environment}
                                                for iid, r in (results or {}).items() if r.image}},
    }
    write_json(run.run_json, data)


def run_evaluation(dataset: Dataset, predictions: Mapping[str, Prediction], cfg: RunConfig) -> RunOutcome:
    """Evaluate every prediction of ``dataset``'s instances; returns the run report and results."""
    run = RunDir(cfg.results_root, cfg.run_id)
    run.path.mkdir(parents=True, exist_ok=True)
    preds = {i.instance_id: predictions[i.instance_id] for i in dataset.instances if i.instance_id in predictions}
    results = load_results(run)
    shashes: dict[str, str] = {}
    for iid in preds:  # an instance without a usable spec or Python is reported, the others still run
        try:
            spec = spec_for(dataset.by_id()[iid])
            if cfg.image_source == "build" and not preds[iid].is_empty:
                base_for(spec, dataset.by_id()[iid])
            shashes[iid] = spec_hash(spec)
        except SpecError as exc:
            log.error("%s", exc)
            results[iid] = _infra_result(run, iid, preds[iid], shash="", reason=str(exc), attempts=0)
    todo = [iid for iid in shashes if not _is_done(results.get(iid), preds[iid], shashes[iid])]
    log.info("%s: %d predictions, %d already graded, %d to evaluate", run.run_id, len(preds),
             len(preds) - len(todo), len(todo))
    _write_run_json(run, dataset, cfg, preds)
    if todo:
        results.update(_evaluate_all(run, dataset, preds, todo, cfg, shashes))
    report = run_report(dataset, preds, results)
    model = next(iter(preds.values())).model_name_or_path if preds else "none"
    path = run.run_report(model)
    write_json(path, report)
    _write_run_json(run, dataset, cfg, preds, results)
    return RunOutcome(run, report, path, results, todo)


def _evaluate_all(run: RunDir, dataset: Dataset, preds: Mapping[str, Prediction], todo: list[str],
                  cfg: RunConfig, shashes: Mapping[str, str]) -> dict[str, InstanceResult]:
    needs_docker = any(not preds[i].is_empty for i in todo)
    if needs_docker:
        sdocker.client()
        sdocker.ensure_network()
        stale = sdocker.remove_labelled(run.run_id, only_orphans=True)
        if stale:
            log.warning("removed %d containers an interrupted earlier run of %s left behind", stale, run.run_id)
    builder = ImageBuilder(RepoStore(cfg.repo_url), run.build_logs, ca_bundle=cfg.ca_bundle, registry=cfg.registry)
    netns = sdocker.SharedNetns(run.run_id) if needs_docker else None
    settings = EvalSettings(run=run, builder=builder, timeout=cfg.timeout, strict=cfg.strict,
                            image_source=cfg.image_source, image_namespace=cfg.image_namespace, netns=netns)
    instances = dataset.by_id()
    done: dict[str, InstanceResult] = {}
    counts = {o: 0 for o in Outcome}
    bar = tqdm(total=len(todo), desc=f"eval {run.run_id}", unit="inst", disable=not cfg.progress, dynamic_ncols=True)
    stop = threading.Event()

    def one(iid: str) -> InstanceResult:
        return _with_retries(settings, instances[iid], preds[iid], shashes[iid], cfg.retries, stop)

    pool = ThreadPoolExecutor(max_workers=max(1, cfg.max_workers), thread_name_prefix="swerun")
    futures: dict[Future[InstanceResult], str] = {pool.submit(one, iid): iid for iid in todo}
    try:
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
            for fut in finished:
                res = fut.result()
                done[res.instance_id] = res
                counts[res.outcome] += 1
                bar.set_postfix(resolved=counts[Outcome.RESOLVED], unresolved=counts[Outcome.UNRESOLVED],
                                errors=counts[Outcome.ERROR] + counts[Outcome.INFRA_ERROR], refresh=False)
                bar.update(1)
    except BaseException:
        # Ctrl-C or a bug: stop scheduling and retrying, kill this process's containers, keep every
        # finished result (instances in flight write nothing and are redone by the next run).
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        if needs_docker:
            try:
                sdocker.remove_labelled(run.run_id, only_mine=True)
            except SwerunError:
                pass
        raise
    finally:
        bar.close()
    pool.shutdown(wait=True)
    if netns is not None:
        netns.close()
    return done


class _Cancelled(Exception):
    """The run is stopping: an instance in flight records nothing."""


def _with_retries(settings: EvalSettings, instance: Instance, pred: Prediction, shash: str, retries: int,
                  stop: threading.Event) -> InstanceResult:
    """Evaluate one prediction; infrastructure failures are retried, then recorded as ``infra_error``."""
    iid = instance.instance_id
    attempt = 1
    while True:
        try:
            return evaluate(settings, instance, pred, attempt)
        except InfraError as exc:
            if stop.is_set():
                raise _Cancelled(iid) from None
            if attempt > retries:
                log.error("%s: infrastructure failure after %d attempts: %s", iid, attempt, exc)
                return _infra_result(settings.run, iid, pred, shash=shash, reason=str(exc), attempts=attempt)
            log.warning("%s: infrastructure failure (attempt %d), retrying: %s", iid, attempt, exc)
            attempt += 1
        except Exception as exc:  # a bug: this instance fails, the run goes on
            if stop.is_set():
                raise _Cancelled(iid) from None
            log.exception("%s: could not be evaluated", iid)
            return _infra_result(settings.run, iid, pred, shash=shash, reason=f"{type(exc).__name__}: {exc}",
                                 attempts=attempt)


def _infra_result(run: RunDir, iid: str, pred: Prediction, *, shash: str, reason: str,
                  attempts: int) -> InstanceResult:
    result = InstanceResult(instance_id=iid, model_name_or_path=pred.model_name_or_path,
                            outcome=Outcome.INFRA_ERROR, patch_sha256=pred.patch_sha256, spec_hash=shash,
                            reason=reason.splitlines()[0][:500], attempts=attempts,
                            finished_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    write_json(run.file(iid, "result.json"), result)
    return result
