#!/usr/bin/env bash
# The main job on the bundled data: set up, then evaluate the gold patches of the `mini` split.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/swerun eval --split mini --predictions gold --run-id "${RUN_ID:-demo}" --max-workers 2 "$@"
