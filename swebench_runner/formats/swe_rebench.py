"""SWE-rebench rows: SWE-bench columns plus ``install_config``, the environment of each instance.

There is no per-repository spec file to look up: the row's ``install_config`` *is* the spec, mapped
onto ours field by field and carried inline by the instance (``Instance.spec``), so every instance
gets the environment its own row describes. Its keys: ``python``, ``install``, ``pre_install``,
``pip_packages``, ``packages`` (``requirements.txt`` / ``environment.yml`` with ``reqs_path`` /
``env_yml_path``, or a list of packages), ``env_vars``, ``test_cmd``, ``log_parser``. Its pip packages
are often unpinned; pip then sees PyPI as it was when the row was created (``uploaded_before``), so
they resolve the same way on every build.
"""

from __future__ import annotations

import shlex
from typing import Any

from ..errors import FormatError

# pip learned --uploaded-prior-to in 26: the bootstrap an index cut-off needs
BOOTSTRAP = ["pip==26.0.1", "setuptools==70.0.0", "wheel==0.43.0"]
_KEYS = {"python", "install", "pre_install", "pip_packages", "packages", "reqs_path", "env_yml_path", "env_vars",
         "env_vars_test", "test_cmd", "log_parser", "no_use_env", "eval_commands"}


def _lines(value: Any, field: str) -> list[str]:
    if value in (None, "", []):
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise FormatError("must be a string or a list of strings", field=f"install_config.{field}")


class SWERebench:
    name = "swe-rebench"

    def claims(self, row: dict[str, Any]) -> bool:
        return isinstance(row.get("install_config"), dict)

    def to_instance(self, row: dict[str, Any]) -> dict[str, Any]:
        cfg = row["install_config"]
        unknown = sorted(set(cfg) - _KEYS)
        if unknown:  # a key we do not map would be an environment silently built without it
            raise FormatError(f"unknown keys {', '.join(unknown)}", field="install_config")
        if not cfg.get("python") or not cfg.get("test_cmd"):
            raise FormatError("needs python and test_cmd", field="install_config")
        spec: dict[str, Any] = {
            "python": str(cfg["python"]),
            "notes": "mapped from the row's SWE-rebench install_config",
            "pre_install": _lines(cfg.get("pre_install"), "pre_install"),
            "install": _lines(cfg.get("install"), "install"),
            "pip_packages": _lines(cfg.get("pip_packages"), "pip_packages"),
            "eval_commands": _lines(cfg.get("eval_commands"), "eval_commands"),
            "env": {str(k): str(v) for k, v in {**(cfg.get("env_vars") or {}), **(cfg.get("env_vars_test") or {})}.items()},
            "test_cmd": shlex.split(" ".join(_lines(cfg["test_cmd"], "test_cmd"))),
            "log_parser": str(cfg.get("log_parser") or "parse_log_pytest").removeprefix("parse_log_"),
        }
        packages = cfg.get("packages") or ""
        if packages == "requirements.txt":
            spec["requirements_files"] = _lines(cfg.get("reqs_path"), "reqs_path") or ["requirements.txt"]
        elif packages == "environment.yml":
            spec["conda_environment_files"] = _lines(cfg.get("env_yml_path"), "env_yml_path") or ["environment.yml"]
        elif packages:
            spec["pip_packages"] += _lines(packages, "packages")[0].split()
        loose = [p for p in spec["pip_packages"] if "==" not in p]
        if loose or spec.get("requirements_files") or spec.get("conda_environment_files"):
            created = str(row.get("created_at") or "")[:10]
            if not created:
                raise FormatError("is needed to freeze the index for unpinned packages", field="created_at")
            spec["bootstrap_packages"] = BOOTSTRAP
            spec["uploaded_before"] = created
        return {**{k: v for k, v in row.items() if k != "install_config"}, "spec": spec,
                "install_config": cfg}
