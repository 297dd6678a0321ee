"""Language toolchains (Go, Rust, Java, Node, ...) as data: ``harness/toolchains/<name>.yaml``.

A spec names toolchains and versions (``toolchains: {go: "1.23.8"}``); each recipe says which
distribution packages it needs, the shell lines that install it (with ``$VERSION``), the variables the
image keeps (``${VERSION}`` in a value is replaced too) (``env``: what builds and tests see) and the variables only the image builds see
(``build_env``: where downloads come from; tests run on the internal network and must find everything
in the image). A new toolchain is one file, with no code.
"""

from __future__ import annotations

import shlex
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import SpecError
from .resources import harness_dir


class Toolchain(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    packages: list[str] = Field(default_factory=list, description="distribution packages the install needs")
    install: list[str] = Field(description="shell lines run as root in the env layer; $VERSION is the version")
    env: dict[str, str] = Field(default_factory=dict, description="ENV of the image: what builds and tests see")
    build_env: dict[str, str] = Field(default_factory=dict, description="exported only while layers build")
    build_setup: list[str] = Field(
        default_factory=list, description="shell lines run at the start of every layer's build (after "
                                          "build_env), e.g. a truststore made from the build's CA bundle")


def toolchain_file(name: str) -> Path:
    return harness_dir() / "toolchains" / f"{name}.yaml"


@cache
def load_toolchain(name: str) -> Toolchain:
    path = toolchain_file(name)
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in path.parent.glob("*.yaml")))
        raise SpecError(f"no toolchain recipe {name!r} (known: {known})", source=str(path), field="toolchains")
    try:
        return Toolchain.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (ValidationError, yaml.YAMLError) as exc:
        raise SpecError(f"bad toolchain recipe: {exc}", source=str(path)) from None


def _at(value: str, version: str) -> str:
    return value.replace("${VERSION}", version)


def install_lines(toolchains: dict[str, str]) -> list[str]:
    """The env layer's lines for ``toolchains`` (name -> version): each recipe's variables (build ones
    winning), ``VERSION``, then its install lines."""
    out: list[str] = []
    for name, version in sorted(toolchains.items()):
        tc = load_toolchain(name)
        out += [f"export {k}={shlex.quote(_at(v, version))}" for k, v in sorted({**tc.env, **tc.build_env}.items())]
        out += [f"VERSION={shlex.quote(version)}", *tc.install, *tc.build_setup]
    return out


def packages(toolchains: dict[str, str]) -> list[str]:
    return sorted({p for name in toolchains for p in load_toolchain(name).packages})


def image_env(toolchains: dict[str, str]) -> dict[str, str]:
    """What the image keeps as ENV (later toolchains win on a shared name such as PATH)."""
    out: dict[str, str] = {}
    for name, version in sorted(toolchains.items()):
        out.update({k: _at(v, version) for k, v in load_toolchain(name).env.items()})
    return out


def build_exports(toolchains: dict[str, str]) -> list[str]:
    """The lines that start the instance layer's build script: its downloads (``install``) need the
    build variables and set-up too."""
    merged: dict[str, str] = {}
    setup: list[str] = []
    for name, version in sorted(toolchains.items()):
        tc = load_toolchain(name)
        merged.update({k: _at(v, version) for k, v in tc.build_env.items()})
        setup += tc.build_setup
    return [*(f"export {k}={shlex.quote(v)}" for k, v in sorted(merged.items())), *setup]
