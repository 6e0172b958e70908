"""Local stand-in for DynamoDB and Secrets Manager: moto's server on 127.0.0.1.

    python aws_server.py --port 4566 [--state .local/dynamodb.json] [--port-file FILE]

Requests are handled one at a time (connections stay concurrent): DynamoDB's conditional
writes and transactions are atomic, and moto's are only if nothing interleaves with them.
moto keeps everything in memory. With --state, DynamoDB tables and items are written to
that file every few seconds and on exit (SIGINT/SIGTERM), and loaded at start, so local data
survives restarts of `make dev`. Secrets are not saved: the dev server recreates its secret.
--port 0 picks a free port; --port-file tells the caller which.
"""

import argparse
import hashlib
import io
import json
import logging
import os
import signal
import sys
import threading
import time

import boto3
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server


class OneAtATime:
    """Runs the wrapped WSGI app for one request at a time.

    It also gives TransactWriteItems the idempotency DynamoDB documents and moto lacks: a
    request repeating a ClientRequestToken seen in the last ten minutes gets the first
    answer again (the same token with other items is IdempotentParameterMismatchException).
    Without it, an SDK retry of a transaction whose first attempt landed fails its own
    conditions, which DynamoDB never does.
    """

    TOKEN_TTL = 600

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        self.tokens = {}

    def __call__(self, environ, start_response):
        with self.lock:
            if environ.get("HTTP_X_AMZ_TARGET", "").endswith(".TransactWriteItems"):
                return self.transact(environ, start_response)
            return list(self.app(environ, start_response))

    def transact(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)
        try:
            request = json.loads(body)
        except ValueError:
            request = {}
        token = request.pop("ClientRequestToken", None) if isinstance(request, dict) else None
        now = time.monotonic()
        self.tokens = {t: v for t, v in self.tokens.items() if now - v[0] < self.TOKEN_TTL}
        if token is not None:
            digest = hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()
            seen = self.tokens.get(token)
            if seen is not None:
                _, seen_digest, status, headers, chunks = seen
                if seen_digest != digest:
                    mismatch = json.dumps({
                        "__type": "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException",
                        "message": "The request uses the same client token as a previous, but non-identical request.",
                    }).encode()
                    start_response("400 Bad Request", [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(mismatch)))])
                    return [mismatch]
                start_response(status, headers)
                return chunks
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        chunks = list(self.app(environ, capture))
        if token is not None and captured.get("status", "").startswith("200"):
            self.tokens[token] = (now, digest, captured["status"], captured["headers"], chunks)
        return chunks


def serve(port: int):
    app = OneAtATime(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def client(port: int):
    return boto3.client(
        "dynamodb",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def snapshot(ddb) -> dict:
    tables = []
    for name in ddb.list_tables()["TableNames"]:
        desc = ddb.describe_table(TableName=name)["Table"]
        spec = {
            "TableName": name,
            "KeySchema": desc["KeySchema"],
            "AttributeDefinitions": desc["AttributeDefinitions"],
            "BillingMode": "PAY_PER_REQUEST",
        }
        gsis = [
            {"IndexName": g["IndexName"], "KeySchema": g["KeySchema"], "Projection": g["Projection"]}
            for g in desc.get("GlobalSecondaryIndexes", [])
        ]
        if gsis:
            spec["GlobalSecondaryIndexes"] = gsis
        ttl = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        items = []
        for page in ddb.get_paginator("scan").paginate(TableName=name):
            items.extend(page["Items"])
        tables.append({"spec": spec, "ttl": ttl.get("AttributeName"), "items": items})
    return {"tables": tables}


def restore(ddb, state: dict) -> None:
    for table in state.get("tables", []):
        ddb.create_table(**table["spec"])
        name = table["spec"]["TableName"]
        if table.get("ttl"):
            ddb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"AttributeName": table["ttl"], "Enabled": True},
            )
        items = table["items"]
        for i in range(0, len(items), 25):
            batch = [{"PutRequest": {"Item": item}} for item in items[i : i + 25]]
            ddb.batch_write_item(RequestItems={name: batch})


def save(ddb, path: str) -> None:
    data = json.dumps(snapshot(ddb))
    tmp = f"{path}.tmp"
    with open(tmp, "w") as f:
        f.write(data)
    os.replace(tmp, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=4566)
    parser.add_argument("--state")
    parser.add_argument("--port-file")
    args = parser.parse_args()

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = serve(args.port)
    port = server.server_port
    ddb = client(port)
    if args.state and os.path.exists(args.state):
        with open(args.state) as f:
            restore(ddb, json.load(f))
    if args.port_file:
        with open(args.port_file, "w") as f:
            f.write(str(port))
    print(f"local AWS (moto) listening on http://127.0.0.1:{port}", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    last = None
    while not stop.wait(3):
        if args.state:
            data = json.dumps(snapshot(ddb))
            if data != last:
                save(ddb, args.state)
                last = data
    if args.state:
        save(ddb, args.state)
    server.shutdown()
    sys.exit(0)


if __name__ == "__main__":
    main()
