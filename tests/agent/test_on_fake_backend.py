"""The agent loop, the pipeline (infer, then grade each episode) and reporting on the in-memory backend:
no Docker. The repository at base_commit is a real git checkout loaded into the fake sandbox's files;
the model is scripted; the grading is the real grader reading the fake backend's pytest-style log."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from swebench_runner.agent.agents import BuiltinAgent
from swebench_runner.agent.loop import AgentLimits
from swebench_runner.agent.pipeline import run_pipeline
from swebench_runner.backends.fake import FakeBackend, gold_responder
from swebench_runner.dataset import load_dataset
from swebench_runner.model import Message, ModelReply, ScriptedModel, ToolCall
from swebench_runner.repos import RepoStore
from swebench_runner.settings import RunSettings

from ..helpers import swerun

T1, T2 = "swerun-mini__textkit-1", "swerun-mini__textkit-2"


@pytest.fixture(scope="module")
def textkit():
    return load_dataset("mini").select([T1, T2])


@pytest.fixture(scope="module")
def repo_files(textkit, tmp_path_factory):
    """image tag -> the instance's repository at base_commit, as /testbed/... files."""
    out = {}
    for inst in textkit.instances:
        dest = tmp_path_factory.mktemp(inst.instance_id)
        RepoStore().checkout(inst.repo, inst.base_commit, dest / "repo")
        out[inst.instance_id] = {f"/testbed/{p.relative_to(dest / 'repo')}": p.read_bytes()
                                 for p in (dest / "repo").rglob("*") if p.is_file() and ".git" not in p.parts}
    return out


def _call(name: str, **args) -> ModelReply:
    call = ToolCall(id=f"call-{name}", name=name, arguments=json.dumps(args))
    return ModelReply(message=Message(role="assistant", tool_calls=[call]))


def _script(messages) -> ModelReply:
    """textkit-2 gets the right fix, textkit-1 a fix of the wrong line; both submit."""
    issue = next(m.content for m in messages if m.role == "user")
    n = sum(1 for m in messages if m.role == "assistant")
    if "truncate(" in issue:
        steps = [_call("bash", command="grep -n 'len(text) < width' textkit/truncate.py"),
                 _call("str_replace_editor", command="str_replace", path="/testbed/textkit/truncate.py",
                       old_str="    if len(text) < width:", new_str="    if len(text) <= width:"),
                 _call("submit")]
    else:
        steps = [_call("str_replace_editor", command="view", path="/testbed/textkit"),
                 _call("str_replace_editor", command="insert", path="/testbed/textkit/slug.py", insert_line=1,
                       new_str="# looked at, not fixed"),
                 _call("submit")]
    return steps[min(n, len(steps) - 1)]


def test_pipeline_infers_grades_and_reports_without_docker(textkit, repo_files, tmp_path, monkeypatch):
    from swebench_runner.backends import docker_engine

    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")  # any Docker call would fail
    monkeypatch.setattr(docker_engine, "_client", None)
    def files_of(image: str):
        return repo_files[next(i for i in repo_files if f"eval-{i}:" in image)]

    def commands(command: str):
        if command.startswith("grep"):
            return 0, "28:    if len(text) < width:\n"
        return 127, f"{command.split()[0]}: not here\n"

    backend = FakeBackend(responder=gold_responder(textkit.instances), sandbox_files=files_of, commands=commands)
    model = ScriptedModel(_script)
    cfg = RunSettings(run_id="fake-agent", results_root=tmp_path, backend="fake", evaluate=True, progress=False,
                      max_workers=2)
    out = run_pipeline(textkit, BuiltinAgent(model, AgentLimits()), AgentLimits(), model.settings.public(), cfg,
                       backend=backend)
    assert {iid: r.outcome.value for iid, r in out.results.items()} == {T2: "resolved", T1: "unresolved"}
    assert not backend.open  # every sandbox it opened was closed
    run = tmp_path / "fake-agent"
    traj = json.loads((run / T2 / "trajectory.json").read_text())
    assert traj["exit_status"] == "submitted" and traj["totals"]["steps"] == 3
    assert traj["steps"][0]["tools"][0]["output"].startswith("28:")
    preds = {r["instance_id"]: r for r in map(json.loads, (run / "preds.jsonl").read_text().splitlines())}
    assert "+    if len(text) <= width:" in preds[T2]["model_patch"]
    assert re.search(r"^\+# looked at, not fixed$", preds[T1]["model_patch"], re.M)
    assert json.loads((run / T2 / "report.json").read_text())[T2]["resolved"] is True

    res = swerun("report", str(run), cwd=tmp_path)  # reporting reads the run folder; no engine involved
    assert res.returncode == 0, res.stderr
    assert re.search(r"^Resolved +1 / 2 ", res.stdout, re.M)
    page = Path(run / "report.html").read_text()
    assert T1 in page and T2 in page
