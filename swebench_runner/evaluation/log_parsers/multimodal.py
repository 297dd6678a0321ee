"""SWE-bench Multimodal's parsers: one per repository, for the JavaScript runners those repositories use.

This module exists because SWE-bench Multimodal's rows (and the task folders of its Dockerfiles) name
parsers that neither the Python nor the Multilingual datasets use: ``parse_log_calypso``,
``parse_log_chart_js``, ``parse_log_p5js``, ``parse_log_marked`` and ``parse_log_react_pdf`` (the dev
split) and ``parse_log_carbon``, ``parse_log_openlayers``, ``parse_log_lighthouse``,
``parse_log_bpmn_js``, ``parse_log_highlightjs``, ``parse_log_prismjs``, ``parse_log_next``,
``parse_log_grommet``, ``parse_log_eslint`` and ``parse_log_quarto_cli`` (test and deprecated). They are
registered under those full names. The semantics are swebench 5.0.2's (``harness/log_parsers/
javascript.py``), quirks included, since the rows' FAIL_TO_PASS / PASS_TO_PASS ids were made with them:

* calypso (Jest ``--verbose``, once per ``./node_modules/.bin/jest`` run in the log): ``✓`` / ``✕`` lines
  named ``suite - ... - title``, the suites taken from the indentation of every other indented line
  (a ``○ skipped`` line or a blank indented line counts as a suite too); a ``(12ms)`` at the end is cut.
* carbon, react-pdf (Jest without ``--verbose``), grommet: one result per test *file*, ``PASS path`` /
  ``FAIL path`` less a duration. Grommet reads every ``FAIL`` line before any ``PASS`` line, so a file
  with both counts as passed.
* chart.js, bpmn-js, openlayers (Karma in Chrome), marked (Jasmine), p5.js and eslint (mocha): only
  failures, the graders of those repositories being ``fail_only``: karma's ``<browser> (<os>) <name>
  FAILED`` lines, Jasmine's ``1) <name>``, mocha's numbered failure list (p5.js joins its indented lines
  with ``:``, after dropping the JSON and XML that its tests print; eslint and openlayers with spaces).
* highlight.js (mocha's spec reporter): ``suite.title``, the suite being the last indented line that is
  not a result; the run's summary (``N passing``) and the failure details after it are not read.
* prism (mocha ``--reporter json``) and lighthouse before 3.0 (the same): the ``fullTitle`` of each
  test in the JSON that follows the test command's ``set -x`` line.
* lighthouse: mocha's spec reporter after ``running N test files`` (9.5 to 10.2), Jest's file lines
  (3.0 to 8.6), mocha's JSON (before 3.0). next: karma-spec-reporter's ``✓`` / ``✗`` lines after
  ``Starting browser Chrome``, one run per ``xvfb-run`` (1.11 to 1.26), or Cypress's spec output, one
  spec per ``Running:`` header (1.27). quarto: Deno's ``[smoke] > name ... ok`` lines (by the colour
  codes around ``ok`` / ``FAILED``); a test line without a status is a failure unless the test has one.

The official lighthouse and next parsers choose by the instance's *version*; ours are called with the
instance id (``wants_instance``), so the instances of each version are listed here (from the task
folders), and for an id not listed the format is told from the log. Deliberate differences: where the
official functions raise (a Jest mark line with no indentation or with a ``(Nms)`` not at its end in
calypso, a JSON report that does not parse in prism), ours skip the line or the report; and quarto's
"no status yet" failure is emitted only for a test that never gets a status, so a test whose name line
comes before its result line does not look as if it was reported both failed and passed (the status
map is the official one). ``tests/parity/test_multimodal_parity.py`` checks all of this.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from ...types import TestStatus
from . import Event, lines, per_line, register

PASSED, FAILED = TestStatus.PASSED, TestStatus.FAILED

# ANSI escape sequences (CSI sequences and the two-character ones), as swebench's ``ansi_escape`` strips them.
_ANSI = re.compile(r"\x1b(?:[@-Z\\-_]|\[[0-?]*[ -/]*[@-~])")
_SPACES = re.compile(r"\s+")


def _plain(log: str) -> str:
    return _ANSI.sub("", log)


def _squash(text: str) -> str:
    """Runs of whitespace (newlines included) as one space, the ends trimmed."""
    return _SPACES.sub(" ", text).strip()


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


class _Suites:
    """The enclosing suites of a result line, from the indentation of the lines that were no result:
    an indented line closes every open suite indented as far or further, then opens itself."""

    def __init__(self) -> None:
        self._open: list[tuple[str, int]] = []

    def enter(self, line: str) -> None:
        indent = _indent(line)
        while self._open and self._open[-1][1] >= indent:
            self._open.pop()
        self._open.append((line.strip(), indent))

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self._open]


# ----------------------------------------------------------------------------- Jest


# ``✓ title (12ms)``: a duration is cut only when the line ends with it (Jest before 25 printed "12ms").
_CALYPSO_RUN = " ./node_modules/.bin/jest "
_CALYPSO_MS = re.compile(r"\(\d+ms\)")
_CALYPSO_MARKS = {"✓": PASSED, "✕": FAILED}
_CALYPSO_PLAIN = {mark: re.compile(rf"\s+{mark}\s(.*)") for mark in _CALYPSO_MARKS}
_CALYPSO_TIMED = {mark: re.compile(rf"\s+{mark}\s(.*)\(\d+ms\)") for mark in _CALYPSO_MARKS}


@register("parse_log_calypso", family="jest", exit_code_reliable=False)
def calypso_events(log: str) -> Iterator[Event]:
    suites = _Suites()  # kept from one run to the next, as in the official parser
    for run in log.split(_CALYPSO_RUN)[1:]:
        for line in lines(run):
            if line.startswith(("Test Suites", "  ● ")):
                break  # the summary, or the failure details that Jest prints after the results
            mark = line.strip()[:1]
            if mark in _CALYPSO_MARKS:
                plain = _CALYPSO_PLAIN[mark].fullmatch(line)
                timed = _CALYPSO_TIMED[mark].fullmatch(line) if _CALYPSO_MS.search(line) else None
                m = timed or plain  # the official parser raises where neither fits (see the module doc)
                if m is not None:
                    yield (" - ".join(suites.names) + " - " + m[1]).strip(), _CALYPSO_MARKS[mark]
            elif _indent(line) > 0:
                suites.enter(line)


# ``PASS path (1.2 s)``: the patterns are tried in this order, each cutting its last duration of that form.
_JEST_FILES = [
    (re.compile(rf"{word}\s(.*){tail}"), status)
    for word, status in (("PASS", PASSED), ("FAIL", FAILED))
    for tail in (r"\s\([\d.]+ms\)", r"\s\([\d.]+\ss\)", r"\s\([\d.]+s\)", "")
]


def _jest_file_event(line: str) -> Event | None:
    for pattern, status in _JEST_FILES:
        m = pattern.match(line)
        if m:
            return m[1], status
    return None


jest_file_events = per_line(_jest_file_event)
# Carbon's, prettier's and scratch-gui's eval scripts chain several ``yarn test`` runs; the last one's
# exit status is the script's. React-pdf's runs Jest once.
register("parse_log_carbon", family="jest", exit_code_reliable=False)(jest_file_events)
register("parse_log_react_pdf", family="jest")(jest_file_events)

_GROMMET_FAIL = re.compile(r"^FAIL\s(.*)", re.M)
_GROMMET_PASS = re.compile(r"^PASS\s(.*)", re.M)
_GROMMET_TIME = re.compile(r"\s\([\d.]+\s?(?:ms|s)\)$")


@register("parse_log_grommet", family="jest")
def grommet_events(log: str) -> Iterator[Event]:
    for pattern, status in ((_GROMMET_FAIL, FAILED), (_GROMMET_PASS, PASSED)):  # every FAIL before any PASS
        for m in pattern.finditer(log):
            yield _GROMMET_TIME.sub("", m[1].strip()), status


# ----------------------------------------------------------------------------- Karma (fail_only)

# karma's progress reporter: ``Chrome 120.0.0.0 (Linux x86_64) suite title FAILED``.
_CHART_FAILED = re.compile(r"Chrome\s[\d.]+[^\S\r\n]\(.+?\)[^\S\r\n](.*)FAILED$", re.M)


@register("parse_log_chart_js", family="karma")
def chart_js_events(log: str) -> Iterator[Event]:
    for m in _CHART_FAILED.finditer(_plain(log)):
        yield m[1], FAILED


# PhantomJS (after the reporter's ``ESC[2K``) and the two ways karma names headless Chrome; the name is
# the pattern's last group. No colour is stripped: the eval scripts run karma with ``--no-colors``.
_BPMN_FAILED = [re.compile(p) for p in (
    r"2KPhantomJS\s[\d.]+\s\(Linux\s[\d.]+\)\s(.*)FAILED\n",
    r"2KPhantomJS\s[\d.]+\s\(Linux\sx86_64\)\s(.*)FAILED\n",
    r"Chrome\sHeadless\s(.*)\s\(Linux\sx86_64\)\s(.*)FAILED\n",
    r"HeadlessChrome\s[\d.]+\s\(Linux\s[\d.]+\)\s(.*)FAILED\n",
)]


@register("parse_log_bpmn_js", family="karma")
def bpmn_js_events(log: str) -> Iterator[Event]:
    for pattern in _BPMN_FAILED:
        for m in pattern.finditer(log):
            yield m[pattern.groups], FAILED


# Karma's failure lines, mocha's numbered failures (``npm run test-node``; the title runs to the first
# ``Error:``) and the rendering tests' ``case <name>: mismatch``.
_OPENLAYERS_FAILED = [re.compile(p, re.M) for p in (
    r"Chrome\sHeadless\s[\d.]+\s\(Linux\s[\d._\S]+\)\s(.*)\sFAILED\n",
    r"Chrome\s[\d.]+\s\(Linux\s[\d._\S]+\)\s(.*)FAILED\n",
    r"^\s{2}\d+\)([\s\S]*?)Error:",
    r"^case\s(.*):\smismatch",
)]


@register("parse_log_openlayers", family="karma", exit_code_reliable=False)
def openlayers_events(log: str) -> Iterator[Event]:
    for pattern in _OPENLAYERS_FAILED:
        for m in pattern.finditer(log):
            yield _squash(m[1]), FAILED


# ----------------------------------------------------------------------------- Jasmine and mocha

_MARKED_FAILED = re.compile(r"\d+\)\s(.*)")


def _marked_event(line: str) -> Event | None:
    m = _MARKED_FAILED.match(line)  # Jasmine's "Failures:" list: "1) suite spec"
    return (m[1].strip(), FAILED) if m else None


register("parse_log_marked", family="jasmine")(per_line(_marked_event))

# mocha's failure list: ``  1) suite`` then deeper-indented lines down to the title's ``:``.
_P5_FAILED = re.compile(r"^\s*(\d+)\)(.{0,1000}?):", re.M | re.S)
_XML_BLOCK = re.compile(r"<(\w+)>[\s\S]*?</\1>")


def _without_json_blocks(log: str) -> str:
    """Drop what p5's tests print as JSON: lines from one ending in ``{`` (``[``) to a bare ``}`` (``]``),
    and one-line objects and arrays."""
    kept: list[str] = []
    in_object = in_array = False
    for line in lines(log):
        text = line.rstrip()
        if text.endswith("{"):
            in_object = True
        elif text.endswith("["):
            in_array = True
        elif text == "}" and in_object:
            in_object = False
        elif text == "]" and in_array:
            in_array = False
        elif not (in_object or in_array or (text[:1], text[-1:]) in {("{", "}"), ("[", "]")}):
            kept.append(line)
    return "\n".join(kept)


def _without_xml_blocks(log: str) -> str:
    """Drop ``<tag>...</tag>`` spans, leaving the extra ``<tag>`` openings of a nested span for later ones."""
    m = _XML_BLOCK.search(log)
    while m:
        opening = f"<{m[1]}>"
        log = log[:m.start()] + opening * max(m[0].count(opening) - 1, 0) + log[m.end():]
        m = _XML_BLOCK.search(log, m.start())  # nothing before the splice can match now
    return log


def _each_line_deeper(parts: list[str]) -> bool:
    last = 0
    for part in parts:
        if _indent(part) <= last:
            return False
        last = _indent(part)
    return True


@register("parse_log_p5js", family="mocha", exit_code_reliable=False)  # ``grunt --force`` exits 0
def p5js_events(log: str) -> Iterator[Event]:
    text = _without_xml_blocks(_without_json_blocks(_plain(log)))
    for m in _P5_FAILED.finditer(text):
        parts = m[2].split("\n")
        if _each_line_deeper(parts):
            yield ":".join(part.strip() for part in parts), FAILED


# mocha ``--reporter min``: ``  1) suite`` ... down to the first line that has ``Error`` in it.
_ESLINT_FAILED = re.compile(r"(\s{2}\d+\))([\s\S]*?)\s+(?:(.*)Error)")


@register("parse_log_eslint", family="mocha")
def eslint_events(log: str) -> Iterator[Event]:
    for m in _ESLINT_FAILED.finditer(log):
        yield _squash(m[2]), FAILED


_HLJS_SUMMARY = re.compile(r"\n[ \t]*\d+ passing")
_HLJS_MS = re.compile(r"\(\d+ms\)")
_HLJS_FAILED = re.compile(r"\d+\)")


@register("parse_log_highlightjs", family="mocha")
def highlightjs_events(log: str) -> Iterator[Event]:
    suite: list[str] = []  # only the last indented line that was no result: nesting is not followed
    for line in lines(_HLJS_SUMMARY.split(log, maxsplit=1)[0]):
        text = line.strip()
        if text.startswith(("✓", "✔")):
            yield ".".join([*suite, _HLJS_MS.sub("", line.split(text[0], 1)[1]).strip()]), PASSED
        elif _HLJS_FAILED.match(text):
            yield ".".join([*suite, _HLJS_MS.sub("", line.split(")", 1)[1]).strip()]), FAILED
        elif line.startswith("  "):
            suite = [text]


def _json_report(chunk: str) -> dict | None:
    """The JSON object from the chunk's first ``{`` to its last ``}``, as the official parsers cut it."""
    text = "{" + chunk.split("{", 1)[-1].rsplit("}", 1)[0] + "}"
    try:
        report = json.loads(text)
    except ValueError:
        return None  # the official parser raises: no report, or output mixed into it
    return report if isinstance(report, dict) else None


