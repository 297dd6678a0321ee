"""Turn a finished run into a SWE-bench leaderboard folder, and into the predictions file sb-cli takes.

The folder is assembled in a temporary sibling and renamed into place at the end, so an interrupted
``submit`` never leaves a half folder that looks complete. The run itself is only read. A run with
infrastructure failures is refused (they would be scored as unresolved): rerun ``swerun eval`` with the
same run id first, or pass ``allow_infra_errors``.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from .. import __version__
from ..artifacts import atomic_write
from ..dataset import Dataset
from ..errors import InputError
from ..types import Outcome
from .leaderboard import (
    CHECKLIST,
    LEADERBOARD_SPLITS,
    LOG_FILES,
    NAME_RE,
    SBCLI_SUBSETS,
    SubmissionInfo,
    breakdown,
    results_json,
    results_lines,
)
from .runfiles import TRAJECTORY, RunFolder
from .subcheck import find_trajectories, prompt_leaks, read_trajectory

log = logging.getLogger(__name__)


def submission_name(name: str, today: datetime | None = None) -> str:
    """``<YYYYMMDD>_<name>``: kept when ``name`` already starts with a date, else today's (UTC) is added."""
    if NAME_RE.match(name):
        return name
    candidate = f"{(today or datetime.now(timezone.utc)):%Y%m%d}_{name}"
    if not NAME_RE.match(candidate):
        raise InputError("must be letters, digits, '.', '_', '+' or '-' (e.g. 20261129_swerun_qwen3-coder)",
                         source="--name")
    return candidate


def leaderboard_split(run: RunFolder, dataset: Dataset, split: str | None) -> str:
    if split:
        return split
    name = run.split or dataset.name
    return LEADERBOARD_SPLITS.get(name, name)


def _dataset(run: RunFolder) -> Dataset:
    ds = run.load_dataset()
    if ds is None:
        raise InputError("the run's dataset cannot be loaded, and a submission needs its full instance list",
                         source=str(run.path))
    return ds


def _copy_logs(run: RunFolder, iid: str, dest: Path) -> None:
    for name in LOG_FILES:
        src = run.file(iid, name)
        if src.is_file():
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest / name)


def _readme(info: SubmissionInfo, run: RunFolder, split: str, summary: list[str], clean: dict[str, bool]) -> str:
    ticks = [clean["pass1"], clean["tests"], clean["hints"], clean["network"]]
    checklist = "\n".join(f"- [{'x' if t else ' '}] {c}" for t, c in zip(ticks, CHECKLIST, strict=False))
    inference = run.inference_json
    system = (f"Agent `{inference.get('agent')}`, model `{inference.get('model_name_or_path')}`, limits "
              f"`{json.dumps(inference.get('limits') or {})}`." if inference else
              "Predictions were evaluated without a recorded agent run.")
    return (f"# {info.name}\n\n"
            f"Run `{run.run_id}` of `{run.model}` on SWE-bench {split}, evaluated with swerun {__version__} "
            f"(per-instance Docker images, official grading rules).\n\n"
            f"{'Report: ' + info.report if info.report else 'Technical report: (add a link)'}\n\n"
            f"## Results\n\n```\n" + "\n".join(summary) + "\n```\n\n"
            f"## Checklist\n\n{checklist}\n\n"
            "The test-knowledge and hints boxes are ticked only when no trajectory's prompt holds a "
            "FAIL_TO_PASS/PASS_TO_PASS id or the hints text; the web-browsing box when the agent ran in "
            "swerun's containers, which have no route to the internet.\n\n"
            f"## System\n\n{system}\n")


