"""Taking the agent's work out of the container as a SWE-bench patch.

``git add -A`` then ``git diff --cached <start commit>``, where the start commit is ``HEAD`` when the
session began (the instance image may carry a post-install commit on top of ``base_commit``, and a
diff against ``base_commit`` would repeat it). Binary files, symbolic links and nested repositories are
left out and named, since ``git apply`` in the evaluation would refuse or misapply them; the result is
checked with the same parser and safety rules the evaluation uses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from ..errors import InfraError, PatchError
from ..patch import parse_patch
from ..sandbox.base import Sandbox

log = logging.getLogger(__name__)

GIT = ["git", "-c", "core.quotepath=false", "-c", "diff.noprefix=false", "-c", "diff.mnemonicprefix=false"]
DIFF = ["diff", "--cached", "--no-color", "--no-ext-diff", "--no-renames", "--src-prefix=a/", "--dst-prefix=b/"]
UNSAFE_MODES = {"120000": "symbolic link", "160000": "nested repository"}


@dataclass(frozen=True)
class ExtractedPatch:
    text: str
    excluded: list[str] = field(default_factory=list)


def head_commit(sandbox: Sandbox, repo_dir: str = "/testbed") -> str:
    res = sandbox.exec([*GIT, "rev-parse", "HEAD"], timeout=60, cwd=repo_dir)
    if not res.ok:
        raise InfraError(f"cannot read HEAD in {repo_dir}: {res.stderr.strip() or res.stdout.strip()}")
    return res.stdout.strip()


def _git(sandbox: Sandbox, args: list[str], repo_dir: str) -> str:
    res = sandbox.exec([*GIT, *args], timeout=300, cwd=repo_dir)
    if not res.ok:
        raise InfraError(f"git {args[0]} failed in the agent container: {(res.stderr or res.stdout).strip()[:500]}")
    return res.stdout


def _excluded(sandbox: Sandbox, base: str, repo_dir: str) -> dict[str, str]:
    """path -> reason, for paths the patch must not carry."""
    out: dict[str, str] = {}
    raw = _git(sandbox, [*DIFF, "--raw", "-z", base], repo_dir).split("\0")
    for meta, path in zip(raw[0::2], raw[1::2], strict=False):
        modes = meta.lstrip(":").split()[:2]
        for mode in modes:
            if mode in UNSAFE_MODES:
                out[path] = UNSAFE_MODES[mode]
    num = _git(sandbox, [*DIFF, "--numstat", "-z", base], repo_dir).split("\0")
    for entry in num:
        parts = entry.split("\t", 2)
        if len(parts) == 3 and parts[0] == "-" and parts[1] == "-":
            out.setdefault(parts[2], "binary file")
    return out


def extract_patch(sandbox: Sandbox, base: str, repo_dir: str = "/testbed") -> ExtractedPatch:
    _git(sandbox, ["add", "-A"], repo_dir)
    excluded = _excluded(sandbox, base, repo_dir)
    specs = [f":(exclude,literal){p}" for p in sorted(excluded)]
    text = _git(sandbox, [*DIFF, base, "--", ".", *specs], repo_dir)
    notes = [f"{p} ({why})" for p, why in sorted(excluded.items())]
    if not text.strip():
        return ExtractedPatch("", notes)
    if not text.endswith("\n"):
        text += "\n"
    try:
        parse_patch(text)
    except PatchError as exc:  # should not happen for git's own output; keep the evidence, submit nothing
        log.error("extracted patch failed validation: %s", exc)
        return ExtractedPatch("", [*notes, f"whole patch ({exc})"])
    return ExtractedPatch(text, notes)
