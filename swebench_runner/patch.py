"""Model patches: parse, refuse what is unsafe, strip test infrastructure, classify.

Checks run on the host before any container starts and apply to every rung of the apply ladder,
because the ladder's last rung (``patch``) accepts paths that ``git apply`` would refuse. Patches that
reach into ``.git/``, climb out of the repository or create symlinks are refused; changes to test
infrastructure (conftest.py, pytest/tox config, site customisation, ``.pth`` files) are reverted so a
patch cannot rewrite how its own tests are reported.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from unidiff import PatchSet
from unidiff.errors import UnidiffParseError

from .errors import PatchError

# Files whose mere presence or change alters how tests are collected or reported.
TEST_INFRA_NAMES = {"conftest.py", "pytest.ini", "tox.ini", "sitecustomize.py", "usercustomize.py",
                    "noxfile.py", ".pytest.ini"}
TEST_INFRA_SUFFIXES = (".pth",)
# Config files that are test infrastructure only where the changed lines are pytest settings: a pytest
# section header or one of its keys. A mention of "pytest" elsewhere (an isort list, a dependency) is not.
TEST_CONFIG_FILES = {"setup.cfg", "pyproject.toml"}
TEST_CONFIG_LINE = re.compile(
    r"^\s*(?:\[\s*(?:tool:pytest|pytest|tool\.pytest[^\]]*)\s*\]"
    r"|(?:addopts|testpaths|python_files|python_classes|python_functions|usefixtures|xfail_strict"
    r"|filterwarnings|norecursedirs|required_plugins|minversion|markers|pytester_example_dir"
    r"|console_output_style|log_cli\w*|junit_\w+|doctest_\w+|empty_parameter_set_mark)\s*[=:])")
_HEADER_PATH = re.compile(r"^(?:diff --git a/(\S+) b/(\S+)|(?:---|\+\+\+) (?:[ab]/)?(\S+)|"
                          r"(?:rename|copy) (?:from|to) (\S+))")
_SYMLINK_MODE = re.compile(r"^(?:new file mode|new mode|old mode|deleted file mode) 120000", re.M)


@dataclass(frozen=True)
class FilePatch:
    path: str
    text: str
    added: bool
    removed: bool
    binary: bool


@dataclass(frozen=True)
class CheckedPatch:
    """A patch that passed the safety checks, split per file."""

    files: tuple[FilePatch, ...]
    reverted: tuple[str, ...] = field(default=())

    @property
    def text(self) -> str:
        return "".join(f.text for f in self.files)

    @property
    def paths(self) -> list[str]:
        return [f.path for f in self.files]

    def touches(self, globs: list[str]) -> list[str]:
        return [p for p in self.paths
                if any(fnmatch.fnmatch(p, g) or fnmatch.fnmatch(PurePosixPath(p).name, g) for g in globs)]


def _unsafe_reason(path: str) -> str | None:
    if path == "/dev/null":
        return None
    p = PurePosixPath(path)
    if p.is_absolute():
        return f"absolute path {path!r}"
    if ".." in p.parts:
        return f"path {path!r} leaves the repository"
    if ".git" in p.parts:
        return f"path {path!r} is inside .git/"
    return None


def _strip_prefix(path: str) -> str:
    return path[2:] if path.startswith(("a/", "b/")) else path


def _is_test_infra(fp: FilePatch) -> bool:
    name = PurePosixPath(fp.path).name
    if name in TEST_INFRA_NAMES or name.endswith(TEST_INFRA_SUFFIXES):
        return True
    if name in TEST_CONFIG_FILES:
        changed = [ln[1:] for ln in fp.text.splitlines() if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]
        return any(TEST_CONFIG_LINE.match(ln) for ln in changed)
    return False


def _git_chunks(text: str) -> list[str]:
    """Raw per-file sections of a git diff; unidiff's own rendering drops binary hunks."""
    starts = [m.start() for m in re.finditer(r"^diff --git ", text, re.M)]
    return [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=False)]