def _titles(report: dict, key: str) -> Iterator[str]:
    for test in report.get(key) or ():
        title = test.get("fullTitle") if isinstance(test, dict) else None
        if isinstance(title, str):
            yield title


_PRISM_RUN = "./node_modules/.bin/mocha tests/run.js --reporter json"


@register("parse_log_prismjs", family="mocha", exit_code_reliable=False)
def prismjs_events(log: str) -> Iterator[Event]:
    for chunk in log.split(_PRISM_RUN)[1:]:  # one per ``--language`` run of the eval script
        report = _json_report(chunk)
        if report is not None:
            for title in _titles(report, "failures"):
                yield title, FAILED
            for title in _titles(report, "passes"):
                yield title, PASSED


# ----------------------------------------------------------------------------- lighthouse

# The instances of the versions read by each of lighthouse's formats (task.yaml ``version``).
_LIGHTHOUSE_SPEC = frozenset(f"GoogleChrome__lighthouse-{n}" for n in (  # 9.5, 10.0, 10.2
    14479, 14515, 14587, 14672, 14800, 15054, 15092))
_LIGHTHOUSE_JSON = frozenset(f"GoogleChrome__lighthouse-{n}" for n in (  # 1.4 to 2.9
    1446, 1549, 1563, 1617, 1755, 1786, 1895, 1916, 1941, 2016, 2553, 2610, 3442, 3583, 3606, 3692,
    4036, 4301, 5011, 5084))
