"""Loading task instances: bundled splits, local files (.json/.jsonl/.parquet), folders of v5 task
folders (``DIR`` or ``DIR:split``) and Hugging Face ids.

Readers here only say where rows come from; what a row means is its format's (``formats``: SWE-bench
rows, SWE-rebench, SWE-smith), chosen per row by its columns. Every row is mapped and validated
before any container starts; a bad row is refused with its file, line, instance id and field, so one
typo never costs a night's run.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from .errors import DatasetError, FormatError
from .formats import format_for
from .formats.task_folders import read_task_folders, tasks_root
from .resources import datasets_dir
from .types import Instance

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Dataset:
    """Validated instances plus where they came from (recorded in ``run.json``)."""

    name: str
    source: str
    instances: tuple[Instance, ...]

    def by_id(self) -> dict[str, Instance]:
        return {i.instance_id: i for i in self.instances}

    def select(self, instance_ids: Sequence[str] | None) -> Dataset:
        if not instance_ids:
            return self
        known = self.by_id()
        missing = [i for i in instance_ids if i not in known]
        if missing:
            raise DatasetError(f"unknown instance ids: {', '.join(missing)}", source=self.source)
        wanted = set(instance_ids)
        return Dataset(self.name, self.source, tuple(i for i in self.instances if i.instance_id in wanted))


def split_registry() -> dict[str, dict[str, str]]:
    with open(datasets_dir() / "splits.yaml", encoding="utf-8") as f:
        return yaml.safe_load(f)


def validate_row(row: Any, source: str, fmt: str | None = None) -> Instance:
    """Map one raw row through its format onto an ``Instance``, or raise a ``DatasetError`` naming
    the bad field."""
    iid = row.get("instance_id") if isinstance(row, dict) else None
    iid = iid if isinstance(iid, str) else None
    if not isinstance(row, dict):
        raise DatasetError(f"row must be a JSON object, got {type(row).__name__}", source=source)
    try:
        return Instance.model_validate(format_for(row, fmt).to_instance(row))
    except FormatError as exc:
        raise DatasetError(exc.message, source=source, instance_id=iid, field=exc.field) from None
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or None
        msg = err["msg"]
        if field is None and (m := re.match(r"Value error, (\w+): (.*)", msg, re.S)):  # a record-level check
            field, msg = m[1], m[2]
        raise DatasetError(msg, source=source, instance_id=iid, field=field) from None


def _rows_from_file(path: Path) -> Iterable[tuple[str, Any]]:
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    yield f"{path}:{lineno}", json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DatasetError(f"not valid JSON ({exc.msg})", source=f"{path}:{lineno}") from None
    elif suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise DatasetError(f"not valid JSON ({exc.msg} at line {exc.lineno})", source=str(path)) from None
        if isinstance(data, dict):
            data = list(data.values())
        if not isinstance(data, list):
            raise DatasetError("must hold a list of rows", source=str(path))
        for n, row in enumerate(data):
            yield f"{path}[{n}]", row
    elif suffix == ".parquet":
        import pyarrow.parquet as pq  # comes with `datasets`; imported lazily, it is slow

        for n, row in enumerate(pq.read_table(path).to_pylist()):
            yield f"{path}[{n}]", row
    else:
        raise DatasetError("unsupported dataset file type (use .json, .jsonl or .parquet)", source=str(path))


def _rows_from_hf(hf_id: str, split: str) -> Iterable[tuple[str, Any]]:
    try:
        import datasets  # heavy import: only when a hub dataset is asked for

        rows = datasets.load_dataset(hf_id, split=split)
    except Exception as exc:  # the library raises many unrelated types for "offline"
        raise DatasetError(
            f"could not load {hf_id!r} (split {split!r}) from Hugging Face: {exc}. Offline, pass a local "
            "copy with --dataset PATH (.json/.jsonl/.parquet)", source=hf_id) from None
    for n, row in enumerate(rows):
        yield f"{hf_id}[{split}][{n}]", row


def _build(name: str, source: str, rows: Iterable[tuple[str, Any]]) -> Dataset:
    instances: list[Instance] = []
    seen: dict[str, str] = {}
    for where, row in rows:
        inst = validate_row(row, where)
        if inst.instance_id in seen:
            raise DatasetError(f"duplicate instance id (first at {seen[inst.instance_id]})", source=where,
                               instance_id=inst.instance_id)
        seen[inst.instance_id] = where
        instances.append(inst)
    if not instances:
        raise DatasetError("holds no rows", source=source)
    return Dataset(name, source, tuple(instances))


def _task_folders(dataset: str) -> tuple[Path, str | None] | None:
    """``DIR`` or ``DIR:split`` naming a folder of task folders, else None."""
    head, sep, tail = dataset.rpartition(":")
    for path, split in ((Path(dataset), None), (Path(head), tail) if sep else (None, None)):
        if path is not None and path.is_dir() and tasks_root(path) is not None:
            return path, split
    return None


def load_dataset(split: str | None = None, dataset: str | None = None) -> Dataset:
    """Load by split name (``mini``, ``verified``, ...) or by ``--dataset`` (a file, a folder of task
    folders as ``DIR[:split]``, or ``HF_ID[:split]``)."""
    if dataset:
        folders = _task_folders(dataset)
        if folders is not None:
            path, task_split = folders
            return _build(path.name + (f"-{task_split}" if task_split else ""), dataset,
                          read_task_folders(path, task_split))
        path = Path(dataset)
        if path.is_dir():
            raise DatasetError("holds no task folders (no */task.yaml in it or in its tasks/)", source=dataset)
        if path.exists():
            return _build(path.stem, str(path), _rows_from_file(path))
        if path.suffix.lower() in (".json", ".jsonl", ".parquet"):
            raise DatasetError("file not found", source=dataset)
        hf_id, _, hf_split = dataset.partition(":")
        return _build(hf_id, dataset, _rows_from_hf(hf_id, hf_split or split or "test"))
    name = split or "mini"
    registry = split_registry()
    if name not in registry:
        raise DatasetError(f"unknown split {name!r}; known: {', '.join(sorted(registry))}", source="--split")
    entry = registry[name]
    if "path" in entry:
        path = datasets_dir() / entry["path"]
        return _build(name, f"bundled:{name}", _rows_from_file(path))
    return _build(name, f"{entry['hf']}[{entry.get('split', 'test')}]",
                  _rows_from_hf(entry["hf"], entry.get("split", "test")))
