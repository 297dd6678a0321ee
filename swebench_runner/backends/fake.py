"""An in-memory backend: no engine, no processes, so loops above the backend can be tested alone.

Sandboxes keep files in a dict and answer the handful of commands swerun's own tools send (file tests,
``stat``, ``rm``, ``find``, the git calls of patch extraction, computed with difflib against the files
the sandbox started with); any other command, the agent's shell commands included, goes to a
``commands`` callable the test supplies. One-shot scripts go to a ``responder`` callable; the default
one answers an evaluation script the way our eval script does, with every test passing when the model
patch is the instance's gold patch (``gold_responder``), which is what the control-plane benchmark and
the scheduler tests need. Images are records, made instantly. Not thread-unsafe: a lock guards counters.

It is a test double for the loops, beside (never instead of) the Docker backend's own tests.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import posixpath
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import InfraError, InputError
from ..sandbox.base import ExecResult
from .base import Limits, Mount, RunResult

Commands = Callable[[str], tuple[int, str]]  # shell command -> (exit code, merged output)
Responder = Callable[[str, str, Mapping[str, bytes | str]], RunResult]  # image, script, files -> result


def _no_commands(command: str) -> tuple[int, str]:
    return 127, f"fake sandbox: no handler for {command!r}\n"


@dataclass(frozen=True)
class FakeImage:
    """What an image provider of the fake backend hands out (the fields evaluation reads)."""

    tag: str
    id: str
    digests: tuple[str, ...] = ()
    source: str = "fake"
    labels: dict[str, str] = field(default_factory=dict)


class FakeImages:
    """Images as names: every ``ensure`` succeeds at once and is counted."""

    def __init__(self, store: Any = None) -> None:
        self.store = store
        self.made: list[str] = []
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:  # travels to Ray workers as data, without its lock
        return {"store": self.store, "made": list(self.made)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["store"])  # type: ignore[misc]
        self.made = state["made"]

    def _make(self, tag: str) -> FakeImage:
        with self._lock:
            self.made.append(tag)
        return FakeImage(tag, "sha256:" + hashlib.sha256(tag.encode()).hexdigest())

    def ensure_base(self, recipe: Any) -> FakeImage:
        return self._make(recipe.tag)

    def ensure(self, recipe: Any) -> FakeImage:
        return self._make(recipe.tag)

    def ensure_official(self, name: str) -> FakeImage:
        return self._make(name)


class FakeSandbox:
    """Files in a dict; swerun's own tool commands answered, the rest passed to ``commands``."""

    def __init__(self, files: Mapping[str, bytes | str] | None = None, *, commands: Commands = _no_commands,
                 workdir: str = "/testbed", on_close: Callable[[FakeSandbox], None] | None = None) -> None:
        self.files: dict[str, tuple[bytes, int]] = {
            p: (d.encode() if isinstance(d, str) else d, 0o644) for p, d in (files or {}).items()}
        self._start = dict(self.files)
        self.commands = commands
        self.workdir = workdir
        self.closed = False
        self._on_close = on_close

    def __enter__(self) -> FakeSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _abs(self, path: str, cwd: str | None) -> str:
        return posixpath.normpath(posixpath.join(cwd or self.workdir, path))

    def _is_dir(self, path: str) -> bool:
        prefix = path.rstrip("/") + "/"
        return path == "/" or any(p.startswith(prefix) for p in self.files)

    def exec(self, argv: list[str], *, timeout: float = 60, cwd: str | None = None,
             env: Mapping[str, str] | None = None) -> ExecResult:
        if self.closed:
            raise InfraError("fake sandbox is closed")
        code, out, err = self._answer(list(argv), cwd)
        return ExecResult(code, out, err)

    def _answer(self, argv: list[str], cwd: str | None) -> tuple[int, str, str]:
        if argv[:2] == ["test", "-e"]:
            p = self._abs(argv[2], cwd)
            return (0 if p in self.files or self._is_dir(p) else 1), "", ""
        if argv[:2] == ["test", "-d"]:
            return (0 if self._is_dir(self._abs(argv[2], cwd)) else 1), "", ""
        if argv[:3] == ["stat", "-c", "%a"]:
            p = self._abs(argv[3], cwd)
            return (0, f"{self.files[p][1]:o}\n", "") if p in self.files else (1, "", "stat: no such file\n")
        if argv[:2] == ["rm", "-f"]:
            for p in argv[2:]:
                if p != "--":
                    self.files.pop(self._abs(p, cwd), None)
            return 0, "", ""
        if argv[:2] == ["mkdir", "-p"]:
            return 0, "", ""
        if argv[:1] == ["find"]:
            root = self._abs(argv[1], cwd).rstrip("/")
            found = {root}
            for p in self.files:
                if p.startswith(root + "/"):
                    parts = p[len(root) + 1:].split("/")
                    for depth in range(1, min(len(parts), 2) + 1):
                        found.add("/".join([root, *parts[:depth]]))
            return 0, "".join(f"{p}\n" for p in sorted(found)), ""
        if argv[:1] == ["git"]:
            return self._git([a for a in argv[1:] if a != "-c" and "=" not in a or a.startswith("--")])
        if argv[:1] == ["bash"] and "swerun-shell" in argv:
            code, out = self.commands(argv[argv.index("swerun-shell") + 1])
            return code, out, f"0 0 {code}\n"
        code, out = self.commands(" ".join(argv))
        return code, out, ""

    def _git(self, args: list[str]) -> tuple[int, str, str]:
        if args[:2] == ["rev-parse", "HEAD"]:
            return 0, "fakebase\n", ""
        if args[:1] == ["add"]:
            return 0, "", ""
        if args[:2] == ["diff", "--cached"]:
            if "--raw" in args or "--numstat" in args:
                return 0, "", ""
            return 0, self.diff(), ""
        return 1, "", f"fake sandbox: git {' '.join(args)} is not supported\n"

    def diff(self, root: str = "/testbed") -> str:
        """The change since the sandbox started, as ``git diff`` prints it."""
        out: list[str] = []
        for path in sorted(set(self._start) | set(self.files)):
            if not path.startswith(root + "/"):
                continue
            rel = path[len(root) + 1:]
            old = self._start.get(path, (b"", 0))[0].decode("utf-8", "replace").splitlines(keepends=True)
            new = self.files.get(path, (b"", 0))[0].decode("utf-8", "replace").splitlines(keepends=True)
            if old == new:
                continue
            out.append(f"diff --git a/{rel} b/{rel}\n")
            if path not in self._start:
                out.append("new file mode 100644\n")
            elif path not in self.files:
                out.append("deleted file mode 100644\n")
            a = f"a/{rel}" if path in self._start else "/dev/null"
            b = f"b/{rel}" if path in self.files else "/dev/null"
            out.extend(difflib.unified_diff(old, new, a, b))
        return "".join(out)

    def read_file(self, path: str) -> bytes:
        if path in self.files:
            return self.files[path][0]
        if self._is_dir(path):
            raise IsADirectoryError(path)
        raise FileNotFoundError(path)

    def write_file(self, path: str, data: bytes | str, mode: int = 0o644) -> None:
        if self.closed:
            raise InfraError("fake sandbox is closed")
        self.files[path] = (data.encode() if isinstance(data, str) else data, mode)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            if self._on_close is not None:
                self._on_close(self)

    def fault(self) -> str | None:
        return None  # nothing runs inside, so nothing inside can end it