_LIGHTHOUSE_JEST = frozenset(f"GoogleChrome__lighthouse-{n}" for n in (  # 3.0 to 8.6
    5688, 5791, 5871, 5925, 6694, 6922, 6989, 7210, 7356, 8940, 9151, 9291, 9334, 9451, 9727, 9903, 9932, 10176,
    10295, 10505, 11068, 11489, 11579, 11738, 12067, 12970, 13185))
_LIGHTHOUSE_RUN = re.compile(r"running\s\d+\stest\sfiles")  # printed by lighthouse's mocha wrapper
_LIGHTHOUSE_SUMMARY = re.compile(r"\d+\spassing")
_LIGHTHOUSE_RESULTS = [(re.compile(p), status) for p, status in (
    (r"✔\s(.*)\s\(\d+m+s\)", PASSED), (r"✔\s(.*)", PASSED),
    (r"\d+\)\s(.*)\s\(\d+m+s\)", FAILED), (r"\d+\)\s(.*)", FAILED),
)]
_LIGHTHOUSE_JSON_RUN = "./node_modules/.bin/mocha --reporter json"
_FULL_TITLE = re.compile(r"\"fullTitle\":\s\"(.*)\",\n")


def _lighthouse_spec_events(log: str) -> Iterator[Event]:
    for run in _LIGHTHOUSE_RUN.split(log)[1:]:
        suites = _Suites()
        for line in lines(_LIGHTHOUSE_SUMMARY.split(run, maxsplit=1)[0].strip()):
            text = line.strip()
            for pattern, status in _LIGHTHOUSE_RESULTS:
                m = pattern.match(text)
                if m:
                    yield " - ".join([*suites.names, m[1]]), status
                    break
            else:
                if _indent(line) > 0:
                    suites.enter(line)


