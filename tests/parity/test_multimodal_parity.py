"""Parity of the SWE-bench Multimodal parsers with swebench 5.0.2's, on every log in
``tests/data/logs/multimodal`` and on edge lines written to reach the rules of the official parsers.

The official functions take ``(log, test_spec)``; ``parse_log_lighthouse`` and ``parse_log_next`` read the
spec's ``version``, the others nothing, so a namespace holding ``instance_id`` and ``version`` stands in
for it. Ours get the instance id and know which instances are of which version; the versions below are
the task folders' (``task.yaml`` of SWE-bench/swe-bench-multimodal-dockerfiles), so every instance of
those two repositories is checked against the official choice. Every deliberate difference is listed
with its reason, so a new disagreement fails and a fixed one asks for the list to shrink.

Skipped only when swebench is not installed and ``CI`` is unset; in CI a missing package fails.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import types
from pathlib import Path

import pytest

from swebench_runner.evaluation.log_parsers import get_parser
from swebench_runner.types import TestStatus

from .official_import import without_harness_init

IN_CI = bool(os.environ.get("CI"))
HAVE_SWEBENCH = importlib.util.find_spec("swebench") is not None

pytestmark = pytest.mark.skipif(not HAVE_SWEBENCH and not IN_CI,
                                reason="swebench is not installed (pip install swebench==5.0.2)")

MM_LOGS = Path(__file__).resolve().parents[1] / "data" / "logs" / "multimodal"
MM_INDEX: dict[str, dict] = json.loads((MM_LOGS / "index.json").read_text())
STATUSES = {s.value for s in TestStatus}
MULTIMODAL_PARSERS = {
    "parse_log_calypso", "parse_log_chart_js", "parse_log_p5js", "parse_log_marked", "parse_log_react_pdf",
    "parse_log_carbon", "parse_log_openlayers", "parse_log_lighthouse", "parse_log_bpmn_js",
    "parse_log_highlightjs", "parse_log_prismjs", "parse_log_next", "parse_log_grommet", "parse_log_eslint",
    "parse_log_quarto_cli",
}


def _ids(prefix: str, *numbers: int) -> list[str]:
    return [f"{prefix}-{n}" for n in numbers]


# task.yaml ``version`` of every lighthouse and next instance (the only parsers that read it).
VERSIONS: dict[str, str] = {
    **dict.fromkeys(_ids("GoogleChrome__lighthouse", 1446, 1549, 1563, 1617), "1.4"),
    **dict.fromkeys(_ids("GoogleChrome__lighthouse", 1755, 1786), "1.5"),
    **dict.fromkeys(_ids("GoogleChrome__lighthouse", 1895, 1916, 1941, 2016), "1.6"),
    **dict.fromkeys(_ids("GoogleChrome__lighthouse", 2553, 2610), "2.1"),
    **dict.fromkeys(_ids("GoogleChrome__lighthouse", 3442), "2.4"),
    **dict.fromkeys(_ids("GoogleChrome__lighthouse", 3583, 3606, 3692), "2.5"),
    **dict.fromkeys(_ids("GoogleChrome__lighthouse", 4036), "2.6"),
    **dict.fromkeys(_ids("GoogleChrome__lighthouse", 4301), "2.8"),
    **dict.fromkeys(_ids("GoogleChrome__lighthouse", 5011, 5084), "2.9"),
    **dict.fromkeys(_ids("GoogleChrome__lighthouse", 5688, 5791, 5871), "3.0"),
    **dict.fromkeys(_ids("GoogleChrome__lighthouse", 5925), "3.1"),
    **dict.fromkeys(_ids("GoogleChrome__lighthouse", 6694, 6989), "4.0"),
    **dict.fromkeys(_ids("GoogleChrome__lighthouse", 6922, 7210, 7356), "4.1"),
    **dict.fromkeys(_ids("GoogleChrome__lighthouse", 8940), "5.0"),
    **dict.fromkeys(_ids("GoogleChrome__lighthouse", 9151, 9291, 9334), "5.1"),
    **dict.fromkeys(_ids("GoogleChrome__lighthouse", 9451), "5.2"),
    **dict.fromkeys(_ids("GoogleChrome__lighthouse", 9727, 9903, 9932, 10176, 10295), "5.6"),
    **dict.fromkeys(_ids("GoogleChrome__lighthouse", 10505), "6.0"),
    **dict.fromkeys(_ids("GoogleChrome__lighthouse", 11068), "6.1"),
    **dict.fromkeys(_ids("GoogleChrome__lighthouse", 11489, 11579), "6.4"),
    **dict.fromkeys(_ids("GoogleChrome__lighthouse", 11738), "6.5"),
    **dict.fromkeys(_ids("GoogleChrome__lighthouse", 12067), "7.0"),
    **dict.fromkeys(_ids("GoogleChrome__lighthouse", 12970), "8.3"),
    **dict.fromkeys(_ids("GoogleChrome__lighthouse", 13185), "8.6"),
    **dict.fromkeys(_ids("GoogleChrome__lighthouse", 14479, 14515, 14587, 14672), "9.5"),
    **dict.fromkeys(_ids("GoogleChrome__lighthouse", 14800), "10.0"),
    **dict.fromkeys(_ids("GoogleChrome__lighthouse", 15054, 15092), "10.2"),
    **dict.fromkeys(_ids("alibaba-fusion__next", 94, 101, 114), "1.11"),
    **dict.fromkeys(_ids("alibaba-fusion__next", 665, 717), "1.14"),
    **dict.fromkeys(_ids("alibaba-fusion__next", 870), "1.15"),
    **dict.fromkeys(_ids("alibaba-fusion__next", 877, 895, 966, 1064), "1.16"),
    **dict.fromkeys(_ids("alibaba-fusion__next", 1063, 1067), "1.17"),
    **dict.fromkeys(_ids("alibaba-fusion__next", 1500, 1509, 1586, 1708, 1720, 1742, 1788), "1.19"),
    **dict.fromkeys(_ids("alibaba-fusion__next", 1807), "1.20"),
    **dict.fromkeys(_ids("alibaba-fusion__next", 2131, 2164, 2355), "1.21"),
    **dict.fromkeys(_ids("alibaba-fusion__next", 2860, 2919, 2923), "1.22"),
    **dict.fromkeys(_ids("alibaba-fusion__next", 2984, 3034, 3198, 3218), "1.23"),
    **dict.fromkeys(_ids("alibaba-fusion__next", 3345, 3445, 3454), "1.24"),
    **dict.fromkeys(_ids("alibaba-fusion__next", 3724, 3947, 4021), "1.25"),
    **dict.fromkeys(_ids("alibaba-fusion__next", 4182), "1.26"),
    **dict.fromkeys(_ids("alibaba-fusion__next", 4806, 4859), "1.27"),
}
# Deliberate differences on the bundled logs: file -> {test: (official status, ours)}. None so far.
KNOWN_DIFFERENCES: dict[str, dict[str, tuple[str | None, str | None]]] = {}


def spec(instance_id: str | None) -> types.SimpleNamespace:
    return types.SimpleNamespace(instance_id=instance_id or "placeholder__none-0",
                                 version=VERSIONS.get(instance_id or "", "0"))


@pytest.fixture(scope="session")
def official() -> dict:
    """swebench's PARSER_REGISTRY (name -> function). Without swebench (only in CI: elsewhere the module
    is skipped) every test that needs it fails."""
    try:
        return without_harness_init(
            lambda: dict(importlib.import_module("swebench.harness.log_parsers").PARSER_REGISTRY))
    except ImportError as exc:
        pytest.fail(f"swebench==5.0.2 is required in CI: {exc}")


def ours(name: str, text: str, instance_id: str | None) -> dict[str, str]:
    return {t: s.value for t, s in get_parser(name).parse(text, instance_id).items()}


def read_mm(name: str) -> str:
    return (MM_LOGS / name).read_bytes().decode("utf-8", errors="replace")


def test_every_multimodal_parser_exists_on_both_sides_and_has_a_log(official):
    assert {e["parser"] for e in MM_INDEX.values()} == MULTIMODAL_PARSERS
    for name in MULTIMODAL_PARSERS:
        assert name in official and get_parser(name).name == name


def test_bundled_logs_parse_identically_but_for_the_listed_differences(official):
    found: dict[str, dict[str, tuple[str | None, str | None]]] = {}
    for name, entry in MM_INDEX.items():
        text = read_mm(name)
        theirs = official[entry["parser"]](text, spec(entry["instance"]))
        assert theirs and set(theirs.values()) <= STATUSES, name
        mine = ours(entry["parser"], text, entry["instance"])
        diff = {t: (theirs.get(t), mine.get(t)) for t in set(theirs) | set(mine) if theirs.get(t) != mine.get(t)}
        if diff:
            found[name] = diff
    assert found == KNOWN_DIFFERENCES


@pytest.mark.parametrize("parser", ["parse_log_lighthouse", "parse_log_next"])
def test_every_instance_reads_the_format_of_its_version(official, parser):
    """For each instance the official parser picks a format by its version, ours by the id: the same one
    on every log of that parser."""
    prefix = {"parse_log_lighthouse": "GoogleChrome__lighthouse-", "parse_log_next": "alibaba-fusion__next-"}[parser]
    logs = [read_mm(n) for n, e in MM_INDEX.items() if e["parser"] == parser]
    instances = [i for i in VERSIONS if i.startswith(prefix)]
    assert len(instances) == {"parse_log_lighthouse": 54, "parse_log_next": 39}[parser]
    for iid in instances:
        for text in logs:
            assert official[parser](text, spec(iid)) == ours(parser, text, iid), iid


def test_where_the_official_parsers_raise(official):
    """Ours skip what the official parsers raise on (calypso: a mark line without indentation, or with a
    "(Nms)" not at its end; prism: a run whose JSON report does not parse)."""
    run = "+ ./node_modules/.bin/jest --verbose x\n  suite\n"
    for line in ("✓ flush left", "    ✓ a (3ms) b"):
        with pytest.raises(AttributeError):
            official["parse_log_calypso"](run + line, spec(None))
    assert ours("parse_log_calypso", run + "✓ flush left", None) == {}
    assert ours("parse_log_calypso", run + "    ✓ a (3ms) b", None) == {"suite - a (3ms) b": "PASSED"}
    prism = "+ ./node_modules/.bin/mocha tests/run.js --reporter json --language css\nError: Cannot find module\n"
    with pytest.raises(ValueError):
        official["parse_log_prismjs"](prism, spec(None))
    assert ours("parse_log_prismjs", prism, None) == {}


def test_quarto_emits_one_event_per_test_where_the_status_map_is_the_same(official):
    """Deno prints a test's name before its output and again with the result. The official parser records
    it FAILED at the first line and PASSED at the second; ours emits only the result (the status maps
    agree), so the integrity check does not see a test reported both failing and passing."""
    text = read_mm("parse_log_quarto_cli.deno.log")
    events = list(get_parser("parse_log_quarto_cli").events_for(text))
    assert len(events) == len(dict(events))
    assert dict((t, s.value) for t, s in events) == official["parse_log_quarto_cli"](text, spec(None))


# Lines written to reach the rules of the official parsers (not real logs: a differential check). Every
# Multimodal parser reads every line alone, and all of them as one log, for each version class of the
# two version-dependent parsers. Lines the official parsers raise on are in the test above instead.
ESC = "\x1b"
EDGE_LINES = [
    # calypso (after a jest command line), carbon / react-pdf / grommet file lines
    "+ ./node_modules/.bin/jest --verbose -c=x.json a.js", "  outer", "    ✓ passes (12ms)", "    ✕ fails",
    "    ○ skipped 1 test", "      ✓ deeper (3ms)", "   ", "  ● outer › fails", "    ✓ after the details",
    "Test Suites: 1 failed, 1 total", "PASS a/b.test.js (5.2 s)", "PASS a/c.test.js (5.2s)",
    "FAIL a/d.test.js (120ms)", "FAIL a/e.test.js", "PASS\ta/f.test.js", "FAIL a/g (1) test.js (3 s)",
    "PASS", "PASSED tests", "FAIL ",
    # karma: chart.js, bpmn-js, openlayers
    f"{ESC}[31mChrome 120.0.0.0 (Linux x86_64) Chart.helpers works FAILED{ESC}[39m",
    "Chrome 99.0 (Mac OS 10.15) a suite a test FAILED", "Chrome 1.2 (Linux x86_64) no trailing failed",
    f"{ESC}[2KPhantomJS 2.1.1 (Linux 0.0.0) Modeler should import FAILED",
    "PhantomJS 2.1.1 (Linux x86_64) without the erase code FAILED",
    "Chrome Headless 120.0.0.0 (Linux x86_64) import - groups should import FAILED",
    "HeadlessChrome 0.0.0 (Linux 0.0.0) Viewer should render FAILED",
    "Chrome Headless 99.0.4844.51 (Linux x86_64) ol.Map renders FAILED",
    "case layer-group: mismatch 0.02", "case x:mismatch", "  case indented: mismatch 1",
    # jasmine, mocha failure lists (eslint, p5.js, openlayers), mocha spec (highlight.js, lighthouse)
    "1) Suite spec fails", "12)\ttabbed", "Failures:", "  1) rule-name", "       invalid", "         code here:",
    "     AssertionError [ERR_ASSERTION]: Should have 1 error", "  2) other", "       title with TypeError inside:",
    "     Error: boom", "{", '  "json": true', "}", "[1, 2]", "<p>inline <b>html</b></p>",
    "running 2 test files", "  Suite A", "    ✔ ok test (5ms)", "    ✔ plain ok", "    1) bad test (12ms)",
    "    2) bad plain", "    ✓ check mark (3ms) (4ms)", "      nested suite", "        ✔ nested ok",
    "  3 passing (20ms)", "  1) Suite A", "       bad test:", "     Error: nope",
    # mocha --reporter json (prism, lighthouse before 3.0)
    # (a run and its report as one item: a run without a report is where the official parser raises)
    "+ ./node_modules/.bin/mocha tests/run.js --reporter json --language css\n"
    '{"stats": {}, "failures": [{"fullTitle": "p f"}], "passes": [{"fullTitle": "p ok"}, {"fullTitle": "p f"}]}',
    "+ ./node_modules/.bin/mocha --reporter json a-test.js", '  "failures": [', '      "fullTitle": "lh fails",',
    "  ],", '  "passes": [', '      "fullTitle": "lh passes",', '      "fullTitle": "lh \\"quoted\\"",', "  ]",
    # next: karma-spec-reporter after " xvfb-run " and "Starting browser Chrome", and Cypress
    "+ timeout 10m bash -c 'X=1 xvfb-run npm run test select'", "INFO [launcher]: Starting browser Chrome",
    "  Select", f"    {ESC}[32m✓ {ESC}[39mshould render", "    ✗ should fail", "    inner", "      ✓ deep pass",
    "LOG: 'noise'", "  input group", "      ✓ under an 'in' suite", "AssertionError:   # index-spec.js:12", "",
    "  assert(a === b)", "", "TOTAL: 1 FAILED, 3 SUCCESS", "  Running:  cascader.spec.tsx   (1 of 1)", "", "",
    "  Cascader", "    ✓ renders (120ms)", "    1) fails on select", "      ✓ nested (5ms)", "    ✓ no duration",
    # quarto (Deno)
    "[smoke] > quarto render docs/a.qmd --to html ...", f"[smoke] > quarto render docs/a.qmd --to html ... {ESC}[32mok",
    f"[unit] > b ... {ESC}[31mFAILED{ESC}[0m (2ms)", "[smoke] > quarto render /tmp/abc123.qmd --to html ...",
    f"[smoke] > quarto render /tmp/site9/index.qmd --to pdf ... {ESC}[32mok", "[unit] > c passed 1 failed 2 steps",
    f"{ESC}[34mINFO [smoke] > d", "test result: [unit] > e", "[smoke] > only a name",
    f"{ESC}[41m ERRORS {ESC}[0m", "[smoke] > after the errors ... ok",
]


def _versions(name: str) -> list[str | None]:
    """One instance of each version class for the two parsers that read it, else no instance."""
    if name == "parse_log_lighthouse":
        return ["GoogleChrome__lighthouse-1446", "GoogleChrome__lighthouse-5688", "GoogleChrome__lighthouse-14479"]
    if name == "parse_log_next":
        return ["alibaba-fusion__next-101", "alibaba-fusion__next-4806"]
    return [None]


def test_edge_lines_parse_identically(official):
    log = "\n".join(EDGE_LINES)
    for name in sorted(MULTIMODAL_PARSERS):
        for iid in _versions(name):
            for line in EDGE_LINES:
                assert official[name](line, spec(iid)) == ours(name, line, iid), (name, iid, line)
            assert official[name](log, spec(iid)) == ours(name, log, iid), (name, iid)
            assert official[name](log + "\n", spec(iid)) == ours(name, log + "\n", iid), (name, iid)
