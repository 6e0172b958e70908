"""Scores the crisis screen through the API, as an outsider would: each labelled message is
sent as the first message of a fresh conversation to a running `make dev`, and the level in
the response's `safety` object is compared with the label.

    python3 tests/local/score_api.py path/to/batch.tsv [--base http://127.0.0.1:3000]

The file has `level <TAB> lang <TAB> style <TAB> text` lines (shared/screen/data's format).
With --journal each text is saved as a journal entry instead, and the entry's `safety_level`
(the screen reading it as kept writing) is compared.
With no model configured, this measures the offline layers exactly as the app meets them.
Only the standard library; no message text is printed unless --misses is given.
"""
import argparse
import json
import sys
import urllib.error
import urllib.request
import uuid
from collections import Counter

LEVELS = ["none", "elevated", "crisis"]


def call(base, method, path, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, json.loads(response.read() or b"null")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--base", default="http://127.0.0.1:3000")
    parser.add_argument("--misses", action="store_true")
    parser.add_argument(
        "--journal", action="store_true", help="send each text as a journal entry (kept writing), not a chat message"
    )
    args = parser.parse_args()
    rows = []
    for line in open(args.file, encoding="utf-8"):
        if line.strip() and not line.startswith("#"):
            level, lang, style, text = line.rstrip("\n").split("\t", 3)
            rows.append((level, lang, style, text))
    confusion = Counter()
    server_errors = 0
    for level, lang, style, text in rows:
        # A fresh user per message: no risk state or quota carries over between them. A 5xx
        # is a bug, but not the screen's verdict: the whole try (new user, new conversation,
        # the message) is repeated up to twice, and every 5xx is counted and reported.
        for attempt in range(3):
            try:
                _, minted = call(args.base, "POST", "/_local/token", {"sub": f"score-{uuid.uuid4()}"})
                token = minted["access_token"]
                if args.journal:
                    status, entry = call(args.base, "POST", "/v1/journals", {"body": text}, token)
                    got = entry["safety_level"]
                else:
                    _, conversation = call(args.base, "POST", "/v1/conversations", {"country": "US"}, token)
                    status, turn = call(
                        args.base, "POST", f"/v1/conversations/{conversation['id']}/messages", {"text": text}, token
                    )
                    got = turn["safety"]["level"]
                break
            except urllib.error.HTTPError as error:
                if error.code < 500 or attempt == 2:
                    raise
                server_errors += 1
        if status != 201:
            sys.exit(f"unexpected status {status}")
        confusion[(level, got)] += 1
        if args.misses and got != level:
            print(f"  MISS {level} -> {got} [{lang} {style}] {text}")

    def share(label, ok):
        total = sum(confusion[(label, g)] for g in LEVELS)
        hits = sum(confusion[(label, g)] for g in LEVELS if ok(g))
        return f"{hits / total:6.1%} ({hits}/{total})" if total else "   -  "

    print(f"{len(rows)} messages through {args.base} ({server_errors} tries repeated after a 5xx)")
    print("  crisis scored crisis        ", share("crisis", lambda g: g == "crisis"))
    print("  crisis scored none          ", share("crisis", lambda g: g == "none"))
    print("  elevated scored ≥ elevated  ", share("elevated", lambda g: g != "none"))
    print("  none scored crisis          ", share("none", lambda g: g == "crisis"))
    print("  none scored elevated        ", share("none", lambda g: g == "elevated"))


if __name__ == "__main__":
    main()