def _lighthouse_json_events(log: str) -> Iterator[Event]:
    """The ``fullTitle`` lines of the JSON as printed (escapes kept): those after the last ``"passes": [``
    up to the last ``]``, then those after the last ``"failures": [`` up to the last ``],``."""
    for chunk in log.split(_LIGHTHOUSE_JSON_RUN)[1:]:
        for key, end, status in (('"passes": [', "]", PASSED), ('"failures": [', "],", FAILED)):
            for m in _FULL_TITLE.finditer(chunk.split(key)[-1].rsplit(end, 1)[0]):
                yield m[1], status


@register("parse_log_lighthouse", family="lighthouse", exit_code_reliable=False, wants_instance=True)
def lighthouse_events(log: str, instance_id: str | None = None) -> Iterator[Event]:
    if instance_id in _LIGHTHOUSE_SPEC:
        yield from _lighthouse_spec_events(log)
    elif instance_id in _LIGHTHOUSE_JSON:
        yield from _lighthouse_json_events(log)
    elif instance_id in _LIGHTHOUSE_JEST:
        yield from jest_file_events(log)
    elif _LIGHTHOUSE_RUN.search(log):  # not an instance of the dataset: the format tells
        yield from _lighthouse_spec_events(log)
    elif _LIGHTHOUSE_JSON_RUN in log:
        yield from _lighthouse_json_events(log)
    else:
        yield from jest_file_events(log)


