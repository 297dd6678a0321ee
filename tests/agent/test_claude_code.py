"""The Claude Code adapter: the real npm package, headless in the agent layer, against scripted servers.

One server speaks the Anthropic Messages API (the proxy relays Claude Code's calls as they are and adds
the key as ``x-api-key``); the other speaks chat completions only (the proxy translates both ways). In
both, the scripted model calls Claude Code's own tools (Bash, Read, Edit) to fix textkit-2, and the run
is graded: the fix must resolve the instance.
"""

import json

import pytest

from swebench_runner.agent.adapters.claude_code import ClaudeCodeAgent
from swebench_runner.agent.agents import AGENTS, agent_names, make_agent
from swebench_runner.agent.loop import AgentLimits
from swebench_runner.model import ModelSettings
from swebench_runner.resources import SPECS_ENV

from ..helpers import swerun
from . import fake_anthropic as fa
from . import fake_openai as fo
from .conftest import SENTINEL_KEY
from .test_qwen_code import bionic_specs

T2 = "swerun-mini__textkit-2"
TRUNCATE = "/testbed/textkit/truncate.py"
OLD, NEW = "    if len(text) < width:", "    if len(text) <= width:"
TOOLS = [("Bash", {"command": "grep -n 'len(text)' textkit/truncate.py", "description": "Find the width check"}),
         ("Read", {"file_path": TRUNCATE}),
         ("Edit", {"file_path": TRUNCATE, "old_string": OLD, "new_string": NEW})]
DONE = "The fix is in place."


def anthropic_script(req: fa.Request) -> fa.Reply:
    """Claude Code's own loop offers tools; a side call (none seen with these settings) gets a short answer."""
    if not req.body.get("tools"):
        return fa.Reply(content="ok")
    n = len(req.blocks("tool_result"))
    return fa.tool(TOOLS[n][0], **TOOLS[n][1]) if n < len(TOOLS) else fa.Reply(content=DONE, usage=(2000, 20))


def openai_script(req: fo.Request) -> fo.Reply:
    if not req.body.get("tools"):
        return fo.Reply(content="ok")
    n = sum(1 for m in req.messages if m["role"] == "tool")
    return fo.tool(TOOLS[n][0], **TOOLS[n][1]) if n < len(TOOLS) else fo.Reply(content=DONE)


@pytest.fixture
def no_anthropic_env(monkeypatch):
    for var in ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN", "OPENAI_API_KEY",
                "OPENAI_BASE_URL", "SWERUN_MODELS_CONFIG"):
        monkeypatch.delenv(var, raising=False)


