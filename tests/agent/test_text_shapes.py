"""Every common text shape of a tool call is read into the same call as a native one; tolerant JSON;
arguments that do not fit a tool's schema are refused by field; error replies show a valid call in the
model's own shape. Unit level, then replayed by a real chat-completions server on 127.0.0.1 through the
real client and the agent loop, on the in-memory backend (no Docker)."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr

from swebench_runner.agent.loop import AgentLimits, ToolLoop
from swebench_runner.agent.parsers import bash_block_calls, example_call, loads_tolerant, param_types, read_text_calls
from swebench_runner.agent.tools import TOOLS, ToolBox, schema_problem
from swebench_runner.agent.trajectory import ExitStatus, Trajectory
from swebench_runner.backends.fake import FakeSandbox
from swebench_runner.dataset import load_dataset
from swebench_runner.model import ModelSettings, OpenAIClient, ToolMode

from .fake_openai import FakeOpenAIServer, Reply

TYPES = param_types(TOOLS)
FIX_ARGS = {"command": "str_replace", "path": "/testbed/textkit/truncate.py",
            "old_str": "    if len(text) < width:", "new_str": "    if len(text) <= width:"}

# What models really write (the fenced JSON with raw newlines is the llama.cpp/Ollama case of the issue).
FENCED_RAW_NEWLINES = ('I will fix the comparison.\n```json\n{"name": "str_replace_editor", "arguments": '
                       '{"command": "str_replace", "path": "/testbed/textkit/truncate.py", "old_str": "    if len(text)'
                       ' < width:", "new_str": "    if len(text) <= width:\n"}}\n```')
SHAPES = {
    "xml": ("<tool_call>\n<function=bash>\n<parameter=command>\nls -la\n</parameter>\n</function>\n</tool_call>",
            "bash", {"command": "ls -la"}),
    "hermes": ('<tool_call>\n{"name": "bash", "arguments": {"command": "ls -la"}}\n</tool_call>', "bash",
               {"command": "ls -la"}),
    "fenced": ('Let me look.\n```json\n{"name": "bash", "arguments": {"command": "ls -la"}}\n```', "bash",
               {"command": "ls -la"}),
    "fenced-list": ('```\n[{"name": "bash", "arguments": {"command": "ls"}}]\n```', "bash", {"command": "ls"}),
    "bare": ('Checking files: {"name": "bash", "arguments": {"command": "ls"}} now.', "bash", {"command": "ls"}),
    "function-parameters": ('```json\n{"function": "bash", "parameters": {"command": "ls"}}\n```', "bash",
                            {"command": "ls"}),
    "openai-wire": ('```json\n{"type": "function", "function": {"name": "bash", "arguments": "{\\"command\\": \\"ls\\"}"}}'
                    '\n```', "bash", {"command": "ls"}),
    "tool-args": ('{"tool": "bash", "args": {"command": "ls"}}', "bash", {"command": "ls"}),
    "raw-newlines-tabs": ('```json\n{"name": "str_replace_editor", "arguments": {"command": "create", "path": "/tmp/a.py",'
                          ' "file_text": "def f():\n\treturn 1\n"}}\n```', "str_replace_editor",
                          {"command": "create", "path": "/tmp/a.py", "file_text": "def f():\n\treturn 1\n"}),
    "trailing-commas": ('```json\n{"name": "bash", "arguments": {"command": "ls",},}\n```', "bash", {"command": "ls"}),
    "single-quotes": ("```json\n{'name': 'bash', 'arguments': {'command': 'ls -la'}}\n```", "bash",
                      {"command": "ls -la"}),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_shape_reads_as_the_native_call(shape):
    text, name, args = SHAPES[shape]
    got = read_text_calls(text, TYPES)
    assert got.error is None and [(c.name, json.loads(c.arguments)) for c in got.calls] == [(name, args)]


def test_bare_json_counts_only_when_it_names_an_offered_tool():
    assert read_text_calls('The config is {"name": "prod", "arguments": {"x": 1}}.', TYPES).calls == []
    assert read_text_calls("No tool call in this reply at all.", TYPES).calls == []


def test_unreadable_json_explains_and_shows_a_valid_call_in_that_shape():
    got = read_text_calls('```json\n{"name": "bash", "arguments": {"command": "ls"\n```', TYPES)
    assert got.calls == [] and got.shape == "json" and "could not be read" in got.error
    example = example_call(got.shape)
    assert '```json\n{"name": "bash", "arguments": {"command": "ls"}}\n```' in example
    assert read_text_calls(example.split("```json\n")[1].split("\n```")[0], TYPES).calls  # the example itself parses
    assert "<function=bash>" in example_call("xml") and "<tool_call>\n{" in example_call("hermes")
    assert "tool calling" in example_call("native") and "```bash\nsubmit\n```" in example_call("bash")


def test_tolerant_json_keeps_strict_json_strict_enough():
    assert loads_tolerant('{"a": "line\nnext", "b": [1, 2,],}') == {"a": "line\nnext", "b": [1, 2]}
    with pytest.raises(ValueError):
        loads_tolerant('{"a": "it\'s", \'b\': 1}')  # mixed quotes: ambiguous, refused


def test_arguments_that_do_not_fit_the_schema_name_the_field():
    assert "lacks the required parameter 'path'" in schema_problem("str_replace_editor", {"command": "view"})
    assert "no parameter 'cmd'" in schema_problem("bash", {"cmd": "ls"})
    assert "'insert_line' of str_replace_editor must be an integer" in schema_problem(
        "str_replace_editor", {"command": "insert", "path": "/a", "insert_line": [1], "new_str": "x"})
    assert schema_problem("str_replace_editor", {"command": "insert", "path": "/a", "insert_line": "3",
                                                 "new_str": "x"}) is None
    assert schema_problem("bash", {"command": "ls"}) is None


def test_text_only_mode_reads_one_bash_block_and_the_submit_sentinel():
    one = bash_block_calls("I will look.\n```bash\ngrep -n width textkit/truncate.py\n```")
    assert [(c.name, json.loads(c.arguments)) for c in one.calls] == [("bash", {"command": "grep -n width textkit/truncate.py"})]
    assert [c.name for c in bash_block_calls("Done.\n```bash\nsubmit\n```").calls] == ["submit"]
    two = bash_block_calls("```bash\nls\n```\nand\n```bash\npwd\n```")
    assert two.calls == [] and "2 bash blocks" in two.error


# -- replayed by a real server, through the real client and loop -----------------------------------------

@pytest.fixture()
def textkit2():
    return load_dataset("mini").by_id()["swerun-mini__textkit-2"]


def _sandbox():
    return FakeSandbox({"/testbed/textkit/truncate.py": "def truncate(text, width):\n    if len(text) < width:\n"
                                                        "        return text\n"},
                       commands=lambda cmd: (0, f"ran: {cmd}\n"))


def _run(replies, textkit2, mode=ToolMode.NATIVE):
    with FakeOpenAIServer(replies) as srv:
        settings = ModelSettings(model="fake-model", label="fake-model", base_url=srv.url, tool_mode=mode,
                                 api_key=SecretStr("sk-shapes"), retry_base_delay=0.01)
        box = _sandbox()
        traj = Trajectory(instance_id=textkit2.instance_id, model_name_or_path="fake-model", agent="swerun")
        ToolLoop(OpenAIClient(settings), ToolBox(box), AgentLimits(step_limit=10)).run(textkit2, traj)
        return traj, box, srv


def test_a_server_without_a_tool_parser_fenced_json_with_raw_newlines(textkit2):
    traj, box, srv = _run([Reply(content=FENCED_RAW_NEWLINES), Reply(content='```json\n{"name": "submit"}\n```')],
                          textkit2)
    assert traj.exit_status is ExitStatus.SUBMITTED and traj.totals.steps == 2
    assert b"    if len(text) <= width:\n" in box.read_file("/testbed/textkit/truncate.py")
    assert traj.steps[0].tools[0].name == "str_replace_editor" and not traj.steps[0].tools[0].error
    # the tool result went back as text, the way the model called it
    assert srv.requests[1].messages[-1]["role"] == "user" and "<tool_response>" in srv.requests[1].messages[-1]["content"]


@pytest.mark.parametrize("shape", ["xml", "hermes", "bare", "single-quotes"])
def test_each_shape_replayed_runs_its_tool(shape, textkit2):
    traj, _, _ = _run([Reply(content=SHAPES[shape][0]), Reply(content="<tool_call>\n<function=submit>\n</function>\n"
                                                                       "</tool_call>")], textkit2, ToolMode.XML)
    assert traj.exit_status is ExitStatus.SUBMITTED
    assert traj.steps[0].tools[0].name == "bash" and traj.steps[0].tools[0].output.startswith("ran: ls")


def test_a_reply_without_a_call_is_answered_with_an_example_in_the_models_shape(textkit2):
    traj, _, srv = _run([Reply(content=SHAPES["fenced"][0]), Reply(content="Hmm, let me think about it."),
                         Reply(content='```json\n{"name": "submit", "arguments": {}}\n```')], textkit2)
    assert traj.exit_status is ExitStatus.SUBMITTED and traj.totals.steps == 3
    taught = srv.requests[2].messages[-1]["content"]
    assert "did not call a tool" in taught and '```json\n{"name": "bash", "arguments": {"command": "ls"}}\n```' in taught


def test_text_only_mode_end_to_end_on_the_loop(textkit2):
    replies = [Reply(content="Fix the comparison.\n```bash\nsed -i 's/< width/<= width/' textkit/truncate.py\n```"),
               Reply(content="Done.\n```bash\nsubmit\n```")]
    traj, _, srv = _run(replies, textkit2, ToolMode.TEXT)
    assert traj.exit_status is ExitStatus.SUBMITTED
    assert "tools" not in srv.requests[0].body and "exactly one bash block" in srv.requests[0].messages[0]["content"]
    assert traj.steps[0].tools[0].output.startswith("ran: sed -i")
