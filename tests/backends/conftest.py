"""A real Ray cluster on this machine: a head that runs no containers and two worker nodes, each a
separate raylet with its own ``docker_slots``, all on the local Docker engine."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def ray_cluster():
    import ray
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={
        "num_cpus": 1, "resources": {"docker_slots": 0}, "include_dashboard": False})
    workers = [cluster.add_node(num_cpus=1, resources={"docker_slots": 2}) for _ in range(2)]
    cluster.wait_for_nodes()
    yield cluster, workers
    if ray.is_initialized():
        ray.shutdown()
    cluster.shutdown()
