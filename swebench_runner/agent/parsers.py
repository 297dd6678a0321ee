"""Tool calls written as text, for servers that do not parse them into the API's ``tool_calls``.

Models served without a tool-call parser write their calls in whatever shape they were trained on, and
all of them are read into the same ``ToolCall`` a native call gives:

- ``xml``: Qwen3-Coder's own XML (``<tool_call><function=NAME><parameter=P>value</parameter>...``);
- ``hermes``: ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>``;
- ``json``: a JSON object or list in a fenced block (```` ```json ````), or a bare JSON object in the
  text whose name is one of the offered tools (llama.cpp-based servers, Ollama);
- the object may say ``{"name", "arguments"}``, ``{"name", "parameters"}``, ``{"function": NAME,
  "parameters"}``, ``{"function": {"name", "arguments"}}`` (OpenAI's wire shape), ``{"tool", "args"}``
  or ``{"tool_name", "tool_input"}``; arguments may be an object or a JSON string;
- JSON is read tolerantly: raw newlines and tabs inside strings (models write code that way), trailing
  commas, and single quotes where the text has no double quotes at all (so nothing is ambiguous).

XML parameter values are text; the tool schemas say which are integers, arrays or booleans, so they are
converted here. A reply that tries to call a tool and cannot be read yields an error message that
shows one complete, valid call in the shape the model is using (``example_call``), never an exception.
"""

from __future__ import annotations

import ast
import json
import re
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..model import ToolCall

_TOOL_CALL = re.compile(r"<tool_call>(.*?)(?:</tool_call>|\Z)", re.S)
_FUNCTION = re.compile(r"<function=([^>\s]+)>(.*?)(?:</function>|\Z)", re.S)
_PARAMETER = re.compile(r"<parameter=([^>\s]+)>(.*?)(?:</parameter>|(?=<parameter=)|(?=</function>)|\Z)", re.S)
_FENCE = re.compile(r"```[ \t]*([A-Za-z_-]*)[ \t]*\n(.*?)(?:\n[ \t]*```|\Z)", re.S)

SHAPES = ("native", "xml", "hermes", "json", "bash")
_NAME_KEYS = ("name", "tool", "tool_name")
_ARG_KEYS = ("arguments", "parameters", "args", "input", "tool_input")


def param_types(tools: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """tool name -> parameter name -> JSON-schema type, from OpenAI-style tool specs."""
    out: dict[str, dict[str, str]] = {}
    for tool in tools:
        fn = tool["function"]
        props = fn.get("parameters", {}).get("properties", {})
        out[fn["name"]] = {name: str(p.get("type", "string")) for name, p in props.items()}
    return out


@dataclass
class TextCalls:
    """What a reply's text holds: the calls, why an attempted call could not be read, and its shape."""

    calls: list[ToolCall] = field(default_factory=list)
    error: str | None = None
    shape: str | None = None  # one of SHAPES, when the text called (or tried to call) a tool


# -- tolerant JSON ------------------------------------------------------------------------------------

def _repair(text: str) -> str:
    """Escape raw control characters inside strings and drop trailing commas, outside strings only."""
    out: list[str] = []
    in_string = escaped = False
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            elif ch in "\n\t\r":
                ch = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}[ch]
            out.append(ch)
            continue
        if ch == '"':
            in_string = True
        elif ch == ",":
            rest = text[i + 1:].lstrip()
            if rest[:1] in ("}", "]"):
                continue
        out.append(ch)
    return "".join(out)


def loads_tolerant(text: str) -> Any:
    """JSON as models write it; ``ValueError`` when it is not JSON even so."""
    text = text.strip()
    for candidate in (text, _repair(text)):
        try:
            return json.loads(candidate)
        except json.JSONDecodeError:
            continue
    if "'" in text and '"' not in text:  # single quotes only: a Python-style literal, read as one
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            pass
        else:
            if isinstance(value, (dict, list)):
                return value
    try:
        json.loads(_repair(text))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{exc.msg} at line {exc.lineno} column {exc.colno}") from None
    raise ValueError("not JSON")


