"""Repositories on the host: a bare mirror per repository, and checkouts that hold no future.

Sources, in order: a bundled split's sources (built into a git repository with a fixed author and
date, so ``base_commit`` is the same hash on every machine), then the URL template
(``--repo-url`` / ``SWERUN_REPO_URL``, default GitHub; ``{owner}`` and ``{name}`` are filled in, and a
plain local path works too). An instance checkout is a depth-1 fetch of ``base_commit`` into a fresh
repository, so no commit, tag, branch or reflog after the base commit exists in it.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import tempfile
from pathlib import Path

import git
from filelock import FileLock

from .errors import RepoError
from .resources import cache_dir, datasets_dir

log = logging.getLogger(__name__)

DEFAULT_URL = "https://github.com/{owner}/{name}.git"
# Identity and date of commits swerun makes itself (bundled sources, post-install state).
FIXED_IDENTITY = {
    "GIT_AUTHOR_NAME": "swerun", "GIT_AUTHOR_EMAIL": "swerun@localhost",
    "GIT_COMMITTER_NAME": "swerun", "GIT_COMMITTER_EMAIL": "swerun@localhost",
    "GIT_AUTHOR_DATE": "2024-01-01T00:00:00+0000", "GIT_COMMITTER_DATE": "2024-01-01T00:00:00+0000",
}
BUNDLED_OWNER = "swerun-mini"
BUNDLED_MESSAGE = "Import {name} sources"


def _git(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run a git command; GitPython gives argv handling and errors that carry stderr."""
    try:
        return git.Git(str(cwd) if cwd else None).execute(
            ["git", "-c", "core.autocrlf=false", "-c", "protocol.file.allow=always", *args],
            env={**os.environ, **(env or {})})
    except git.GitCommandError as exc:
        raise RepoError(f"git {' '.join(args[:3])} failed: {exc.stderr.strip() or exc}") from None


BUNDLED_SETS = ("mini", "polyglot")  # folders of datasets/ whose repos/ hold bundled repository sources


def bundled_source(repo: str) -> Path | None:
    owner, _, name = repo.partition("/")
    if owner != BUNDLED_OWNER:
        return None
    return next((p for p in (datasets_dir() / d / "repos" / name for d in BUNDLED_SETS) if p.is_dir()), None)


def build_bundled_repo(src: Path, dest: Path) -> str:
    """Make a one-commit repository from plain files, reproducibly; returns the commit sha."""
    work = Path(tempfile.mkdtemp(prefix="swerun-bundle-"))
    try:
        tree = work / "tree"
        shutil.copytree(src, tree, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".git"))
        for p in tree.rglob("*"):  # modes are part of the tree hash, and wheels and zips lose them: pin
            if p.is_file():
                p.chmod(0o644)
        _git("init", "-q", "-b", "main", str(tree))
        _git("add", "-A", cwd=tree)
        _git("commit", "-q", "--no-gpg-sign", "-m", BUNDLED_MESSAGE.format(name=src.name), cwd=tree,
             env=FIXED_IDENTITY)
        sha = _git("rev-parse", "HEAD", cwd=tree)
        if dest.exists():
            shutil.rmtree(dest)
        _git("clone", "-q", "--bare", str(tree), str(dest))
        return sha
    finally:
        shutil.rmtree(work, ignore_errors=True)


class RepoStore:
    """Bare mirrors under the cache, one per repository, shared by every run on the machine."""

    def __init__(self, url_template: str | None = None, root: Path | None = None) -> None:
        self.url_template = url_template or os.environ.get("SWERUN_REPO_URL") or DEFAULT_URL
        self.root = root or cache_dir() / "repos"
        self.root.mkdir(parents=True, exist_ok=True)

    def url(self, repo: str) -> str:
        owner, _, name = repo.partition("/")
        return self.url_template.format(owner=owner, name=name, repo=repo)

    def _has(self, mirror: Path, commit: str) -> bool:
        try:
            _git("cat-file", "-e", f"{commit}^{{commit}}", cwd=mirror)
            return True
        except RepoError:
            return False

    def mirror(self, repo: str, *commits: str) -> Path:
        """A bare repository holding ``commits``; cloned or fetched on first need, under a lock."""
        path = self.root / (repo.replace("/", "+") + ".git")
        with FileLock(str(path) + ".lock"):
            if path.exists() and all(self._has(path, c) for c in commits):
                return path
            src = bundled_source(repo)
            if src is not None:
                build_bundled_repo(src, path)
            elif not path.exists():
                log.info("cloning %s from %s", repo, self.url(repo))
                try:
                    _git("clone", "-q", "--bare", self.url(repo), str(path))
                except RepoError as exc:
                    self._shallow(path, repo, commits, exc)
            else:
                try:
                    _git("fetch", "-q", "--tags", self.url(repo), "+refs/heads/*:refs/heads/*", cwd=path)
                except RepoError as exc:
                    self._shallow(path, repo, [c for c in commits if not self._has(path, c)], exc)
            _git("config", "uploadpack.allowAnySHA1InWant", "true", cwd=path)
            missing = [c for c in commits if not self._has(path, c)]
            if missing:
                raise RepoError(f"{repo}: commit(s) {', '.join(missing)} not found at {self.url(repo)}"
                                + (" (bundled sources)" if src is not None else ""))
        return path

    def _shallow(self, path: Path, repo: str, commits: tuple[str, ...] | list[str], why: RepoError) -> None:
        """A source whose history has objects missing (a partial mirror) cannot be cloned whole, but
        still serves the commits it holds whole: fetch just those, depth 1. An instance checkout needs
        no more; what reads history (``scm_version``) says so when it runs."""
        if not commits:
            raise why
        log.warning("%s: %s; fetching only commit(s) %s", repo, str(why).splitlines()[0][:200], ", ".join(commits))
        if not path.exists():
            _git("init", "-q", "--bare", str(path))
        full = [c for c in commits if len(c) == 40]
        if len(full) != len(commits):  # an abbreviated sha cannot be asked for by name
            raise why
        _git("fetch", "-q", "--depth=1", "--no-tags", self.url(repo), *full, cwd=path)

    def read_file(self, repo: str, commit: str, path: str) -> str | None:
        """A file's text at ``commit``, or None if it does not exist there."""
        mirror = self.mirror(repo, commit)
        try:
            return _git("show", f"{commit}:{path}", cwd=mirror)
        except RepoError:
            return None

    def checkout(self, repo: str, commit: str, dest: Path) -> None:
        """``dest`` becomes a repository with ``commit`` checked out on branch ``main`` and nothing newer."""
        mirror = self.mirror(repo, commit)
        if len(commit) < 40:  # SWE-smith names its snapshot by an abbreviated sha; a fetch needs it whole
            commit = _git("rev-parse", "--verify", "--end-of-options", f"{commit}^{{commit}}", cwd=mirror)
        _git("init", "-q", "-b", "main", str(dest))
        _git("fetch", "-q", "--depth=1", "--no-tags", f"file://{mirror}", commit, cwd=dest)
        _git("checkout", "-q", "-B", "main", commit, cwd=dest)
        _git("reflog", "expire", "--expire=now", "--all", cwd=dest)
        for p in dest.rglob("*"):  # the image gets what git wrote; make it readable whatever the umask
            if p.is_file() and not p.is_symlink():
                p.chmod(p.stat().st_mode | stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
