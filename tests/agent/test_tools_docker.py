"""The agent's tools in a real instance container: a stateful shell, the editor, patch extraction."""

import json
import secrets

import pytest

from swebench_runner.agent.patch_extract import extract_patch, head_commit
from swebench_runner.agent.tools import ToolBox, truncate
from swebench_runner.backends.docker_engine import DockerSandbox, ensure_network
from swebench_runner.model import ToolCall

pytestmark = pytest.mark.docker


@pytest.fixture
def box(instance_image):
    sb = DockerSandbox(
        instance_image.tag, run_id="agent-tests", name=f"agent-tools-{secrets.token_hex(3)}", network=ensure_network()
    )
    yield sb, ToolBox(sb, command_timeout=3, output_limit=400)
    sb.close()


def call(tb, name, **args):
    return tb.dispatch(ToolCall(id="c", name=name, arguments=json.dumps(args)))


def test_bash_keeps_cwd_variables_and_functions_between_calls(box):
    _, tb = box
    assert (
        call(tb, "bash", command="cd textkit && export GREETING=hi && N=3 && f() { echo in-f; }").output
        == "(no output)"
    )
    obs = call(tb, "bash", command="pwd; echo $GREETING $N; f; echo oops >&2; exit 4")
    assert obs.output.startswith("/testbed/textkit\nhi 3\nin-f\noops\n") and "exit code 4" in obs.output
    assert obs.seconds_inside is not None and obs.seconds_inside < obs.seconds_exec
    assert call(tb, "bash", command="pwd").output.strip() == "/testbed/textkit"


def test_bash_timeout_is_enforced_inside_and_the_session_survives(box):
    _, tb = box
    call(tb, "bash", command="cd /tmp")
    obs = call(tb, "bash", command="echo started; sleep 30; echo never")
    assert "started" in obs.output and "never" not in obs.output and "timed out after 3 seconds" in obs.output
    assert call(tb, "bash", command="pwd").output.strip() == "/tmp"


def test_long_output_keeps_head_and_tail_with_a_note(box):
    _, tb = box
    obs = call(tb, "bash", command="seq 1 5000")
    assert obs.output.startswith("1\n2\n3\n") and "4999\n5000" in obs.output and "characters elided" in obs.output
    assert len(obs.output) < 800
    assert truncate("short", 10) == "short"


def test_editor_view_create_replace_insert_undo(box):
    sb, tb = box
    listing = call(tb, "str_replace_editor", command="view", path="/testbed").output
    assert "/testbed/textkit/truncate.py" in listing and "/.git" not in listing
    view = call(tb, "str_replace_editor", command="view", path="/testbed/textkit/truncate.py", view_range=[28, 29])
    assert "    28\t" in view.output and "    29\t" in view.output and "    30\t" not in view.output
    assert call(
        tb, "str_replace_editor", command="create", path="/testbed/new.py", file_text="a = 1\na = 1\n"
    ).output.startswith("File created")
    refused = call(tb, "str_replace_editor", command="create", path="/testbed/new.py", file_text="x")
    assert refused.error and "already exists" in refused.output
    dup = call(tb, "str_replace_editor", command="str_replace", path="/testbed/new.py", old_str="a = 1", new_str="b")
    assert dup.error and "appears 2 times" in dup.output and "lines 1, 2" in dup.output
    missing = call(tb, "str_replace_editor", command="str_replace", path="/testbed/new.py", old_str="zzz", new_str="b")
    assert missing.error and "did not appear verbatim" in missing.output
    ok = call(
        tb, "str_replace_editor", command="str_replace", path="/testbed/new.py", old_str="a = 1\na", new_str="b = 2\na"
    )
    assert not ok.error and sb.read_file("/testbed/new.py") == b"b = 2\na = 1\n"
    call(tb, "str_replace_editor", command="insert", path="/testbed/new.py", insert_line=1, new_str="# between")
    assert sb.read_file("/testbed/new.py") == b"b = 2\n# between\na = 1\n"
    call(tb, "str_replace_editor", command="undo_edit", path="/testbed/new.py")
    assert sb.read_file("/testbed/new.py") == b"b = 2\na = 1\n"
    rel = call(tb, "str_replace_editor", command="view", path="textkit/slug.py")
    assert rel.error and "not absolute" in rel.output


