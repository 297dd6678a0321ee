"""How many bytes each image layer takes: recorded figures, so a disk forecast never guesses low.

``harness/data/image_sizes.json`` (bundled, per repository: env and instance layer bytes, base bytes;
each figure marked measured or guessed) sits under a user-side copy in the cache
(``<cache>/image_sizes.json``) that every build and pull refreshes with the layer's measured size
(``record_layer_size``). Where nothing was measured the bundled figure is a deliberately high guess.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from filelock import FileLock

from .resources import cache_dir, harness_dir

log = logging.getLogger(__name__)

SIZES_FILE = "image_sizes.json"
ANY = "*"  # the key of a repository's (or the bases') figure for a version/instance with none of its own


@dataclass(frozen=True)
class Figure:
    """Bytes one layer takes, and whether that is a measurement (here or bundled) or a guess."""

    bytes: int
    guess: bool
    source: str  # "engine" | "recorded" (this machine's builds) | "bundled" | "default"
    note: str = ""


def bundled_sizes_path() -> Path:
    return harness_dir() / "data" / SIZES_FILE


def user_sizes_path() -> Path:
    """This machine's measured layer sizes (written by builds and pulls; read before the bundled data)."""
    return cache_dir() / SIZES_FILE


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable layer sizes %s: %s", path, exc)
        return {}
    return data if isinstance(data, dict) else {}


def _figures(table: Any, source: str, *, measured: bool = False) -> dict[str, Figure]:
    out: dict[str, Figure] = {}
    for key, entry in (table or {}).items() if isinstance(table, dict) else ():
        if isinstance(entry, dict) and isinstance(entry.get("bytes"), int) and entry["bytes"] >= 0:
            guess = False if measured else bool(entry.get("guess", True))
            out[str(key)] = Figure(entry["bytes"], guess, source, str(entry.get("note") or entry.get("tag") or ""))
    return out


class SizeBook:
    """Layer sizes by (layer, repository) then key: a version (env), an instance id (instance), a Python
    version (base), or ``*`` for the rest. Later sources win per key: bundled < recorded < engine."""

    def __init__(self, bundled: Mapping[str, Any], recorded: Mapping[str, Any] | None = None,
                 rows: Iterable[Any] = ()) -> None:
        self.entries: dict[tuple[str, str | None], dict[str, Figure]] = {}
        defaults = bundled.get("default") or {}
        self.defaults = {layer: _figures({ANY: defaults.get(layer)}, "default").get(ANY)
                         for layer in ("base", "env", "instance")}
        for data, source in ((bundled, "bundled"), (recorded or {}, "recorded")):
            measured = source == "recorded"
            self._add("base", None, _figures(data.get("base"), source, measured=measured))
            for repo, layers in (data.get("repos") or {}).items():
                for layer in ("env", "instance"):
                    self._add(layer, repo, _figures((layers or {}).get(layer), source, measured=measured))
        for r in rows:  # what is on the engine is a measurement too
            key = {"base": r.python, "env": r.version, "instance": r.instance}.get(r.layer)
            if key and r.unique > 0:
                repo = None if r.layer == "base" else r.repo
                self._add(r.layer, repo, {key: Figure(r.unique, False, "engine", r.tag)})

    @classmethod
    def load(cls, rows: Iterable[Any] = ()) -> SizeBook:
        """The bundled figures under this machine's recorded ones (and ``rows``, images on the engine)."""
        return cls(_read_json(bundled_sizes_path()), _read_json(user_sizes_path()), rows)

    def _add(self, layer: str, repo: str | None, figures: dict[str, Figure]) -> None:
        if figures:
            self.entries.setdefault((layer, repo), {}).update(figures)

    def figure(self, layer: str, repo: str | None, key: str) -> Figure:
        """The size of layer ``key`` of ``repo`` (``repo`` None for bases).

        Its own measurement when there is one. Otherwise the repository's ``*`` figure, raised to the
        largest measured sibling (another version, another base); for an instance layer a measured sibling
        counts as a measurement, since instances of one repository differ by their checkout only. Failing
        all that, the default figure, which is a guess.
        """
        entries = self.entries.get((layer, None if layer == "base" else repo), {})
        own = entries.get(key)
        if own is not None and not own.guess:
            return own
        siblings = [f for k, f in entries.items() if k not in (key, ANY) and not f.guess]
        fallback = own or entries.get(ANY) or self.defaults.get(layer) or Figure(
            {"base": 1 << 30, "env": 3 << 30, "instance": 1 << 30}[layer], True, "default", "no data at all")
        if layer == "instance" and siblings:
            return max(siblings, key=lambda f: f.bytes)
        best = max([fallback, *siblings], key=lambda f: f.bytes)
        if best is not fallback:  # another version's measurement, used for this one: a guess
            return Figure(best.bytes, True, best.source, f"measured for a sibling layer ({best.note})")
        return fallback


def record_layer_size(layer: str, labels: Mapping[str, str], size: int, tag: str,
                      path: Path | None = None) -> None:
    """Record the measured ``size`` of a layer (from its swerun labels) in this machine's sizes file.

    Read-modify-write under a file lock, replaced atomically: builds of many workers may finish at once.
    """
    repo, python = labels.get("swerun.repo"), labels.get("swerun.python")
    if layer == "base":
        where, key = ("base",), python
    elif layer == "env":
        where, key = ("repos", repo, "env"), labels.get("swerun.version")
    elif layer == "instance":
        where, key = ("repos", repo, "instance"), labels.get("swerun.instance")
    else:
        raise ValueError(f"no size records for {layer!r} layers")
    if not key or None in where:
        raise ValueError(f"{tag} lacks the labels that say which {layer} layer it is")
    path = path or user_sizes_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock"):
        data = _read_json(path)
        table = data
        for part in where:
            table = table.setdefault(part, {})
        table[key] = {"bytes": int(size), "tag": tag,
                      "measured": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".image_sizes.")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=1, sort_keys=True)
        os.replace(tmp, path)
