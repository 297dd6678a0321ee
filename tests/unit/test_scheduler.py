"""The local scheduler: every item once, results in the caller's thread, cleanup and stop on a failure;
and the local path never imports Ray."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from swebench_runner.backends.fake import FakeBackend
from swebench_runner.scheduler import LocalScheduler


def test_every_item_once_and_results_in_the_callers_thread():
    seen, threads = [], set()
    sched = LocalScheduler(FakeBackend(), "sched", max_workers=4)
    sched.map(lambda n: n * n, list(range(500)), lambda item, r: (seen.append((item, r)), threads.add(
        threading.get_ident())))
    assert sorted(seen) == [(n, n * n) for n in range(500)]
    assert threads == {threading.get_ident()}


def test_a_failing_item_stops_the_run_and_removes_its_containers():
    backend = FakeBackend()
    backend.open_sandbox("img", run_id="sched", name="left-open")
    stopping = threading.Event()

    def work(n: int) -> int:
        if n == 3:
            raise RuntimeError("a bug")
        return n

    with pytest.raises(RuntimeError, match="a bug"):
        LocalScheduler(backend, "sched", max_workers=2).map(work, list(range(10)), lambda i, r: None,
                                                            stopping=stopping)
    assert stopping.is_set() and not backend.open


def test_the_local_path_never_imports_ray(tmp_path):
    probe = (
        "import sys\n"
        "from swebench_runner.dataset import load_dataset\n"
        "from swebench_runner.predictions import load_predictions\n"
        "from swebench_runner.runner import run_evaluation\n"
        "from swebench_runner.settings import RunSettings\n"
        "from swebench_runner.backends.fake import FakeBackend, gold_responder\n"
        "ds = load_dataset('mini')\n"
        f"out = run_evaluation(ds, load_predictions('gold', ds), RunSettings(run_id='noray', results_root={str(tmp_path)!r},"
        " backend='fake', image_source='swebench', progress=False), backend=FakeBackend(responder=gold_responder("
        "ds.instances)))\n"
        "assert len(out.results) == 16\n"
        "print('ray' in sys.modules)\n")
    res = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "False"
