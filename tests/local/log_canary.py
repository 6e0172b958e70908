#!/usr/bin/env python3
"""The log canary: after the whole suite, no log line may hold anything a user sent.

Reads <dir>/*.sent (every bearer token and every piece of prose the tests sent to the API,
one JSON string per line, written by tests/src/canary.rs) and <dir>/*.log (everything the
functions logged, as JSON lines at debug level), and fails if a log holds any sent text, a
token-shaped or e-mail-shaped string, or a test marker (`canary-`). It also fails if it saw
too little to mean anything. Prints counts and at most the first 40 characters of a leak.
"""
import json
import pathlib
import re
import sys

WINDOW = 12
MIN_SENT = 500
MIN_LOG_LINES = 200
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z0-9.-]*[A-Za-z]{2,}")
MARKER = re.compile(r"canary-[a-z0-9-]+")


def main(directory: str) -> int:
    root = pathlib.Path(directory)
    sent = set()
    for path in root.glob("*.sent"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                sent.add(json.loads(line))
    windows = {}
    for text in sent:
        if len(text) >= WINDOW:
            windows.setdefault(text[:WINDOW], []).append(text)
    lines = []
    for path in root.glob("*.log"):
        lines.extend(path.read_text(encoding="utf-8", errors="replace").splitlines())
    leaks = []
    for line in lines:
        try:
            # Compare decoded values, so quotes and non-ASCII in a text match as sent.
            values = list(strings(json.loads(line)))
        except ValueError:
            values = [line]
        for value in values:
            for pattern, what in ((JWT, "token"), (EMAIL, "e-mail"), (MARKER, "marker")):
                found = pattern.search(value)
                if found:
                    leaks.append((what, found.group(0)))
            for i in range(len(value) - WINDOW + 1):
                for text in windows.get(value[i : i + WINDOW], ()):
                    if value.startswith(text, i):
                        leaks.append(("sent text", text))
    print(
        f"log canary: {len(sent)} sent texts and tokens, {len(lines)} log lines "
        f"from {len(list(root.glob('*.log')))} processes, {len(leaks)} leaks"
    )
    for what, text in leaks[:20]:
        print(f"  LEAK ({what}): {text[:40]!r}", file=sys.stderr)
    if leaks:
        return 1
    if len(sent) < MIN_SENT or len(lines) < MIN_LOG_LINES:
        print("log canary: too little was sent or logged to mean anything", file=sys.stderr)
        return 1
    return 0


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