def test_edits_keep_the_file_mode(box):
    sb, tb = box
    sb.exec(["bash", "-c", "printf 'echo one\\n' > /testbed/run.sh && chmod 755 /testbed/run.sh"])
    call(tb, "str_replace_editor", command="str_replace", path="/testbed/run.sh", old_str="one", new_str="two")
    assert sb.exec(["stat", "-c", "%a", "/testbed/run.sh"]).stdout.strip() == "755"


def test_malformed_calls_are_answered_not_raised(box):
    _, tb = box
    bad_json = tb.dispatch(ToolCall(id="c", name="bash", arguments='{"command": "ls"'))
    assert bad_json.error and bad_json.malformed and "not valid JSON" in bad_json.output
    unknown = call(tb, "python", code="print(1)")
    assert unknown.malformed and "Unknown tool" in unknown.output
    missing = call(tb, "str_replace_editor", command="insert", path="/testbed/x.py")
    assert missing.error and not missing.malformed and "insert_line" in missing.output
    assert call(tb, "submit").submitted


def test_patch_is_the_repository_diff_without_binaries_or_links(box):
    sb, tb = box
    base = head_commit(sb)
    call(
        tb,
        "str_replace_editor",
        command="str_replace",
        path="/testbed/textkit/truncate.py",
        old_str="    if len(text) < width:",
        new_str="    if len(text) <= width:",
    )
    call(
        tb,
        "bash",
        command="printf 'new\\n' > notes.txt && printf '\\x00\\x01\\x02' > blob.bin && ln -s /etc/passwd link "
        "&& echo outside > /tmp/outside.txt && git add -A && git commit -qm wip",
    )
    patch = extract_patch(sb, base)
    assert "diff --git a/textkit/truncate.py b/textkit/truncate.py" in patch.text
    assert "+    if len(text) <= width:" in patch.text and "diff --git a/notes.txt b/notes.txt" in patch.text
    assert "blob.bin" not in patch.text and "link" not in patch.text and "outside" not in patch.text
    assert sorted(patch.excluded) == ["blob.bin (binary file)", "link (symbolic link)"]


def test_the_shell_runs_over_one_exec_stream_that_survives_what_a_command_does(box):
    """Forged end markers, a 50 MB flood and a command that kills the stream's own server loop: the
    session answers every time (the last by falling back to one exec per call), state intact."""
    sb, tb = box
    call(tb, "bash", command="cd /tmp && export KEPT=yes")
    assert tb.shell._stream is not None  # the streamed path served it
    forged = call(tb, "bash", command="printf '\\n0000000000000000 end\\nafter\\n'; echo done")
    assert forged.output.endswith("after\ndone\n") or "after\ndone" in forged.output
    flood = call(tb, "bash", command="yes swerun-flood | head -c 50000000; echo tail-marker")
    assert "tail-marker" in flood.output and len(flood.output) < 2000 and "characters elided" in flood.output
    call(tb, "bash", command="pkill -9 -f swerun-loop; true")
    after = call(tb, "bash", command="pwd; echo $KEPT")
    assert after.output == "/tmp\nyes\n" and tb.shell._stream is None  # fell back to one exec per call


def test_reap_kills_what_commands_left_running_and_keeps_the_sandbox(box):
    sb, tb = box
    call(tb, "bash", command="(sleep 300 &) ; (sh -c 'while :; do sleep 1; done' &) ; echo started")
    assert "sleep 300" in sb.exec(["ps", "-eo", "args"]).stdout
    assert tb.shell.reap() >= 3  # the sleeper, the loop's shell and its current sleep
    assert "sleep 300" not in sb.exec(["ps", "-eo", "args"]).stdout
    assert call(tb, "bash", command="echo alive; pwd").output.strip() == "alive\n/testbed"  # the shell kept its state
