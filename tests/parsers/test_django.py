"""Django's runner output, from real Lite evaluation logs."""

from __future__ import annotations

from swebench_runner.evaluation.log_parsers import get_parser
from swebench_runner.types import TestStatus as S

from .logsnippets import read_log

MEDIA = "forms_tests.tests.test_media.FormsMediaTestCase"


def test_plain_results_failures_errors_and_skips(parsed):
    sm = parsed("django__django-11019")
    assert sm[f"test_combine_media ({MEDIA})"] is S.ERROR
    assert sm[f"test_construction ({MEDIA})"] is S.FAILED
    assert sm[f"test_html_safe ({MEDIA})"] is S.PASSED
    assert sm["test_add_inlines (admin_inlines.tests.SeleniumTests)"] is S.SKIPPED


def test_docstring_result_is_keyed_by_the_docstring_line(parsed):
    """``name (module.Class)`` on one line, ``Docstring ... ok`` on the next: the dataset uses the docstring."""
    sm = parsed("django__django-11019")
    assert sm["Regression for #9362"] is S.PASSED
    assert "test_immutable_content_type (admin_inlines.tests.TestInlineAdminForm)" not in sm
    sm = parsed("django__django-14787")
    assert sm["@method_decorator preserves wrapper assignments."] is S.PASSED  # FAIL_TO_PASS of 14787
    assert sm["Ensures @xframe_options_exempt properly instructs the"] is S.PASSED  # a truncated docstring
    assert len(sm) == 21  # "Ran 21 tests": every result line accounted for, none invented


def test_interleaved_subtest_lines(parsed):
    """With subtests, a test's result is printed after its siblings' lines: the line keeps both names."""
    sm = parsed("django__django-11019")
    glued = f"test_merge ({MEDIA}) ... test_merge_css_three_way ({MEDIA})"
    assert sm[glued] is S.ERROR
    assert f"test_merge_css_three_way ({MEDIA})" not in sm  # so a graded id of that name is missing
    assert f"test_merge ({MEDIA})" not in sm


def test_failure_headers_record_the_bare_method_name(parsed):
    sm = parsed("django__django-11019")
    assert sm["test_combine_media"] is S.ERROR  # "ERROR: test_combine_media (...)"
    assert sm["test_merge"] is S.FAILED  # its ERROR: headers come first, a FAIL: header last
    assert sm["test_media"] is S.FAILED  # "FAIL: test_media (...) [<object ...>] (lang='de')"


def test_version_docstring(parsed):
    sm = parsed("django__django-13658")
    assert sm["--version is equivalent to version"] is S.PASSED
    assert sm["version is handled as a special case"] is S.PASSED


def test_events_report_every_result_line_in_order():
    """The integrity checks see each line; the fold keeps the last one, as the official parser does."""
    events = list(get_parser("django").events(read_log("django__django-11019")))
    merge = [s for t, s in events if t == "test_merge"]
    assert merge == [S.ERROR, S.FAILED]


def test_unittest_parser_on_django_output(parsed):
    """Django prints plain unittest verbose lines, so our own ``unittest`` parser reads them too."""
    sm = parsed("django__django-11019", parser="unittest")
    assert sm[f"test_construction ({MEDIA})"] is S.FAILED
    assert sm[f"test_combine_media ({MEDIA})"] is S.ERROR
    assert sm["test_add_inlines (admin_inlines.tests.SeleniumTests)"] is S.SKIPPED
    assert sm["Regression for #9362"] is S.PASSED
    assert f"test_merge ({MEDIA})" not in sm  # its line carries another test's result
    assert parsed("django__django-14787", parser="unittest") == parsed("django__django-14787")
