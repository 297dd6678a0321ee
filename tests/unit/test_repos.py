"""Repository mirrors with real git: a source whose history lost objects still serves whole commits."""

from __future__ import annotations

import subprocess
from pathlib import Path

from swebench_runner.repos import RepoStore

IDENT = ["-c", "user.email=t@t", "-c", "user.name=t"]


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(cwd), *IDENT, *args], check=True, capture_output=True, text=True).stdout.strip()


def test_a_partial_mirror_serves_the_commits_it_holds_whole(tmp_path):
    src = tmp_path / "src" / "acme+widgets"
    src.mkdir(parents=True)
    _git(src, "init", "-q")
    (src / "big.bin").write_bytes(b"x" * 1000)
    (src / "a.py").write_text("one\n")
    _git(src, "add", "-A")
    _git(src, "commit", "-qm", "with a large file")
    blob = _git(src, "rev-parse", "HEAD:big.bin")
    (src / "big.bin").unlink()
    (src / "a.py").write_text("two\n")
    _git(src, "add", "-A")
    _git(src, "commit", "-qm", "without it")
    base = _git(src, "rev-parse", "HEAD")
    (src / ".git" / "objects" / blob[:2] / blob[2:]).unlink()  # what a snapshot that left big files out looks like
    store = RepoStore(f"file://{tmp_path}/src/{{owner}}+{{name}}", root=tmp_path / "cache")
    assert subprocess.run(["git", "clone", "-q", "--bare", f"file://{src}", str(tmp_path / "whole")],
                          capture_output=True).returncode != 0
    dest = tmp_path / "co"
    store.checkout("acme/widgets", base, dest)
    assert (dest / "a.py").read_text() == "two\n" and _git(dest, "rev-parse", "HEAD") == base
    assert store.read_file("acme/widgets", base, "a.py").strip() == "two"