def _ok_responder(image: str, script: str, files: Mapping[str, bytes | str]) -> RunResult:
    return RunResult(0, "", 0.0)


class FakeBackend:
    """Everything in memory. ``responder`` answers one-shot scripts; ``sandbox_files(image)`` seeds a
    sandbox's files; ``commands`` answers shell commands in sandboxes."""

    name = "fake"
    runs_commands = False  # held to the conformance checks that need no real programs

    def __init__(self, *, responder: Responder = _ok_responder,
                 sandbox_files: Callable[[str], Mapping[str, bytes | str]] | None = None,
                 commands: Commands = _no_commands) -> None:
        self.responder = responder
        self.sandbox_files = sandbox_files or (lambda image: {})
        self.commands = commands
        self.open: dict[str, FakeSandbox] = {}  # name -> sandbox still open
        self.scripts_run = 0
        self._lock = threading.Lock()
        self._ids = itertools.count()
        self.image_provider = FakeImages()

    def __getstate__(self) -> dict[str, Any]:  # travels to Ray workers as data: no lock, no open boxes
        return {"responder": self.responder, "sandbox_files": self.sandbox_files, "commands": self.commands}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name}

    def prepare_run(self, run_id: str) -> int:
        return 0

    def cleanup(self, run_id: str | None = None, *, only_mine: bool = False, only_orphans: bool = False) -> int:
        with self._lock:
            boxes = list(self.open.values())
        for box in boxes:
            box.close()
        return len(boxes)

    def open_sandbox(self, image: str, *, run_id: str, name: str, labels: Mapping[str, str] | None = None,
                     mounts: list[Mount] | None = None, limits: Limits | None = None, workdir: str = "/testbed",
                     env: Mapping[str, str] | None = None) -> FakeSandbox:
        key = f"{name}#{next(self._ids)}"

        def forget(box: FakeSandbox) -> None:
            with self._lock:
                self.open.pop(key, None)

        box = FakeSandbox(self.sandbox_files(image), commands=self.commands, workdir=workdir, on_close=forget)
        with self._lock:
            self.open[key] = box
        return box

    def run_script(self, image: str, script: str, *, files: Mapping[str, bytes | str], run_id: str, name: str,
                   timeout: float, env: Mapping[str, str] | None = None, labels: Mapping[str, str] | None = None,
                   limits: Limits | None = None) -> RunResult:
        with self._lock:
            self.scripts_run += 1
        return self.responder(image, script, files)

    def images(self, *, repo_url: str | None, log_dir: Any, ca_bundle: str | None, registry: str | None) -> FakeImages:
        return self.image_provider

    def run_argv(self, image: str, command: list[str], **kw: Any) -> list[str]:
        raise InputError("the in-memory backend has no command line to run by hand", field="backend")

    def shell_argv(self, sandbox: Any) -> list[str]:
        raise InputError("the in-memory backend has no shell to open", field="backend")

    def image_inventory(self, label: str) -> list[dict[str, Any]]:
        return [{"Id": "sha256:" + hashlib.sha256(t.encode()).hexdigest(), "RepoTags": [t], "Size": 0,
                 "Config": {"Labels": {label: "instance"}}, "Created": "1970-01-01T00:00:00Z"}
                for t in dict.fromkeys(self.image_provider.made)]

    def remove_image(self, ref: str) -> str | None:
        with self.image_provider._lock:
            self.image_provider.made = [t for t in self.image_provider.made if t != ref]
        return None

    def storage_root(self) -> str | None:
        return None


