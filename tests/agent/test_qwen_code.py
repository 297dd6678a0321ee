"""The Qwen Code adapter: the real npm package, headless in the agent layer, against the scripted server."""

import http.client
import json
import socket

import pytest
from pydantic import SecretStr

from swebench_runner.agent.adapters.proxy import SOCKET_NAME, ModelProxy
from swebench_runner.agent.adapters.qwen_code import QwenCodeAgent
from swebench_runner.agent.loop import AgentLimits
from swebench_runner.agent.trajectory import ExitStatus
from swebench_runner.builder import ImageInfo
from swebench_runner.dataset import load_dataset
from swebench_runner.errors import SpecError
from swebench_runner.model import ModelSettings

from ..helpers import swerun
from .conftest import SENTINEL_KEY
from .fake_openai import Reply, tool

T2 = "swerun-mini__textkit-2"
TRUNCATE = "/testbed/textkit/truncate.py"


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str) -> None:
        super().__init__("localhost")
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def post(proxy: ModelProxy, body: dict) -> tuple[int, bytes]:
    conn = UnixHTTPConnection(str(proxy.dir / SOCKET_NAME))
    conn.request(
        "POST",
        "/v1/chat/completions",
        json.dumps(body),
        {"Content-Type": "application/json", "Authorization": "Bearer placeholder"},
    )
    resp = conn.getresponse()
    return resp.status, resp.read()


def test_proxy_adds_the_key_counts_tokens_and_enforces_limits(serve):
    srv = serve(lambda req: Reply(content="hi", usage=(1000, 10)))
    settings = ModelSettings(
        model="m", label="m", base_url=srv.url, api_key=SecretStr(SENTINEL_KEY), input_cost_per_mtok=1.0
    )
    with ModelProxy(settings, AgentLimits(step_limit=2)) as proxy:
        assert post(proxy, {"model": "m", "messages": [{"role": "user", "content": "a"}]})[0] == 200
        status, body = post(
            proxy, {"model": "m", "messages": [], "stream": True, "stream_options": {"include_usage": True}}
        )
        assert status == 200 and b"data: [DONE]" in body
        status, body = post(proxy, {"model": "m", "messages": []})
        assert status == 400 and b"step limit" in body
    assert [r.headers["authorization"] for r in srv.requests] == [f"Bearer {SENTINEL_KEY}"] * 2
    assert [c.usage.prompt_tokens for c in proxy.calls] == [1000, 1000] and proxy.calls[1].response["content"] == "hi"
    assert proxy.limit_hit[0] is ExitStatus.STEP_LIMIT and not proxy.dir.exists()


def qwen_script(req) -> Reply:
    if not req.body.get("tools"):  # side requests (e.g. summaries) get a short plain answer
        return Reply(content='{"next_speaker": "user", "reasoning": "done"}')
    n = sum(1 for m in req.messages if m["role"] == "assistant")
    return [
        tool("read_file", file_path=TRUNCATE),
        tool(
            "edit", file_path=TRUNCATE, old_string="    if len(text) < width:", new_string="    if len(text) <= width:"
        ),
        Reply(content="The fix is in place."),
    ][min(n, 2)]


def test_qwen_code_refuses_bases_too_old_for_node_22_by_name():
    """Ubuntu bionic/xenial (Python 3.5-3.7) have glibc < 2.28: a clear refusal, not a crash inside the layer."""
    inst = load_dataset("mini").instances[0]
    settings = ModelSettings(model="m", label="m", base_url="http://127.0.0.1:9/v1", api_key=SecretStr(SENTINEL_KEY))
    agent = QwenCodeAgent(settings, AgentLimits())
    bionic = ImageInfo("swerun/eval-x:0", "sha256:0", (), "cache",
                       {"swerun.base.suite": "bionic", "swerun.python": "3.6"})
    with pytest.raises(SpecError) as err:
        agent.image(None, bionic, inst)  # type: ignore[arg-type]  # refused before any build
    assert inst.instance_id in str(err.value) and "glibc 2.27" in str(err.value) and "--agent swerun" in str(err.value)


@pytest.mark.docker
@pytest.mark.slow
def test_qwen_code_fixes_an_instance_that_then_resolves(
    docker_engine, npm_available, instance_image, serve, tmp_path, monkeypatch
):
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
    srv = serve(qwen_script, model="qwen3-coder-plus")
    res = swerun(
        "--agent",
        "qwen-code",
        "--model",
        "openai:qwen3-coder-plus",
        "--base-url",
        srv.url,
        "--split",
        "mini",
        "--instance-ids",
        T2,
        "--run-id",
        "qc",
        cwd=tmp_path,
        timeout=900,
    )
    assert res.returncode == 0, res.stderr + res.stdout
    run = tmp_path / "results" / "qc"
    report = json.loads((run / "qwen-code__qwen3-coder-plus.qc.json").read_text())
    assert report["resolved_ids"] == [T2]
    traj = json.loads((run / T2 / "trajectory.json").read_text())
    assert traj["agent"] == "qwen-code" and traj["exit_status"] == "submitted"
    assert "+    if len(text) <= width:" in traj["patch"] and ".qwen" not in traj["patch"]
    chat = [r for r in srv.requests if r.body.get("tools")]
    assert len(chat) == 3 and traj["totals"]["steps"] >= 3 and traj["totals"]["prompt_tokens"] > 0
    assert {t["function"]["name"] for t in chat[0].body["tools"]} >= {"read_file", "edit", "run_shell_command"}
    assert chat[0].body["model"] == "qwen3-coder-plus" and chat[0].body["stream"] is True
    events = traj["extra"]["qwen_code"]["events"]
    assert any(e.get("type") == "result" and not e.get("is_error") for e in events)
    # the key was added on the host: the server saw it, the container and every file did not
    assert {r.headers["authorization"] for r in srv.requests} == {f"Bearer {SENTINEL_KEY}"}
    assert SENTINEL_KEY not in "\n".join(p.read_text(errors="replace") for p in run.rglob("*") if p.is_file())
