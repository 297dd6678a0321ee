"""``swerun images ls | prune | estimate | build``: swerun's Docker images, what they cost, what a run needs."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .options import backend_options, dataset_options, ids, image_options, max_workers_option


@click.group("images")
def images_group() -> None:
    """swerun's Docker images: list with sizes, prune, build ahead of a run, disk a run will need."""


@images_group.command("ls")
@click.option("--json", "as_json", is_flag=True)
def images_ls(as_json: bool) -> None:
    """Every swerun image: size, bytes shared with its parent layer, unique bytes; the disk they use."""
    from ..reporting.images_admin import disk_used, human, list_images

    rows = list_images()
    if as_json:
        click.echo(json.dumps([r.model_dump(mode="json") for r in rows], indent=1))
        return
    click.echo(f"{'LAYER':<9}{'SIZE':>11}{'SHARED':>11}{'UNIQUE':>11}  {'CREATED':<17}TAG")
    for r in rows:
        click.echo(f"{r.layer:<9}{human(r.size):>11}{human(r.shared):>11}{human(r.unique):>11}  "
                   f"{r.created:%Y-%m-%d %H:%M}  {r.tag}")
    click.echo(f"{len(rows)} images; {human(disk_used(rows))} on disk (shared layers counted once)")


@images_group.command("prune")
@click.option("--older-than", help="created more than this long ago: 30d, 12h, 2w, 0s")
@click.option("--run", "run_path", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="the images a run used (its run.json)")
@click.option("--match", help="only tags matching this glob, e.g. 'swerun/eval-django__*'")
@click.option("--layer", "layers", multiple=True, type=click.Choice(["instance", "env", "base", "agent"]),
              help="only these layers (repeatable; default all)")
@click.option("--dry-run", is_flag=True, help="say what would go, remove nothing")
def images_prune(older_than, run_path, match, layers, dry_run) -> None:
    """Remove swerun images by age, by run or by tag; images others still need are kept and named."""
    from ..errors import InputError
    from ..reporting.images_admin import human, list_images, parse_age, prune, run_image_tags, select
    from ..reporting.runfiles import RunFolder

    if not (older_than or run_path or match):
        raise InputError("say what to prune: --older-than, --run and/or --match", source="swerun images prune")
    chosen = select(list_images(), older_than=parse_age(older_than) if older_than else None,
                    tags=run_image_tags(RunFolder(run_path).run_json) if run_path else None, match=match,
                    layers=set(layers) or None)
    out = prune(chosen, dry_run=dry_run)
    for tag in out.removed:
        click.echo(f"{'would remove' if dry_run else 'removed'} {tag}")
    for tag, why in out.kept.items():
        click.echo(f"kept {tag}: {why}")
    click.echo(f"{len(out.removed)} images {'would be ' if dry_run else ''}removed, {human(out.freed)} freed")


def _instances(split, dataset, instance_ids):
    from ..dataset import load_dataset

    return list(load_dataset(split, dataset).select(ids(instance_ids)).instances)


@images_group.command("estimate")
@dataset_options
def images_estimate(split, dataset, instance_ids) -> None:
    """Disk a run still needs: the missing layers, sized like the ones already here."""
    from ..reporting.images_admin import estimate, estimate_lines

    for line in estimate_lines(estimate(_instances(split, dataset, instance_ids))):
        click.echo(line)


@images_group.command("build")
@dataset_options
@max_workers_option(limit=64)
@image_options
@click.option("--push", metavar="REGISTRY", help="push every layer under its content-hash tag to this registry "
                                                 "(host:port), so other nodes pull instead of building")
@backend_options
def images_build(split, dataset, instance_ids, max_workers, repo_url, registry, ca_bundle, push, backend,
                 ray_address) -> None:
    """Build (or reuse) every instance image of a split ahead of a run, here or across a Ray cluster."""
    from ..prebuild import build_ahead
    from ..reporting.images_admin import estimate, estimate_lines

    instances = _instances(split, dataset, instance_ids)
    for line in estimate_lines(estimate(instances)):
        click.echo(line)

    def done(iid: str, source: str | None, error: str | None) -> None:
        click.echo(f"  {iid}: {source}" if error is None else f"  {iid}: FAILED {error}")

    if ray_address and backend != "ray":
        raise click.BadParameter("--ray-address needs --backend ray", param_hint="'--ray-address'")
    out = build_ahead(instances, max_workers=max_workers, repo_url=repo_url, registry=registry, ca_bundle=ca_bundle,
                      push=push, backend=backend, ray_address=ray_address, on_done=done)
    counts: dict[str, int] = {}
    for s in out.sources.values():
        counts[s] = counts.get(s, 0) + 1
    click.echo(f"{len(out.sources)} ready ({', '.join(f'{v} {k}' for k, v in sorted(counts.items())) or 'none'}), "
               f"{len(out.failed)} failed")
    if push:
        fresh = sum(1 for v in out.pushed.values() if v == "pushed")
        click.echo(f"pushed {fresh} layers to {push}, {len(out.pushed) - fresh} were there already")
    if out.failed:
        sys.exit(3)