def _change(patch: str) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """What a diff changes, per file: the lines it removes and adds (headers, hunk offsets and context
    aside), so git's diff and difflib's of the same edit compare equal."""
    out: dict[str, tuple[list[str], list[str]]] = {}
    path = ""
    for line in patch.splitlines():
        if line.startswith("+++ "):
            path = line[4:].removeprefix("b/")
            out.setdefault(path, ([], []))
        elif line.startswith("--- ") or line.startswith(("diff ", "index ", "@@", "new file", "deleted file")):
            continue
        elif line.startswith("-") and path:
            out[path][0].append(line[1:])
        elif line.startswith("+") and path:
            out[path][1].append(line[1:])
    return {p: (tuple(rm), tuple(add)) for p, (rm, add) in out.items()}


def gold_responder(instances: Any) -> Responder:
    """Answers eval scripts of ``instances`` (recognised by their test patch) as our eval script would, in
    pytest's format: FAIL_TO_PASS passes only when the model patch makes the gold patch's change,
    PASS_TO_PASS always passes. Anything else fails as a broken script would (an infrastructure failure)."""
    by_test_patch = {i.test_patch: i for i in instances}

    def text(value: bytes | str | None) -> str:
        return value.decode() if isinstance(value, bytes) else (value or "")

    def respond(image: str, script: str, files: Mapping[str, bytes | str]) -> RunResult:
        inst = by_test_patch.get(text(files.get("swerun/test.patch")))
        nonce = text(files.get("swerun/nonce"))
        if inst is None or not nonce:
            return RunResult(2, "fake backend: not an evaluation script it knows\n", 0.0)
        fixed = _change(text(files.get("swerun/model.patch"))) == _change(inst.patch or "")
        lines = [f"PASSED {t}" if fixed else f"FAILED {t}" for t in inst.FAIL_TO_PASS]
        lines += [f"PASSED {t}" for t in inst.PASS_TO_PASS]
        passed = sum(line.startswith("PASSED") for line in lines)
        failed = len(lines) - passed
        rc = 0 if failed == 0 else 1
        summary = f"{passed} passed" + (f", {failed} failed" if failed else "")
        out = (">>>>> Applied Patch (git apply -v)\n"
               f">>>>> Start Test Output [{nonce}]\n"
               + "".join(line + "\n" for line in lines)
               + f"========== {summary} in 0.01s ==========\n\n"
               f">>>>> End Test Output [{nonce}]\n"
               f">>>>> Test Exit Code: {rc} [{nonce}]\n"
               f">>>>> Test Nanoseconds: 10000000 [{nonce}]\n")
        return RunResult(0, out, 0.0)

    return respond
