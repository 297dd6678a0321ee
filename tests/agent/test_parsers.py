"""Text tool calls: Qwen3-Coder XML and Hermes JSON, typed by the tool schemas; malformed ones explained."""

import json

from swebench_runner.agent.parsers import param_types, render_tool_docs, text_tool_calls
from swebench_runner.agent.tools import TOOLS

TYPES = param_types(TOOLS)


def test_qwen3_coder_xml_with_multiline_and_typed_parameters():
    text = (
        "I will look at the file first.\n<tool_call>\n<function=str_replace_editor>\n<parameter=command>\nview\n"
        "</parameter>\n<parameter=path>\n/testbed/a.py\n</parameter>\n<parameter=view_range>\n[3, 9]\n"
        "</parameter>\n</function>\n</tool_call>"
    )
    calls, err = text_tool_calls(text, TYPES)
    assert err is None and len(calls) == 1
    assert calls[0].name == "str_replace_editor"
    assert json.loads(calls[0].arguments) == {"command": "view", "path": "/testbed/a.py", "view_range": [3, 9]}


def test_xml_keeps_code_verbatim_and_reads_several_calls():
    code = "def f(x):\n    return {'a': x}  # <not a tag>\n"
    text = (
        f"<tool_call>\n<function=str_replace_editor>\n<parameter=command>\ncreate\n</parameter>\n"
        f"<parameter=path>\n/testbed/f.py\n</parameter>\n<parameter=file_text>\n{code}\n</parameter>\n"
        "</function>\n</tool_call>\n<tool_call>\n<function=bash>\n<parameter=command>\npython f.py\n"
        "</parameter>\n</function>\n</tool_call>"
    )
    calls, err = text_tool_calls(text, TYPES)
    assert err is None and [c.name for c in calls] == ["str_replace_editor", "bash"]
    assert json.loads(calls[0].arguments)["file_text"] == code
    assert json.loads(calls[1].arguments) == {"command": "python f.py"}


def test_string_parameters_stay_strings_even_when_they_look_like_numbers():
    calls, _ = text_tool_calls(
        "<tool_call><function=bash><parameter=command>123</parameter></function></tool_call>", TYPES
    )
    assert json.loads(calls[0].arguments) == {"command": "123"}


def test_hermes_json_form():
    calls, err = text_tool_calls('<tool_call>\n{"name": "bash", "arguments": {"command": "ls"}}\n</tool_call>', TYPES)
    assert err is None and calls[0].name == "bash" and json.loads(calls[0].arguments) == {"command": "ls"}


def test_unclosed_call_is_still_read_and_garbage_is_explained():
    calls, err = text_tool_calls("<tool_call>\n<function=submit>\n", TYPES)
    assert err is None and calls[0].name == "submit"
    calls, err = text_tool_calls("<tool_call>\nrun ls please\n</tool_call>", TYPES)
    assert calls == [] and "could not be read" in err and "<function=" in err


def test_plain_text_has_no_calls_and_no_error():
    assert text_tool_calls("I think the bug is in slug.py.", TYPES) == ([], None)


def test_tool_docs_name_every_parameter():
    docs = render_tool_docs(TOOLS)
    for name in ("bash", "str_replace_editor", "submit", "old_str", "insert_line", "view_range"):
        assert f"<name>{name}</name>" in docs