def build_submission(run_path: Path | str, name: str, out_root: Path | str, info: SubmissionInfo, *,
                     split: str | None = None, overwrite: bool = False, allow_infra_errors: bool = False,
                     trajs_dir: Path | None = None) -> Path:
    """Write ``<out_root>/evaluation/<split>/<date>_<name>/`` from the run at ``run_path``; returns its path."""
    run = RunFolder(run_path)
    ds = _dataset(run)
    results = run.results()
    infra = sorted(i for i, r in results.items() if r.outcome is Outcome.INFRA_ERROR)
    if infra and not allow_infra_errors:
        raise InputError(f"{len(infra)} instances hit infrastructure failures ({', '.join(infra[:5])}); rerun "
                         "`swerun eval` with the same --run-id to retry them, or pass --allow-infra-errors",
                         source=str(run.path))
    split_dir = leaderboard_split(run, ds, split)
    final = Path(out_root) / "evaluation" / split_dir / submission_name(name)
    if final.exists() and not overwrite:
        raise InputError("already exists (pass --overwrite to replace it)", source=str(final))
    final.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
    try:
        _fill(run, ds, work, final.name, split_dir, info, trajs_dir)
        if final.exists():
            shutil.rmtree(final)
        os.replace(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    log.info("wrote submission %s", final)
    return final


def _fill(run: RunFolder, ds: Dataset, work: Path, name: str, split: str, info: SubmissionInfo,
          trajs_dir: Path | None) -> None:
    preds = run.predictions()
    ids = [i.instance_id for i in ds.instances if i.instance_id in preds]
    atomic_write(work / "all_preds.jsonl", "".join(json.dumps(
        {"instance_id": i, "model_name_or_path": preds[i]["model_name_or_path"],
         "model_patch": preds[i].get("model_patch") or ""}, ensure_ascii=False) + "\n" for i in ids))
    leaks: list[str] = []
    given = find_trajectories(trajs_dir, set(ids)) if trajs_dir else {}
    (work / "logs").mkdir()
    (work / "trajs").mkdir()
    for iid in ids:
        _copy_logs(run, iid, work / "logs" / iid)
        src = given.get(iid) if trajs_dir else run.file(iid, TRAJECTORY)
        if src is None or not src.exists():
            continue
        dest = work / "trajs" / (src.name if trajs_dir else f"{iid}.json")
        shutil.copytree(src, dest) if src.is_dir() else shutil.copyfile(src, dest)
        leaks += prompt_leaks(ds.by_id()[iid], read_trajectory(src))
    res = results_json([i.instance_id for i in ds.instances], preds, work / "logs")
    by_repo, by_year = breakdown(ds.instances, set(res["resolved"]))
    for fname, data in (("results.json", res), ("resolved_by_repo.json", by_repo), ("resolved_by_time.json", by_year)):
        atomic_write(work / "results" / fname, json.dumps(data, indent=2) + "\n")
    atomic_write(work / "metadata.yaml", yaml.safe_dump(info.metadata(), sort_keys=False, allow_unicode=True))
    summary = results_lines(name, split, len(ds.instances), res, by_repo, by_year)
    agent_ran = bool(run.inference_json)
    clean = {"pass1": info.attempts == 1, "tests": not any("test id" in x for x in leaks),
             "hints": "hints_text" not in leaks, "network": agent_ran}
    atomic_write(work / "README.md", _readme(info, run, split, summary, clean))


def sbcli_predictions(run_path: Path | str) -> list[dict[str, Any]]:
    """The list sb-cli's ``submit --predictions_path`` reads: one model, no duplicate ids, a string patch."""
    rows = RunFolder(run_path).predictions()
    models = {r["model_name_or_path"] for r in rows.values()}
    if len(models) > 1:
        raise InputError(f"sb-cli takes one model per file; the run holds {', '.join(sorted(models))}",
                         source=str(run_path))
    return [{"instance_id": i, "model_name_or_path": r["model_name_or_path"], "model_patch": r.get("model_patch") or ""}
            for i, r in rows.items()]


def write_sbcli(run_path: Path | str, out_root: Path | str, name: str, split: str) -> tuple[Path, str | None]:
    """``<out_root>/sb-cli/<name>/preds.json`` (sb-cli takes the folder name as the default run id) and the
    command that submits it, when sb-cli serves the split."""
    path = Path(out_root) / "sb-cli" / name / "preds.json"
    atomic_write(path, json.dumps(sbcli_predictions(run_path), indent=1, ensure_ascii=False) + "\n")
    subset = SBCLI_SUBSETS.get(split)
    cmd = shlex.join(["sb-cli", "submit", subset, "test", "--predictions_path", str(path), "--run_id", name]) if subset else None
    return path, cmd