# ----------------------------------------------------------------------------- next (alibaba-fusion)

_NEXT_CYPRESS = frozenset({"alibaba-fusion__next-4806", "alibaba-fusion__next-4859"})  # version 1.27
_NEXT_KARMA = frozenset(f"alibaba-fusion__next-{n}" for n in (  # 1.11 to 1.26
    94, 101, 114, 665, 717, 870, 877, 895, 966, 1063, 1064, 1067, 1500, 1509, 1586, 1708, 1720, 1742, 1788,
    1807, 2131, 2164, 2355, 2860, 2919, 2923, 2984, 3034, 3198, 3218, 3345, 3445, 3454, 3724, 3947, 4021, 4182))
_NEXT_ASSERTION = re.compile(r"AssertionError:\s+#[\s\S]*?\n\n")
_NEXT_NOT_RESULTS = ("ERROR", "LOG", "WARN", "Check", "in")  # karma's log lines, and any line starting "in"
_NEXT_FAILED = re.compile(r".*?✗\s*(.*)")
_NEXT_PASSED = re.compile(r".*?✓\s*(.*)")
_CYPRESS_SPEC = re.compile(r"Running:(.*)\)\n{3}\s{2}(.*)\n")  # the spec's header and its first suite
_CYPRESS_FAILED = re.compile(r"^\s{4}\d+\)\s(.*)", re.M)
_CYPRESS_PASSED = re.compile(r"^\s{4}✓\s(.*)\(", re.M)


