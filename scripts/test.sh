#!/usr/bin/env bash
# The test suite: set up, lint, then pytest (Docker tests build the images they need on a cold machine).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check swebench_runner tests benchmarks  # lint first: a failure here costs seconds, not the run
exec .venv/bin/python -m pytest -q -ra "$@"
