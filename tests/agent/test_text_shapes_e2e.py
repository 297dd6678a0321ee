"""The issue's two end-to-end cases with real containers and the real CLI: a server that leaves the
model's fenced-JSON calls (raw newlines inside strings) in the text, and a server with no tool support
driven in text-only mode; both fix mini's textkit-2 to a resolved verdict."""

import json

import pytest

from ..helpers import swerun
from .conftest import SENTINEL_KEY
from .fake_openai import Reply
from .test_e2e import models_config
from .test_text_shapes import FENCED_RAW_NEWLINES

pytestmark = pytest.mark.docker

T2 = "swerun-mini__textkit-2"


def _steps(req) -> int:
    return sum(1 for m in req.messages if m["role"] == "assistant")


def _resolved(tmp_path, run_id: str) -> dict:
    report = json.loads((tmp_path / "results" / run_id / f"fake-model.{run_id}.json").read_text())
    assert report["resolved_ids"] == [T2], report
    return json.loads((tmp_path / "results" / run_id / T2 / "trajectory.json").read_text())


def test_fenced_json_calls_resolve_a_mini_task(serve, tmp_path, monkeypatch, docker_engine):
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
    replies = [Reply(content=FENCED_RAW_NEWLINES), Reply(content='```json\n{"name": "submit", "arguments": {}}\n```')]
    srv = serve(lambda req: replies[min(_steps(req), 1)])
    res = swerun("--model", "openai:fake-model", "--base-url", srv.url, "--split", "mini", "--instance-ids", T2,
                 "--run-id", "fenced", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    traj = _resolved(tmp_path, "fenced")
    assert traj["exit_status"] == "submitted" and traj["steps"][0]["tools"][0]["name"] == "str_replace_editor"


def test_text_only_mode_resolves_a_mini_task(serve, tmp_path, monkeypatch, docker_engine):
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
    replies = [Reply(content="The check should include equality.\n```bash\n"
                             "sed -i 's/if len(text) < width:/if len(text) <= width:/' textkit/truncate.py && "
                             "grep -n 'len(text) <= width' textkit/truncate.py\n```"),
               Reply(content="Fixed.\n```bash\nsubmit\n```")]
    srv = serve(lambda req: replies[min(_steps(req), 1)])
    cfg = models_config(tmp_path, tool_mode="text")
    res = swerun("--model", "openai:fake-model", "--base-url", srv.url, "--models-config", cfg, "--split", "mini",
                 "--instance-ids", T2, "--run-id", "textonly", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    traj = _resolved(tmp_path, "textonly")
    assert traj["steps"][0]["tools"][0]["output"].startswith("28:")
    assert all("tools" not in r.body for r in srv.requests)
