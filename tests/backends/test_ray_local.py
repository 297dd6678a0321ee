"""``--backend ray`` without an address (no cluster fixture here: a second Ray instance started beside a
running cluster on one machine disturbs that cluster's object store)."""

from __future__ import annotations

from swebench_runner.backends.fake import FakeBackend, gold_responder
from swebench_runner.predictions import load_predictions
from swebench_runner.runner import run_evaluation
from swebench_runner.settings import RunSettings

from .test_ray import _many


def test_without_an_address_a_local_ray_instance_is_started_and_stopped(tmp_path):
    """``--backend ray`` alone: a Ray instance of its own on this machine, stopped at the end."""
    import ray

    ds = _many(20)
    out = run_evaluation(ds, load_predictions("gold", ds), RunSettings(
        run_id="ray-local", results_root=tmp_path, backend="fake", scheduler="ray", image_source="swebench",
        progress=False, max_workers=4), backend=FakeBackend(responder=gold_responder(ds.instances)))
    assert len(out.report["resolved_ids"]) == 20
    assert not ray.is_initialized()  # the instance it started is gone again
