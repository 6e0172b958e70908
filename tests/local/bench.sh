#!/usr/bin/env bash
# `make bench`: builds the functions in release mode for this machine and measures their cold
# path (tests/local/cold_path.py), then start-up, latency and memory per event
# (tests/local/bench.py), against a fresh local AWS stand-in.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
# The same aws-lc build as `make` (see the Makefile), also when run directly.
export AWS_LC_SYS_NO_JITTER_ENTROPY="${AWS_LC_SYS_NO_JITTER_ENTROPY:-1}"
functions=(${FUNCTIONS:-moods chat})
cargo build --release $(printf -- '-p %s ' "${functions[@]}")
mkdir -p .local
portfile="$(mktemp .local/bench-aws-port.XXXXXX)"; rm -f "$portfile"
.venv/bin/python tests/local/aws_server.py --port 0 --port-file "$portfile" >.local/bench-aws.log 2>&1 &
aws_pid=$!
trap 'kill $aws_pid 2>/dev/null || true; rm -f "$portfile"' EXIT
for _ in $(seq 1 200); do [[ -s "$portfile" ]] && break; sleep 0.1; done
endpoint="http://127.0.0.1:$(cat "$portfile")"
# The cold path: spawn to first response through TLS, warm CPU, peak RSS, beside the Python
# peer, and the arm64 zips if `make build` made them.
echo "==> cold path (tests/local/cold_path.py)"
tests/local/bootstrap.sh bench >/dev/null
cold=()
for f in "${functions[@]}"; do cold+=(--function "$f=target/release/$f"); done
.venv/bin/python tests/local/cold_path.py --aws "$endpoint" "${cold[@]}" --peer \
  --runs "${RUNS:-20}" -n "${N:-1000}"
for f in "${functions[@]}"; do
  echo "==> $f"
  .venv/bin/python tests/local/bench.py --aws "$endpoint" --binary "target/release/$f" \
    --prefix "$f" -n "${N:-1000}"
done
# The crisis screen's layers by message length, on one core (as the budget is stated).
echo "==> crisis screen (one core)"
cargo build --release -q -p therabot-screen --bin screen-tool
taskset -c 0 target/release/screen-tool bench
