#!/bin/bash
# Runs Qwen Code headless in /testbed: starts the model relay, waits until it listens, then runs
# `qwen` with the arguments swerun passes (argv, never interpolated) and the prompt on stdin.
# Usage: run.sh SOCKET PORT PROMPT_FILE -- QWEN_ARGS...
set -u
sock=$1 port=$2 prompt=$3; shift 4
A=/opt/swerun-agent
ready=$(mktemp -u /tmp/swerun-relay.XXXXXX)
for py in /usr/bin/python3 python3; do command -v "$py" >/dev/null 2>&1 && break; done
"$py" "$A/relay.py" "$sock" "$port" "$ready" &
relay=$!
for _ in $(seq 100); do [ -s "$ready" ] && break; sleep 0.05; done
[ -s "$ready" ] || { echo "swerun: model relay did not start" >&2; exit 70; }
"$A/node/bin/node" "$A/qwen-code/cli-entry.js" "$@" < "$prompt"
rc=$?
kill "$relay" 2>/dev/null
exit $rc
