"""A policy in training is adversarial. Each hostile action below runs in one environment while a
second environment keeps working; each ends with a clear ``info`` and no reward, and the host is
unharmed (the other environment's steps still answer, the engine still runs containers)."""

from __future__ import annotations

import pytest

from swebench_runner.backends.docker_engine import RUN_LABEL
from swebench_runner.rl import EpisodeLimits, SWEEnv
from swebench_runner.rl.env import EPISODE_CONTAINER

pytestmark = pytest.mark.docker

T2 = "swerun-mini__textkit-2"
HOSTILE = {
    "fork bomb": "bomb() { bomb | bomb & }; bomb; sleep 8",
    "memory hog": "python3 -c 'x = bytearray(16 << 30)'",
    "output flood": "yes swerun-flood-line",
    "kill -9 -1": "kill -9 -1",
    "delete the repository": "cd / && rm -rf /testbed",
    "write 10 GB": "dd if=/dev/zero of=/tmp/fill bs=1M count=10240 2>&1 | tail -2; ls -l /tmp/fill",
    "write 10 GB in small files": ("i=0; while [ $i -lt 10240 ]; do head -c 1048576 /dev/zero > /tmp/f$i || break; "
                                   "i=$((i+1)); done; echo wrote $i"),
}
# the policy's own doing, scored 0 and not masked: what info["violation"] says
VIOLATION = {"kill -9 -1": "processes were all killed", "delete the repository": "repository at /testbed was deleted",
             "write 10 GB in small files": "disk cap of 512 MB"}
DISK_MB = 512  # for the small files: a disk cap below the file-size cap, reached in a second or two


def _bash(command: str) -> dict:
    return {"name": "bash", "arguments": {"command": command}}


@pytest.fixture(scope="module")
def bystander(docker_engine):
    env = SWEEnv(split="mini", instance_ids=[T2], run_id="rl-bystander")
    env.reset()
    yield env
    env.close()


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_step_harms_nothing_outside_and_earns_nothing(case, bystander, docker_engine):
    env = SWEEnv(split="mini", instance_ids=[T2], limits=EpisodeLimits(command_timeout=30, max_steps=3),
                 container=EPISODE_CONTAINER.model_copy(update={"disk_mb": DISK_MB}) if "small" in case
                 else EPISODE_CONTAINER,
                 run_id=f"rl-hostile-{case.replace(' ', '-').replace('/', '')}")
    try:
        env.reset()
        obs, reward, terminated, truncated, info = env.step(_bash(HOSTILE[case]))
        first = obs["messages"][0]["content"] if obs["messages"] else ""
        assert reward == 0.0
        # the other environment answers, and the engine is fine
        other, *_ = bystander.step(_bash("echo still-here"))
        assert other["messages"][0]["content"].strip() == "still-here"
        if not (terminated or truncated):
            obs, reward, terminated, truncated, info = env.step({"name": "submit", "arguments": {}})
        assert terminated or truncated
        assert reward == 0.0 and info["outcome"] != "resolved"
        assert not info.get("infra_error"), info  # nothing here is the infrastructure's fault: never masked
        if case in VIOLATION:
            assert VIOLATION[case] in info["violation"] and info["outcome"] == "unresolved", info
        else:
            assert "violation" not in info and info["outcome"] in ("empty_patch", "unresolved"), info
        if case == "write 10 GB":  # stopped at the file-size cap (1 GiB), long before the host's disk
            assert "File size limit exceeded" in first or " 1073741824 " in first, first[-500:]
        if case == "output flood":
            assert len(first) < 20000
    finally:
        env.close()
    assert not docker_engine.containers.list(all=True, filters={"label": f"{RUN_LABEL}={env.settings.run_id}"})


def test_the_fix_is_not_in_git_objects_reflog_or_packs(bystander, tmp_path):
    """The image holds no commit after the base: the fixed file's blob is in no object, pack or ref."""
    import subprocess
    from pathlib import Path

    from swebench_runner.dataset import load_dataset
    from swebench_runner.repos import RepoStore

    inst = load_dataset("mini").by_id()[T2]
    repo = Path(tmp_path / "repo")
    RepoStore().checkout(inst.repo, inst.base_commit, repo)
    (tmp_path / "gold.patch").write_text(inst.patch)
    subprocess.run(["git", "-C", str(repo), "apply", str(tmp_path / "gold.patch")], check=True)
    fixed = subprocess.run(["git", "-C", str(repo), "hash-object", "textkit/truncate.py"], check=True,
                           capture_output=True, text=True).stdout.strip()
    search = ("git log --all --oneline | wc -l; git for-each-ref | wc -l; "
              f"git cat-file -t {fixed} 2>/dev/null || echo absent; "
              f"git cat-file --batch-all-objects --batch-check | grep -c {fixed} || true")
    obs, *_ = bystander.step(_bash(search))
    lines = obs["messages"][0]["content"].split("\n")
    assert lines[0].strip() == "1"  # the base commit alone, on every ref
    assert lines[2].strip() == "absent" and lines[3].strip() == "0"
