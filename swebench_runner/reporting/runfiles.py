"""Read-only access to one run folder: the files ``swerun eval`` / ``infer`` leave, by instance.

Reading never writes: no lock files, no caches, no "fixed up" JSON. A file that is missing or not valid
JSON reads as ``None`` (a run interrupted mid-instance is normal), and the caller decides what that
means. Only a path that is not a run folder at all is an error, named with its path.
"""

from __future__ import annotations

import json
import logging
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..artifacts import read_json
from ..errors import InputError, SwerunError
from ..types import InstanceResult

log = logging.getLogger(__name__)

TRAJECTORY = "trajectory.json"
PREDICTION = "prediction.json"
RESULT = "result.json"
REPORT = "report.json"
LOG_FILES = ("eval.sh", "patch.diff", "report.json", "run_instance.log", "test_output.txt")


class RunFolder:
    """``results/<run_id>/`` as written by the runner and the inference pipeline."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if not self.path.is_dir():
            raise InputError("not a folder (pass a run folder such as results/<run_id>)", source=str(path))
        if not (self.path / "run.json").is_file() and not (self.path / "inference.json").is_file():
            raise InputError("has no run.json or inference.json: not a swerun run folder", source=str(path))
        self.run_id = self.path.name

    def __repr__(self) -> str:
        return f"RunFolder({str(self.path)!r})"

    # -- run-level files --------------------------------------------------------------------------
    @cached_property
    def run_json(self) -> dict[str, Any]:
        return read_json(self.path / "run.json") or {}

    @cached_property
    def inference_json(self) -> dict[str, Any]:
        return read_json(self.path / "inference.json") or {}

    @cached_property
    def run_report_path(self) -> Path | None:
        """The official run report ``<model>.<run_id>.json`` (the newest if a folder holds several)."""
        found = [p for p in self.path.glob(f"*.{self.run_id}.json") if p.name not in ("run.json", "inference.json")]
        return max(found, key=lambda p: p.stat().st_mtime) if found else None

    @cached_property
    def run_report(self) -> dict[str, Any]:
        return (read_json(self.run_report_path) if self.run_report_path else None) or {}

    @property
    def split(self) -> str | None:
        cfg = self.run_json.get("config") or {}
        return cfg.get("split") or self.inference_json.get("split")

    @property
    def dataset_arg(self) -> str | None:
        cfg = self.run_json.get("config") or {}
        return cfg.get("dataset") or self.inference_json.get("dataset")

    @property
    def dataset_source(self) -> str:
        return (self.run_json.get("dataset") or {}).get("source") or self.inference_json.get("source") or ""

    @property
    def model(self) -> str:
        models = self.run_json.get("models") or []
        return (self.inference_json.get("model_name_or_path") or (models[0] if models else "")
                or next((r.model_name_or_path for r in self.results().values()), "unknown"))

    def load_dataset(self):
        """The run's dataset, loaded the way the run named it; ``None`` (with a warning) when it cannot be."""
        from ..dataset import load_dataset

        try:
            return load_dataset(self.split, self.dataset_arg)
        except SwerunError as exc:
            log.warning("%s: cannot load the run's dataset (%s); repositories are read from instance ids", self, exc)
            return None

    # -- instances --------------------------------------------------------------------------------
    def instance_dirs(self) -> list[str]:
        """Every instance folder, finished or not (a folder holds a known run file)."""
        names = ("result.json", "report.json", TRAJECTORY, PREDICTION, "patch.diff")
        return sorted(p.name for p in self.path.iterdir() if p.is_dir() and any((p / n).exists() for n in names))

    def selection(self) -> list[str]:
        """The instances this run was about: the run report's submitted and incomplete ids, plus every folder."""
        rep = self.run_report
        ids = set(rep.get("submitted_ids") or []) | set(rep.get("incomplete_ids") or [])
        return sorted(ids | set(self.instance_dirs()))

    def file(self, iid: str, name: str) -> Path:
        return self.path / iid / name

    def text(self, iid: str, name: str) -> str | None:
        try:
            return self.file(iid, name).read_text(encoding="utf-8", errors="replace")
        except (FileNotFoundError, IsADirectoryError):
            return None

    def json(self, iid: str, name: str) -> Any | None:
        return read_json(self.file(iid, name))

    def result(self, iid: str) -> InstanceResult | None:
        data = self.json(iid, RESULT)
        if data is None:
            return None
        try:
            return InstanceResult.model_validate(data)
        except ValidationError as exc:
            log.warning("%s: %s/%s is not a result record: %s", self, iid, RESULT, exc.errors()[0]["msg"])
            return None

    def results(self) -> dict[str, InstanceResult]:
        out = {}
        for iid in self.instance_dirs():
            r = self.result(iid)
            if r is not None:
                out[iid] = r
        return out

    def report(self, iid: str) -> dict[str, Any] | None:
        """The body of the official ``report.json`` (``{iid: body}`` on disk)."""
        data = self.json(iid, REPORT)
        if isinstance(data, dict) and isinstance(data.get(iid), dict):
            return data[iid]
        return None

    def patch(self, iid: str) -> str | None:
        """The prediction's patch exactly as the model gave it (``patch.diff``, else ``prediction.json``)."""
        text = self.text(iid, "patch.diff")
        if text is not None:
            return text
        pred = self.json(iid, PREDICTION)
        return pred.get("model_patch") if isinstance(pred, dict) else None

    def predictions(self) -> dict[str, dict[str, Any]]:
        """SWE-bench prediction rows of the run: ``preds.jsonl`` when inference wrote one, else rebuilt from
        each instance's ``patch.diff`` and ``result.json`` (an ``eval``-only run keeps no predictions file)."""
        rows: dict[str, dict[str, Any]] = {}
        preds = self.path / "preds.jsonl"
        if preds.is_file():
            for n, line in enumerate(preds.read_text(encoding="utf-8").splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                    rows[row["instance_id"]] = row
                except (ValueError, KeyError, TypeError):
                    raise InputError("not a prediction row (JSON with instance_id)", source=f"{preds}:{n}") from None
        for iid, res in self.results().items():
            if iid not in rows:
                rows[iid] = {"instance_id": iid, "model_name_or_path": res.model_name_or_path,
                             "model_patch": self.patch(iid) or ""}
        return dict(sorted(rows.items()))
