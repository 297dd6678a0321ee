#!/bin/bash
# Runs a Node CLI agent headless in /testbed: starts the model relay, waits until it listens, then runs
# the agent's script on the layer's Node (host names failing at once: offline.cjs) with the arguments
# swerun passes (argv, never interpolated) and the prompt on stdin.
# Usage: run.sh SOCKET PORT PROMPT_FILE ENTRY -- AGENT_ARGS...   (ENTRY: the script, under /opt/swerun-agent)
set -u
sock=$1 port=$2 prompt=$3 entry=$4; shift 5
A=/opt/swerun-agent
ready=$(mktemp -u /tmp/swerun-relay.XXXXXX)
for py in /usr/bin/python3 python3; do command -v "$py" >/dev/null 2>&1 && break; done
"$py" "$A/relay.py" "$sock" "$port" "$ready" &
relay=$!
for _ in $(seq 100); do [ -s "$ready" ] && break; sleep 0.05; done
[ -s "$ready" ] || { echo "swerun: model relay did not start" >&2; exit 70; }
"$A/node/bin/node" --require "$A/offline.cjs" "$A/$entry" "$@" < "$prompt"
rc=$?
kill "$relay" 2>/dev/null
exit $rc