def _objects(text: str) -> Iterator[str]:
    """Every balanced top-level ``{...}`` span of ``text`` (string-aware), in order."""
    depth, start, in_string, escaped = 0, -1, False, False
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            continue
        if ch == '"' and depth > 0:
            in_string = True
        elif ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}" and depth > 0:
            depth -= 1
            if depth == 0:
                yield text[start:i + 1]


# -- shapes of one call ---------------------------------------------------------------------------------

def _call_id() -> str:
    return "call_" + secrets.token_hex(6)


def _as_call(obj: Any) -> ToolCall | None:
    """A call from any of the object shapes in the module docstring; None if ``obj`` is not one."""
    if not isinstance(obj, dict):
        return None
    fn = obj.get("function")
    if isinstance(fn, dict):
        name, args = fn.get("name"), next((fn[k] for k in _ARG_KEYS if k in fn), {})
    else:
        name = next((obj[k] for k in _NAME_KEYS if isinstance(obj.get(k), str)), fn if isinstance(fn, str) else None)
        args = next((obj[k] for k in _ARG_KEYS if k in obj), {})
    if not isinstance(name, str) or not name:
        return None
    if isinstance(args, str):
        try:
            args = loads_tolerant(args) if args.strip() else {}
        except ValueError:
            return ToolCall(id=_call_id(), name=name, arguments=args)  # the tool layer says what is wrong
    return ToolCall(id=_call_id(), name=name, arguments=json.dumps(args if args is not None else {}))


def _calls_in(value: Any) -> list[ToolCall]:
    items = value if isinstance(value, list) else [value]
    calls = [_as_call(v) for v in items]
    return [c for c in calls if c is not None] if all(c is not None for c in calls) else []


def _strip_value(raw: str) -> str:
    """The XML format puts values on their own lines: drop exactly one leading and trailing newline."""
    return raw.removeprefix("\n").removesuffix("\n")


def _convert(value: str, kind: str) -> Any:
    if kind == "string":
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        if kind == "boolean" and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        return value  # the tool's own validation explains what is wrong with it


def _xml_calls(text: str, types: Mapping[str, Mapping[str, str]]) -> list[ToolCall]:
    calls = []
    for fm in _FUNCTION.finditer(text):
        name, body = fm.group(1).strip(), fm.group(2)
        kinds = types.get(name, {})
        args = {pm.group(1).strip(): _convert(_strip_value(pm.group(2)), kinds.get(pm.group(1).strip(), "string"))
                for pm in _PARAMETER.finditer(body)}
        calls.append(ToolCall(id=_call_id(), name=name, arguments=json.dumps(args)))
    return calls


# -- a whole reply --------------------------------------------------------------------------------------

def read_text_calls(text: str, types: Mapping[str, Mapping[str, str]] | None = None) -> TextCalls:
    """The tool calls in a reply's text, in the first shape that holds any (see the module docstring)."""
    types = types or {}
    if "<tool_call>" in text or "<function=" in text:
        calls: list[ToolCall] = []
        shape = "xml"
        for block in [m.group(1) for m in _TOOL_CALL.finditer(text)] or [text]:
            found = _xml_calls(block, types)
            if not found and "{" in block:
                try:
                    found, shape = _calls_in(loads_tolerant(block[block.index("{"):block.rindex("}") + 1])), "hermes"
                except ValueError as exc:
                    return TextCalls(error=f"The JSON inside <tool_call> could not be read ({exc}).", shape="hermes")
            if not found:
                return TextCalls(error="Your tool call could not be read: no <function=NAME> element and no JSON "
                                       'object with "name" and "arguments" inside <tool_call>.', shape="xml")
            calls += found
        return TextCalls(calls, shape=shape)
    fences = [(m.group(1).lower(), m.group(2)) for m in _FENCE.finditer(text)]
    for lang, body in fences:
        stripped = body.strip()
        if lang not in ("", "json", "json5", "tool_call", "tool", "javascript") or stripped[:1] not in "{[":
            continue
        try:
            value = loads_tolerant(stripped)
        except ValueError as exc:
            if re.search(r'["\']?(name|function|tool)["\']?\s*:', stripped):
                return TextCalls(error=f"The JSON of your tool call could not be read ({exc}).", shape="json")
            continue
        calls = _calls_in(value)
        if calls:
            return TextCalls(calls, shape="json")
    for span in _objects(text):
        try:
            call = _as_call(loads_tolerant(span))
        except ValueError:
            continue
        if call is not None and call.name in types:  # bare JSON counts only when it names an offered tool
            return TextCalls([call], shape="json")
    return TextCalls()


