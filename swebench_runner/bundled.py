"""The bundled ``mini`` split: its rows are generated from ``datasets/mini/{repos,tasks}``.

Task sources are kept as files people can read and edit (a repository tree, patches, a YAML header);
``instances.jsonl`` is derived from them, with each ``base_commit`` computed by building the bundled
repository the same reproducible way the image builder does. ``swerun datasets build-mini --check``
says whether the committed rows are still what the sources produce.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import yaml

from .artifacts import atomic_write
from .repos import BUNDLED_OWNER, build_bundled_repo
from .resources import datasets_dir

FIELDS = ("instance_id", "repo", "base_commit", "patch", "test_patch", "problem_statement", "hints_text",
          "created_at", "version", "FAIL_TO_PASS", "PASS_TO_PASS", "environment_setup_commit")


def mini_dir() -> Path:
    return datasets_dir() / "mini"


def task_dirs(root: Path | None = None) -> list[Path]:
    return sorted(p for p in ((root or mini_dir()) / "tasks").iterdir() if (p / "task.yaml").is_file())


def build_rows(root: Path | None = None) -> list[dict]:
    root = root or mini_dir()
    commits: dict[str, str] = {}
    rows = []
    with tempfile.TemporaryDirectory(prefix="swerun-mini-") as tmp:
        for task in task_dirs(root):
            meta = yaml.safe_load((task / "task.yaml").read_text(encoding="utf-8"))
            owner, _, name = meta["repo"].partition("/")
            if owner != BUNDLED_OWNER:
                raise ValueError(f"{task}/task.yaml: repo must be {BUNDLED_OWNER}/<name>")
            if name not in commits:
                commits[name] = build_bundled_repo(root / "repos" / name, Path(tmp) / f"{name}.git")
            row = {
                "instance_id": meta["instance_id"], "repo": meta["repo"], "base_commit": commits[name],
                "patch": (task / "gold.patch").read_text(encoding="utf-8"),
                "test_patch": (task / "test.patch").read_text(encoding="utf-8"),
                "problem_statement": (task / "problem_statement.md").read_text(encoding="utf-8"),
                "hints_text": meta.get("hints_text") or "", "created_at": meta.get("created_at") or "",
                "version": str(meta["version"]),
                # JSON-encoded lists, as in the Hugging Face rows
                "FAIL_TO_PASS": json.dumps(meta["FAIL_TO_PASS"]), "PASS_TO_PASS": json.dumps(meta["PASS_TO_PASS"]),
                "environment_setup_commit": commits[name],
            }
            rows.append({k: row[k] for k in FIELDS})
    return rows


def render(rows: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def write_rows(root: Path | None = None) -> Path:
    root = root or mini_dir()
    path = root / "instances.jsonl"
    atomic_write(path, render(build_rows(root)))
    return path


def is_current(root: Path | None = None) -> bool:
    root = root or mini_dir()
    path = root / "instances.jsonl"
    return path.is_file() and path.read_text(encoding="utf-8") == render(build_rows(root))


def wrong_patch(instance_id: str, root: Path | None = None) -> str | None:
    """A task's plausible but wrong fix, kept beside it for tests and demos."""
    path = (root or mini_dir()) / "tasks" / instance_id / "wrong.patch"
    return path.read_text(encoding="utf-8") if path.is_file() else None
