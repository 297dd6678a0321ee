"""``swerun serve``'s HTTP service driven by a client over 127.0.0.1: a whole episode to a reward of 1.0,
a wrong token gets 401, a malformed action a 400 naming the field (the environment stays usable), an
unknown id 404, and the OpenAPI schema lists every route."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from swebench_runner.backends.docker_engine import RUN_LABEL
from swebench_runner.rl import EnvPool
from swebench_runner.rl.service import EnvService

pytestmark = pytest.mark.docker

T2 = "swerun-mini__textkit-2"


def call(svc, method, path, body=None, token="s3cret"):
    req = urllib.request.Request(svc.url + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=300) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture()
def svc(docker_engine):
    s = EnvService(EnvPool(1, split="mini", instance_ids=[T2], run_id="rl-serve"), "s3cret").start()
    yield s
    s.close()
    assert not docker_engine.containers.list(all=True, filters={"label": f"{RUN_LABEL}=rl-serve"})


def test_an_episode_over_http(svc):
    assert call(svc, "POST", "/envs", token="wrong")[0] == 401
    status, created = call(svc, "POST", "/envs")
    env = created["env_id"]
    status, out = call(svc, "POST", f"/envs/{env}/reset", {"instance_id": T2})
    assert status == 200 and out["info"]["instance_id"] == T2 and out["observation"]["messages"][1]["role"] == "user"
    status, bad = call(svc, "POST", f"/envs/{env}/step", {"acton": {"name": "bash"}})
    assert status == 400 and "action" in bad["error"]  # names the field; the episode goes on
    status, out = call(svc, "POST", f"/envs/{env}/step", {"action": {"name": "str_replace_editor", "arguments": {
        "command": "str_replace", "path": "/testbed/textkit/truncate.py", "old_str": "    if len(text) < width:",
        "new_str": "    if len(text) <= width:"}}})
    assert status == 200 and out["reward"] == 0.0 and not out["terminated"]
    status, out = call(svc, "POST", f"/envs/{env}/step", {"action": "<tool_call>\n<function=submit>\n</function>\n"
                                                                    "</tool_call>"})
    assert status == 200 and (out["reward"], out["terminated"], out["info"]["outcome"]) == (1.0, True, "resolved")
    assert call(svc, "GET", f"/envs/{env}/reward")[1]["reward"] == 1.0
    assert call(svc, "DELETE", f"/envs/{env}")[0] == 200
    assert call(svc, "POST", f"/envs/{env}/reset", {})[0] == 404


def test_the_openapi_schema_lists_every_route(svc):
    with urllib.request.urlopen(svc.url + "/openapi.json", timeout=30) as resp:
        schema = json.loads(resp.read())
    assert set(schema["paths"]) == {"/envs", "/envs/{env_id}/reset", "/envs/{env_id}/step", "/envs/{env_id}/reward",
                                    "/envs/{env_id}"}
    assert schema["components"]["schemas"]["StepBody"]["required"] == ["action"]
