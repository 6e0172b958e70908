"""Schemathesis hooks for the contract run (`tests/api/contract.rs`, part of `make test`).

Generated data cannot know three things, and these hooks supply exactly those, nothing more:

- `next_token` is an opaque token signed by the API for one list with its filters: a made-up
  one, or one from another list, is refused (400) however well it is shaped. A schema-valid
  request may carry only a token the API handed out for that same list earlier in the run.
- `Idempotency-Key` says "this is the same request again": a key generated twice for two
  different bodies is correctly refused (422). Every schema-valid request gets a fresh key.
- Cross-field and clock-relative rules (`from` not after `to`, a summary range of at most 366
  days, `recorded_at` not in the future and not before 2000) cannot be written in JSON Schema.
  They are in the document's descriptions; a 400/422 is accepted only when every error it names
  is one of these rules and the request really breaks it (checked here, independently).
- Which of the user's entries exist: a journal's `mood_id` must name one of the caller's own
  mood entries (a 422 on `mood_id` saying exactly that). A generated id names none.
- Which exercises are CBT ones: only those take a `thought_record` (a 422 on `thought_record`
  saying exactly that); the document lists exercises, a generated request cannot tell.
- That exactly one automatic thought of a thought record is the hot one (JSON Schema's
  `minContains`/`maxContains` could say it, but generators do not honour them): a 422 on
  `thought_record.automatic_thoughts` is accepted only when the request really breaks it.

And one workaround for schemathesis itself: its coverage phase can put a schema-invalid value
in an optional header of a case it labels positive (the template's fallback value for a
parameter it could not generate a valid value for). A request with a component generated in
negative mode is not schema-valid, so "schema-valid request rejected" does not apply to it.
"""

import datetime
import json
import uuid

import schemathesis
from schemathesis import GenerationMode

ISSUED_TOKENS: set[tuple[str, str]] = set()

SUMMARY_MAX_RANGE = datetime.timedelta(days=366)
SUMMARY_DEFAULT_RANGE = datetime.timedelta(days=30)
CLOCK_SKEW = datetime.timedelta(minutes=5)
EARLIEST = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
# The messages of 422s a generated request cannot avoid: a `mood_id` naming no mood entry of
# the caller's, a thought record for an exercise that is not a CBT one.
UNKNOWABLE = {
    "is not one of your mood entries",
    "is only for CBT exercises such as b-thought-record",
}


def _list_of(case) -> str:
    """The list a request reads: its path and every query parameter but the token."""
    query = {k: v for k, v in (case.query or {}).items() if k != "next_token"}
    return json.dumps([case.formatted_path, sorted(query.items())], default=str)


def _positive(case, location=None) -> bool:
    meta = case.meta
    if meta is None or meta.generation.mode != GenerationMode.POSITIVE:
        return False
    if location is None:
        return all(c.mode == GenerationMode.POSITIVE for c in meta.components.values())
    component = next((c for loc, c in meta.components.items() if str(loc.value) == location), None)
    return component is None or component.mode == GenerationMode.POSITIVE


@schemathesis.hook
def after_call(ctx, case, response):
    """Remembers every `next_token` the API hands out."""
    try:
        body = json.loads(response.content)
    except (ValueError, TypeError):
        return
    if isinstance(body, dict) and isinstance(body.get("next_token"), str):
        ISSUED_TOKENS.add((_list_of(case), body["next_token"]))


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    """A positive request gets a fresh `Idempotency-Key` and keeps only real `next_token`s."""
    if _positive(case, "header") and case.headers:
        for name in list(case.headers):
            if name.lower() == "idempotency-key":
                case.headers[name] = str(uuid.uuid4())
    if _positive(case, "query") and case.query and "next_token" in case.query:
        if (_list_of(case), case.query["next_token"]) not in ISSUED_TOKENS:
            del case.query["next_token"]


def _time(value):
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def _breaks_relative_rule(case, field: str) -> bool:
    """Whether the request really breaks the cross-field or clock rule named by `field`."""
    now = datetime.datetime.now(datetime.timezone.utc)
    query = case.query or {}
    if field == "from" and case.path.endswith("/summary"):
        to = _time(query["to"]) if "to" in query else now
        start = _time(query["from"]) if "from" in query else (to and to - SUMMARY_DEFAULT_RANGE)
        return None not in (start, to) and (start > to or to - start > SUMMARY_MAX_RANGE)
    if field == "from":
        start, to = _time(query.get("from")), _time(query.get("to"))
        return None not in (start, to) and start > to
    if field == "thought_record.automatic_thoughts" and isinstance(case.body, dict):
        thoughts = (case.body.get("thought_record") or {}).get("automatic_thoughts") or []
        return sum(1 for t in thoughts if isinstance(t, dict) and t.get("hot") is True) != 1
    if field in ("recorded_at", "started_at") and isinstance(case.body, dict):
        at = _time(case.body.get(field))
        return at is not None and (at < EARLIEST or at > now + CLOCK_SKEW)
    return False


@schemathesis.hook
def filter_failure(ctx, failure, case, response):
    """Keeps every failure except the two kinds of false "schema-valid request rejected"."""
    if failure.code != "ST202":
        return True
    if not _positive(case):
        return False
    if response.status_code not in (400, 422):
        return True
    try:
        errors = json.loads(response.content).get("errors") or []
    except (ValueError, AttributeError):
        return True
    errors = [e for e in errors if isinstance(e, dict)]
    unknowable = [e for e in errors if e.get("message") in UNKNOWABLE]
    fields = [e.get("field") for e in errors if e not in unknowable]
    if not fields:
        return not unknowable
    return not all(_breaks_relative_rule(case, f) for f in fields)
