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
@click.option("--set", "which", type=click.Choice(["mini", "polyglot", "all"]), default="all", show_default=True,
              help="which bundled split")
def datasets_build_mini(check: bool, which: str) -> None:
    """Regenerate datasets/{mini,polyglot}/instances.jsonl from the bundled task sources."""
    from .. import bundled
    from ..resources import datasets_dir

    roots = [datasets_dir() / d for d in (("mini", "polyglot") if which == "all" else (which,))]
    if check:
        stale = [r.name for r in roots if not bundled.is_current(r)]
        click.echo(f"out of date: {', '.join(stale)}: run build-mini" if stale else "instances.jsonl is current")
        sys.exit(1 if stale else 0)
    for root in roots:
        click.echo(f"wrote {bundled.write_rows(root)}")