def parse_patch(text: str) -> tuple[FilePatch, ...]:
    """Split a unified diff into per-file patches; raise ``PatchError`` if it is not one."""
    if not text.endswith("\n"):
        text += "\n"  # `git apply` rejects a patch whose last line lacks its newline
    for line in text.splitlines():
        m = _HEADER_PATH.match(line)
        if m:
            for raw in filter(None, m.groups()):
                reason = _unsafe_reason(_strip_prefix(raw))
                if reason:
                    raise PatchError(f"unsafe patch: {reason}")
    if _SYMLINK_MODE.search(text):
        raise PatchError("unsafe patch: creates or changes a symbolic link")
    try:
        patchset = PatchSet(text)
    except UnidiffParseError as exc:
        raise PatchError(f"malformed patch: {exc}") from None
    if not len(patchset):
        raise PatchError("malformed patch: no file changes found")
    chunks = _git_chunks(text)
    if len(chunks) != len(patchset):
        chunks = [str(pf) for pf in patchset]  # not git-format: unidiff's rendering is all there is
    files = []
    for pf, chunk in zip(patchset, chunks, strict=False):
        path = _strip_prefix(pf.target_file if pf.target_file != "/dev/null" else pf.source_file)
        for candidate in (pf.source_file, pf.target_file, path):
            reason = _unsafe_reason(_strip_prefix(candidate))
            if reason:
                raise PatchError(f"unsafe patch: {reason}")
        files.append(FilePatch(path=path, text=chunk, added=pf.is_added_file, removed=pf.is_removed_file,
                               binary=pf.is_binary_file))
    return tuple(files)


def check_model_patch(text: str) -> CheckedPatch:
    """Validate a model patch and drop its changes to test infrastructure (reported as ``reverted``).

    A patch that only touched test infrastructure comes back with no files: it is evaluated as a patch
    that changes nothing, which is what it amounts to once reverted.
    """
    files = parse_patch(text)
    kept = tuple(f for f in files if not _is_test_infra(f))
    reverted = tuple(f.path for f in files if _is_test_infra(f))
    return CheckedPatch(kept, reverted)


def split_test_files(test_patch: str) -> tuple[list[str], list[str]]:
    """(files the test patch changes that exist at base, files it creates); none without a test patch
    (SWE-smith tasks have their tests in the repository)."""
    if not test_patch.strip():
        return [], []
    files = parse_patch(test_patch)
    return [f.path for f in files if not f.added], [f.path for f in files if f.added]


_HUNK = re.compile(r"^@@ -(\d+(?:,\d+)?) \+(\d+(?:,\d+)?) @@(.*)$")
_SWAPPED_HEADERS = {"new file mode": "deleted file mode", "deleted file mode": "new file mode",
                    "old mode": "new mode", "new mode": "old mode"}


def reverse_patch(text: str) -> str:
    """The patch that undoes ``text`` (what ``git apply -R`` would apply), as text.

    SWE-smith rows carry the change that introduces a bug; its reverse is the reference fix. Within a
    run of changed lines the removals come first, as diff writes them. Renames and binary hunks are
    not reversed (SWE-smith's bugs have neither); the tests check the result with git.
    """
    out: list[str] = []
    minus: list[str] = []  # the reversed run of changed lines, removals and additions apart
    plus: list[str] = []

    def flush() -> None:
        out.extend(minus + plus)
        minus.clear()
        plus.clear()

    lines = text.splitlines(keepends=True)
    last_run = minus  # the run the last changed line went to
    i = 0
    while i < len(lines):
        line = lines[i]
        body = line.rstrip("\n")
        if line.startswith("\\") and (minus or plus):  # "\ No newline at end of file" follows its line
            last_run.append(line)
        elif line.startswith("+") and not body.startswith("+++ "):
            minus.append("-" + line[1:])
            last_run = minus
        elif line.startswith("-") and not body.startswith("--- "):
            plus.append("+" + line[1:])
            last_run = plus
        else:
            flush()
            if body.startswith("diff --git "):
                parts = body.split(" ")
                out.append(" ".join([*parts[:2], parts[3].replace("b/", "a/", 1), parts[2].replace("a/", "b/", 1)])
                           + "\n")
            elif body.startswith("index ") and ".." in body:
                ids, _, mode = body[6:].partition(" ")
                old, new = ids.split("..", 1)
                out.append(f"index {new}..{old}{' ' + mode if mode else ''}\n")
            elif any(body.startswith(k) for k in _SWAPPED_HEADERS):
                key = next(k for k in _SWAPPED_HEADERS if body.startswith(k))
                out.append(_SWAPPED_HEADERS[key] + body[len(key):] + "\n")
            elif body.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ "):
                old, new = body[4:], lines[i + 1].rstrip("\n")[4:]
                out += [f"--- {new.replace('b/', 'a/', 1) if new != '/dev/null' else new}\n",
                        f"+++ {old.replace('a/', 'b/', 1) if old != '/dev/null' else old}\n"]
                i += 1
            elif m := _HUNK.match(body):
                out.append(f"@@ -{m[2]} +{m[1]} @@{m[3]}\n")
            else:
                out.append(line)
        i += 1
    flush()
    return "".join(out)
