"""Turning ``--model NAME`` plus flags, environment and ``.env`` into one ``ModelSettings``.

Precedence, highest first, as Qwen Code users expect: command-line flags, the process environment, a
``.env`` file (never written into ``os.environ``, so nothing leaks to child processes), then the
preset and per-model options of ``harness/agent/models.yaml`` with the user's own file merged over it.
The key is read from the variables the preset names (``DASHSCOPE_API_KEY`` for ``qwen3-coder``) or
``OPENAI_API_KEY`` for a generic endpoint, and is kept in a ``SecretStr`` from then on.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, SecretStr, ValidationError

from ..errors import InputError
from ..model import ModelSettings
from ..resources import harness_dir

CONFIG_ENV = "SWERUN_MODELS_CONFIG"
OPENAI_PREFIX = "openai:"
NO_KEY = "EMPTY"  # what local servers (vLLM, SGLang, Ollama) accept when they check no key


class Preset(BaseModel):
    model: str
    base_url: str
    base_url_env: list[str] = Field(default_factory=list)
    api_key_env: list[str] = Field(default_factory=list)


class ModelsFile(BaseModel):
    presets: dict[str, Preset] = Field(default_factory=dict)
    models: dict[str, dict[str, Any]] = Field(default_factory=dict)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read models config: {exc}", source=str(path)) from None
    if not isinstance(data, dict):
        raise InputError("must be a mapping with 'presets' and/or 'models'", source=str(path))
    return data


def load_models_file(user_path: str | None = None) -> ModelsFile:
    """The bundled file with the user's file (flag, then ``SWERUN_MODELS_CONFIG``) merged over it."""
    data = _read_yaml(harness_dir() / "agent" / "models.yaml")
    extra = user_path or os.environ.get(CONFIG_ENV)
    if extra:
        user = _read_yaml(Path(extra))
        data["presets"] = {**data.get("presets", {}), **(user.get("presets") or {})}
        models = dict(data.get("models", {}))
        for name, opts in (user.get("models") or {}).items():
            models[name] = {**models.get(name, {}), **(opts or {})}
        data["models"] = models
    try:
        return ModelsFile.model_validate(data)
    except ValidationError as exc:
        raise InputError(f"invalid models config: {exc.errors()[0]['msg']} at "
                         f"{'.'.join(map(str, exc.errors()[0]['loc']))}", source=extra or "models.yaml") from None


def find_dotenv(start: Path | None = None) -> Path | None:
    """The ``.env`` Qwen Code would read: ``.qwen/.env`` or ``.env`` upwards from ``start``, then home."""
    here = (start or Path.cwd()).resolve()
    for folder in [here, *here.parents]:
        for candidate in (folder / ".qwen" / ".env", folder / ".env"):
            if candidate.is_file():
                return candidate
    home = Path.home()
    for candidate in (home / ".qwen" / ".env", home / ".env"):
        if candidate.is_file():
            return candidate
    return None


def environment(env_file: str | None = None, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Process environment over the ``.env`` values (the file never overrides a set variable)."""
    from dotenv import dotenv_values

    path = Path(env_file) if env_file else find_dotenv()
    if env_file and not path.is_file():
        raise InputError("file not found", source=env_file)
    values = {k: v for k, v in (dotenv_values(path) if path else {}).items() if v is not None}
    return {**values, **(os.environ if environ is None else environ)}


def model_options(models: Mapping[str, Mapping[str, Any]], model_id: str) -> dict[str, Any]:
    """Defaults, then the longest matching glob, then the exact entry."""
    opts = dict(models.get("*", {}))
    globs = sorted((p for p in models if p != "*" and any(ch in p for ch in "*?[")
                    and fnmatch.fnmatchcase(model_id.lower(), p.lower())), key=len)
    for pattern in globs:
        opts.update(models[pattern])
    opts.update(models.get(model_id, {}))
    return opts


def _first(env: Mapping[str, str], names: list[str]) -> str | None:
    return next((env[n] for n in names if env.get(n)), None)


def resolve_model(name: str, *, base_url: str | None = None, api_key: str | None = None,
                  env_file: str | None = None, models_config: str | None = None,
                  environ: Mapping[str, str] | None = None) -> ModelSettings:
    """Settings for ``--model NAME``; raises ``InputError`` saying what is missing."""
    cfg = load_models_file(models_config)
    env = environment(env_file, environ)
    preset = cfg.presets.get(name)
    if preset is not None:
        model_id = preset.model
        url = base_url or _first(env, preset.base_url_env) or preset.base_url
        key = api_key or _first(env, preset.api_key_env)
        if not key:
            raise InputError(f"no API key for preset {name!r}: set {' or '.join(preset.api_key_env)} "
                             "(in the environment or a .env file)", source="--model")
    else:
        if name.startswith(OPENAI_PREFIX) or name == "openai":
            model_id = name[len(OPENAI_PREFIX):] or env.get("OPENAI_MODEL", "")
        else:
            model_id = name
        url = base_url or env.get("OPENAI_BASE_URL")
        if not model_id:
            raise InputError("no model id: use --model openai:<model> or set OPENAI_MODEL", source="--model")
        if not url:
            known = ", ".join(sorted(cfg.presets))
            raise InputError(f"unknown model {name!r}: use a preset ({known}) or give an OpenAI-compatible "
                             "endpoint with --base-url or OPENAI_BASE_URL", source="--model")
        key = api_key or env.get("OPENAI_API_KEY") or NO_KEY
    opts = model_options(cfg.models, model_id)
    try:
        return ModelSettings(model=model_id, label=model_id, base_url=url, api_key=SecretStr(key), **opts)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise InputError(f"invalid option {'.'.join(map(str, err['loc']))} for model {model_id!r}: {err['msg']}",
                         source="models config") from None