def test_the_registry_feeds_make_agent_and_the_cli():
    assert agent_names() == ["swerun", "qwen-code", "claude-code"] and set(AGENTS) == set(agent_names())
    settings = ModelSettings(model="claude-x", label="claude-x", base_url="http://127.0.0.1:9", max_tokens=1000)
    agent = make_agent("claude-code", settings, AgentLimits(command_timeout=30))
    assert isinstance(agent, ClaudeCodeAgent) and agent.label == "claude-code__claude-x"
    env = agent.env()
    assert env["ANTHROPIC_BASE_URL"] == "http://127.0.0.1:18080" and env["IS_SANDBOX"] == "1"
    assert env["ANTHROPIC_API_KEY"] != settings.api_key.get_secret_value()
    assert env["ANTHROPIC_SMALL_FAST_MODEL"] == "claude-x" and env["CLAUDE_CODE_MAX_OUTPUT_TOKENS"] == "1000"
    assert env["BASH_MAX_TIMEOUT_MS"] == "30000" and env["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] == "1"
    assert agent.argv()[4] == "claude-code/cli.js" and "-p" in agent.argv()
    res = swerun("--help")
    assert "claude-code" in res.stdout and "qwen-code" in res.stdout, res.stderr


def run_claude(tmp_path, model: str, base_url: str, run_id: str):
    res = swerun("--agent", "claude-code", "--model", model, "--base-url", base_url, "--split", "mini",
                 "--instance-ids", T2, "--run-id", run_id, cwd=tmp_path, timeout=900)
    assert res.returncode == 0, res.stderr[-5000:] + res.stdout[-3000:]
    run = tmp_path / "results" / run_id
    traj = json.loads((run / T2 / "trajectory.json").read_text())
    return run, traj


def check_fixed_and_recorded(run, traj, label: str, run_id: str) -> None:
    report = json.loads((run / f"claude-code__{label}.{run_id}.json").read_text())
    assert report["resolved_ids"] == [T2]
    assert traj["agent"] == "claude-code" and traj["exit_status"] == "submitted", traj["exit_reason"]
    assert f"+{NEW}" in traj["patch"] and ".claude" not in traj["patch"]
    tools = [t for s in traj["steps"] for t in s["tools"]]
    assert [t["name"] for t in tools] == ["Bash", "Read", "Edit"]
    assert json.loads(tools[2]["arguments"]) == TOOLS[2][1]
    assert OLD.strip() in tools[0]["output"] and "updated" in tools[2]["output"]  # the CLI's own tool results
    assert traj["totals"]["steps"] == 4 and traj["totals"]["prompt_tokens"] > 0
    assert traj["totals"]["completion_tokens"] > 0 and traj["messages"][-1]["content"] == DONE
    events = traj["extra"]["claude_code"]["events"]
    result = [e for e in events if e.get("type") == "result"]
    assert result and result[-1]["subtype"] == "success" and not result[-1]["is_error"]
    # the key was added on the host: no file of the run has it
    assert SENTINEL_KEY not in "\n".join(p.read_text(errors="replace") for p in run.rglob("*") if p.is_file())


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("base", ["bookworm", "bionic"])
def test_claude_code_fixes_an_instance_on_an_anthropic_endpoint(
    docker_engine, npm_available, instance_image, tmp_path, monkeypatch, no_anthropic_env, request, base
):
    """Also on bionic (glibc 2.27), where Node runs on the layer's private copy of bookworm's runtime."""
    if base == "bionic":
        request.getfixturevalue("ubuntu_archive")
        monkeypatch.setenv(SPECS_ENV, str(bionic_specs(tmp_path / "specs")))
    monkeypatch.setenv("ANTHROPIC_API_KEY", SENTINEL_KEY)
    with fa.FakeAnthropicServer(anthropic_script, model="claude-sonnet-4-5") as srv:
        run, traj = run_claude(tmp_path, "claude-sonnet-4-5", srv.url, "cc")
    check_fixed_and_recorded(run, traj, "claude-sonnet-4-5", "cc")
    loop = [r for r in srv.requests if r.body.get("tools")]
    assert len(loop) == 4 and all(r.body["model"] == "claude-sonnet-4-5" for r in srv.requests)
    assert {t["name"] for t in loop[0].body["tools"]} >= {"Bash", "Read", "Edit"}
    assert loop[0].body["stream"] is True and loop[0].path.startswith("/v1/messages")
    assert loop[-1].blocks("tool_result")[-1]["tool_use_id"] == loop[-1].blocks("tool_use")[-1]["id"]
    # the real key reached the server, as Anthropic wants it; the container only had the placeholder
    assert {r.headers.get("x-api-key") for r in srv.requests} == {SENTINEL_KEY}
    assert not any("authorization" in r.headers for r in srv.requests)
    cost = 3.0 * traj["totals"]["prompt_tokens"] / 1e6 + 15.0 * traj["totals"]["completion_tokens"] / 1e6
    assert traj["totals"]["cost"] == pytest.approx(cost)  # the preset's price, counted by the proxy
    assert traj["steps"][-1]["usage"]["prompt_tokens"] == 2000
    env = json.loads((run / T2 / "result.json").read_text())["environment"]
    assert env["base.suite"] == base and env["python"] == {"bookworm": "3.11", "bionic": "3.7"}[base]


@pytest.mark.docker
@pytest.mark.slow
def test_claude_code_drives_a_chat_completions_model_through_the_translating_proxy(
    docker_engine, npm_available, instance_image, tmp_path, monkeypatch, no_anthropic_env
):
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
    with fo.FakeOpenAIServer(openai_script, model="qwen3-coder-plus") as srv:
        run, traj = run_claude(tmp_path, "openai:qwen3-coder-plus", srv.url, "cct")
    check_fixed_and_recorded(run, traj, "qwen3-coder-plus", "cct")
    loop = [r for r in srv.requests if r.body.get("tools")]
    assert len(loop) == 4 and loop[0].body["model"] == "qwen3-coder-plus" and loop[0].body["stream"] is True
    functions = {t["function"]["name"]: t["function"] for t in loop[0].body["tools"]}
    assert {"Bash", "Read", "Edit"} <= set(functions) and "old_string" in json.dumps(functions["Edit"]["parameters"])
    assert loop[0].body["messages"][0]["role"] == "system" and loop[-1].body["messages"][-1]["role"] == "tool"
    # the model's options from models.yaml, not Claude's: qwen3-coder-plus samples at 0.7 with top_k 20
    assert loop[0].body["temperature"] == 0.7 and loop[0].body["top_k"] == 20 and "thinking" not in loop[0].body
    assert {r.headers["authorization"] for r in srv.requests} == {f"Bearer {SENTINEL_KEY}"}


def test_how_a_run_ended_from_the_proxy_the_exit_and_claude_codes_result_event():
    from swebench_runner.agent.adapters.node_cli import parse_events
    from swebench_runner.agent.adapters.proxy import ModelProxy, ProxyCall
    from swebench_runner.agent.trajectory import ExitStatus
    from swebench_runner.sandbox.base import ExecResult

    def result(**kw) -> str:
        return "\n".join([json.dumps({"type": "system", "subtype": "init"}), "a line that is not JSON",
                          json.dumps({"type": "result", "subtype": "success", "is_error": False, **kw})])

    settings = ModelSettings(model="m", label="m", base_url="http://127.0.0.1:9")
    agent = ClaudeCodeAgent(settings, AgentLimits())
    with ModelProxy(settings, AgentLimits()) as proxy:
        def status(stdout: str, code: int = 0, timed_out: bool = False) -> ExitStatus:
            return agent._status(ExecResult(code, stdout, "", timed_out), proxy, parse_events(stdout))[0]

        assert [e.get("type") for e in parse_events(result())] == ["system", "result"]
        assert status(result()) is ExitStatus.SUBMITTED
        assert status(result(is_error=True, result="API Error: 400")) is ExitStatus.STOPPED
        assert status(result(subtype="error_max_turns", is_error=True), 1) is ExitStatus.STEP_LIMIT
        assert status("", 1) is ExitStatus.STOPPED and status("", 124, True) is ExitStatus.TIME_LIMIT
        proxy.calls.append(ProxyCall(started_at="t", path="/v1/messages", status=529, seconds=1.0, api="anthropic",
                                     error="overloaded"))
        assert status(result(is_error=True), 1) is ExitStatus.API_ERROR  # asked again: not the model's fault
        proxy.limit_hit = (ExitStatus.COST_LIMIT, "cost")
        assert status(result(is_error=True), 1) is ExitStatus.COST_LIMIT


def test_the_agent_process_fails_host_names_at_once_and_still_reaches_localhost(npm_available, tmp_path):
    """offline.cjs: in the sandbox a name lookup can only time out (10 s on Docker's internal network)."""
    import shutil
    import subprocess
    import time

    from swebench_runner.resources import harness_dir

    probe = ("const dns = require('dns');"
             "dns.lookup('api.anthropic.com', (e) => dns.lookup('localhost', (e2, a) =>"
             " dns.promises.lookup('example.com').catch((e3) => console.log(e.code, e2, a, e3.code))));")
    t0 = time.monotonic()
    res = subprocess.run([shutil.which("node"), "--require", str(harness_dir() / "agent" / "offline.cjs"), "-e", probe],
                         capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert res.stdout.split() == ["ENOTFOUND", "null", "127.0.0.1", "ENOTFOUND"], res.stderr
    assert time.monotonic() - t0 < 10
