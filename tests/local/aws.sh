#!/usr/bin/env bash
# Starts or stops the local AWS stand-in used by `make dev` on 127.0.0.1:$AWS_PORT (4566).
# DynamoDB data is saved in .local/dynamodb.json (.local/dynamodb-<port>.json on other ports),
# so it survives restarts. Each port has its own process, state and log: two `make dev`s on
# different ports never share or stop each other's stand-in.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
port="${AWS_PORT:-4566}"
if [[ "$port" == 4566 ]]; then suffix=""; else suffix="-$port"; fi
pidfile=".local/aws$suffix.pid"
state=".local/dynamodb$suffix.json"
log=".local/aws$suffix.log"
mkdir -p .local

running() { [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

case "${1:-start}" in
  start)
    if running; then exit 0; fi
    .venv/bin/python tests/local/aws_server.py --port "$port" --state "$state" \
      >"$log" 2>&1 &
    echo $! >"$pidfile"
    for _ in $(seq 1 100); do
      if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "==> local AWS (moto) on http://127.0.0.1:$port, data in $state"
        exit 0
      fi
      running || { cat "$log" >&2; echo "error: local AWS failed to start" >&2; exit 1; }
      sleep 0.1
    done
    echo "error: local AWS did not open port $port (see $log)" >&2; exit 1 ;;
  stop)
    if running; then kill "$(cat "$pidfile")"; fi
    rm -f "$pidfile" ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
