"""The SWE-bench Multimodal parsers on runner output (``tests/data/logs/multimodal``: captured from the real
runners but for two shaped files, see its README), their registration, and how lighthouse and next pick
a format by the instance."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from swebench_runner.evaluation.log_parsers import REGISTRY, get_parser
from swebench_runner.types import TestStatus as S

MM_LOGS = Path(__file__).resolve().parents[1] / "data" / "logs" / "multimodal"
MM_INDEX: dict[str, dict] = json.loads((MM_LOGS / "index.json").read_text())

# Every ``log_parser`` of the Multimodal task folders, with the runner family we record for it.
FAMILIES = {
    "parse_log_calypso": "jest", "parse_log_carbon": "jest", "parse_log_react_pdf": "jest",
    "parse_log_grommet": "jest", "parse_log_chart_js": "karma", "parse_log_bpmn_js": "karma",
    "parse_log_openlayers": "karma", "parse_log_next": "karma", "parse_log_marked": "jasmine",
    "parse_log_p5js": "mocha", "parse_log_eslint": "mocha", "parse_log_highlightjs": "mocha",
    "parse_log_prismjs": "mocha", "parse_log_lighthouse": "lighthouse", "parse_log_quarto_cli": "deno",
}
# Their eval scripts chain runs (the last one's status is the script's), end with ``mv`` (quarto) or
# run ``grunt --force`` (p5.js): a zero exit status there says nothing about the tests.
EXIT_CODE_UNRELIABLE = {
    "parse_log_calypso", "parse_log_carbon", "parse_log_openlayers", "parse_log_next", "parse_log_lighthouse",
    "parse_log_prismjs", "parse_log_p5js", "parse_log_quarto_cli",
}
FAIL_ONLY = {"parse_log_marked", "parse_log_chart_js", "parse_log_p5js", "parse_log_openlayers",
             "parse_log_bpmn_js", "parse_log_eslint"}
SHAPED = {"parse_log_next.cypress_shaped.log", "parse_log_openlayers.rendering_shaped.log"}


def read_mm(name: str) -> str:
    return (MM_LOGS / name).read_bytes().decode("utf-8", errors="replace")


def parsed(name: str, instance_id: str | None = "") -> dict[str, S]:
    """The status map of ``<name>.log`` under its indexed parser and instance (or the one given)."""
    entry = MM_INDEX[f"{name}.log"]
    iid = entry["instance"] if instance_id == "" else instance_id
    return get_parser(entry["parser"]).parse(read_mm(f"{name}.log"), iid)


# ----------------------------------------------------------------------------- registry and index


def test_every_multimodal_parser_is_registered_under_its_full_name():
    get_parser("pytest")  # loads every module
    assert set(FAMILIES) <= set(REGISTRY)
    for name, family in FAMILIES.items():
        p = get_parser(name)
        assert p.name == name and p.family == family, name
        assert p.exit_code_reliable == (name not in EXIT_CODE_UNRELIABLE), name
        assert p.wants_instance == (name in {"parse_log_lighthouse", "parse_log_next"}), name


def test_every_log_is_indexed_and_every_parser_has_one_with_a_failure():
    assert {p.name for p in MM_LOGS.glob("*.log")} == set(MM_INDEX)
    for name, entry in MM_INDEX.items():
        assert name.startswith(f"{entry['parser']}.") and entry["parser"] in FAMILIES, name
        assert entry["captured"] is (name not in SHAPED) and entry["tool"] and entry["command"], name
        assert 0 < (MM_LOGS / name).stat().st_size < 6000, name
    assert {e["parser"] for e in MM_INDEX.values()} == set(FAMILIES)
    failing = {e["parser"] for n, e in MM_INDEX.items() if S.FAILED in parsed(n.removesuffix(".log")).values()}
    assert failing == set(FAMILIES)


def test_fail_only_parsers_report_only_failures():
    for name, entry in MM_INDEX.items():
        if entry["parser"] in FAIL_ONLY:
            assert set(parsed(name.removesuffix(".log")).values()) == {S.FAILED}, name


# ----------------------------------------------------------------------------- Jest


def test_calypso_jest_verbose_suites_from_indentation_across_runs():
    assert parsed("parse_log_calypso.jest23_verbose") == {
        # Outside any describe the id keeps the separator's dash.
        "- top-level test outside any describe": S.PASSED,
        "selectors - #getCountries - should return an empty list if the locations are not loaded": S.PASSED,
        "selectors - #getCountries - should return the countries": S.PASSED,
        "selectors - #getCountriesWithStates - should return the countries with states, sorted": S.PASSED,
        "selectors - #getCountriesWithStates - should wait a little": S.PASSED,  # "(40ms)" cut
        "selectors - #getCountriesWithStates - should keep the input order": S.FAILED,
        "reducer - should default to null": S.PASSED,  # the second run's suites replace the first's
        "reducer - should fail on purpose": S.FAILED,
    }


def test_calypso_mark_lines_the_official_parser_raises_on():
    log = "+ ./node_modules/.bin/jest --verbose x\n  s\n✓ flush left\n    ✓ a (3ms) b\n    ✕ c (12ms)\n  ● s › c"
    assert get_parser("parse_log_calypso").parse(log) == {"s - a (3ms) b": S.PASSED, "s - c": S.FAILED}


def test_carbon_file_results_with_and_without_durations():
    assert parsed("parse_log_carbon.yarn_jest29") == {
        "packages/react/src/components/DataTable/__tests__/TableRow-test.js": S.FAILED,  # "(1.704 s)" cut
        "packages/react/src/components/DataTable/__tests__/TableToolbar-test.js": S.FAILED,  # did not parse
        "packages/react/src/components/DataTable/__tests__/DataTable-test.js": S.PASSED,
        "packages/react/src/components/Dropdown/__tests__/Dropdown-test.js": S.PASSED,
    }


def test_react_pdf_file_results():
    assert parsed("parse_log_react_pdf.jest29_esm") == {
        "packages/textkit/tests/linebreak.test.js": S.FAILED,
        "packages/layout/tests/margins.test.js": S.PASSED,
        "packages/renderer/tests/svg.test.js": S.PASSED,
    }


def test_grommet_file_results_and_pass_over_fail():
    assert parsed("parse_log_grommet.yarn_jest23") == {
        "src/js/components/DataTable/__tests__/DataTable-test.js": S.FAILED,  # "(5.604s)" cut
        "src/js/components/Select/__tests__/Select-test.js": S.PASSED,
        "src/js/components/Button/__tests__/Button-test.js": S.PASSED,
    }
    # Every FAIL line is read before any PASS line, whatever their order in the log.
    assert get_parser("parse_log_grommet").parse("PASS a.js (2 ms)\nFAIL a.js\nFAIL b.js (1.5 s)") == {
        "a.js": S.PASSED, "b.js": S.FAILED}


# ----------------------------------------------------------------------------- Karma


def test_chart_js_karma_failures_after_colours_are_stripped():
    assert parsed("parse_log_chart_js.karma_progress") == {
        "Time scale tests should correctly determine the unit ": S.FAILED,
        "Chart.controllers.bar auto /base/test/fixtures/controller.bar/minBarLength/horizontal-neg.js ": S.FAILED,
    }


def test_bpmn_js_headless_chrome_failures():
    assert parsed("parse_log_bpmn_js.karma_progress") == {
        "import - groups should import groups with frame property set ": S.FAILED,
        "features/modeling/rules - BpmnRules groups should resize Group ": S.FAILED,
    }
    # karma 6's "Linux 0.0.0" is not one of the forms the official patterns know.
    assert get_parser("parse_log_bpmn_js").parse("Chrome Headless 156.0.0.0 (Linux 0.0.0) a b FAILED\n") == {}


def test_openlayers_karma_mocha_and_rendering_failures():
    assert parsed("parse_log_openlayers.karma_and_mocha") == {
        "ol.interaction.Draw createRegularPolygon creates a regular polygon in Circle mode in a user projection":
            S.FAILED,
        "ol/geom/Polygon #getArea() works with holes: Assertion": S.FAILED,  # up to chai's "Error:"
    }
    assert parsed("parse_log_openlayers.rendering_shaped") == {
        "layer-vector-decluster": S.FAILED, "webgl-points": S.FAILED}


def test_next_karma_spec_reporter():
    assert parsed("parse_log_next.karma_spec") == {
        "number-picker - render - should accept type ": S.PASSED,
        "number-picker - behavior - should support precision": S.PASSED,
        "number-picker - chrome bug hack - 0.28 + 0.01 should be 0.29 not 0.29000000000000004": S.FAILED,
        # chai's indented messages become suites (power-assert's would have been dropped), and the
        # suites carry over into the next run, as in the official parser.
        "AssertionError: expected 0.29000000000000004 to equal 0.29 - Select - should support async dataSource":
            S.FAILED,
        "AssertionError: expected [] to have a length of 2 but got +0 - at Context.<anonymous> "
        "(test/select/index-spec.js:3:96) - input should be focused after click": S.PASSED,
        "AssertionError: expected [] to have a length of 2 but got +0 - at Context.<anonymous> "
        "(test/select/index-spec.js:3:96) - should render the placeholder": S.PASSED,
    }


def test_next_cypress_for_version_1_27():
    cypress = {
        "Cascader: should support changeOnSelect": S.FAILED,
        "Cascader: should render with dataSource": S.PASSED,
        "Cascader: should support canOnlyCheckLeaf": S.PASSED,  # the nested "keyboard" test is not read
        "CascaderSelect: should support showSearch": S.PASSED,
        "CascaderSelect: should support value": S.PASSED,
    }
    assert parsed("parse_log_next.cypress_shaped") == cypress
    assert parsed("parse_log_next.cypress_shaped", None) == cypress  # no instance: the format tells
    # An instance of the karma era reads the log as karma-spec-reporter output, whatever it holds.
    karma_era = parsed("parse_log_next.cypress_shaped", "alibaba-fusion__next-101")
    assert karma_era and not set(karma_era) & set(cypress)
    assert parsed("parse_log_next.karma_spec", None) == parsed("parse_log_next.karma_spec")


# ----------------------------------------------------------------------------- Jasmine and mocha


def test_marked_jasmine_failures_and_pending():
    assert parsed("parse_log_marked.jasmine") == {
        "CommonMark 0.29 Tabs should pass example 2": S.FAILED,
        "Marked Code Tests strong should pass em_strong (1)": S.FAILED,
        "Marked Code Tests should pass link_lazy": S.FAILED,  # an xit: Jasmine numbers pending specs too
    }


def test_p5js_mocha_failure_list_without_printed_json_and_html():
    assert parsed("parse_log_p5js.grunt_mocha") == {
        "docs preprocessor:mergeOverloadedMethods():should not merge properties": S.FAILED,
        "docs preprocessor:renderDescriptionsAsMarkdown:should work": S.FAILED,
        "Files:p5.prototype.loadStrings:should include empty strings": S.FAILED,
        # The fourth failure comes after chai's diff line "[", which opens a "JSON block" never closed.
    }


def test_eslint_mocha_min_failures():
    assert parsed("parse_log_eslint.mocha_min") == {
        "bin/eslint.js": S.FAILED,  # its title has "TypeError" in it, where the id stops
        "implicit-arrow-linebreak invalid start( arr => // cometh bod ):": S.FAILED,
    }


def test_highlightjs_mocha_spec():
    assert parsed("parse_log_highlightjs.mocha_spec") == {
        ".C_NUMBER_RE.should match hex numbers": S.PASSED,
        "hljs.highlightAuto().should be detected as python": S.PASSED,
        "hljs.highlightAuto().should be detected as handlebars": S.PASSED,
        "hljs.highlightAuto().should be detected as scss": S.FAILED,
        "python.should markup decorators": S.FAILED,  # only the innermost suite names a test
        "python.should markup f-strings": S.PASSED,
        "typescript.should markup functions": S.PASSED,  # "(63ms)" cut
    }


def test_prismjs_mocha_json_per_run():
    assert parsed("parse_log_prismjs.mocha_json") == {
        "Testing language 'json' – should pass test case 'issue1852'": S.FAILED,
        "Testing language 'json' – should pass test case 'null_feature'": S.PASSED,
        "Testing language 'json+http' – should pass test case 'json_inclusion'": S.PASSED,
    }
    run = "+ ./node_modules/.bin/mocha tests/run.js --reporter json --language css\n"
    assert get_parser("parse_log_prismjs").parse(run + "Error: Cannot find module\n" + run + "{ not json }") == {}


# ----------------------------------------------------------------------------- lighthouse


def test_lighthouse_formats_by_instance():
    assert parsed("parse_log_lighthouse.mocha_json") == {
        "asset-saver helper generates HTML": S.PASSED,
        'asset-saver helper saves files screenshots file saved to \\"disk\\"': S.PASSED,  # JSON's escapes kept
        "asset-saver helper saves files trace file saved to disk with data": S.FAILED,
        "Browser Driver returns the title": S.PASSED,
    }
    assert parsed("parse_log_lighthouse.mocha_spec") == {
        "calculates score hitting top distribution": S.PASSED,  # the top suite's indentation is trimmed away
        "calculates score hitting mid distribution": S.FAILED,
        "calculates score hitting bottom of distribution": S.PASSED,
        "details - lists the deepest node": S.PASSED,
        "#getFormatted - formats a basic message": S.PASSED,
    }
    assert parsed("parse_log_lighthouse.jest") == {
        "lighthouse-core/test/computed/metrics/lantern-fcp-test.js": S.PASSED,
        "lighthouse-core/test/audits/dobetterweb/js-libraries-test.js": S.FAILED,
    }


@pytest.mark.parametrize("name", ["mocha_json", "mocha_spec", "jest"])
@pytest.mark.parametrize("instance_id", [None, "GoogleChrome__lighthouse-99999"])
def test_lighthouse_without_a_known_instance_tells_the_format_from_the_log(name, instance_id):
    assert parsed(f"parse_log_lighthouse.{name}", instance_id) == parsed(f"parse_log_lighthouse.{name}")


def test_lighthouse_instance_of_another_version_reads_its_own_format():
    assert parsed("parse_log_lighthouse.mocha_spec", "GoogleChrome__lighthouse-10176") == {}  # 5.6: Jest
    assert parsed("parse_log_lighthouse.jest", "GoogleChrome__lighthouse-14479") == {}  # 9.5: mocha


# ----------------------------------------------------------------------------- quarto


def test_quarto_deno_results():
    assert parsed("parse_log_quarto_cli.deno") == {
        "[smoke] > quarto render docs/test-plain.md --to html": S.PASSED,
        "[smoke] > quarto render docs/reveal/stretch.qmd --to revealjs": S.FAILED,
        "[smoke] > quarto render /tmp/0 --to html": S.PASSED,  # a temporary .qmd, numbered
        "[smoke] > quarto render /tmp/1index.qmd --to html": S.PASSED,  # a temporary folder, numbered
        "[unit] > schema-validation-error-location": S.PASSED,
        "[unit] > binary-search": S.PASSED,  # its steps are not tests
    }


def test_quarto_a_test_without_status_failed_but_a_name_line_before_the_result_is_no_failure():
    assert parsed("parse_log_quarto_cli.killed") == {
        "[smoke] > quarto render docs/test-plain.md --to html": S.PASSED,
        "[smoke] > quarto render docs/hangs.qmd --to pdf": S.FAILED,  # killed before its result
        "[smoke] > quarto render docs/hangs.qmd: waiting for latexmk": S.FAILED,  # printed by the test
    }
    # Deno prints a test's name, its output, then the name again with the result: one event each.
    events = list(get_parser("parse_log_quarto_cli").events_for(read_mm("parse_log_quarto_cli.deno.log")))
    assert len(events) == len(dict(events)) == 6
