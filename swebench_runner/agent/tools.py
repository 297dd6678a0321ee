"""The agent's tools: their schemas (what the model is told) and one dispatcher (what a call does).

A call the model got wrong — arguments that are not JSON, an unknown tool, a missing parameter, an
edit that does not match — becomes an ``Observation`` with ``error=True`` and a message saying how to
fix it; only the machinery failing (``InfraError`` from the sandbox) escapes. Long output is cut to its
head and tail with a note, because the end of a traceback matters as much as its start.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from ..model import ToolCall
from ..sandbox.base import Sandbox
from .editor import FileEditor, ToolError
from .shell import BashSession, StreamedFiles

BASH = {"type": "function", "function": {
    "name": "bash",
    "description": ("Run a bash command in the repository's container. State (working directory, variables) "
                    "persists between calls. Commands get no input and time out; run long jobs with a limit "
                    "and keep output short (pipe through head, tail or grep)."),
    "parameters": {"type": "object", "properties": {
        "command": {"type": "string", "description": "the bash command to run"}},
        "required": ["command"]}}}

EDITOR = {"type": "function", "function": {
    "name": "str_replace_editor",
    "description": ("View, create and edit files. `view` shows a file with line numbers (or lists a "
                    "directory two levels deep); `create` writes a new file; `str_replace` replaces old_str, "
                    "which must appear exactly once, with new_str; `insert` adds new_str after line "
                    "insert_line (0 = top); `undo_edit` reverts the last edit of a file. Paths are absolute."),
    "parameters": {"type": "object", "properties": {
        "command": {"type": "string", "enum": ["view", "create", "str_replace", "insert", "undo_edit"],
                    "description": "the operation"},
        "path": {"type": "string", "description": "absolute path, e.g. /testbed/pkg/module.py"},
        "file_text": {"type": "string", "description": "content of the new file (create)"},
        "old_str": {"type": "string", "description": "exact text to replace, unique in the file (str_replace)"},
        "new_str": {"type": "string", "description": "replacement (str_replace) or text to insert (insert)"},
        "insert_line": {"type": "integer", "description": "line after which to insert (insert)"},
        "view_range": {"type": "array", "items": {"type": "integer"},
                       "description": "[first, last] lines to view; last -1 means to the end (view)"}},
        "required": ["command", "path"]}}}

SUBMIT = {"type": "function", "function": {
    "name": "submit",
    "description": "Finish: your changes to the repository are taken as the fix. Call it once you are done.",
    "parameters": {"type": "object", "properties": {}, "required": []}}}

TOOLS = [BASH, EDITOR, SUBMIT]
_SCHEMAS = {t["function"]["name"]: t["function"]["parameters"] for t in TOOLS}
_KINDS = {"string": "a string", "integer": "an integer", "array": "a list", "boolean": "true or false",
          "object": "an object", "number": "a number"}
_REQUIRED = {"create": ["file_text"], "str_replace": ["old_str"], "insert": ["insert_line", "new_str"]}


@dataclass(frozen=True)
class Observation:
    output: str
    error: bool = False
    submitted: bool = False
    malformed: bool = False  # the call itself was unusable (not JSON, unknown tool): a format error
    seconds_exec: float = 0.0  # host-side time of the sandbox calls
    seconds_inside: float | None = None  # the command's own time inside the container (bash only)


def _fits(value: Any, kind: str | None) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":  # text calls may carry "12"
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, str) and value.strip().lstrip("-").isdigit())
    if kind == "array":
        return isinstance(value, list)
    if kind == "boolean":
        return isinstance(value, bool) or (isinstance(value, str) and value.lower() in ("true", "false"))
    if kind == "object":
        return isinstance(value, dict)
    return True


def schema_problem(name: str, args: dict[str, Any]) -> str | None:
    """Why ``args`` do not fit tool ``name``'s schema, naming the field; None when they fit (or the tool is
    unknown, which the dispatcher reports itself)."""
    schema = _SCHEMAS.get(name)
    if schema is None:
        return None
    props, required = schema.get("properties", {}), schema.get("required", [])
    unknown = sorted(k for k, v in args.items() if k not in props and v is not None)
    if unknown:
        known = ", ".join(props) or "none"
        return f"The {name} call has no parameter {unknown[0]!r}; its parameters are: {known}."
    missing = [r for r in required if args.get(r) is None]
    if missing:
        return f"The {name} call lacks the required parameter {missing[0]!r}."
    for key, value in args.items():
        kind = props[key].get("type")
        if value is not None and not _fits(value, kind):
            return (f"The parameter {key!r} of {name} must be {_KINDS.get(kind, kind)}, "
                    f"not {type(value).__name__} {json.dumps(value)[:80]}.")
    return None


def truncate(text: str, limit: int) -> str:
    """Keep the first and last ``limit / 2`` characters and say how much was cut and how to see it."""
    if len(text) <= limit:
        return text
    half = limit // 2
    cut = len(text) - 2 * half
    return (f"{text[:half]}\n\n<NOTE>[{cut} characters elided: the output was {len(text)} characters. Narrow it "
            f"with head, tail, grep or sed -n, or view a file by line ranges.]</NOTE>\n\n{text[-half:]}")


class ToolBox:
    """Dispatches tool calls to the bash session and the editor of one sandbox."""

    def __init__(self, sandbox: Sandbox, *, command_timeout: float = 120, output_limit: int = 10000) -> None:
        self.shell = BashSession(sandbox)
        self.editor = FileEditor(StreamedFiles(sandbox, self.shell))  # file requests ride the shell's stream
        self.command_timeout = command_timeout
        self.output_limit = output_limit
        self.specs: list[dict[str, Any]] = TOOLS

    def dispatch(self, call: ToolCall) -> Observation:
        try:
            args = json.loads(call.arguments) if call.arguments.strip() else {}
        except json.JSONDecodeError as exc:
            return Observation(f"The arguments of your {call.name!r} call are not valid JSON ({exc.msg} at "
                               f"position {exc.pos}). Send a JSON object.", error=True, malformed=True)
        if not isinstance(args, dict):
            return Observation(f"The arguments of your {call.name!r} call must be a JSON object.", error=True,
                               malformed=True)
        problem = schema_problem(call.name, args)
        if problem is not None:
            return Observation(problem, error=True, malformed=True)
        t0 = time.monotonic()
        try:
            if call.name == "bash":
                return self._bash(args)
            if call.name == "str_replace_editor":
                out = self._edit(args)
                return Observation(truncate(out, self.output_limit), seconds_exec=time.monotonic() - t0)
            if call.name == "submit":
                return Observation("Submitted.", submitted=True)
            return Observation(f"Unknown tool {call.name!r}; the tools are: bash, str_replace_editor, submit.",
                               error=True, malformed=True)
        except ToolError as exc:
            return Observation(f"Error: {exc}", error=True, seconds_exec=time.monotonic() - t0)

    def _bash(self, args: dict[str, Any]) -> Observation:
        command = args.get("command")
        if not isinstance(command, str) or not command.strip():
            raise ToolError("bash needs a non-empty string parameter 'command'.")
        res = self.shell.run(command, timeout=self.command_timeout)
        self.editor.forget()
        out = truncate(res.output, self.output_limit)
        if res.timed_out:
            out += (f"\n<NOTE>The command timed out after {self.command_timeout:.0f} seconds and was killed. "
                    "Run long tasks with a smaller scope or in the background.</NOTE>")
        elif res.exit_code != 0:
            out += f"\n<NOTE>exit code {res.exit_code}</NOTE>"
        return Observation(out or "(no output)", seconds_exec=res.seconds_exec, seconds_inside=res.seconds_inside)

    def _edit(self, args: dict[str, Any]) -> str:
        cmd, path = args.get("command"), args.get("path")
        if cmd not in ("view", "create", "str_replace", "insert", "undo_edit"):
            raise ToolError(f"Unknown editor command {cmd!r}; use view, create, str_replace, insert or undo_edit.")
        if not isinstance(path, str):
            raise ToolError("The editor needs a string parameter 'path'.")
        missing = [p for p in _REQUIRED.get(cmd, []) if p not in args]
        if missing:
            raise ToolError(f"`{cmd}` needs the parameter(s): {', '.join(missing)}.")
        if cmd == "view":
            return self.editor.view(path, args.get("view_range"))
        if cmd == "create":
            return self.editor.create(path, str(args["file_text"]))
        if cmd == "str_replace":
            return self.editor.str_replace(path, str(args["old_str"]), str(args.get("new_str") or ""))
        if cmd == "insert":
            line = args["insert_line"]
            if isinstance(line, str) and line.strip().lstrip("-").isdigit():
                line = int(line)
            return self.editor.insert(path, line, str(args["new_str"]))
        return self.editor.undo_edit(path)
