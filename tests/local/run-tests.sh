#!/usr/bin/env bash
# Runs every test against a fresh, throw-away local AWS stand-in on a free port.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
# The same aws-lc build as `make` (see the Makefile), also when run directly.
export AWS_LC_SYS_NO_JITTER_ENTROPY="${AWS_LC_SYS_NO_JITTER_ENTROPY:-1}"
mkdir -p .local
portfile="$(mktemp .local/test-aws-port.XXXXXX)"
rm -f "$portfile"
.venv/bin/python tests/local/aws_server.py --port 0 --port-file "$portfile" >.local/test-aws.log 2>&1 &
aws_pid=$!
trap 'kill $aws_pid 2>/dev/null || true; rm -f "$portfile"' EXIT
for _ in $(seq 1 200); do
  [[ -s "$portfile" ]] && break
  kill -0 $aws_pid 2>/dev/null || { cat .local/test-aws.log >&2; exit 1; }
  sleep 0.1
done
[[ -s "$portfile" ]] || { echo "error: local AWS did not start" >&2; exit 1; }
export THERABOT_TEST_AWS_ENDPOINT="http://127.0.0.1:$(cat "$portfile")"
# The log canary (tests/src/canary.rs): each test process logs into this directory and notes
# what it sent; tests/local/log_canary.py checks the logs after the whole suite.
export THERABOT_CANARY_DIR="$root/.local/canary"
rm -rf "$THERABOT_CANARY_DIR"
echo "==> tests against local AWS at $THERABOT_TEST_AWS_ENDPOINT"
if cargo nextest --version >/dev/null 2>&1; then
  # nextest does not run doc tests. The workspace has none today, and `cargo test --doc`
  # would still build every library once more and run rustdoc on each: run it only once
  # a doc comment holds a code block. First, so the runner's summary is the last line.
  if grep -rqE '^\s*//[/!] *```' --include='*.rs' functions shared tests; then
    cargo test --workspace --doc
  fi
  rm -f .local/load-run.txt
  cargo nextest run --workspace --no-fail-fast "$@"
  [[ -s .local/load-run.txt ]] && cat .local/load-run.txt
  # Only a whole run has seen enough to judge; a filtered run (arguments) skips the canary.
  if [[ $# -eq 0 ]]; then
    python3 tests/local/log_canary.py "$THERABOT_CANARY_DIR"
  fi
else
  cargo test --workspace --no-fail-fast "$@"
fi
