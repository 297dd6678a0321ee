"""pytest's summary lines under every pytest-based parser, from real logs of each repository."""

from __future__ import annotations

import pytest

from swebench_runner.evaluation.log_parsers import get_parser
from swebench_runner.evaluation.log_parsers.pytest import collapse_path_option, summary_counts
from swebench_runner.types import TestStatus as S

from .logsnippets import read_log

RC = "lib/matplotlib/tests/test_rcparams.py::"


# --- pytest ---------------------------------------------------------------------------------------

def test_pytest_keeps_path_parameters_whole(parsed):
    sm = parsed("pytest-dev__pytest-11143")
    cache_dir = "testing/test_assertrewrite.py::TestPyCacheDir::test_get_cache_dir"
    assert sm[f"{cache_dir}[/tmp/pycs-/home/projects/src/foo.py-/tmp/pycs/home/projects/src]"] is S.PASSED
    assert sm[f"{cache_dir}[c:/tmp/pycs-d:/projects/src/foo.py-c:/tmp/pycs/projects/src]"] is S.PASSED


def test_pytest_reads_nested_sessions_too(parsed):
    """pytest's own tests run inner sessions whose summaries land in the log; their ids are read as well."""
    sm = parsed("pytest-dev__pytest-11143")
    assert sm["test_rewrites_plugin_as_a_package.py::test"] is S.FAILED
    sm = parsed("pytest-dev__pytest-5227")
    assert sm["root:test_log_cli_level_log_level_interaction.py:8"] is S.ERROR  # a live-log line, "ERROR  root:..."


def test_pytest_progress_artifacts_kept_as_the_dataset_expects(parsed):
    """PASS_TO_PASS of pytest-dev__pytest-5227 lists "[100%]" and "[100%]------..." (progress columns)."""
    events = list(get_parser("pytest").events(read_log("pytest-dev__pytest-5227")))
    assert [s for t, s in events if t == "[100%]"] == [S.FAILED, S.PASSED]  # the last one wins
    sm = parsed("pytest-dev__pytest-5227")
    assert sm["[100%]"] is S.PASSED
    assert sm["[100%]------------------------------"] is S.PASSED


def test_pytest_usage_errors_are_not_results(parsed):
    """``ERROR: usage: pytest ...`` starts with a status word, but ``ERROR:`` is no status."""
    sm = parsed("pytest-dev__pytest-6116")
    assert "usage:" not in sm
    assert sm["testing/test_collection.py::TestCustomConftests::test_pytest_fs_collect_hooks_are_seen"] is S.FAILED
    assert len(sm) == 5


def test_skip_count_lines_are_not_tests(parsed):
    for name in ("matplotlib__matplotlib-23299", "pylint-dev__pylint-7080", "pydata__xarray-4493",
                 "astropy__astropy-6938"):
        assert not any(t.startswith("[") for t in parsed(name)), name  # "SKIPPED [16] path:line: reason"


# --- pytest_options (requests, pylint, pydicom) ---------------------------------------------------

def test_pylint_path_parameter_keeps_last_component(parsed):
    sm = parsed("pylint-dev__pylint-7080")
    assert sm["tests/test_self.py::TestRunTC::test_stdin[/mymodule.py]"] is S.PASSED  # as in PASS_TO_PASS
    assert sm["tests/test_self.py::TestRunTC::test_stdin[mymodule.py-mymodule-mymodule.py]"] is S.PASSED
    assert sm["tests/test_self.py::TestRunTC::test_ignore_path_recursive_current_dir"] is S.FAILED
    assert sm["tests/test_self.py::TestRunTC::test_abbreviations_are_not_supported"] is S.XFAIL


def test_requests_log(parsed):
    sm = parsed("psf__requests-3362")
    assert sm["tests/test_requests.py::TestRequests::test_response_iter_lines_reentrant"] is S.XFAIL
    assert sm["tests/test_requests.py::TestRequests::test_no_content_length[GET]"] is S.ERROR
    assert sm["tests/test_requests.py::TestRequests::test_mixed_case_scheme_acceptable[http://]"] is S.ERROR
    assert sm["tests/test_requests.py::TestRequests::test_invalid_url[InvalidSchema-localhost.localdomain:3128/]"] \
        is S.PASSED


def test_requests_reads_path_parameters_like_pylint(parsed):
    """requests' ``test_unzipped_paths_unchanged[/abs/.../test_utils.py]`` is the same rule as pylint's."""
    sm = parsed("pylint-dev__pylint-7080", parser="requests")
    assert sm["tests/test_self.py::TestRunTC::test_stdin[/mymodule.py]"] is S.PASSED
    assert collapse_path_option("t.py::test_unzipped_paths_unchanged[/tmp/x/requests/test_utils.py]") \
        == "t.py::test_unzipped_paths_unchanged[/test_utils.py]"


