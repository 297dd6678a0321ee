"""Where specs and base recipes come from: user spec folders before the bundled ones, pinned keyrings."""

from __future__ import annotations

import functools
import hashlib
import http.server
import subprocess
import threading
from pathlib import Path

import pytest

from swebench_runner.backends.docker_builder import fetch_keyring
from swebench_runner.errors import ImageBuildError, SpecError
from swebench_runner.images import BaseRecipe, Keyring, base_recipes
from swebench_runner.resources import SPECS_ENV
from swebench_runner.spec import load_repo_spec, spec_file

WIDGET = "repo: acme/widget\nversions:\n  '1.0':\n    python: '{py}'\n    test_cmd: [pytest]\n    log_parser: pytest\n"


def test_user_spec_folders_come_first_and_errors_say_where_was_searched(tmp_path, monkeypatch):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    (second / "acme__widget.yaml").write_text(WIDGET.format(py="3.8"))
    (second / "swerun-mini__textkit.yaml").write_text(
        WIDGET.format(py="3.8").replace("acme/widget", "swerun-mini/textkit"))
    monkeypatch.setenv(SPECS_ENV, f"{first}:{second}")
    assert load_repo_spec("acme/widget").versions["1.0"].python == "3.8"
    assert spec_file("swerun-mini/textkit") == second / "swerun-mini__textkit.yaml"  # shadows the bundled one
    (first / "acme__widget.yaml").write_text(WIDGET.format(py="3.10"))
    assert load_repo_spec("acme/widget").versions["1.0"].python == "3.10"
    with pytest.raises(SpecError) as err:
        load_repo_spec("acme/gadget")
    assert str(first) in str(err.value) and str(second) in str(err.value) and "--specs" in str(err.value)
    monkeypatch.delenv(SPECS_ENV)
    assert load_repo_spec("swerun-mini/textkit").versions["1.0"].python == "3.11"


def test_every_python_of_swebench_has_exactly_one_base():
    recipes = base_recipes()
    assert sorted(recipes, key=lambda v: int(v.split(".")[1])) == [f"3.{n}" for n in range(5, 14)]
    for py, recipe in recipes.items():
        assert recipe.python == py and recipe.distro in {"debian", "ubuntu"}
        if recipe.distro == "ubuntu":  # Debian hosts do not carry Ubuntu's keyring: it is pinned
            assert recipe.keyring and len(recipe.keyring.sha256) == 64 and "universe" in recipe.components
    # fields left at their defaults do not enter the tag: Debian bases kept their tags
    deb = recipes["3.11"]
    assert BaseRecipe(deb.suite, deb.python, deb.packages, deb.mirror).tag == deb.tag
    assert BaseRecipe(deb.suite, deb.python, deb.packages, deb.mirror, pockets=("updates",)).tag != deb.tag


@pytest.fixture()
def served(tmp_path):
    """A real HTTP server on 127.0.0.1 serving ``tmp_path/www``."""
    www = tmp_path / "www"
    www.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(www))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield www, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_keyring_is_taken_from_the_pinned_package_only(served, tmp_path, monkeypatch):
    monkeypatch.setenv("SWERUN_CACHE", str(tmp_path / "cache"))
    www, url = served
    pkg = tmp_path / "pkg"
    (pkg / "DEBIAN").mkdir(parents=True)
    (pkg / "DEBIAN" / "control").write_text("Package: test-keyring\nVersion: 1\nArchitecture: all\n"
                                            "Maintainer: t <t@example.org>\nDescription: test\n")
    (pkg / "usr/share/keyrings").mkdir(parents=True)
    (pkg / "usr/share/keyrings/test.gpg").write_bytes(b"not really a key")
    subprocess.run(["dpkg-deb", "-b", str(pkg), str(www / "k.deb")], check=True, capture_output=True)
    digest = hashlib.sha256((www / "k.deb").read_bytes()).hexdigest()

    with pytest.raises(ImageBuildError, match=f"expected {'0' * 64}"):
        fetch_keyring(Keyring(f"{url}/k.deb", "0" * 64, "usr/share/keyrings/test.gpg"), tmp_path / "log")
    got = fetch_keyring(Keyring(f"{url}/k.deb", digest, "usr/share/keyrings/test.gpg"), tmp_path / "log")
    assert Path(got).read_bytes() == b"not really a key"
    with pytest.raises(ImageBuildError, match="holds no usr/share/keyrings/other.gpg"):
        fetch_keyring(Keyring(f"{url}/k.deb", digest, "usr/share/keyrings/other.gpg"), tmp_path / "log")
    with pytest.raises(ImageBuildError, match="cannot download"):
        fetch_keyring(Keyring(f"{url}/missing.deb", "1" * 64, "usr/share/keyrings/test.gpg"), tmp_path / "log")
