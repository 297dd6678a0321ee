#!/bin/bash
# swerun evaluation of @INSTANCE_ID@ (rendered by swebench_runner/evaluation/eval_script.py).
# Runs inside a fresh container of the instance image, with /swerun holding model.patch, test.patch and
# a one-time nonce. Every phase prints a ">>>>> " line; the exit status names the phase that failed
# (3 model patch, 4 reset of test files, 5 test patch, 10 environment). The nonce is read and deleted
# before any patched code runs, so the code under test cannot forge the markers around its output.
set -uo pipefail
exec 2>&1
nonce=$(cat /swerun/nonce 2>/dev/null)
rm -f /swerun/nonce
cd /testbed || exit 10
@ACTIVATE@
git() { command git -c core.hooksPath=/dev/null -c safe.directory='*' -c advice.detachedHead=false "$@"; }
@ENV_EXPORTS@

undo_patch() {
  git reset -q --hard HEAD
  rm -rf -- @PATCH_ADDED@ @PATCH_DEBRIS@
}
apply_rung() {
  local label=$1
  shift
  if "$@"; then
    echo ">>>>> Applied Patch ($label)"
    return 0
  fi
  echo ">>>>> Patch attempt failed: $label"
  undo_patch
  return 1
}

if [ -s /swerun/model.patch ]; then
  apply_rung "git apply -v" git apply -v /swerun/model.patch ||
  apply_rung "git apply -v --3way" git apply -v --3way /swerun/model.patch ||
  apply_rung "git apply -v --reject" git apply -v --reject /swerun/model.patch ||
  apply_rung "patch --fuzz=5" patch --batch --forward --fuzz=5 -p1 -i /swerun/model.patch ||
  { echo ">>>>> Patch Apply Failed"; exit 3; }
  rm -f -- @PATCH_DEBRIS@
else
  echo ">>>>> No model patch"
fi

@REINSTALL@

@TEST_SETUP@

@EVAL_COMMANDS@
echo ">>>>> Start Test Output [$nonce]"
t0=$(date +%s%N)
timeout -k 10 @TIMEOUT@ @TEST_COMMAND@
rc=$?
t1=$(date +%s%N)
echo  # the test output may not end its last line; the end marker must start one
echo ">>>>> End Test Output [$nonce]"
echo ">>>>> Test Exit Code: $rc [$nonce]"
echo ">>>>> Test Nanoseconds: $((t1 - t0)) [$nonce]"
# 124 is also what a test command's own `timeout` returns (rows use `timeout 10s mocha ...` to stop a
# runner that never exits): only a run that lasted the whole budget timed out.
if [ "$rc" -eq 124 ] && [ "$((t1 - t0))" -ge "$((@TIMEOUT@ * 1000000000))" ]; then echo ">>>>> Tests Timed Out [$nonce]"; fi
exit 0
