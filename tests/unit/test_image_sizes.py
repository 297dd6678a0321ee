"""Disk forecasts from recorded layer sizes: the bundled figures (measured or marked as guesses), this
machine's recorded builds over them, and the estimate saying which figures are guesses. No Docker: the
engine's images are given as rows."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone

import pytest

from swebench_runner.image_sizes import SizeBook, bundled_sizes_path, record_layer_size, user_sizes_path
from swebench_runner.reporting.images_admin import ImageRow, estimate_lines, forecast
from swebench_runner.resources import harness_dir
from swebench_runner.spec import spec_for
from swebench_runner.types import Instance

MiB = 1 << 20
GiB = 1 << 30

# SWE-bench Verified's 500 rows by repository and version (counted from the published test split).
VERIFIED = {
    "astropy/astropy": {"1.3": 4, "3.1": 2, "4.3": 2, "5.0": 4, "5.1": 8, "5.2": 2},
    "django/django": {"1.11": 1, "2.2": 1, "3.0": 36, "3.1": 32, "3.2": 43, "4.0": 36, "4.1": 34, "4.2": 24, "5.0": 24},
    "matplotlib/matplotlib": {"3.0": 1, "3.1": 1, "3.4": 5, "3.5": 7, "3.6": 9, "3.7": 11},
    "mwaskom/seaborn": {"0.12": 2},
    "pallets/flask": {"2.3": 1},
    "psf/requests": {"1.1": 1, "2.0": 2, "2.26": 1, "2.27": 1, "2.3": 1, "2.4": 1, "2.9": 1},
    "pydata/xarray": {"0.12": 13, "2022.03": 2, "2022.06": 4, "2022.09": 3},
    "pylint-dev/pylint": {"2.10": 2, "2.14": 2, "2.15": 3, "2.9": 2, "3.0": 1},
    "pytest-dev/pytest": {"4.5": 1, "4.6": 1, "5.0": 1, "5.1": 2, "5.2": 2, "5.4": 4, "6.0": 3, "6.2": 1, "6.3": 1,
                          "7.2": 3},
    "scikit-learn/scikit-learn": {"0.20": 5, "0.21": 8, "0.22": 12, "1.3": 7},
    "sphinx-doc/sphinx": {"3.0": 2, "3.1": 4, "3.2": 5, "3.3": 3, "3.4": 4, "3.5": 4, "4.0": 1, "4.1": 6, "4.2": 3,
                          "4.3": 4, "5.0": 3, "5.1": 1, "5.2": 1, "7.1": 1, "7.2": 2},
    "sympy/sympy": {"1.0": 5, "1.1": 16, "1.10": 4, "1.11": 3, "1.12": 8, "1.2": 2, "1.4": 6, "1.5": 10, "1.6": 5,
                    "1.7": 7, "1.8": 4, "1.9": 5},
}


TEST_PATCH = "diff --git a/t.py b/t.py\n--- a/t.py\n+++ b/t.py\n@@ -1 +1 @@\n-a\n+b\n"


def _inst(repo: str, version: str, n: int) -> Instance:
    return Instance(instance_id=f"{repo.replace('/', '__')}-{n}", repo=repo, base_commit="0" * 40,
                    test_patch=TEST_PATCH, version=version, FAIL_TO_PASS=["t"])


def verified_like() -> list[Instance]:
    out, n = [], 0
    for repo, versions in VERIFIED.items():
        for version, count in versions.items():
            for _ in range(count):
                n += 1
                out.append(_inst(repo, version, n))
    return out


def _row(layer: str, tag: str, unique: int, *, repo=None, version=None, instance=None, python=None) -> ImageRow:
    return ImageRow(tag=tag, id=f"sha256:{abs(hash(tag)):064x}"[:71], layer=layer, repo=repo, version=version,
                    instance=instance, python=python, created=datetime.now(timezone.utc), size=unique,
                    unique=unique)


def mini_engine() -> list[ImageRow]:
    """The images of the bundled mini split, as a machine that ran it has them: small envs (~22 MB)."""
    rows = [_row("base", "swerun/base:bookworm-py3.11-x", 270_072_317, python="3.11")]
    for name in ("textkit", "numfmt", "spans", "tinycache", "envfile"):
        repo = f"swerun-mini/{name}"
        rows.append(_row("env", f"swerun/env-{name}:1.0-x", 22 * MiB, repo=repo, version="1.0", python="3.11"))
        rows.append(_row("instance", f"swerun/eval-{name}-1:x", 300_000, repo=repo, instance=f"swerun-mini__{name}-1"))
    return rows


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SWERUN_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_bundled_figures_cover_every_verified_repository_and_say_whether_they_are_guesses():
    """Verified's repositories have figures of their own; others (Multilingual's) fall back to the
    defaults, which are guesses and say so."""
    assert bundled_sizes_path() == harness_dir() / "data" / "image_sizes.json"
    data = json.loads(bundled_sizes_path().read_text())
    specs = {p.stem.replace("__", "/", 1) for p in (harness_dir() / "specs").glob("*.yaml")
             if not p.stem.startswith("swerun-mini")}
    assert set(VERIFIED) <= specs and set(VERIFIED) <= set(data["repos"])
    specs = set(VERIFIED)
    entries = [data["base"]["*"], data["default"]["env"], data["default"]["instance"]]
    for repo in specs:
        assert "*" in data["repos"][repo]["env"] and "*" in data["repos"][repo]["instance"], repo
        entries += [*data["repos"][repo]["env"].values(), *data["repos"][repo]["instance"].values()]
    for e in entries:
        assert isinstance(e["bytes"], int) and e["bytes"] > 0 and isinstance(e["guess"], bool) and e["note"], e
    measured = {repo for repo, layers in data["repos"].items() if not layers["instance"]["*"]["guess"]}
    assert measured - {r for r in measured if r.startswith("swerun-mini/")} == {
        "pallets/flask", "psf/requests", "pytest-dev/pytest", "pylint-dev/pylint", "sympy/sympy", "sphinx-doc/sphinx"}
    # every base Verified needs was measured (debootstrapped here)
    assert all(not data["base"][py]["guess"] for py in ("3.5", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11"))
    assert data["base"]["*"]["guess"] and data["base"]["*"]["bytes"] > max(
        e["bytes"] for k, e in data["base"].items() if k != "*")
    astropy13 = data["repos"]["astropy/astropy"]["env"]["1.3"]
    assert (astropy13["bytes"], astropy13["guess"]) == (712 * MiB, False)
    # guesses are high on purpose: never below what was measured for a sibling
    assert data["repos"]["astropy/astropy"]["env"]["*"]["bytes"] > 712 * MiB
    for repo in ("django/django", "matplotlib/matplotlib", "scikit-learn/scikit-learn"):
        assert data["repos"][repo]["env"]["*"]["guess"] and data["repos"][repo]["env"]["*"]["bytes"] >= 800 * MiB


def test_verified_after_the_mini_split_is_no_longer_forecast_from_mini_sized_layers(cache):
    """The old forecast took the median of the mini split's 22 MB env layers for every repository never
    built here and said 'about 2.3 GiB' for Verified."""
    rows = mini_engine()
    est = forecast(verified_like(), rows, SizeBook.load(rows))
    assert est.instances == 500 and len(est.missing) == 500 and len(est.missing_envs) == 80
    assert est.missing_bases == ["3.10", "3.5", "3.6", "3.7", "3.8", "3.9"]  # bookworm's 3.11 is here
    assert est.bytes_needed > 60 * GiB
    # everything but six repositories' instance layers and astropy 1.3's env is a guess
    assert est.guessed_repos == sorted(VERIFIED)
    assert 0 < est.bytes_needed - est.guessed_bytes < 10 * GiB
    flask = next(n for n in est.needs if n.repo == "pallets/flask" and n.layer == "instance")
    assert (flask.bytes, flask.guess) == (int(2.6 * MiB), False)
    astropy13 = next(n for n in est.needs if n.repo == "astropy/astropy" and n.key == "1.3")
    assert (astropy13.bytes, astropy13.guess) == (712 * MiB, False)
    by_repo = {r.repo: r for r in est.by_repo()}
    assert by_repo["django/django"].instances == 231 and by_repo["django/django"].envs == 9
    assert by_repo["django/django"].figures == "guess" and by_repo["sympy/sympy"].figures == "partly guessed"
    assert est.by_repo()[0].bytes >= est.by_repo()[-1].bytes

    text = "\n".join(estimate_lines(est))
    assert "0/500 instance images present; to build: 500 instance, 80 env, 6 base layers" in text
    assert "Disk needed: a guess of " in text and "at least " in text and "guessed high" in text
    assert "django/django" in text and "partly guessed" in text
    guessed_line = next(line for line in text.splitlines() if line.startswith("Guessed"))
    envs, instances = guessed_line.split("; ")
    assert "matplotlib/matplotlib" in envs and "pallets/flask" in envs
    assert "django/django" in instances and "pallets/flask" not in instances and "sympy/sympy" not in instances
    assert "bases" not in guessed_line and "(6 base layers)" in text


def test_a_forecast_from_measurements_only_says_about(cache):
    rows = mini_engine()
    mini = [_inst("swerun-mini/textkit", "1.0", 7), _inst("swerun-mini/textkit", "1.0", 8)]
    est = forecast(mini, rows)
    assert est.missing_envs == [] and est.bytes_needed == 2 * 300_000 and est.guessed_bytes == 0
    lines = estimate_lines(est)
    assert lines[1] == "Disk needed: about 585.9 KiB; free disk unknown"
    assert not any(x.startswith("Guessed") for x in lines)
    assert forecast([], rows).bytes_needed == 0 and "Disk needed: about 0 B" in estimate_lines(forecast([], rows))[1]


def test_recorded_builds_win_over_bundled_guesses_and_measured_siblings_size_instances(cache):
    django = spec_for(_inst("django/django", "3.0", 1))
    assert django.python == "3.6"
    book = SizeBook.load()
    guess_env, guess_inst = book.figure("env", "django/django", "3.0"), book.figure("instance", "django/django", "x-1")
    assert guess_env.guess and guess_inst.guess and guess_env.source == "bundled"

    labels = {"swerun.repo": "django/django", "swerun.version": "3.0", "swerun.python": "3.6"}
    record_layer_size("env", labels, 420 * MiB, "swerun/env-django__django:3.0-abc")
    record_layer_size("instance", {**labels, "swerun.instance": "django__django-11099"}, 61 * MiB, "swerun/eval-x:1")
    record_layer_size("base", {"swerun.python": "3.6"}, 290 * MiB, "swerun/base:bionic-py3.6-x")
    saved = json.loads(user_sizes_path().read_text())
    assert saved["repos"]["django/django"]["env"]["3.0"]["bytes"] == 420 * MiB
    assert saved["repos"]["django/django"]["env"]["3.0"]["tag"] == "swerun/env-django__django:3.0-abc"

    book = SizeBook.load()
    env30 = book.figure("env", "django/django", "3.0")
    assert (env30.bytes, env30.guess, env30.source) == (420 * MiB, False, "recorded")
    # another version: still the (higher) bundled guess, never the smaller sibling
    env41 = book.figure("env", "django/django", "4.1")
    assert env41.guess and env41.bytes == guess_env.bytes
    # instances of one repository differ by their checkout: a measured sibling is a measurement
    inst = book.figure("instance", "django/django", "django__django-12345")
    assert (inst.bytes, inst.guess) == (61 * MiB, False)
    assert book.figure("base", None, "3.6").bytes == 290 * MiB and not book.figure("base", None, "3.6").guess
    # a sibling measured above the guess raises the guess
    record_layer_size("env", {**labels, "swerun.version": "2.2"}, 5 * GiB, "swerun/env-django__django:2.2-abc")
    raised = SizeBook.load().figure("env", "django/django", "4.1")
    assert (raised.bytes, raised.guess) == (5 * GiB, True)
    # a repository nobody knows: the default guess
    unknown = SizeBook.load().figure("env", "someone/else", "1.0")
    assert unknown.guess and unknown.source == "default" and unknown.bytes >= 2 * GiB


def test_concurrent_records_lose_nothing(cache):
    def record(i: int) -> None:
        record_layer_size("instance", {"swerun.repo": "r/x", "swerun.instance": f"r__x-{i}"}, i, f"t:{i}")

    threads = [threading.Thread(target=record, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    saved = json.loads(user_sizes_path().read_text())
    assert {k: v["bytes"] for k, v in saved["repos"]["r/x"]["instance"].items()} == {f"r__x-{i}": i for i in range(24)}


def test_a_layer_without_its_labels_is_refused(cache):
    with pytest.raises(ValueError, match="lacks the labels"):
        record_layer_size("env", {"swerun.repo": "r/x"}, 1, "t:1")
    with pytest.raises(ValueError, match="no size records"):
        record_layer_size("agent", {}, 1, "t:1")
    assert not user_sizes_path().exists()
