#!/usr/bin/env bash
# The test suite: set up, then pytest (Docker tests build the images they need on a cold machine).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m pytest -q -ra "$@"
