#!/usr/bin/env bash
# Idempotent set-up of a fresh Debian machine for swerun: Docker engine, debootstrap (base images are
# built from Debian packages when no registry has them), and a virtualenv with swerun installed.
# Run as root (or with sudo available for the apt/dockerd steps). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
command -v git >/dev/null 2>&1 || missing+=(git)
command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)  # tests push/pull official-layout images
command -v npm >/dev/null 2>&1 || missing+=(npm)  # the Qwen Code agent layer packs Node and the CLI from npm
command -v chromium >/dev/null 2>&1 || missing+=(chromium)  # tests/reporting drives headless Chromium
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  echo "setup: starting dockerd (log: /var/log/swerun-dockerd.log)"
  as_root bash -c 'nohup dockerd >/var/log/swerun-dockerd.log 2>&1 &'
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { echo "setup: dockerd did not start; see /var/log/swerun-dockerd.log" >&2; exit 1; }
fi

if [ ! -x .venv/bin/swerun ] || [ pyproject.toml -nt .venv/.installed ]; then
  echo "setup: installing swerun into .venv"
  python3 -m venv .venv
  # this machine's pip config names local indexes that may not exist: hide only those warnings
  quiet() { "$@" 2>&1 | { grep -v 'is ignored: it is neither a file nor a directory' || true; }; }
  quiet .venv/bin/python -m pip install -q --upgrade pip
  quiet .venv/bin/python -m pip install -q -e '.[test]'
  touch .venv/.installed
fi
echo "setup: ready (docker $(docker version --format '{{.Server.Version}}'), $(.venv/bin/swerun --version))"