def text_tool_calls(text: str, types: Mapping[str, Mapping[str, str]] | None = None
                    ) -> tuple[list[ToolCall], str | None]:
    """Tool calls found in ``text`` and, if the text tried to call a tool but failed, why (with a valid
    example in the shape it used)."""
    got = read_text_calls(text, types)
    error = f"{got.error} {example_call(got.shape)}" if got.error else None
    return got.calls, error


def example_call(shape: str | None) -> str:
    """One complete, valid call, in the shape the model is using, for error replies that teach."""
    if shape == "native":
        return ('Call a tool through the API\'s tool calling, for example the function `bash` with arguments '
                '{"command": "ls"}; call `submit` with {} when you are done.')
    if shape == "json" or shape == "hermes":
        body = '{"name": "bash", "arguments": {"command": "ls"}}'
        if shape == "hermes":
            return f"Write exactly one call like this:\n<tool_call>\n{body}\n</tool_call>"
        return f"Write exactly one call like this (strings escaped as JSON requires):\n```json\n{body}\n```"
    if shape == "bash":
        return ("Reply with your reasoning and exactly one bash block, for example:\n```bash\nls -la\n```\n"
                "When you are done, reply with a block holding only the word submit:\n```bash\nsubmit\n```")
    return ("Call a tool with exactly this format:\n<tool_call>\n<function=bash>\n<parameter=command>\nls\n"
            "</parameter>\n</function>\n</tool_call>")


def bash_block_calls(text: str) -> TextCalls:
    """Text-only mode: exactly one ```bash block per reply; a block holding only ``submit`` ends the work."""
    blocks = [body for lang, body in ((m.group(1).lower(), m.group(2)) for m in _FENCE.finditer(text))
              if lang in ("bash", "sh", "shell", "")]
    if len(blocks) != 1:
        found = "no bash block" if not blocks else f"{len(blocks)} bash blocks"
        return TextCalls(error=f"Your reply has {found}; it must have exactly one.", shape="bash")
    command = blocks[0].strip()
    if command == "submit":
        return TextCalls([ToolCall(id=_call_id(), name="submit", arguments="{}")], shape="bash")
    if not command:
        return TextCalls(error="Your bash block is empty.", shape="bash")
    return TextCalls([ToolCall(id=_call_id(), name="bash", arguments=json.dumps({"command": command}))], shape="bash")


def render_tool_docs(tools: Sequence[Mapping[str, Any]]) -> str:
    """Tool descriptions for the system prompt when tools are not sent through the API."""
    parts = []
    for tool in tools:
        fn = tool["function"]
        params = fn.get("parameters", {})
        required = set(params.get("required", []))
        lines = [f"<function>\n<name>{fn['name']}</name>\n<description>{fn['description']}</description>",
                 "<parameters>"]
        for name, p in params.get("properties", {}).items():
            enum = f" (one of: {', '.join(map(str, p['enum']))})" if "enum" in p else ""
            lines.append(f"<parameter>\n<name>{name}</name>\n<type>{p.get('type', 'string')}</type>\n"
                         f"<description>{p.get('description', '')}{enum}</description>\n"
                         f"<required>{str(name in required).lower()}</required>\n</parameter>")
        lines.append("</parameters>\n</function>")
        parts.append("\n".join(lines))
    return "<tools>\n" + "\n".join(parts) + "\n</tools>"
