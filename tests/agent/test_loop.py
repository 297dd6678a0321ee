"""The agent loop against the scripted server and a real container: limits, format errors, text calls."""

import json
import secrets

import pytest
from pydantic import SecretStr

from swebench_runner.agent.context import ELIDED, ContextWindow
from swebench_runner.agent.loop import AgentLimits, ToolLoop
from swebench_runner.agent.tools import ToolBox
from swebench_runner.agent.trajectory import ExitStatus, Trajectory
from swebench_runner.model import Message, ModelSettings, OpenAIClient, ScriptedModel, ToolMode, Usage

from .fake_openai import Reply, error, tool

XML_LS = (
    "Let me look.\n<tool_call>\n<function=bash>\n<parameter=command>\nls textkit\n</parameter>\n</function>\n"
    "</tool_call>"
)


@pytest.fixture(scope="module")
def sandbox(instance_image):
    from swebench_runner.backends.docker_engine import DockerSandbox, ensure_network

    sb = DockerSandbox(
        instance_image.tag, run_id="agent-tests", name=f"agent-loop-{secrets.token_hex(3)}", network=ensure_network()
    )
    yield sb
    sb.close()


def run(srv, sandbox, textkit2, limits=None, **settings):
    s = ModelSettings(
        model="fake-model",
        label="fake-model",
        base_url=srv.url,
        api_key=SecretStr("sk-test-000000"),
        retry_base_delay=0.01,
        **settings,
    )
    traj = Trajectory(instance_id=textkit2.instance_id, model_name_or_path="fake-model", agent="swerun")
    steps = []
    ToolLoop(OpenAIClient(s), ToolBox(sandbox), limits or AgentLimits()).run(
        textkit2, traj, lambda t: steps.append(len(t.steps))
    )
    return traj, steps


pytestmark = pytest.mark.docker


def test_prompt_has_the_issue_but_no_tests(serve, sandbox, textkit2):
    srv = serve([tool("submit")])
    traj, _ = run(srv, sandbox, textkit2)
    sent = srv.requests[0].text()
    assert textkit2.problem_statement.strip()[:60] in sent
    for secret in [*textkit2.FAIL_TO_PASS, *textkit2.PASS_TO_PASS, "test_text_that_fits_exactly"]:
        assert secret not in sent
    assert traj.exit_status is ExitStatus.SUBMITTED


def test_step_limit_stops_the_loop(serve, sandbox, textkit2):
    srv = serve(lambda req: tool("bash", command="echo again"))
    traj, steps = run(srv, sandbox, textkit2, AgentLimits(step_limit=3))
    assert traj.exit_status is ExitStatus.STEP_LIMIT and len(srv.requests) == 3 and steps == [1, 2, 3]
    assert [s.tools[0].output for s in traj.steps] == ["again\n"] * 3


def test_cost_limit_stops_the_loop(serve, sandbox, textkit2):
    srv = serve(lambda req: Reply(tool_calls=[("bash", {"command": "true"})], usage=(100_000, 1_000)))
    traj, _ = run(srv, sandbox, textkit2, AgentLimits(cost_limit=2.5), input_cost_per_mtok=10.0)
    assert traj.exit_status is ExitStatus.COST_LIMIT and len(srv.requests) == 3
    assert traj.totals.cost == pytest.approx(3.0) and traj.totals.prompt_tokens == 300_000


def test_malformed_calls_get_error_messages_then_the_run_goes_on(serve, sandbox, textkit2):
    srv = serve(
        [
            Reply(content="I will think about it."),
            Reply(tool_calls=[("bash", '{"command": "ls"')]),
            Reply(content=XML_LS),
            tool("submit"),
        ]
    )
    traj, _ = run(srv, sandbox, textkit2)
    assert traj.exit_status is ExitStatus.SUBMITTED and len(traj.steps) == 4
    assert "did not call a tool" in srv.requests[1].messages[-1]["content"]
    assert "not valid JSON" in srv.requests[2].messages[-1]["content"]
    # the XML call was run, and its result went back as text, the way the model wrote the call
    assert traj.steps[2].tools[0].name == "bash" and "truncate.py" in traj.steps[2].tools[0].output
    assert (
        srv.requests[3].messages[-1]["role"] == "user" and "<tool_response>" in srv.requests[3].messages[-1]["content"]
    )


def test_too_many_format_errors_in_a_row_end_the_run(serve, sandbox, textkit2):
    srv = serve(lambda req: Reply(content="no tools for me"))
    traj, _ = run(srv, sandbox, textkit2, AgentLimits(max_format_errors=3))
    assert traj.exit_status is ExitStatus.FORMAT_ERROR and len(srv.requests) == 3


def test_text_tool_mode_describes_tools_in_the_prompt(serve, sandbox, textkit2):
    srv = serve([Reply(content=XML_LS), Reply(content="<tool_call>\n<function=submit>\n</function>\n</tool_call>")])
    traj, _ = run(srv, sandbox, textkit2, tool_mode=ToolMode.XML)
    first = srv.requests[0].body
    assert "tools" not in first and "<function=example_function_name>" in first["messages"][0]["content"]
    assert traj.exit_status is ExitStatus.SUBMITTED


def test_api_failure_after_retries_is_an_api_error(serve, sandbox, textkit2):
    srv = serve([tool("bash", command="true"), error(500), error(500), error(500)])
    traj, _ = run(srv, sandbox, textkit2, max_retries=2)
    assert traj.exit_status is ExitStatus.API_ERROR and not traj.exit_status.final
    assert "HTTP 500" in traj.exit_reason and len(traj.steps) == 2


def test_context_window_elides_old_observations_first():
    window = ContextWindow(context_length=3000, reserve=500)
    msgs = [Message(role="system", content="s" * 400), Message(role="user", content="issue " * 100)]
    for i in range(12):
        msgs += [Message(role="assistant", content=f"step {i}"), Message(role="tool", content=f"out{i} " + "x" * 1200)]
    fitted = window.fit(msgs)
    assert fitted[:2] == msgs[:2] and fitted[-6:] == msgs[-6:]
    assert fitted[3].content == ELIDED and window.estimate(fitted) <= 2500
    assert msgs[3].content.startswith("out0")  # the trajectory keeps the full history
    window.observe(fitted, Usage(prompt_tokens=window.estimate(fitted) * 2))
    assert window.tokens_per_char > 0.4


def test_scripted_model_drives_the_loop_without_a_server(sandbox, textkit2):
    model = ScriptedModel(
        [Message(role="assistant", content=XML_LS), Message(role="assistant", content="", tool_calls=[])]
    )
    traj = Trajectory(instance_id=textkit2.instance_id, model_name_or_path="scripted", agent="swerun")
    ToolLoop(model, ToolBox(sandbox), AgentLimits(max_format_errors=1)).run(textkit2, traj)
    assert traj.steps[0].tools[0].output.startswith("__init__.py") and traj.exit_status is ExitStatus.FORMAT_ERROR
    assert json.loads(traj.steps[0].tools[0].arguments) == {"command": "ls textkit"}
