"""``swerun serve``: RL environments over HTTP (``swebench_runner.rl.service``)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import click

from .options import dataset_options, ids, image_options


@click.command("serve")
@dataset_options
@image_options
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@click.option("--pool-size", default=8, show_default=True, type=click.IntRange(1, 4096),
              help="episode containers kept started ahead")
@click.option("--token-file", type=click.Path(dir_okay=False, path_type=Path),
              help="file holding the bearer token (default: SWERUN_SERVE_TOKEN, else a new one, printed)")
def serve_cmd(split, dataset, instance_ids, repo_url, registry, ca_bundle, host, port, pool_size, token_file) -> None:
    """Serve reset/step/close/reward of SWE environments over HTTP with a bearer token (OpenAPI at /openapi.json)."""
    from ..rl.pool import EnvPool
    from ..rl.service import EnvService

    token = (token_file.read_text().strip() if token_file else os.environ.get("SWERUN_SERVE_TOKEN")) or None
    fresh = token is None
    token = token or secrets.token_urlsafe(24)
    pool = EnvPool(pool_size, split=split, dataset=dataset, instance_ids=ids(instance_ids) or None,
                   repo_url=repo_url, registry=registry, ca_bundle=ca_bundle)
    svc = EnvService(pool, token, host, port)
    click.echo(f"serving on {svc.url} (OpenAPI: {svc.url}/openapi.json)")
    if fresh:
        click.echo(f"token: {token}")
    try:
        svc.serve_forever()
    finally:
        svc.close()
