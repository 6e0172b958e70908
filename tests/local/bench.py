"""Benchmark of the release Lambda binaries, as Lambda runs them.

    python tests/local/bench.py --aws http://127.0.0.1:PORT --binary target/release/moods [-n 1000]

A minimal Lambda Runtime API (the protocol `lambda_runtime` speaks) feeds the function the
sample events from events/ while the function talks to the local AWS stand-in. It reports:
- init: process spawn to the function's first request for an event (cold-start work we own);
- per-invocation latency (p50/p95/p99) measured at the runtime API, i.e. the function's whole
  handling including its DynamoDB round trips to moto (moto's speed dominates);
- peak RSS (VmHWM) after the warm invocations.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parents[2]


class Runtime:
    def __init__(self, events):
        self.events = events
        self.lock = threading.Condition()
        self.queue = []
        self.results = {}
        self.first_next = None
        self.sent_at = {}

    def submit(self, event):
        rid = str(uuid.uuid4())
        with self.lock:
            self.queue.append((rid, event))
            self.lock.notify_all()
        return rid

    def wait(self, rid, timeout=30):
        deadline = time.time() + timeout
        with self.lock:
            while rid not in self.results:
                left = deadline - time.time()
                if left <= 0:
                    raise TimeoutError(rid)
                self.lock.wait(left)
            return self.results.pop(rid)


def handler_for(runtime: Runtime):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def do_GET(self):
            if not self.path.endswith("/invocation/next"):
                self.send_error(404)
                return
            with runtime.lock:
                if runtime.first_next is None:
                    runtime.first_next = time.perf_counter()
                    runtime.lock.notify_all()
                while not runtime.queue:
                    runtime.lock.wait()
                rid, event = runtime.queue.pop(0)
                runtime.sent_at[rid] = time.perf_counter()
            body = json.dumps(event).encode()
            self.send_response(200)
            self.send_header("Lambda-Runtime-Aws-Request-Id", rid)
            self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 30000))
            self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:000000000000:function:bench")
            self.send_header("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000")
            # Lambda sends it, and AWS's runtime client (the Python peer's) crashes without it.
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            payload = self.rfile.read(length)
            parts = self.path.split("/")
            rid = parts[-2]
            ok = parts[-1] == "response"
            done = time.perf_counter()
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()
            with runtime.lock:
                started = runtime.sent_at.pop(rid, done)
                runtime.results[rid] = (ok, payload, (done - started) * 1000)
                runtime.lock.notify_all()

    return Handler


def prepare_aws(endpoint: str, table: str, secret: str) -> None:
    kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="local", aws_secret_access_key="local")
    ddb = boto3.client("dynamodb", **kw)
    if table not in ddb.list_tables()["TableNames"]:
        ddb.create_table(
            TableName=table,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("PK", "SK", "GSI1PK", "GSI1SK")],
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
            GlobalSecondaryIndexes=[{
                "IndexName": "ByActivity",
                "KeySchema": [{"AttributeName": "GSI1PK", "KeyType": "HASH"}, {"AttributeName": "GSI1SK", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            }],
        )
    sm = boto3.client("secretsmanager", **kw)
    try:
        sm.create_secret(Name=secret, SecretString=json.dumps({"pagination_key": "b" * 48}))
    except sm.exceptions.ResourceExistsException:
        pass


def seed_events(endpoint: str, table: str, events: list) -> None:
    """Creates the conversation the chat events address, so turns run the whole path."""
    kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="local", aws_secret_access_key="local")
    ddb = boto3.client("dynamodb", **kw)
    for _, event in events:
        conv = (event.get("pathParameters") or {}).get("id")
        if not conv or not event["rawPath"].startswith("/v1/conversations/"):
            continue
        sub = event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"]
        now = "2026-11-25T00:00:00Z"
        ddb.put_item(TableName=table, Item={
            "PK": {"S": f"USER#{sub}"}, "SK": {"S": f"CONV#{conv}#META"}, "entity": {"S": "conversation"},
            "GSI1PK": {"S": f"USER#{sub}"}, "GSI1SK": {"S": f"ACTIVE#00000000000000000000000000#{conv}"},
            "id": {"S": conv}, "language": {"S": "en"}, "created_at": {"S": now},
            "last_message_at": {"S": now}, "message_count": {"N": "0"}, "disclosed_at": {"S": "2099-01-01T00:00:00Z"},
        })


def rss_peak_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def bench(binary: str, events: list, endpoint: str, n: int) -> dict:
    runtime = Runtime(events)
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(runtime))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    env = dict(
        os.environ,
        AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{port}",
        AWS_LAMBDA_FUNCTION_NAME="bench",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE="128",
        AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
        AWS_LAMBDA_LOG_STREAM_NAME="bench",
        AWS_LAMBDA_LOG_GROUP_NAME="bench",
        AWS_REGION="us-east-1",
        TABLE_NAME="therabot-bench",
        CHAT_QUOTA_PER_HOUR="100000",
        CHAT_RISKY_QUOTA_PER_HOUR="100000",
        EXPORT_BUCKET="therabot-bench-exports",
        USER_POOL_ID="us-east-1_Bench",
        SECRET_ID="therabot-bench",
        AUTH_ISSUER="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example",
        AUTH_CLIENT_ID="therabot-local-client",
        AWS_ENDPOINT_URL=endpoint,
        SCREEN_MODEL_DIR=str(ROOT / ".models" / "multilingual-e5-small"),
        RUST_LOG="warn",
    )
    spawned = time.perf_counter()
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with runtime.lock:
        while runtime.first_next is None:
            if not runtime.lock.wait(10):
                proc.kill()
                raise SystemExit("function did not ask for an event: " + proc.stderr.read().decode())
    init_ms = (runtime.first_next - spawned) * 1000
    latencies = {}
    failures = 0
    for i in range(n):
        name, event = events[i % len(events)]
        ok, payload, ms = runtime.wait(runtime.submit(event))
        status = json.loads(payload).get("statusCode", 0) if ok else 0
        if not ok or status >= 500:
            failures += 1
        latencies.setdefault(name, []).append(ms)
    peak = rss_peak_kb(proc.pid)
    proc.kill()
    server.shutdown()
    every = sorted(ms for values in latencies.values() for ms in values)
    q = lambda p: every[min(len(every) - 1, int(p * len(every)))]
    return {
        "binary": binary,
        "binary_bytes": os.path.getsize(binary),
        "init_ms": round(init_ms, 2),
        "invocations": n,
        "failures": failures,
        "latency_ms": {"p50": round(q(0.50), 2), "p95": round(q(0.95), 2), "p99": round(q(0.99), 2)},
        "per_event_median_ms": {k: round(statistics.median(v), 2) for k, v in sorted(latencies.items())},
        "peak_rss_mb": round(peak / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--aws", required=True)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--prefix", required=True, help="events/<prefix>-*.json are replayed")
    parser.add_argument("-n", type=int, default=1000)
    args = parser.parse_args()
    prepare_aws(args.aws, "therabot-bench", "therabot-bench")
    # Reads and writes that can repeat (deletes would empty the data the others read).
    events = []
    for path in sorted((ROOT / "events").glob(f"{args.prefix}-*.json")):
        event = json.loads(path.read_text())
        # An export writes to S3, which this benchmark's stand-in has no bucket for.
        if path.name.endswith("-export.json"):
            continue
        if event["requestContext"]["http"]["method"] in ("GET", "POST"):
            # A fresh key per run would be realistic; one key makes repeats replays, which
            # measures the cheaper path. Drop the key so each POST does the full work.
            event["headers"].pop("idempotency-key", None)
            events.append((path.name, event))
    seed_events(args.aws, "therabot-bench", events)
    result = bench(args.binary, events, args.aws, args.n)
    print(json.dumps(result, indent=2))
    if result["failures"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
