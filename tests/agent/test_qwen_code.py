"""The Qwen Code adapter: the real npm package, headless in the agent layer, against the scripted server."""

import http.client
import json
import socket
from pathlib import Path

import pytest
import yaml
from pydantic import SecretStr

from swebench_runner.agent.adapters.proxy import SOCKET_NAME, ModelProxy
from swebench_runner.agent.loop import AgentLimits
from swebench_runner.agent.trajectory import ExitStatus
from swebench_runner.model import ModelSettings
from swebench_runner.resources import SPECS_ENV, harness_dir

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


def bionic_specs(folder: Path) -> Path:
    """textkit on Python 3.7, which only the Ubuntu bionic base (glibc 2.27) provides."""
    spec = yaml.safe_load((harness_dir() / "specs" / "swerun-mini__textkit.yaml").read_text())
    entry = spec["versions"]["1.0"]
    entry.update(python="3.7", bootstrap_packages=["pip==24.0"],  # the last pips and pins for 3.7
                 pip_packages=["pytest==7.4.4", "setuptools==68.0.0", "wheel==0.42.0"],
                 install=[entry["install"][0] + " --ignore-requires-python"])
    folder.mkdir()
    (folder / "swerun-mini__textkit.yaml").write_text(yaml.safe_dump(spec))
    return folder


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("base", ["bookworm", "bionic"])
def test_qwen_code_fixes_an_instance_that_then_resolves(
    docker_engine, npm_available, instance_image, serve, tmp_path, monkeypatch, request, base
):
    """Node runs on the layer's private copy of bookworm's runtime, also on bionic, whose glibc 2.27 is
    older than the 2.28 Node 22 needs."""
    if base == "bionic":
        request.getfixturevalue("ubuntu_archive")
        monkeypatch.setenv(SPECS_ENV, str(bionic_specs(tmp_path / "specs")))
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
    env = json.loads((run / T2 / "result.json").read_text())["environment"]
    assert env["base.suite"] == base and env["python"] == {"bookworm": "3.11", "bionic": "3.7"}[base]
