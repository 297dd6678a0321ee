"""``swerun datasets ls | build-mini``: the known splits and the bundled data."""

from __future__ import annotations

import sys

import click


@click.group("datasets")
def datasets_group() -> None:
    """Known splits and the bundled data."""


@datasets_group.command("ls")
def datasets_ls() -> None:
    """List split names and where their rows come from."""
    from ..dataset import split_registry

    for name, entry in split_registry().items():
        click.echo(f"{name:<14} {entry.get('path') and 'bundled: ' + entry['path'] or entry.get('hf')}")


@datasets_group.command("build-mini")
@click.option("--check", is_flag=True, help="only say whether instances.jsonl matches its sources")
def datasets_build_mini(check: bool) -> None:
    """Regenerate datasets/mini/instances.jsonl from the bundled task sources."""
    from .. import bundled

    if check:
        ok = bundled.is_current()
        click.echo("instances.jsonl is current" if ok else "instances.jsonl is out of date: run build-mini")
        sys.exit(0 if ok else 1)
    click.echo(f"wrote {bundled.write_rows()}")
