"""Predictions in SWE-bench format: ``.jsonl``, a ``.json`` list, or a ``{instance_id: row}`` dict.

``gold`` and ``empty`` are built from the dataset itself. Every row is validated before any container
starts: a row without ``model_patch`` or an id the dataset lacks is refused with its file and line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .dataset import Dataset
from .errors import PredictionsError
from .types import Prediction

GOLD = "gold"
EMPTY = "empty"


def from_dataset(dataset: Dataset, kind: str) -> dict[str, Prediction]:
    return {
        i.instance_id: Prediction(instance_id=i.instance_id, model_name_or_path=kind,
                                  model_patch=i.patch if kind == GOLD else "")
        for i in dataset.instances
    }


def _raw_rows(path: Path) -> Iterable[tuple[str, Any]]:
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".jsonl":
        for lineno, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    yield f"{path}:{lineno}", json.loads(line)
                except json.JSONDecodeError as exc:
                    raise PredictionsError(f"not valid JSON ({exc.msg})", source=f"{path}:{lineno}") from None
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PredictionsError(f"not valid JSON ({exc.msg} at line {exc.lineno})", source=str(path)) from None
    if isinstance(data, dict):
        for key, row in data.items():
            if isinstance(row, dict):
                row = {"instance_id": key, **row}
            yield f"{path}[{key!r}]", row
    elif isinstance(data, list):
        for n, row in enumerate(data):
            yield f"{path}[{n}]", row
    else:
        raise PredictionsError("must hold a list of predictions or an {instance_id: prediction} object",
                               source=str(path))


def _validate(where: str, row: Any) -> Prediction:
    if not isinstance(row, dict):
        raise PredictionsError(f"prediction must be a JSON object, got {type(row).__name__}", source=where)
    iid = row.get("instance_id")
    if not isinstance(iid, str) or not iid:
        raise PredictionsError("missing or not a string", source=where, field="instance_id")
    if "model_patch" not in row:
        raise PredictionsError("missing (use null or \"\" for no patch)", source=where, instance_id=iid,
                               field="model_patch")
    if row["model_patch"] is not None and not isinstance(row["model_patch"], str):
        raise PredictionsError("must be a string or null", source=where, instance_id=iid, field="model_patch")
    name = row.get("model_name_or_path")
    if name is not None and not isinstance(name, str):
        raise PredictionsError("must be a string", source=where, instance_id=iid, field="model_name_or_path")
    return Prediction.model_validate({**row, "model_name_or_path": name or "unknown"})


def load_predictions(spec: str, dataset: Dataset) -> dict[str, Prediction]:
    """Load ``gold``, ``empty`` or a file, checked against the dataset's instance ids."""
    if spec in (GOLD, EMPTY):
        return from_dataset(dataset, spec)
    path = Path(spec)
    if not path.is_file():
        raise PredictionsError("file not found (or pass 'gold' / 'empty')", source=spec)
    preds: dict[str, Prediction] = {}
    known = dataset.by_id()
    for where, row in _raw_rows(path):
        pred = _validate(where, row)
        if pred.instance_id in preds:
            raise PredictionsError("duplicate prediction", source=where, instance_id=pred.instance_id)
        if pred.instance_id not in known:
            raise PredictionsError(f"not in dataset {dataset.source}", source=where, instance_id=pred.instance_id)
        preds[pred.instance_id] = pred
    if not preds:
        raise PredictionsError("holds no predictions", source=spec)
    return preds
