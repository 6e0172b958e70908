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
import copy
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
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
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
        # DynamoDB writes served so far: the state is saved only when this has moved.
        self.writes = 0

    READS = (".GetItem", ".Query", ".Scan", ".BatchGetItem", ".TransactGetItems", ".DescribeTable",
             ".ListTables", ".DescribeTimeToLive", ".DescribeContinuousBackups", ".ListTagsOfResource")

    def __call__(self, environ, start_response):
        with self.lock:
            target = environ.get("HTTP_X_AMZ_TARGET", "")
            if target.startswith("DynamoDB_") and not target.endswith(self.READS):
                self.writes += 1
            if target.endswith(".TransactWriteItems"):
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


def touched_items(backend, transact_items):
    """The current copy (or absence) of every item a transaction names."""
    touched = []
    for entry in transact_items:
        _, op = next(iter(entry.items()))
        table = backend.tables.get(op.get("TableName"))
        if table is None:
            continue
        attrs = op.get("Item") or op.get("Key") or {}
        if table.hash_key_attr not in attrs:
            continue
        hash_key = DynamoType(attrs[table.hash_key_attr])
        range_key = None
        if table.range_key_attr is not None:
            if table.range_key_attr not in attrs:
                continue
            range_key = DynamoType(attrs[table.range_key_attr])
        current = table.get_item(hash_key, range_key)
        touched.append((table, hash_key, range_key, copy.deepcopy(current) if current else None))
    return touched


def put_back(touched):
    for table, hash_key, range_key, saved in reversed(touched):
        if range_key is None:
            if saved is None:
                table.items.pop(hash_key, None)
            else:
                table.items[hash_key] = saved
        elif saved is None:
            table.items.get(hash_key, {}).pop(range_key, None)
        else:
            table.items[hash_key][range_key] = saved


def transact_write_items(self, transact_items):
    """moto's TransactWriteItems, rolling back only the items it touches.

    moto backs up every table a transaction names (a deep copy: linear in the table, 400 ms
    at 10,000 items) to roll back a cancelled one. Requests run one at a time here, so the
    items it names are all that can change: those are saved and put back instead, and the
    table copy is made a no-op for the duration of the call.
    """
    touched = touched_items(self, transact_items)
    Table.__deepcopy__ = lambda table, memo: table
    try:
        return ORIGINAL_TRANSACT(self, transact_items)
    except Exception:
        put_back(touched)
        raise
    finally:
        del Table.__deepcopy__


ORIGINAL_TRANSACT = DynamoDBBackend.transact_write_items
DynamoDBBackend.transact_write_items = transact_write_items


def query(self, hash_key, range_comparison, range_objs, limit, exclusive_start_key,
          scan_index_forward, projection_expressions, index_name=None, *args, **kwargs):
    """moto's Query, reading only the queried partition when no index is named.

    moto sorts every item of the table to pick one partition's out of them (45 ms at 10,000
    items); a table Query names its partition, so only that one is handed over.
    """
    if index_name is None and hash_key is not None and self.range_key_attr:
        partition = list(self.items.get(hash_key, {}).values())
        self.all_items = lambda: partition
        try:
            return ORIGINAL_QUERY(self, hash_key, range_comparison, range_objs, limit,
                                  exclusive_start_key, scan_index_forward, projection_expressions,
                                  index_name, *args, **kwargs)
        finally:
            del self.all_items
    return ORIGINAL_QUERY(self, hash_key, range_comparison, range_objs, limit, exclusive_start_key,
                          scan_index_forward, projection_expressions, index_name, *args, **kwargs)


ORIGINAL_QUERY = Table.query
Table.query = query


def serve(port: int):
    app = OneAtATime(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=MotoRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.guard = app
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
    # Saved only after writes: reading every item every few seconds made requests wait. A save
    # scans every table through the server itself, so with a large state (megabytes after a
    # schemathesis run against `make dev`) saving every 3 s kept the stand-in busy scanning and
    # the API answered 503s: the pause after a save is at least 20 times what the save took,
    # so saving never takes more than ~5% of the stand-in's time.
    saved_at = server.guard.writes
    pause = 3.0
    while not stop.wait(pause):
        if args.state and server.guard.writes != saved_at:
            saved_at = server.guard.writes
            started = time.monotonic()
            save(ddb, args.state)
            pause = max(3.0, 20 * (time.monotonic() - started))
    if args.state:
        save(ddb, args.state)
    server.shutdown()
    sys.exit(0)


if __name__ == "__main__":
    main()
