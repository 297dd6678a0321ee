"""Refuse a leaderboard submission folder the leaderboard would refuse, and say exactly what is missing.

Checked: the folder's name and place (``evaluation/<split>/<YYYYMMDD>_<name>``); ``all_preds.jsonl``
(one row per instance of the split, one model, no duplicates, no foreign ids); ``logs/<id>/`` for every
non-empty patch, with the patch in the logs equal to the submitted one; one trajectory per instance;
no hints and no FAIL_TO_PASS / PASS_TO_PASS ids in what the agent was told; ``metadata.yaml``'s
required fields; ``README.md``; and ``results/results.json`` equal to what the leaderboard computes from
the same predictions and logs. Problems refuse the folder; warnings are for a person to read.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

from ..dataset import Dataset, load_dataset
from ..errors import InputError, SwerunError
from ..types import Instance
from .leaderboard import (
    ALWAYS_LOGGED,
    NAME_RE,
    SPLIT_FROM_FOLDER,
    TESTS_RAN_LOGGED,
    is_empty_patch,
    read_report,
    results_json,
)
from .trajview import prompt_messages

HINT_CHUNK = 80  # characters of a hint that, found in a prompt, show the hint was given to the agent
MIN_HINT = 20  # shorter hints ("see PR") are too common to mean anything


class Problem(BaseModel):
    what: str  # short code: missing_instances, missing_logs, missing_trajs, hints_in_prompt, ...
    message: str
    instances: list[str] = Field(default_factory=list)

    def line(self, show: int = 8) -> str:
        ids = ""
        if self.instances:
            more = f" (+{len(self.instances) - show} more)" if len(self.instances) > show else ""
            ids = ": " + ", ".join(self.instances[:show]) + more
        return f"{self.message}{ids}"


class CheckResult(BaseModel):
    folder: str
    split: str
    problems: list[Problem] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    results: dict[str, list[str]] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def refuse(self, what: str, message: str, instances: list[str] | None = None) -> None:
        self.problems.append(Problem(what=what, message=message, instances=sorted(instances or [])))


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def prompt_leaks(instance: Instance, traj: Any) -> list[str]:
    """What of the hints or the test lists appears in what the agent was told (``trajectory.json``)
    but not in the problem statement itself. Other trace formats are searched whole, for hints only
    (a test id printed by a tool is the agent's own finding, not a leak)."""
    problem = _norm(instance.problem_statement)
    ours = isinstance(traj, dict) and "messages" in traj
    told = _norm(" ".join(prompt_messages(traj)) if ours else (traj if isinstance(traj, str) else json.dumps(traj)))
    found = []
    hint = _norm(instance.hints_text or "")
    if len(hint) >= MIN_HINT:
        chunks = [hint] if len(hint) <= HINT_CHUNK else [hint[:HINT_CHUNK], hint[-HINT_CHUNK:]]
        if any(c in told and c not in problem for c in chunks):
            found.append("hints_text")
    if ours:
        tests = [t for t in instance.FAIL_TO_PASS + instance.PASS_TO_PASS if _norm(t) not in problem]
        leaked = [t for t in tests if _norm(t) in told]
        if leaked:
            found.append(f"{len(leaked)} test id(s) from FAIL_TO_PASS/PASS_TO_PASS, e.g. {leaked[0]}")
    return found


def read_trajectory(path: Path) -> Any:
    text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else "\n".join(
        p.read_text(encoding="utf-8", errors="replace") for p in sorted(path.rglob("*")) if p.is_file())
    try:
        return json.loads(text)
    except ValueError:
        return text


def find_trajectories(trajs: Path, ids: set[str]) -> dict[str, Path]:
    """instance id -> its trace: ``trajs/<id>.<ext>`` (``.traj``, ``.json``, ``.md``, ...) or ``trajs/<id>/``.

    Matched against the known ids (longest first), because an id may itself hold dots."""
    out: dict[str, Path] = {}
    if not trajs.is_dir():
        return out
    by_len = sorted(ids, key=len, reverse=True)
    for p in sorted(trajs.iterdir()):
        iid = p.name if p.name in ids else next((i for i in by_len if p.name.startswith(i + ".")), None)
        if iid is not None:
            out.setdefault(iid, p)
    return out


def _preds(folder: Path, res: CheckResult) -> dict[str, dict[str, Any]]:
    path = folder / "all_preds.jsonl"
    rows: dict[str, dict[str, Any]] = {}
    dups = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            res.refuse("bad_preds", f"all_preds.jsonl line {n} is not valid JSON")
            continue
        missing = [k for k in ("instance_id", "model_name_or_path", "model_patch") if k not in row]
        if missing:
            res.refuse("bad_preds", f"all_preds.jsonl line {n} lacks {', '.join(missing)}")
            continue
        if row["instance_id"] in rows:
            dups.append(row["instance_id"])
        rows[row["instance_id"]] = row
    if dups:
        res.refuse("duplicate_predictions", "all_preds.jsonl predicts some instances more than once", dups)
    models = {r["model_name_or_path"] for r in rows.values()}
    if len(models) > 1:
        res.refuse("several_models", f"all_preds.jsonl mixes models: {', '.join(sorted(map(str, models)))}")
    return rows


def _metadata(folder: Path, res: CheckResult) -> None:
    try:
        meta = yaml.safe_load((folder / "metadata.yaml").read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        res.refuse("bad_metadata", f"metadata.yaml is not valid YAML: {exc}")
        return
    info, tags = meta.get("info") or {}, meta.get("tags") or {}
    need = {"info.name": info.get("name"), "tags.model": tags.get("model"), "tags.org": tags.get("org"),
            "tags.os_model": tags.get("os_model"), "tags.os_system": tags.get("os_system"),
            "tags.system.attempts": (tags.get("system") or {}).get("attempts")}
    missing = [k for k, v in need.items() if v is None or v == [] or v == ""]
    if missing:
        res.refuse("bad_metadata", f"metadata.yaml lacks {', '.join(missing)}")
    if not info.get("report"):
        res.warnings.append("metadata.yaml has no info.report: the leaderboard expects a technical report or blog post")
    attempts = str((tags.get("system") or {}).get("attempts", "1"))
    if attempts not in ("1", "None"):
        res.warnings.append(f"tags.system.attempts is {attempts}: not a pass@1 submission")


def _logs(folder: Path, preds: dict[str, dict[str, Any]], res: CheckResult) -> None:
    logs = folder / "logs"
    missing, mismatch = [], []
    for iid, row in preds.items():
        if is_empty_patch(row):
            continue
        d = logs / iid
        report = read_report(logs, iid)
        need = list(ALWAYS_LOGGED) + (list(TESTS_RAN_LOGGED) if report and report.get("patch_successfully_applied") else [])
        if not d.is_dir() or any(not (d / f).is_file() for f in need) or report is None:
            missing.append(iid)
        elif (d / "patch.diff").read_text(encoding="utf-8", errors="replace") != row["model_patch"]:
            mismatch.append(iid)
    if missing:
        res.refuse("missing_logs", "logs/<instance_id>/ is missing or incomplete (needs patch.diff, report.json, "
                   "run_instance.log, and eval.sh + test_output.txt where the tests ran)", missing)
    if mismatch:
        res.refuse("logs_mismatch", "logs/<instance_id>/patch.diff differs from the patch in all_preds.jsonl", mismatch)


def _trajs(folder: Path, preds: dict[str, dict[str, Any]], known: dict[str, Instance], res: CheckResult) -> None:
    found = find_trajectories(folder / "trajs", set(preds) | set(known))
    missing = sorted(set(preds) - set(found))
    if missing:
        res.refuse("missing_trajs", "trajs/ has no reasoning trace for some instances (one per instance is required)",
                   missing)
    leaks: dict[str, list[str]] = {}
    for iid, path in found.items():
        if iid in known:
            what = prompt_leaks(known[iid], read_trajectory(path))
            if what:
                leaks.setdefault("; ".join(what), []).append(iid)
    for what, ids in leaks.items():
        res.refuse("prompt_leak", f"the agent's prompt holds SWE-bench knowledge it may not use ({what})", ids)


def dataset_for(folder: Path, dataset: Dataset | None) -> Dataset:
    if dataset is not None:
        return dataset
    split = SPLIT_FROM_FOLDER.get(folder.parent.name, folder.parent.name)
    try:
        return load_dataset(split)
    except SwerunError as exc:
        raise InputError(f"cannot load split {split!r} to check against ({exc}); pass --dataset",
                         source=str(folder)) from None


def check_submission(folder: Path | str, dataset: Dataset | None = None) -> CheckResult:
    """Every reason the leaderboard would refuse ``folder``; reads only."""
    folder = Path(folder)
    res = CheckResult(folder=str(folder), split=folder.parent.name)
    if not folder.is_dir():
        raise InputError("not a folder", source=str(folder))
    if not NAME_RE.match(folder.name):
        res.refuse("bad_name", f"folder name {folder.name!r} must be <YYYYMMDD>_<name>")
    if folder.parent.parent.name != "evaluation":
        res.warnings.append("the folder is not under evaluation/<split>/ as in the experiments repository")
    if folder.parent.name not in SPLIT_FROM_FOLDER:
        res.warnings.append(f"{folder.parent.name!r} is not a leaderboard split ({', '.join(SPLIT_FROM_FOLDER)})")
    required = ["all_preds.jsonl", "metadata.yaml", "README.md", "logs", "trajs", "results/results.json"]
    absent = [r for r in required if not (folder / r).exists()]
    if absent:
        res.refuse("missing_files", f"missing {', '.join(absent)}")
    ds = dataset_for(folder, dataset)
    known = ds.by_id()
    preds = _preds(folder, res) if (folder / "all_preds.jsonl").is_file() else {}
    not_predicted = sorted(set(known) - set(preds))
    if not_predicted:
        res.refuse("missing_instances", f"all_preds.jsonl has no prediction for {len(not_predicted)} of the "
                   f"{len(known)} instances of {ds.source}", not_predicted)
    foreign = sorted(set(preds) - set(known))
    if foreign:
        res.refuse("unknown_instances", f"all_preds.jsonl predicts instances that are not in {ds.source}", foreign)
    _logs(folder, preds, res)
    _trajs(folder, preds, known, res)
    if (folder / "metadata.yaml").is_file():
        _metadata(folder, res)
    if (folder / "README.md").is_file() and not (folder / "README.md").read_text(encoding="utf-8").strip():
        res.refuse("missing_files", "README.md is empty")
    res.results = results_json(known, preds, folder / "logs")
    stored = folder / "results" / "results.json"
    if stored.is_file():
        try:
            same = json.loads(stored.read_text(encoding="utf-8")) == res.results
        except ValueError:
            same = False
        if not same:
            res.refuse("results_mismatch", "results/results.json differs from what the leaderboard computes from "
                       "all_preds.jsonl and logs/ (rebuild it with swerun submit)")
    return res