def test_path_option_rules():
    assert collapse_path_option("t.py::test[//host/a/b]") == "t.py::test[//host/a/b]"  # URL-like, kept
    assert collapse_path_option("t.py::test[/c/*.py-/c/foo.py]") == "t.py::test[/c/*.py-/c/foo.py]"  # a glob
    assert collapse_path_option("t.py::test[GET]") == "t.py::test[GET]"
    assert collapse_path_option("t.py::test") == "t.py::test"


def test_pydicom_log(parsed):
    sm = parsed("pydicom__pydicom.appmap-python-issue-319")
    assert sm["tests/test_charset.py::TestCharset::test_changed_character_set"] is S.FAILED
    assert sm["tests/test_filereader.py::TestDeferredRead::test_file_exists"] is S.FAILED
    assert len(sm) == 9


# --- matplotlib, seaborn ---------------------------------------------------------------------------

def test_matplotlib_ids_end_at_the_first_space(parsed):
    """Lite/Verified ids for matplotlib were made by this parser, so they are cut at the first space too."""
    sm = parsed("matplotlib__matplotlib-23299")
    assert sm[f"{RC}test_legend_colors[different"] is S.PASSED  # "[different facecolor0]" and "...1]"
    assert sm[f'{RC}test_validator_invalid[validate_cycler-cycler("bleh,'] is S.PASSED
    assert sm[f"{RC}test_no_backend_reset_rccontext"] is S.FAILED  # FAIL_TO_PASS of 23299
    assert sm[f"{RC}test_rcparams_init"] is S.FAILED  # "FAILED id - Failed: DI..."


def test_matplotlib_mouse_button_names():
    """No real log at hand prints enum members; this line is 23299's with its parameter changed."""
    line = "PASSED lib/matplotlib/tests/test_widgets.py::test_span_selector_press[MouseButton.RIGHT]"
    expected = {"lib/matplotlib/tests/test_widgets.py::test_span_selector_press[3]": S.PASSED}
    assert get_parser("matplotlib").parse(line) == expected


def test_seaborn_records_only_passed_and_failed(parsed):
    sm = parsed("mwaskom__seaborn-3190")
    assert sm["tests/_core/test_scales.py::TestContinuous::test_tick_minor"] is S.FAILED
    assert sm["tests/_core/test_scales.py::TestContinuous::test_interval_defaults"] is S.PASSED
    assert "tests/_core/test_scales.py::TestNominal::test_color_numeric_int_float_mix" not in sm  # an XFAIL line


def test_seaborn_reads_verbose_progress_lines():
    """Unlike ``pytest``, seaborn's parser takes ``id PASSED [ 6%]`` lines (here sqlfluff's -vv output)."""
    text = read_log("sqlfluff__sqlfluff.pr-4963")
    assert get_parser("pytest").parse(text) == {}
    assert get_parser("seaborn").parse(text) == {
        "test/rules/yaml_test_cases_test.py::test__rule_test_case[AL01_test_fail_default_explicit]": S.PASSED,
        "test/rules/yaml_test_cases_test.py::test__rule_test_case[AL01_test_fail_explicit]": S.PASSED,
    }


# --- pytest_v2 (astropy, scikit-learn, sphinx) ------------------------------------------------------

def test_scikit_colour_codes_and_full_ids_with_spaces(parsed):
    sm = parsed("scikit-learn__scikit-learn-25570")
    assert sm["sklearn/compose/tests/test_column_transformer.py::test_column_transformer"] is S.PASSED
    verbose = [t for t in sm if "test_column_transformer_verbose[fit-est0-" in t]
    assert len(verbose) == 1 and " of 3\\\\) Processing trans1.* total=" in verbose[0]  # spaces kept
    assert verbose[0].endswith("]") and "\x1b" not in verbose[0] and "[1m" not in verbose[0]
    assert sm["sklearn/compose/tests/test_column_transformer.py::test_empty_selection_pandas_output[bool_int]"] \
        is S.PASSED  # FAIL_TO_PASS of 25570


def test_astropy_failed_lines_drop_the_message(parsed):
    sm = parsed("astropy__astropy-6938")
    assert sm["astropy/io/fits/tests/test_checksum.py::TestChecksumFunctions::test_sample_file"] is S.FAILED
    assert sm["astropy/io/fits/tests/test_table.py::TestColumnFunctions::test_column_format_interpretation"] \
        is S.PASSED
    assert len(sm) == 5  # two "SKIPPED [1] ..." lines are not tests


