"""The commands a user types, against the scripted server: solve, grade, split in halves, resume after a fault."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from swebench_runner.backends import docker_engine as sdocker

from ..helpers import swerun
from .conftest import SENTINEL_KEY
from .fake_openai import Reply, error, tool

pytestmark = pytest.mark.docker

T1, T2 = "swerun-mini__textkit-1", "swerun-mini__textkit-2"
TRUNCATE = "/testbed/textkit/truncate.py"
SLUG = "/testbed/textkit/slug.py"


def which(req) -> str:
    """Which instance a request belongs to, from its issue text."""
    return T2 if "truncate(" in req.text() else T1


def steps(req) -> int:
    return sum(1 for m in req.messages if m["role"] == "assistant")


def right_fix_t2(n: int) -> Reply:
    return [
        tool("bash", command="grep -n 'len(text) < width' textkit/truncate.py"),
        tool(
            "str_replace_editor",
            command="str_replace",
            path=TRUNCATE,
            old_str="    if len(text) < width:",
            new_str="    if len(text) <= width:",
        ),
        tool("submit"),
    ][min(n, 2)]


def wrong_fix_t1(n: int) -> Reply:
    """Folds accents for every mode: plausible, but breaks allow_unicode=True (a PASS_TO_PASS test)."""
    return [
        tool(
            "str_replace_editor",
            command="str_replace",
            path=SLUG,
            old_str='    text = _APOSTROPHES.sub("", text)\n',
            new_str='    text = _APOSTROPHES.sub("", text)\n    text = unicodedata.normalize("NFKD", text)\n'
            '    text = text.encode("ascii", "ignore").decode("ascii")\n',
        ),
        tool("submit"),
    ][min(n, 1)]


def models_config(tmp: Path, **opts) -> str:
    path = tmp / "models.yaml"
    lines = "".join(f"    {k}: {json.dumps(v)}\n" for k, v in opts.items())
    path.write_text(f"models:\n  fake-model:\n{lines}")
    return str(path)


def files_text(root: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in root.rglob("*") if p.is_file())


def test_bare_run_solves_and_grades_a_right_and_a_wrong_fix(serve, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
    srv = serve(lambda req: right_fix_t2(steps(req)) if which(req) == T2 else wrong_fix_t1(steps(req)))
    res = swerun(
        "--model",
        "openai:fake-model",
        "--base-url",
        srv.url,
        "--split",
        "mini",
        "--instance-ids",
        T1,
        "--instance-ids",
        T2,
        "--run-id",
        "e2e",
        "--max-workers",
        "2",
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    run = tmp_path / "results" / "e2e"
    report = json.loads((run / "fake-model.e2e.json").read_text())
    assert report["resolved_ids"] == [T2] and report["unresolved_ids"] == [T1]
    preds = {r["instance_id"]: r for r in map(json.loads, (run / "preds.jsonl").read_text().splitlines())}
    assert preds[T2]["model_name_or_path"] == "fake-model"
    assert "-    if len(text) < width:\n+    if len(text) <= width:\n" in preds[T2]["model_patch"]
    traj = json.loads((run / T2 / "trajectory.json").read_text())
    assert traj["exit_status"] == "submitted" and traj["totals"]["steps"] == 3
    assert [m["role"] for m in traj["messages"]][:3] == ["system", "user", "assistant"]
    assert traj["patch"] == preds[T2]["model_patch"] and traj["steps"][0]["tools"][0]["output"].startswith("28:")
    # the key reached the server, and nothing on disk
    assert {r.headers["authorization"] for r in srv.requests} == {f"Bearer {SENTINEL_KEY}"}
    assert SENTINEL_KEY not in files_text(run) + res.stdout + res.stderr
    assert "Resolved         1 / 2" in res.stdout


def test_infer_then_eval_with_qwen3_coder_xml_over_a_stream(serve, tmp_path, monkeypatch):
    """A server without a tool-call parser: tools in the prompt, Qwen3-Coder XML back, streamed."""

    def xml(n: int) -> Reply:
        calls = [
            (
                "str_replace_editor",
                {
                    "command": "str_replace",
                    "path": TRUNCATE,
                    "old_str": "    if len(text) < width:",
                    "new_str": "    if len(text) <= width:",
                },
            ),
            ("submit", {}),
        ]
        name, args = calls[min(n, 1)]
        params = "".join(f"<parameter={k}>\n{v}\n</parameter>\n" for k, v in args.items())
        return Reply(content=f"Step {n}.\n<tool_call>\n<function={name}>\n{params}</function>\n</tool_call>")

    srv = serve(lambda req: xml(steps(req)))
    cfg = models_config(tmp_path, tool_mode="xml", stream=True)
    res = swerun(
        "infer",
        "--model",
        "openai:fake-model",
        "--base-url",
        srv.url,
        "--split",
        "mini",
        "--instance-ids",
        T2,
        "--run-id",
        "halves",
        "--models-config",
        cfg,
        cwd=tmp_path,
    )
    assert res.returncode == 0, res.stderr
    assert all(r.body.get("stream") and "tools" not in r.body for r in srv.requests)
    preds = tmp_path / "results" / "halves" / "preds.jsonl"
    assert not (tmp_path / "results" / "halves" / T2 / "result.json").exists()  # inference only
    res = swerun("eval", "--split", "mini", "--predictions", str(preds), "--run-id", "halves", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    report = json.loads((tmp_path / "results" / "halves" / "fake-model.halves.json").read_text())
    assert report["resolved_ids"] == [T2]


def test_api_fault_mid_run_then_resume_asks_only_what_is_missing(serve, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SENTINEL_KEY)
    cfg = models_config(tmp_path, max_retries=1, retry_base_delay=0.01)
    args = [
        "infer",
        "--model",
        "openai:fake-model",
        "--split",
        "mini",
        "--instance-ids",
        f"{T1},{T2}",
        "--run-id",
        "fault",
        "--models-config",
        cfg,
    ]
    down = serve(lambda req: right_fix_t2(steps(req)) if which(req) == T2 else error(500))
    first = swerun(*args, "--base-url", down.url, cwd=tmp_path)
    run = tmp_path / "results" / "fault"
    assert first.returncode == 3 and "api_error" in first.stdout
    assert json.loads((run / T1 / "trajectory.json").read_text())["exit_status"] == "api_error"
    assert not (run / T1 / "prediction.json").exists()
    done_before = (run / T2 / "prediction.json").read_text()
    assert [json.loads(r)["instance_id"] for r in (run / "preds.jsonl").read_text().splitlines()] == [T2]

    up = serve(lambda req: tool("submit"))
    again = swerun(*args, "--base-url", up.url, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert up.requests and all(which(r) == T1 for r in up.requests)  # the finished instance was not asked again
    assert (run / T2 / "prediction.json").read_text() == done_before
    rows = [json.loads(r) for r in (run / "preds.jsonl").read_text().splitlines()]
    assert [r["instance_id"] for r in rows] == [T1, T2] and rows[0]["model_patch"] == ""
    assert "1 asked now, 1 reused" in again.stdout


def test_kill_9_mid_inference_loses_nothing_finished(serve, docker_engine, tmp_path):
    hang = serve(lambda req: right_fix_t2(steps(req)) if which(req) == T2 else Reply(delay=120))
    args = [
        "infer",
        "--model",
        "openai:fake-model",
        "--split",
        "mini",
        "--instance-ids",
        f"{T1},{T2}",
        "--run-id",
        "agent-k9",
        "--max-workers",
        "2",
    ]
    proc = subprocess.Popen(
        [sys.executable, "-m", "swebench_runner", *args, "--base-url", hang.url],
        cwd=tmp_path,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    run = tmp_path / "results" / "agent-k9"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not (run / "preds.jsonl").is_file():
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    rows = [json.loads(r) for r in (run / "preds.jsonl").read_text().splitlines()]
    assert [r["instance_id"] for r in rows] == [T2] and not (run / T1 / "prediction.json").exists()
    assert docker_engine.containers.list(all=True, filters={"label": f"{sdocker.RUN_LABEL}=agent-k9"})  # T1's, orphaned

    up = serve(lambda req: tool("submit"))
    again = swerun(*args, "--base-url", up.url, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert up.requests and all(which(r) == T1 for r in up.requests)
    assert sorted(json.loads(r)["instance_id"] for r in (run / "preds.jsonl").read_text().splitlines()) == [T1, T2]
    assert not docker_engine.containers.list(all=True, filters={"label": f"{sdocker.RUN_LABEL}=agent-k9"})
