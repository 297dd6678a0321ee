"""Run numfmt's doctest suite.

Usage: python run_doctests.py [path/to/module.py ...]

The tests are the examples in the docstrings of the modules in ``tests/``
(``tests/doctest_money.py`` ...).  Each path is imported as a module of its
package (``tests/doctest_money.py`` becomes ``tests.doctest_money``) and
checked with ``doctest.testmod(verbose=True)``.  Without arguments every
``tests/doctest_*.py`` module is checked.
"""

import doctest
import importlib
import os
import sys

ROOT = os.path.dirname(os.path.abspath(__file__))
TESTS = "tests"


def module_name(path):
    rel = os.path.relpath(os.path.abspath(path), ROOT)
    if not rel.endswith(".py") or rel.startswith(os.pardir):
        raise SystemExit(f"not a Python file of this project: {path}")
    parts = rel[:-3].split(os.sep)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules():
    folder = os.path.join(ROOT, TESTS)
    return sorted(os.path.join(TESTS, name) for name in os.listdir(folder)
                  if name.startswith("doctest_") and name.endswith(".py"))


def main(argv):
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    failed = 0
    for path in argv or all_modules():
        module = importlib.import_module(module_name(path))
        result = doctest.testmod(module, verbose=True, optionflags=doctest.ELLIPSIS)
        failed += result.failed
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