def test_sphinx_tox_log(parsed):
    sm = parsed("sphinx-doc__sphinx-7748")
    fail = "tests/test_ext_autodoc_configs.py::test_autoclass_content_and_docstring_signature_init"
    assert sm[fail] is S.FAILED
    assert sm["tests/test_ext_autodoc_configs.py::test_autodoc_docstring_signature"] is S.PASSED
    assert len(sm) == 14  # tox's "py39: FAIL code 1" and "evaluation failed" lines are not results
    assert summary_counts(read_log("sphinx-doc__sphinx-7748")) == {"failed": 2, "passed": 12, "warnings": 41}


def test_v2_reads_status_at_line_end_but_not_before_progress_column():
    """``id PASSED`` counts for pytest_v2; ``id PASSED  [ 0%]`` (astroid's -v output) does not."""
    assert get_parser("pytest_v2").parse(read_log("pylint-dev__astroid.issue-748")) == {}
    line = read_log("pylint-dev__astroid.issue-748").splitlines()[2].split("[")[0].rstrip()
    assert get_parser("pytest_v2").parse(line) == {"tests/unittest_brain.py::HashlibTest::test_hashlib": S.PASSED}
    assert get_parser("pytest").parse(line) == {}


# --- repositories that reuse ``pytest`` ----------------------------------------------------------------

def test_flask_log(parsed):
    sm = parsed("pallets__flask-5063")
    assert sm["tests/test_cli.py::TestRoutes::test_subdomain"] is S.FAILED  # FAIL_TO_PASS of 5063
    assert sm["tests/test_cli.py::test_cli_name"] is S.PASSED


def test_flask_conftest_import_error_yields_nothing(parsed):
    assert parsed("pallets__flask-4045") == {}


def test_xarray_log(parsed):
    sm = parsed("pydata__xarray-4493")
    assert sm["xarray/tests/test_interp.py::test_datetime[2000-01-01T12:00-0.5]"] is S.XFAIL
    assert sm["xarray/tests/test_dask.py::TestVariable::test_copy"] is S.PASSED


def test_pvlib_failed_lines_with_multiline_messages(parsed):
    assert parsed("pvlib__pvlib-python.issue-2221") == {
        "pvlib/tests/iotools/test_pvgis.py::test_get_pvgis_tmy": S.FAILED,
        "pvlib/tests/iotools/test_pvgis.py::test_get_pvgis_tmy_kwargs": S.FAILED,
    }


def test_pyvista_logs(parsed):
    sm = parsed("pyvista__pyvista.pr-2837")
    assert sm["tests/test_regression.py::test_compare_images_two_plotter_different"] is S.FAILED  # "- ..."
    assert len(sm) == 5
    sm = parsed("pyvista__pyvista.issue-6731")
    assert sm["tests/core/test_dataobject.py::test_pickle_serialize_deserialize[vtk]"] is S.FAILED
    assert summary_counts(read_log("pyvista__pyvista.pr-2837")) == {"failed": 5, "passed": 1404, "skipped": 3,
                                                                    "xfailed": 2}


def test_sqlfluff_and_astroid_verbose_lines_are_not_summary_lines(parsed):
    """Their real logs at hand are ``-v`` progress output, which the pytest parser does not read."""
    assert parsed("sqlfluff__sqlfluff.pr-4963") == {}
    assert parsed("pylint-dev__astroid.issue-748") == {}


@pytest.mark.parametrize("name", ["flask", "xarray", "astroid", "marshmallow", "pvlib", "pyvista", "sqlfluff"])
def test_pytest_aliases_read_a_real_pytest_log_like_pytest(name):
    text = read_log("pallets__flask-5063")
    assert get_parser(name).parse(text) == get_parser("pytest").parse(text)


# --- summary_counts -------------------------------------------------------------------------------------

def test_summary_counts_takes_the_outer_session_bar():
    assert summary_counts(read_log("pytest-dev__pytest-5227")) == {"passed": 34}  # "in 1.31 seconds" (pytest 4)
    assert summary_counts(read_log("pytest-dev__pytest-11143")) == {"passed": 116}


def test_summary_counts_strips_colour():
    assert summary_counts(read_log("scikit-learn__scikit-learn-25570")) == {"passed": 187, "warnings": 292}


def test_summary_counts_absent():
    assert summary_counts(read_log("pallets__flask-4045")) is None
    assert summary_counts(read_log("sqlfluff__sqlfluff.pr-4963")) is None
