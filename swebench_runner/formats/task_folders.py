"""Reading a folder of v5 task folders (swebench 5.x ``tasks/<instance_id>/``) as dataset rows.

Each task folder holds ``task.yaml`` (short metadata, its ``split``), ``tests.json`` (FAIL_TO_PASS and
PASS_TO_PASS), ``gold.patch``, ``test.patch``, ``eval.sh``, ``problem_statement.md``, optionally
``hints.md``, a ``Dockerfile`` and ``test_assets/`` (binary files a text patch cannot carry, laid out
by their path in the repository). The rows it yields are SWE-bench 5.x rows, read by the ``swebench``
format like any other; the test assets become ``assets`` (repo path -> file here), staged into the
container after the test patch, as the official harness does. ``deprecated`` tasks are left out
unless that split is asked for.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from ..errors import DatasetError

TASK_FILE, TESTS_FILE, ASSETS = "task.yaml", "tests.json", "test_assets"
AS_FILE = {"patch": "gold.patch", "test_patch": "test.patch", "eval_script": "eval.sh",
           "problem_statement": "problem_statement.md"}
OPTIONAL_FILE = {"hints_text": "hints.md", "dockerfile": "Dockerfile"}
DEPRECATED = "deprecated"


def tasks_root(path: Path) -> Path | None:
    """The folder holding the task folders: ``path/tasks`` (a task repository) or ``path`` itself."""
    for root in (path / "tasks", path):
        if root.is_dir() and any((d / TASK_FILE).is_file() for d in root.iterdir() if d.is_dir()):
            return root
    return None


def _read(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as f:  # CRLF inside a patch survives verbatim
        return f.read()


def read_task(task_dir: Path) -> dict[str, Any]:
    """One task folder as a row; raises ``DatasetError`` naming the file that is missing or malformed."""
    where = str(task_dir / TASK_FILE)
    try:
        row = yaml.safe_load((task_dir / TASK_FILE).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DatasetError(f"not valid YAML: {exc}", source=where) from None
    if not isinstance(row, dict):
        raise DatasetError("must hold a mapping", source=where)
    for column, name in AS_FILE.items():
        if not (task_dir / name).is_file():
            raise DatasetError(f"missing {name}", source=str(task_dir), instance_id=row.get("instance_id"))
        row[column] = _read(task_dir / name)
    for column, name in OPTIONAL_FILE.items():
        row[column] = _read(task_dir / name) if (task_dir / name).is_file() else None
    row["hints_text"] = row["hints_text"] or ""
    try:
        tests = json.loads((task_dir / TESTS_FILE).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DatasetError(f"cannot read {TESTS_FILE}: {exc}", source=str(task_dir / TESTS_FILE),
                           instance_id=row.get("instance_id")) from None
    row.update(tests)
    assets = task_dir / ASSETS
    if assets.is_dir():
        row["assets"] = {p.relative_to(assets).as_posix(): str(p) for p in sorted(assets.rglob("*")) if p.is_file()}
    row.pop("datasets", None)  # which published datasets list the task: the repository's business, not ours
    return row


def read_task_folders(path: Path, split: str | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
    """Rows of every task folder under ``path`` (of ``split`` only, when given), in name order."""
    root = tasks_root(path)
    if root is None:
        raise DatasetError(f"holds no task folders (no */{TASK_FILE} in it or in its tasks/)", source=str(path))
    for task_dir in sorted(d for d in root.iterdir() if (d / TASK_FILE).is_file()):
        row = read_task(task_dir)
        task_split = row.pop("split", None)
        if (split is None and task_split == DEPRECATED) or (split is not None and task_split != split):
            continue
        yield str(task_dir), row
