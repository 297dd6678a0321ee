"""Per-repository parser names, as the official registry names them (``parse_log_<name>``).

Most are another name for a pytest variant: a dataset's ``log_parser`` field or an environment spec can
then name the repository and get exactly the official behaviour. matplotlib and seaborn have their own
small twists on the pytest summary and are defined here.
"""

from __future__ import annotations

from ...types import TestStatus
from . import Event, alias, per_line, register
from .pytest import summary_event

# Older matplotlib releases print enum members in parametrized ids (``test_x[MouseButton.LEFT]``)
# where the datasets, recorded with other releases, have the plain values (``test_x[1]``).
_MOUSE_BUTTONS = (("MouseButton.LEFT", "1"), ("MouseButton.RIGHT", "3"))


def _matplotlib_event(line: str) -> Event | None:
    for enum_name, value in _MOUSE_BUTTONS:
        line = line.replace(enum_name, value)
    return summary_event(line)


matplotlib_events = register("matplotlib", family="pytest")(per_line(_matplotlib_event))


def _seaborn_event(line: str) -> Event | None:
    """seaborn's logs are graded on PASSED and FAILED only; skips, xfails and errors are not recorded.

    Three shapes count: ``FAILED id ...``, ``id PASSED [ 50%]`` (``-v`` progress) and ``PASSED id``.
    """
    words = line.split()
    if len(words) < 2:
        return None
    if line.startswith(TestStatus.FAILED.value):
        return words[1], TestStatus.FAILED
    if f" {TestStatus.PASSED.value} " in line:
        return (words[0], TestStatus.PASSED) if words[1] == TestStatus.PASSED.value else None
    if line.startswith(TestStatus.PASSED.value):
        return words[1], TestStatus.PASSED
    return None


seaborn_events = register("seaborn", family="pytest")(per_line(_seaborn_event))


def _load_aliases() -> None:
    for name in ("astroid", "flask", "marshmallow", "pvlib", "pyvista", "sqlfluff", "xarray"):
        alias(name, "pytest")
    for name in ("pydicom", "requests", "pylint"):
        alias(name, "pytest_options")
    for name in ("astropy", "scikit", "sphinx"):
        alias(name, "pytest_v2")


_load_aliases()
