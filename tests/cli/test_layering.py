"""The CLI is the outside: no module of swebench_runner outside swebench_runner/cli/ imports click or
swebench_runner.cli (``__main__.py``, the ``python -m swebench_runner`` entry point, is the one caller)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import swebench_runner

PKG = Path(swebench_runner.__file__).resolve().parent
ENTRY_POINT = PKG / "__main__.py"
TARGET = re.compile(r"swebench_runner\.cli(\.\w+)*(:\w+)?$")  # a module named in a string, for importlib


def imports(source: str, module: str, is_package: bool = False) -> set[str]:
    """Every module ``source`` (the text of ``module``) imports, relative imports resolved, plus any
    string naming swebench_runner.cli (an importlib target)."""
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and TARGET.match(node.value):
            found.add(node.value)
    return found


def forbidden(names: set[str]) -> list[str]:
    return sorted(n for n in names if n == "click" or n.startswith("click.") or n.startswith("swebench_runner.cli"))


def library_modules() -> list[Path]:
    return [p for p in sorted(PKG.rglob("*.py"))
            if (PKG / "cli") not in p.parents and p != ENTRY_POINT and "_bundled" not in p.parts]


def test_no_library_module_imports_click_or_the_cli():
    offenders = {}
    modules = library_modules()
    assert len(modules) > 30  # the walk sees the library
    for path in modules:
        rel = path.relative_to(PKG.parent).with_suffix("")
        name = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        bad = forbidden(imports(path.read_text(encoding="utf-8"), name, rel.name == "__init__"))
        if bad:
            offenders[str(path.relative_to(PKG.parent))] = bad
    assert offenders == {}


def test_the_check_sees_every_form_of_import():
    mod = "swebench_runner.reporting.x"
    for src in ("import click", "from click.testing import CliRunner", "from ..cli import options",
                "from .. import cli", "from swebench_runner.cli.options import ids",
                "importlib.import_module('swebench_runner.cli.eval')"):
        assert forbidden(imports(src, mod)), src
    assert not forbidden(imports('"""Printed by swebench_runner.cli.eval."""\nfrom ..artifacts import RunDir\n'
                                 "import clickhouse", mod))


def test_the_old_cli_modules_are_gone():
    for old in ("cli.py", "agent/cli.py", "reporting/cli.py", "reporting/cli_images.py"):
        assert not (PKG / old).exists(), old
