"""The SWE-bench Multilingual parsers on real runner output (``tests/data/logs/multilingual``), the
registry of their names, and the instance id reaching the parsers that choose a format by it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from swebench_runner.evaluation import testlog
from swebench_runner.evaluation.grading import grade
from swebench_runner.evaluation.log_parsers import REGISTRY, get_parser
from swebench_runner.types import Instance
from swebench_runner.types import TestStatus as S

ML_LOGS = Path(__file__).resolve().parents[1] / "data" / "logs" / "multilingual"
ML_INDEX: dict[str, dict] = json.loads((ML_LOGS / "index.json").read_text())

# Every ``log_parser`` of the 300 SWE-bench Multilingual rows (test split), as the rows spell them.
MULTILINGUAL_PARSERS = {
    "parse_log_ant", "parse_log_cargo", "parse_log_doctest", "parse_log_googletest", "parse_log_gotest",
    "parse_log_gradle_custom", "parse_log_immutable_js", "parse_log_jekyll", "parse_log_jest", "parse_log_jq",
    "parse_log_karma", "parse_log_maven", "parse_log_micropython_test", "parse_log_phpunit", "parse_log_redis",
    "parse_log_rspec_transformed_json", "parse_log_ruby_unit", "parse_log_tap", "parse_log_vitest",
}
FAMILIES = {
    "parse_log_ant": "ant", "parse_log_cargo": "cargo", "parse_log_doctest": "doctest-cpp",
    "parse_log_googletest": "googletest", "parse_log_gotest": "gotest", "parse_log_gradle_custom": "gradle",
    "parse_log_immutable_js": "jest", "parse_log_jekyll": "jekyll", "parse_log_jest": "jest",
    "parse_log_jq": "automake", "parse_log_karma": "karma", "parse_log_maven": "maven",
    "parse_log_micropython_test": "micropython", "parse_log_phpunit": "phpunit", "parse_log_redis": "redis",
    "parse_log_rspec_transformed_json": "rspec", "parse_log_ruby_unit": "test-unit", "parse_log_tap": "tap",
    "parse_log_vitest": "vitest",
}


def read_ml(name: str) -> str:
    return (ML_LOGS / name).read_bytes().decode("utf-8", errors="replace")


def parsed(name: str, instance_id: str | None = "") -> dict[str, S]:
    """The status map of ``<name>.log`` under its indexed parser and instance (or the one given)."""
    entry = ML_INDEX[f"{name}.log"]
    iid = entry["instance"] if instance_id == "" else instance_id
    return get_parser(entry["parser"]).parse(read_ml(f"{name}.log"), iid)


# ----------------------------------------------------------------------------- registry and index


def test_every_multilingual_parser_name_is_registered():
    get_parser("pytest")  # loads every module
    assert MULTILINGUAL_PARSERS <= set(REGISTRY)
    assert {n for n in REGISTRY if n.startswith("parse_log_")} == MULTILINGUAL_PARSERS | MULTIMODAL_PARSERS


# the Multimodal task folders' parser names (tests/parsers/test_multimodal.py tests them)
MULTIMODAL_PARSERS = {f"parse_log_{n}" for n in (
    "calypso", "chart_js", "p5js", "marked", "react_pdf", "carbon", "openlayers", "lighthouse", "bpmn_js",
    "highlightjs", "prismjs", "next", "grommet", "eslint", "quarto_cli")}


def test_families_exit_codes_and_instance_use():
    for name in MULTILINGUAL_PARSERS:
        p = get_parser(name)
        assert p.family == FAMILIES[name], name
        # Only Ant's wrapper target (defined by the evaluation image) may exit 0 with failing tests.
        assert p.exit_code_reliable == (name != "parse_log_ant"), name
        assert p.wants_instance == (name in {"parse_log_jekyll", "parse_log_immutable_js"}), name


def test_short_doctest_name_is_still_pythons_doctest():
    assert get_parser("doctest").family == "doctest"
    assert get_parser("doctest").events is not get_parser("parse_log_doctest").events


def test_every_snippet_is_indexed_and_read_by_a_registered_parser():
    assert {p.name for p in ML_LOGS.glob("*.log")} == set(ML_INDEX)
    for name, entry in ML_INDEX.items():
        assert name.startswith(f"{entry['parser']}.") and entry["parser"] in MULTILINGUAL_PARSERS, name
        assert entry["captured"] is True and entry["tool"] and entry["command"], name
        assert 0 < (ML_LOGS / name).stat().st_size < 5000, name
    assert {e["parser"] for e in ML_INDEX.values()} == MULTILINGUAL_PARSERS  # every parser has a real log


# ----------------------------------------------------------------------------- Go, Rust


def test_gotest_subtests_skips_and_a_package_that_does_not_build():
    assert parsed("parse_log_gotest.packages") == {
        "TestAdd": S.PASSED, "TestDivTable": S.FAILED, "TestDivTable/exact": S.PASSED,
        "TestDivTable/rounds_down": S.PASSED, "TestDivTable/wrong_expectation": S.FAILED,
        "TestNested": S.PASSED, "TestNested/outer": S.PASSED, "TestNested/outer/inner/slash": S.PASSED,
        "TestNested/outer/skipped": S.SKIPPED, "TestSkipped": S.SKIPPED, "TestFailsWithLog": S.FAILED,
    }  # package broken failed to build: no test of it is reported


def test_gotest_panic_and_glued_result_lines():
    # TestPrintsNoNewline's "--- PASS" follows its own output on the line; the parallel tests never finish.
    assert parsed("parse_log_gotest.panic") == {"TestPanics": S.FAILED}


def test_cargo_several_binaries_ignored_and_doc_tests():
    assert parsed("parse_log_cargo.workspace") == {
        "tests::adds": S.PASSED, "tests::halves_wrongly": S.FAILED, "tests::nested::deep_test": S.PASSED,
        "cli_passes": S.PASSED, "cli_prints_then_fails": S.FAILED,
        "other_ok": S.PASSED, "other_prints_uncaptured": S.PASSED,
    }  # ignored tests, the should_panic test and the doc-tests (ids with spaces) are not reported
    assert parsed("parse_log_cargo.filtered") == {"other_ok": S.PASSED}


# ----------------------------------------------------------------------------- Java


def test_maven_one_command_per_test():
    assert parsed("parse_log_maven.chain_stops") == {
        "ml.CalcTest#testAdd": S.PASSED, "ml.CalcTest#testHalfRounds": S.FAILED}  # the && chain stopped
    assert parsed("parse_log_maven.skipped") == {
        "ml.CalcTest#testAdd": S.PASSED, "ml.CalcTest#testIgnored": S.PASSED,  # a skip builds successfully
        "ml.CalcTest#testHalfWrong": S.FAILED}


def test_maven_pairs_late_trace_lines_with_results_in_order():
    log = "[INFO] BUILD SUCCESS\n[INFO] BUILD FAILURE\n+ mvnd test -Dtest=A#a\n+ mvnd test -Dtest=B#b\n+ mvnd test -Dtest=C#c"
    assert get_parser("parse_log_maven").parse(log) == {"A#a": S.PASSED, "B#b": S.FAILED}


def test_ant_failure_is_not_undone_by_the_end_of_test_line():
    assert parsed("parse_log_ant.lombok_formatter") == {
        "transform[javac-ValInLambda.java](ml.ParamTest)": S.PASSED,
        "transform[javac-Accessors.java](ml.ParamTest)": S.PASSED,
        "testAdd(ml.CalcTest)": S.PASSED, "testWrong(ml.CalcTest)": S.FAILED, "testThrows(ml.CalcTest)": S.FAILED,
    }
    events = list(get_parser("parse_log_ant").events(read_ml("parse_log_ant.lombok_formatter.log")))
    assert ("testWrong(ml.CalcTest)", S.PASSED) not in events  # no contradiction for the integrity checks
    rerun = "[junit] [FAIL] t(C)\n[junit] boom\n[junit] [PASS] t(C)\n[junit] [PASS] u(C)\n[junit] [PASS] t(C)"
    assert get_parser("parse_log_ant").parse(rerun) == {"t(C)": S.PASSED, "u(C)": S.PASSED}  # a later run passed


def test_gradle_events_and_split_result_lines():
    assert parsed("parse_log_gradle_custom.gradle4") == {
        "ml.TestIntervalBuilder > testGraphSynonyms": S.PASSED,
        "ml.TestIntervalBuilder > testEmptyIntervals": S.FAILED,
        "ml.TestIntervalBuilder > testUnordered": S.PASSED,
        ":test": S.FAILED,  # the task line, as the official parser reads it
    }  # testIgnored SKIPPED is no result
    split = "org.a.TestX > testA\nWARNING: something else\nPASSED\norg.a.TestX > testB\n> Task :x\nFAILED"
    assert get_parser("parse_log_gradle_custom").parse(split) == {
        "org.a.TestX > testA": S.PASSED, "org.a.TestX > testB": S.FAILED}


# ----------------------------------------------------------------------------- JavaScript


def test_jest_verbose():
    assert parsed("parse_log_jest.verbose") == {
        "top level test with (parens) in its name": S.PASSED, "parses a bare arrow": S.PASSED,
        "rejects a newline before the arrow": S.FAILED, "parses async arrows": S.PASSED,
        "skipped parses async arrows with await in params": S.SKIPPED,
        "other file passes": S.PASSED, "throws": S.FAILED,
    }  # "✎ todo" is no result
    filtered = parsed("parse_log_jest.filtered")
    assert filtered["parses async arrows"] is S.PASSED
    assert {t for t, s in filtered.items() if s is S.SKIPPED} == {
        "skipped top level test with (parens) in its name", "skipped parses a bare arrow",
        "skipped rejects a newline before the arrow", "skipped parses arrows in class properties",
        "skipped parses async arrows with await in params"}


def test_vitest_2_and_3():
    v2 = {
        "__tests__/apiWatch.spec.ts > api: watch > effect": S.PASSED,
        "__tests__/apiWatch.spec.ts > api: watch > watching single source: getter": S.FAILED,
        "__tests__/apiWatch.spec.ts > api: watch > nested > deep option": S.PASSED,
        "__tests__/apiWatch.spec.ts > top level": S.PASSED,
        "__tests__/other.spec.ts > other passes": S.PASSED,
        "__tests__/other.spec.ts > slow one": S.PASSED,
    }
    assert parsed("parse_log_vitest.v2") == v2
    assert parsed("parse_log_vitest.v3") == {
        **v2,
        "__tests__/apiWatch.spec.ts > api: watch > watching sources: ref<any[]>": S.SKIPPED,
        "__tests__/apiWatch.spec.ts > api: watch > nested > once option": S.SKIPPED,
        "__tests__/other.spec.ts > issue 11589": S.PASSED,  # a number before the duration stays
    }


def test_vitest_bare_trailing_number_reads_as_a_duration():
    assert get_parser("parse_log_vitest").parse(" ✓ a.spec.ts > case 2") == {"a.spec.ts > case": S.PASSED}


def test_tap_from_mocha_and_qunit():
    assert parsed("parse_log_tap.mocha") == {
        "supports http with nodejs should support body length": S.PASSED,
        "supports http with nodejs should fail on a wrong body length": S.FAILED,
        "supports http with nodejs should support proxies # SKIP -": S.PASSED,
        "supports http with nodejs compression should decompress gzip": S.PASSED,
    }
    assert parsed("parse_log_tap.qunit") == {
        "Core > Object3D > clone": S.PASSED, "Core > Object3D > copy": S.FAILED,
        "Core > Object3D > toJSON # SKIP": S.PASSED, "Core > Object3D > json round trip # TODO": S.FAILED,
    }


def test_karma_mocha_reporter():
    assert parsed("parse_log_karma.mocha_reporter") == {
        "render() > should render a string": S.PASSED,  # memo()'s test of that title lands here too
        "render() > should not render null": S.FAILED,
        "render() > should render in an iframe (skipped)": S.FAILED,
        "render() > should clear the DOM": S.PASSED,
        "render() > attributes > should set the class": S.PASSED,
        "render() > attributes > should remove the class": S.PASSED,
    }


def test_karma_survives_leaving_more_suites_than_it_entered():
    log = "Starting browser ChromeHeadless\n      deep\n    shallower\n  outer\n    ✔ test"
    assert get_parser("parse_log_karma").parse(log) == {"test": S.PASSED}  # the official parser raises


def test_immutable_js_by_instance():
    json_map = {
        "other file passes": S.PASSED, "throws": S.FAILED, "arrow functions > parses a bare arrow": S.PASSED,
        "arrow functions > rejects a newline before the arrow": S.FAILED,
        "arrow functions > async > parses async arrows": S.PASSED,
        "top level test with (parens) in its name": S.PASSED,
    }  # [PENDING] and [TODO] are no result
    verbose_map = {"fixed range": S.PASSED, "stepped range": S.PASSED,
                   "sliced sequence works even on filtered sequence": S.FAILED}
    assert parsed("parse_log_immutable_js.2005_json") == json_map
    assert parsed("parse_log_immutable_js.2006_verbose") == verbose_map
    # The instance decides the format; without one both are read.
    assert parsed("parse_log_immutable_js.2005_json", "immutable-js__immutable-js-2006") == {}
    assert parsed("parse_log_immutable_js.2006_verbose", "immutable-js__immutable-js-2005") == {}
    assert parsed("parse_log_immutable_js.2005_json", None) == json_map
    assert parsed("parse_log_immutable_js.2006_verbose", None) == verbose_map


# ----------------------------------------------------------------------------- PHP, Ruby


def test_phpunit_testdox():
    assert parsed("parse_log_phpunit.testdox") == {
        "Round > Round with default unit": S.PASSED, "Round > Round with base unit": S.FAILED,
        "Round > Floor is skipped": S.SKIPPED, "Round > Throws error": S.FAILED,
        'Round > Round unit with data set "minute"': S.PASSED, 'Round > Round unit with data set "hour"': S.FAILED,
        # "Xlsx function prefix" (a @testdox class name) has no "(Class)": its tests stay under Round
        "Round > Function prefix": S.PASSED, "Round > Formula with _xlfn prefix": S.PASSED,
    }  # incomplete and risky tests are no result
    assert get_parser("parse_log_phpunit").parse(" ✔ Orphan") == {"None > Orphan": S.PASSED}


def test_ruby_test_unit():
    assert parsed("parse_log_ruby_unit.test_unit") == {
        "test_password_default": S.PASSED, "test_password_length[short]": S.PASSED,
        "test_password_length[long]": S.PASSED, "test_password_omitted": S.SKIPPED,
        "test_password_raises": S.FAILED, "test_password_with_mixed_case": S.FAILED,
        "password is long enough": S.PASSED,
    }  # the pending test is no result


def test_rspec_transformed_json_pipelines():
    assert parsed("parse_log_rspec_transformed_json.fastlane") == {
        "generates a valid zip command - ./spec/zip_spec.rb[1:1]": S.PASSED,
        "generates a valid zip command without verbose output - ./spec/zip_spec.rb[1:2]": S.FAILED,
        "encrypts the archive - ./spec/zip_spec.rb[1:5:1]": S.PASSED,
        "generates a valid zip command - ./spec/zip_spec.rb[1:5:2]": S.FAILED,
    }  # pending and skipped examples are no result
    by_description = {"generates a valid zip command": S.FAILED,  # the later, failing example of that name
                      "generates a valid zip command without verbose output": S.FAILED,
                      "encrypts the archive": S.PASSED}
    assert parsed("parse_log_rspec_transformed_json.fpm") == by_description
    assert parsed("parse_log_rspec_transformed_json.rubocop") == by_description


def test_jekyll_by_instance():
    minitest = {
        "TestFilters#test_: filters where_exp filter should filter objects across multiple conditions": S.FAILED,
        "TestFilters#test_: filters where_exp filter should raise for an unknown operator": S.FAILED,
        "TestFilters#test_: filters where_exp filter should filter objects appropriately": S.PASSED,
    }  # the skipped test is no result
    cucumber = {"features/post_data.feature:5  Scenario: Use post.title variable": S.PASSED,
                "features/post_data.feature:10  Scenario: Use page.name variable": S.FAILED}
    assert parsed("parse_log_jekyll.minitest") == minitest  # jekyll__jekyll-8047
    assert parsed("parse_log_jekyll.cucumber") == cucumber  # jekyll__jekyll-8761; the undefined step is no result
    assert parsed("parse_log_jekyll.minitest", "jekyll__jekyll-8771") == {}
    assert parsed("parse_log_jekyll.cucumber", "jekyll__jekyll-9141") == {}
    assert parsed("parse_log_jekyll.minitest", None) == minitest
    assert parsed("parse_log_jekyll.cucumber", "jekyll__jekyll-1") == cucumber


# ----------------------------------------------------------------------------- C, C++


def test_redis_tcl_suite():
    xtrim = parsed("parse_log_redis.xtrim")
    assert {t for t, s in xtrim.items() if s is S.PASSED} == {
        "XTRIM with MINID option", "XTRIM with MINID option, big delta from master record",
        "XTRIM with MAXLEN option basic test", "XTRIM with ~ is limited", "XTRIM without ~ is not limited",
        "XTRIM without ~ and with LIMIT", "XTRIM with LIMIT delete entries no more than limit",
        "XTRIM with ~ MAXLEN can propagate correctly"}
    assert len(xtrim) == 72 and set(xtrim.values()) == {S.PASSED, S.SKIPPED}
    assert xtrim["Blocking XREAD for stream that ran dry (issue #5299)"] is S.SKIPPED
    assert parsed("parse_log_redis.errors") == {
        "CLIENT LIST": S.PASSED, "CONFIG SET rejects an unknown parameter": S.PASSED,
        "MONITOR reports the wrong thing": S.FAILED,  # "in tests/unit/mlcase.tcl" is not part of the id
        "DEBUG SLEEP is flagged as needing debug: Tag: needs:debug denied": S.SKIPPED,
        "Test with a Tcl error": S.FAILED, "RESET clears the name": S.PASSED,
    }


def test_jq_make_check():
    scripts = ["tests/optionaltest", "tests/mantest", "tests/jqtest", "tests/onigtest", "tests/shtest",
               "tests/utf8test", "tests/base64test"]
    assert parsed("parse_log_jq.pass") == dict.fromkeys(scripts, S.PASSED)
    assert parsed("parse_log_jq.fail") == {**dict.fromkeys(scripts, S.PASSED), "tests/jqtest": S.FAILED}


def test_micropython_run_tests():
    passing = parsed("parse_log_micropython_test.pass")
    assert len(passing) == 25 and passing["basics/fun_calldblstar.py"] is S.PASSED
    assert {t for t, s in passing.items() if s is not S.PASSED} == {"basics/fun_code.py", "basics/fun_code_micropython.py"}
    assert set(passing.values()) == {S.PASSED, S.SKIPPED}
    failing = parsed("parse_log_micropython_test.fail")
    assert len(failing) == 34 and {t for t, s in failing.items() if s is S.FAILED} == {"basics/fun_mlfail.py"}
    assert failing["basics/try_finally_return.py"] is S.PASSED


def test_googletest_through_ctest():
    assert parsed("parse_log_googletest.ctest") == {
        "PrintfTest.Basic": S.PASSED, "PrintfTest.HexWrong": S.FAILED, "TypedPrintf/0.Zero": S.PASSED,
        "TypedPrintf/1.Zero, where TypeParam = long": S.FAILED,
        "Widths/WidthTest.PadsToWidth/0": S.PASSED, "Widths/WidthTest.PadsToWidth/1": S.PASSED,
    }  # skipped and disabled tests are no result
    assert parsed("parse_log_googletest.crash") == {"FormatTest.Escape": S.PASSED}  # the aborted test has none


def test_doctest_xml_subcases():
    assert parsed("parse_log_doctest.xml") == {
        "basic usage > conversion to json": S.PASSED, "basic usage > conversion from json": S.FAILED,
        "basic usage > nested": S.FAILED,  # reported once per leaf subcase; the run with "inner bad" is last
        "basic usage > inner ok": S.PASSED, "basic usage > inner bad": S.FAILED,
        "throws > from_json": S.FAILED,  # an exception, no expression: passed for the official parser
    }  # "no subcases" and the skipped test case are not reported
    assert parsed("parse_log_doctest.crash") == {"before the crash > fine": S.PASSED,
                                                  "crashes > null deref": S.FAILED}


def test_doctest_report_cut_short_keeps_the_finished_test_cases():
    text = read_ml("parse_log_doctest.crash.log")
    cut = text[:text.index('<TestCase name="crashes"') + 30]
    assert get_parser("parse_log_doctest").parse("+ ./test-crash -s -r=xml\n" + cut) == {
        "before the crash > fine": S.PASSED}
    assert get_parser("parse_log_doctest").parse("no report here") == {}


# ----------------------------------------------------------------------------- the instance id in grading


@pytest.mark.parametrize("strict", [True, False])
def test_grading_gives_the_instance_id_to_parsers_that_want_it(strict):
    nonce = "n0nce"
    body = read_ml("parse_log_jekyll.cucumber.log").replace("..F-", "....")  # the failing scenario now passes
    text = (f">>>>> Start Test Output [{nonce}]\n{body}\n>>>>> End Test Output [{nonce}]\n"
            f">>>>> Test Exit Code: 0 [{nonce}]\n")
    log = testlog.read(text, nonce)
    f2p = ["features/post_data.feature:10  Scenario: Use page.name variable"]
    p2p = ["features/post_data.feature:5  Scenario: Use post.title variable"]
    cucumber = Instance(instance_id="jekyll__jekyll-8761", repo="jekyll/jekyll", base_commit="a" * 40,
                        test_patch="x", version="8761", FAIL_TO_PASS=f2p, PASS_TO_PASS=p2p)
    g = grade(cucumber, get_parser("parse_log_jekyll"), log, strict=strict)
    assert g.resolved and not g.violations
    minitest = cucumber.model_copy(update={"instance_id": "jekyll__jekyll-8047", "version": "8047"})
    g = grade(minitest, get_parser("parse_log_jekyll"), log, strict=strict)
    assert not g.resolved and g.status_map == {}  # read as minitest output: no results


def test_parsers_without_instance_ignore_it():
    text = read_ml("parse_log_gotest.packages.log")
    p = get_parser("parse_log_gotest")
    assert p.parse(text) == p.parse(text, "caddyserver__caddy-4774") == dict(p.events_for(text, "x__y-1"))


def test_maven_ignores_a_loop_traced_before_expansion():
    """`bash -xc 'for t in ...; do mvn -Dtest=$t; done'` under an outer `set -x` is traced whole first."""
    log = ("+ bash -xc 'for t in A#a B#b; do mvn -o test -Dtest=$t; done'\n+ mvn -o test -Dtest=A#a\n"
           "[INFO] BUILD SUCCESS\n+ mvn -o test -Dtest=B#b\n[INFO] BUILD FAILURE\n")
    assert get_parser("parse_log_maven").parse(log) == {"A#a": S.PASSED, "B#b": S.FAILED}
