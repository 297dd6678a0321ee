"""Where inference results live in a run folder, and the rules that make them survive a crash.

Per instance, ``results/<run_id>/<instance_id>/trajectory.json`` (rewritten atomically after every
step, so a killed run still shows how far it got) and ``prediction.json`` (written once, last: an
instance is inferred exactly when it exists). ``preds.jsonl`` is never appended to: it is regenerated
from the prediction files, so ``kill -9`` at any moment leaves either the old or the new complete file.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from ..artifacts import RunDir, atomic_write, read_json
from ..errors import InputError
from .secrets import Redactor
from .trajectory import AgentPrediction, Trajectory

TRAJECTORY = "trajectory.json"
PREDICTION = "prediction.json"


class InferenceStore:
    def __init__(self, run: RunDir, redact: Redactor | None = None) -> None:
        self.run = run
        self.redact = redact or Redactor()

    def trajectory_path(self, iid: str) -> Path:
        return self.run.file(iid, TRAJECTORY)

    def prediction_path(self, iid: str) -> Path:
        return self.run.file(iid, PREDICTION)

    def write_trajectory(self, traj: Trajectory) -> None:
        atomic_write(self.trajectory_path(traj.instance_id), self.redact(traj.model_dump_json(indent=1)) + "\n")

    def write_prediction(self, pred: AgentPrediction) -> None:
        atomic_write(self.prediction_path(pred.instance_id), self.redact(pred.model_dump_json(indent=2)) + "\n")

    def prediction(self, iid: str) -> AgentPrediction | None:
        data = read_json(self.prediction_path(iid))
        if data is None:
            return None
        try:
            return AgentPrediction.model_validate(data)
        except ValidationError:
            return None

    def done(self, iid: str, model: str) -> AgentPrediction | None:
        """The finished prediction of ``iid``, if any; a different model under the same run id is an error."""
        pred = self.prediction(iid)
        if pred is not None and pred.model_name_or_path != model:
            raise InputError(f"run {self.run.run_id} already holds predictions of {pred.model_name_or_path!r}; "
                             f"use another --run-id for {model!r}", instance_id=iid)
        return pred

    def predictions(self, ids: list[str] | None = None) -> dict[str, AgentPrediction]:
        if not self.run.path.is_dir():
            return {}
        wanted = set(ids) if ids is not None else None
        out = {}
        for folder in sorted(p for p in self.run.path.iterdir() if p.is_dir()):
            if wanted is not None and folder.name not in wanted:
                continue
            pred = self.prediction(folder.name)
            if pred is not None:
                out[pred.instance_id] = pred
        return out

    def write_preds_jsonl(self) -> Path:
        """Regenerate ``preds.jsonl`` (SWE-bench format) from every finished prediction of the run."""
        import json

        rows = [json.dumps(p.swebench_row(), ensure_ascii=False) for p in self.predictions().values()]
        atomic_write(self.run.preds, self.redact("".join(r + "\n" for r in rows)))
        return self.run.preds
