"""How fast the local DynamoDB stand-in answers as the table grows (docs/benchmarks.md).

    .venv/bin/python tests/local/bench_standin.py

Serves the stand-in in-process on a free port, fills a table shaped like ours to 500, 2,000
and 10,000 items (100 per user; the measured user has 200), and times (median of 40) a two-item
TransactWriteItems, a cancelled one, a one-page Query and a PutItem, with our rollback and
with moto's own (a copy of the whole table per transaction).
"""

import logging
import statistics
import subprocess
import sys
import time

import aws_server

SIZES = (500, 2_000, 10_000)


def table(ddb, name):
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("PK", "SK", "GSI1PK", "GSI1SK")],
        BillingMode="PAY_PER_REQUEST",
        GlobalSecondaryIndexes=[{
            "IndexName": "ByActivity",
            "KeySchema": [{"AttributeName": "GSI1PK", "KeyType": "HASH"}, {"AttributeName": "GSI1SK", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"},
        }],
    )


def fill(ddb, name, start, end):
    for i in range(start, end, 25):
        batch = [
            # 100 items per user, as many users as it takes; the measured user has 200.
            {"PutRequest": {"Item": {"PK": {"S": f"USER#{j // 100 if j >= 200 else 'u'}"}, "SK": {"S": f"MOOD#{j:08d}"}, "score": {"N": "5"}, "note": {"S": "x" * 80}}}}
            for j in range(i, min(end, i + 25))
        ]
        ddb.batch_write_item(RequestItems={name: batch})


def median_ms(fn, n=40):
    times = []
    for i in range(n):
        started = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(ddb, name, tag):
    def transact(i):
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": name, "Item": {"PK": {"S": "USER#u"}, "SK": {"S": f"MSG#{tag}#{i}"}}, "ConditionExpression": "attribute_not_exists(PK)"}},
            {"Update": {"TableName": name, "Key": {"PK": {"S": "USER#u"}, "SK": {"S": "COUNT"}}, "UpdateExpression": "ADD n :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}},
        ])

    def cancelled(i):
        try:
            ddb.transact_write_items(TransactItems=[
                {"Put": {"TableName": name, "Item": {"PK": {"S": "USER#u"}, "SK": {"S": f"MSG#{tag}#0"}}, "ConditionExpression": "attribute_not_exists(PK)"}},
                {"Update": {"TableName": name, "Key": {"PK": {"S": "USER#u"}, "SK": {"S": "COUNT"}}, "UpdateExpression": "ADD n :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}},
            ])
        except ddb.exceptions.TransactionCanceledException:
            return
        raise AssertionError("the transaction should have been cancelled")

    def query(i):
        ddb.query(TableName=name, KeyConditionExpression="PK = :pk AND begins_with(SK, :p)",
                  ExpressionAttributeValues={":pk": {"S": "USER#u"}, ":p": {"S": "MOOD#"}}, Limit=21, ScanIndexForward=False)

    def put(i):
        ddb.put_item(TableName=name, Item={"PK": {"S": "USER#u"}, "SK": {"S": f"PUT#{tag}#{i}"}})

    return [median_ms(f) for f in (transact, cancelled, query, put)]


def run(variant):
    """One variant in this process: `ours`, or `moto` (its own rollback and Query)."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    if variant == "moto":
        aws_server.DynamoDBBackend.transact_write_items = aws_server.ORIGINAL_TRANSACT
        aws_server.Table.query = aws_server.ORIGINAL_QUERY
    label = "ours: touched items, one partition" if variant == "ours" else "moto's: whole table"
    server = aws_server.serve(0)
    ddb = aws_server.client(server.server_port)
    table(ddb, "bench")
    filled = 0
    for size in SIZES:
        fill(ddb, "bench", filled, size)
        filled = size
        t, c, q, p = measure(ddb, "bench", size)
        print(f"| {size:,} | {label} | {t:.1f} ms | {c:.1f} ms | {q:.1f} ms | {p:.1f} ms |", flush=True)
    server.shutdown()


def main():
    if len(sys.argv) > 1:
        run(sys.argv[1])
        return
    print("| items | stand-in | transaction (2 items) | cancelled transaction | Query (21 of 200) | PutItem |")
    print("|---|---|---|---|---|---|", flush=True)
    # Each in a fresh process: the patches are module-wide.
    for variant in ("ours", "moto"):
        subprocess.run([sys.executable, __file__, variant], check=True)


if __name__ == "__main__":
    main()
