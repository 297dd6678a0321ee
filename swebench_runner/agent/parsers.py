"""Tool calls written as text, for servers that do not parse them into the API's ``tool_calls``.

Two formats are read: Qwen3-Coder's own XML (``<tool_call><function=NAME><parameter=P>value</parameter>
</function></tool_call>``, which vLLM/SGLang turn into native calls only with the right parser enabled)
and the Hermes JSON form (``<tool_call>{"name": ..., "arguments": {...}}</tool_call>``). Parameter
values in XML are text; the tool schemas say which ones are integers, arrays or booleans, so they are
converted here and the tool layer receives the same JSON arguments as from a native call. A reply that
tries to call a tool but cannot be read yields an error message for the model, never an exception.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from ..model import ToolCall

_TOOL_CALL = re.compile(r"<tool_call>(.*?)(?:</tool_call>|\Z)", re.S)
_FUNCTION = re.compile(r"<function=([^>\s]+)>(.*?)(?:</function>|\Z)", re.S)
_PARAMETER = re.compile(r"<parameter=([^>\s]+)>(.*?)(?:</parameter>|(?=<parameter=)|(?=</function>)|\Z)", re.S)

FORMAT_HELP = ("Call a tool with exactly this format:\n<tool_call>\n<function=NAME>\n<parameter=NAME>\nvalue\n"
               "</parameter>\n</function>\n</tool_call>")


def param_types(tools: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """tool name -> parameter name -> JSON-schema type, from OpenAI-style tool specs."""
    out: dict[str, dict[str, str]] = {}
    for tool in tools:
        fn = tool["function"]
        props = fn.get("parameters", {}).get("properties", {})
        out[fn["name"]] = {name: str(p.get("type", "string")) for name, p in props.items()}
    return out


def _strip_value(raw: str) -> str:
    """The format puts values on their own lines: drop exactly one leading and trailing newline."""
    if raw.startswith("\n"):
        raw = raw[1:]
    if raw.endswith("\n"):
        raw = raw[:-1]
    return raw


def _convert(value: str, kind: str) -> Any:
    if kind == "string":
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        if kind == "boolean" and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        return value  # the tool's own validation explains what is wrong with it


def _call_id() -> str:
    return "call_" + secrets.token_hex(6)


def _xml_calls(text: str, types: Mapping[str, Mapping[str, str]]) -> list[ToolCall]:
    calls = []
    for fm in _FUNCTION.finditer(text):
        name, body = fm.group(1).strip(), fm.group(2)
        kinds = types.get(name, {})
        args = {pm.group(1).strip(): _convert(_strip_value(pm.group(2)), kinds.get(pm.group(1).strip(), "string"))
                for pm in _PARAMETER.finditer(body)}
        calls.append(ToolCall(id=_call_id(), name=name, arguments=json.dumps(args)))
    return calls


def _json_call(body: str) -> ToolCall | None:
    try:
        data = json.loads(body.strip())
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        return None
    args = data.get("arguments", data.get("parameters", {}))
    return ToolCall(id=_call_id(), name=data["name"], arguments=args if isinstance(args, str) else json.dumps(args))


def text_tool_calls(text: str, types: Mapping[str, Mapping[str, str]] | None = None
                    ) -> tuple[list[ToolCall], str | None]:
    """Tool calls found in ``text`` and, if the text tried to call a tool but failed, why."""
    types = types or {}
    if "<tool_call>" not in text and "<function=" not in text:
        return [], None
    calls: list[ToolCall] = []
    blocks = [m.group(1) for m in _TOOL_CALL.finditer(text)] or [text]
    for block in blocks:
        found = _xml_calls(block, types)
        if not found:
            one = _json_call(block)
            found = [one] if one else []
        if not found:
            return [], ("Your tool call could not be read: no <function=NAME> element and no JSON object with "
                        '"name" and "arguments" inside <tool_call>. ' + FORMAT_HELP)
        calls += found
    return calls, None


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