def _next_karma_events(log: str) -> Iterator[Event]:
    log = _NEXT_ASSERTION.sub("", _plain(log))  # the assertion blocks' own indented lines are no suites
    suites = _Suites()  # kept from one run to the next, as in the official parser
    for run in log.split(" xvfb-run ")[1:]:
        for line in lines(run.split("Starting browser Chrome")[-1]):
            if line.startswith("TOTAL"):
                break
            if line.strip().startswith(_NEXT_NOT_RESULTS):
                continue
            m = _NEXT_FAILED.match(line)
            status = FAILED
            if m is None:
                m, status = _NEXT_PASSED.match(line), PASSED
            if m is not None:
                yield " - ".join([*suites.names, m[1]]), status
            elif _indent(line) > 0:
                suites.enter(line)


def _next_cypress_events(log: str) -> Iterator[Event]:
    pieces = _CYPRESS_SPEC.split(log)  # text, (header, suite, text) per spec
    for k in range(1, len(pieces) - 2, 3):
        suite, body = pieces[k + 1], pieces[k + 2]
        for pattern, status in ((_CYPRESS_FAILED, FAILED), (_CYPRESS_PASSED, PASSED)):
            for m in pattern.finditer(body):
                yield f"{suite}: {m[1].strip()}", status


@register("parse_log_next", family="karma", exit_code_reliable=False, wants_instance=True)
def next_events(log: str, instance_id: str | None = None) -> Iterator[Event]:
    # Every instance of the dataset but the two of version 1.27 runs karma; for an id outside the
    # dataset (or none) the format tells.
    known = instance_id in _NEXT_KARMA or instance_id in _NEXT_CYPRESS
    if instance_id in _NEXT_CYPRESS or (not known and _CYPRESS_SPEC.search(log)):
        yield from _next_cypress_events(log)
    else:
        yield from _next_karma_events(log)


# ----------------------------------------------------------------------------- quarto (Deno)

_QUARTO_TEST = re.compile(r"\[(?:smoke|unit)\]")
# Temporary paths differ from run to run: each distinct one becomes /tmp/<n>, numbered as first seen.
_QUARTO_TMP = (re.compile(r"/tmp/(\w+)\.qmd"), re.compile(r"/tmp/(\w+)/"))


@register("parse_log_quarto_cli", family="deno", exit_code_reliable=False)  # the script ends with ``mv``
def quarto_cli_events(log: str) -> Iterator[Event]:
    tmp_ids: dict[str, int] = {}
    explicit: set[str] = set()
    pending: dict[str, None] = {}  # tests seen without a status, in order
    for line in lines(log):
        if "ERRORS" in line or "failures:" in line:
            break  # Deno's report of the failures repeats their names
        if not _QUARTO_TEST.search(line):
            continue
        for pattern in _QUARTO_TMP:
            m = pattern.search(line)
            if m:
                line = pattern.sub(f"/tmp/{tmp_ids.setdefault(m[0], len(tmp_ids))}", line)
        if (line.startswith("test result:") or "34mINFO" in line
                or ("passed" in line and "failed" in line and "steps" in line)):
            continue  # a summary or a log line that names a test
        name = line.split("...")[0].strip()
        status = PASSED if "32mok" in line else FAILED if "31mFAILED" in line else None
        if status is None:
            pending.setdefault(name)
        else:
            explicit.add(name)
            yield name, status
    for name in pending:
        if name not in explicit:
            yield name, FAILED  # no status line: the official parser counts it failed
