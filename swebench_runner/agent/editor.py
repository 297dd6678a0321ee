"""The file editor tool: view, create, str_replace, insert, undo_edit — the SWE-bench agents' editor.

Files are read and written through the sandbox contract (``read_file``/``write_file``), so the editor
works on any backend and never builds shell text from model input; directory listings and file modes
go through ``exec`` with argv lists. ``str_replace`` refuses an ``old_str`` that is missing or appears
more than once, because a guessed location is how edits silently land in the wrong place. Every
change keeps the previous text so ``undo_edit`` can restore it. Problems the model can fix come back
as ``ToolError`` messages, not exceptions that end the run.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict

from ..sandbox.base import Sandbox

SNIPPET_LINES = 4


class ToolError(Exception):
    """A tool call the model got wrong; the message is shown to the model."""


def _numbered(text: str, start: int = 1) -> str:
    return "\n".join(f"{n:6}\t{line}" for n, line in enumerate(text.split("\n"), start))


class FileEditor:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self._history: dict[str, list[str]] = defaultdict(list)
        # Every sandbox call is a container round trip (~0.1 s): remember what cannot change behind our
        # back often enough to matter. A file's mode and that a path is a file are looked up once.
        self._modes: dict[str, int] = {}
        self._files: set[str] = set()

    def forget(self) -> None:
        """Drop cached facts about files: called after every bash command, which may change anything."""
        self._modes.clear()
        self._files.clear()

    # -- helpers ---------------------------------------------------------------------------------
    @staticmethod
    def _check_path(path: str) -> str:
        if not path or not posixpath.isabs(path):
            raise ToolError(f"The path {path!r} is not absolute; use a full path such as /testbed/{path or 'file.py'}.")
        return posixpath.normpath(path)

    def _read(self, path: str) -> str:
        try:
            raw = self.sandbox.read_file(path)
        except FileNotFoundError:
            raise ToolError(f"The path {path} does not exist.") from None
        except IsADirectoryError:
            raise ToolError(f"The path {path} is a directory; this command needs a file.") from None
        self._files.add(path)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ToolError(f"{path} is not a UTF-8 text file; inspect it with bash instead.") from None

    def _mode(self, path: str) -> int:
        if path not in self._modes:
            res = self.sandbox.exec(["stat", "-c", "%a", path], timeout=30)
            self._modes[path] = int(res.stdout.strip(), 8) if res.ok and res.stdout.strip().isdigit() else 0o644
        return self._modes[path]

    def _write(self, path: str, text: str, *, old: str | None) -> None:
        mode = self._mode(path) if old is not None else 0o644
        self.sandbox.write_file(path, text.encode("utf-8"), mode=mode)
        self._modes[path] = mode
        self._files.add(path)
        self._history[path].append(old if old is not None else "\0created")

    def _exists(self, path: str) -> bool:
        return self.sandbox.exec(["test", "-e", path], timeout=30).returncode == 0

    def _snippet(self, text: str, first_line: int, n_new: int) -> str:
        lines = text.split("\n")
        start = max(0, first_line - SNIPPET_LINES)
        end = min(len(lines), first_line + n_new + SNIPPET_LINES)
        return _numbered("\n".join(lines[start:end]), start + 1)

    # -- commands --------------------------------------------------------------------------------
    def view(self, path: str, view_range: list[int] | None = None) -> str:
        path = self._check_path(path)
        if path not in self._files and self.sandbox.exec(["test", "-d", path], timeout=30).returncode == 0:
            if view_range:
                raise ToolError("view_range is for files, not directories.")
            res = self.sandbox.exec(["find", path, "-maxdepth", "2", "-not", "-path", "*/.*",
                                     "-not", "-name", "__pycache__"], timeout=60)
            entries = "\n".join(sorted(res.stdout.splitlines()))
            return (f"Files and directories up to 2 levels deep in {path}, excluding hidden items:\n{entries}")
        text = self._read(path)
        if not view_range:
            return f"Here's the result of running `cat -n` on {path}:\n{_numbered(text)}"
        if len(view_range) != 2 or not all(isinstance(v, int) for v in view_range):
            raise ToolError("view_range must be a list of two integers, e.g. [10, 40] ([10, -1] for the rest).")
        lines = text.split("\n")
        first, last = view_range
        if not 1 <= first <= len(lines):
            raise ToolError(f"view_range start {first} is outside the file's lines [1, {len(lines)}].")
        if last != -1 and not first <= last <= len(lines):
            raise ToolError(f"view_range end {last} must be -1 or between {first} and {len(lines)}.")
        chosen = lines[first - 1:] if last == -1 else lines[first - 1:last]
        return f"Here's the result of running `cat -n` on {path}:\n{_numbered(chr(10).join(chosen), first)}"

    def create(self, path: str, file_text: str) -> str:
        path = self._check_path(path)
        if self._exists(path):
            raise ToolError(f"File already exists at {path}; `create` cannot overwrite it. Use str_replace.")
        self._write(path, file_text, old=None)
        return f"File created successfully at: {path}"

    def str_replace(self, path: str, old_str: str, new_str: str = "") -> str:
        path = self._check_path(path)
        text = self._read(path)
        if not old_str:
            raise ToolError("old_str must not be empty.")
        count = text.count(old_str)
        if count == 0:
            raise ToolError(f"No replacement was performed: old_str did not appear verbatim in {path}.")
        if count > 1:
            lines = [text[:i].count("\n") + 1 for i in _find_all(text, old_str)]
            raise ToolError(f"No replacement was performed: old_str appears {count} times in {path} (lines "
                            f"{', '.join(map(str, lines))}). Include more surrounding lines to make it unique.")
        new_text = text.replace(old_str, new_str, 1)
        self._write(path, new_text, old=text)
        first = text[:text.index(old_str)].count("\n")
        return (f"The file {path} has been edited. Here's a snippet of the edited file:\n"
                f"{self._snippet(new_text, first, new_str.count(chr(10)) + 1)}\n"
                "Review the changes and make sure they are as expected.")

    def insert(self, path: str, insert_line: int, new_str: str) -> str:
        path = self._check_path(path)
        text = self._read(path)
        lines = text.split("\n")
        if not isinstance(insert_line, int) or not 0 <= insert_line <= len(lines):
            raise ToolError(f"insert_line must be an integer between 0 and {len(lines)}.")
        new_lines = new_str.split("\n")
        new_text = "\n".join(lines[:insert_line] + new_lines + lines[insert_line:])
        self._write(path, new_text, old=text)
        return (f"The file {path} has been edited. Here's a snippet of the edited file:\n"
                f"{self._snippet(new_text, insert_line, len(new_lines))}\n"
                "Review the changes and make sure they are as expected (indentation, no duplicate lines).")

    def undo_edit(self, path: str) -> str:
        path = self._check_path(path)
        if not self._history[path]:
            raise ToolError(f"No edit history for {path}.")
        old = self._history[path].pop()
        if old == "\0created":
            self.sandbox.exec(["rm", "-f", "--", path], timeout=30)
            self._files.discard(path)
            self._modes.pop(path, None)
            return f"Undid the creation of {path}; the file is removed."
        self.sandbox.write_file(path, old.encode("utf-8"), mode=self._mode(path))
        return f"Last edit to {path} undone. Its content now:\n{_numbered(old)}"


def _find_all(text: str, needle: str) -> list[int]:
    out, i = [], text.find(needle)
    while i != -1:
        out.append(i)
        i = text.find(needle, i + 1)
    return out
