#!/usr/bin/env bash
# `make bench`: builds the functions in release mode for this machine and measures start-up,
# latency and memory with tests/local/bench.py against a fresh local AWS stand-in.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
functions=(${FUNCTIONS:-moods chat})
cargo build --release $(printf -- '-p %s ' "${functions[@]}")
mkdir -p .local
portfile="$(mktemp .local/bench-aws-port.XXXXXX)"; rm -f "$portfile"
.venv/bin/python tests/local/aws_server.py --port 0 --port-file "$portfile" >.local/bench-aws.log 2>&1 &
aws_pid=$!
trap 'kill $aws_pid 2>/dev/null || true; rm -f "$portfile"' EXIT
for _ in $(seq 1 200); do [[ -s "$portfile" ]] && break; sleep 0.1; done
endpoint="http://127.0.0.1:$(cat "$portfile")"
for f in "${functions[@]}"; do
  echo "==> $f"
  .venv/bin/python tests/local/bench.py --aws "$endpoint" --binary "target/release/$f" \
    --prefix "$f" -n "${N:-1000}"
done
# The crisis screen's layers by message length, on one core (as the budget is stated).
echo "==> crisis screen (one core)"
cargo build --release -q -p therabot-screen --bin screen-tool
RAYON_NUM_THREADS=1 taskset -c 0 target/release/screen-tool bench
