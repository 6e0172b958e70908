"""The moods create endpoint as the obvious alternative would write it: Python + boto3 on AWS's
runtime interface client (awslambdaric). It is the peer `make bench` measures our moods function
against (tests/local/cold_path.py); it is never deployed.

It does the same work as `POST /v1/moods` (and `GET /v1/moods/{id}`) in functions/moods: read the claims API Gateway passed
on, check the body, and write the entry in one TransactWriteItems with the "not erased"
condition check (and the idempotency record when a key is sent), then answer 201 with the entry.
Like ours, the client is built once per container, at import.
"""

import hashlib
import json
import os
import secrets
import time
from datetime import datetime, timezone

import boto3

TABLE = os.environ["TABLE_NAME"]
DYNAMODB = boto3.client("dynamodb")

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
NOTE_MAX = 2000
LABELS_MAX = 10
LABEL_MAX = 32


def _ulid(ms: int) -> str:
    value = (ms << 80) | int.from_bytes(secrets.token_bytes(10), "big")
    return "".join(_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5))


def _problem(status: int, title: str, detail: str) -> dict:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/problem+json"},
        "body": json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail}),
    }


def _labels(body: dict, name: str) -> list:
    values = body.get(name, [])
    if not isinstance(values, list) or len(values) > LABELS_MAX:
        raise ValueError(f"{name} must be a list of at most {LABELS_MAX}")
    out = []
    for value in values:
        if not isinstance(value, str) or not value.strip() or len(value) > LABEL_MAX:
            raise ValueError(f"{name} holds an invalid label")
        if value.strip().lower() not in out:
            out.append(value.strip().lower())
    return out


def handler(event, _context):
    user = event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"]
    if event["routeKey"] == "GET /v1/moods/{id}":
        return get_mood(user, event["pathParameters"]["id"])
    return create_mood(user, event)


def get_mood(user: str, mood_id: str) -> dict:
    """`GET /v1/moods/{id}`: one GetItem."""
    item = DYNAMODB.get_item(TableName=TABLE, Key={"PK": {"S": f"USER#{user}"}, "SK": {"S": f"MOOD#{mood_id}"}})
    if "Item" not in item:
        return _problem(404, "Not found", "No mood entry has this id.")
    found = item["Item"]
    entry = {"id": found["id"]["S"], "score": int(found["score"]["N"]),
             "emotions": [e["S"] for e in found["emotions"]["L"]], "tags": [t["S"] for t in found["tags"]["L"]],
             "recorded_at": found["recorded_at"]["S"], "created_at": found["created_at"]["S"],
             "updated_at": found["updated_at"]["S"], "version": int(found["version"]["N"])}
    if "note" in found:
        entry["note"] = found["note"]["S"]
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(entry)}


def create_mood(user: str, event: dict) -> dict:
    """`POST /v1/moods`: check the body, one TransactWriteItems, 201."""
    try:
        body = json.loads(event.get("body") or "")
        score = body["score"]
        if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 10:
            raise ValueError("score must be an integer from 1 to 10")
        emotions = _labels(body, "emotions")
        tags = _labels(body, "tags")
        note = body.get("note")
        if note is not None and (not isinstance(note, str) or len(note) > NOTE_MAX):
            raise ValueError("note is too long")
    except (ValueError, KeyError, TypeError) as error:
        return _problem(422, "Invalid fields", str(error))
    now_ms = int(time.time() * 1000)
    now = datetime.fromtimestamp(now_ms / 1000, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    mood_id = _ulid(now_ms)
    entry = {"id": mood_id, "score": score, "emotions": emotions, "tags": tags, "recorded_at": now,
             "created_at": now, "updated_at": now, "version": 1}
    if note and note.strip():
        entry["note"] = note.strip()
    item = {
        "PK": {"S": f"USER#{user}"}, "SK": {"S": f"MOOD#{mood_id}"}, "entity": {"S": "mood"},
        "id": {"S": mood_id}, "score": {"N": str(score)},
        "emotions": {"L": [{"S": e} for e in emotions]}, "tags": {"L": [{"S": t} for t in tags]},
        "recorded_at": {"S": now}, "created_at": {"S": now}, "updated_at": {"S": now}, "version": {"N": "1"},
    }
    if "note" in entry:
        item["note"] = {"S": entry["note"]}
    erased = hashlib.sha256(user.encode()).hexdigest()
    writes = [
        {"Put": {"TableName": TABLE, "Item": item, "ConditionExpression": "attribute_not_exists(PK)"}},
        {"ConditionCheck": {"TableName": TABLE, "Key": {"PK": {"S": f"ERASED#{erased}"}, "SK": {"S": "ERASED"}},
                            "ConditionExpression": "attribute_not_exists(PK)"}},
    ]
    key = (event.get("headers") or {}).get("idempotency-key")
    if key:
        writes.append({"Put": {"TableName": TABLE, "Item": {
            "PK": {"S": f"USER#{user}"}, "SK": {"S": f"IDEMP#{key}"}, "entity": {"S": "idempotency"},
            "status": {"N": "201"}, "response": {"S": json.dumps(entry)},
            "expires_at": {"N": str(now_ms // 1000 + 86400)},
        }, "ConditionExpression": "attribute_not_exists(PK) OR expires_at < :now",
            "ExpressionAttributeValues": {":now": {"N": str(now_ms // 1000)}}}})
    DYNAMODB.transact_write_items(TransactItems=writes)
    return {
        "statusCode": 201,
        "headers": {"content-type": "application/json", "location": f"/v1/moods/{mood_id}"},
        "body": json.dumps(entry),
    }
