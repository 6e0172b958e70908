"""A whole user journey through a client generated from docs/openapi.json.

`tests/api/client_journey.rs` generates the client (openapi-python-client, from PyPI, in
.venv) into a fresh folder, puts it on PYTHONPATH as `therabot_client` and runs this script
against a local API: `journey.py <base url>`. Every call goes through the generated code,
which parses each answer into the document's types and raises on any status the document
does not list, so a drift between the API and its document fails here.

Exit status 0 means every step held; otherwise the failing step is printed.
"""

import sys
import uuid

import httpx

from therabot_client import AuthenticatedClient, Client
from therabot_client.api.account import erase_account, export_data, get_profile, update_profile
from therabot_client.api.conversations import (
    create_conversation,
    delete_conversation,
    get_conversation,
    list_conversations,
    list_messages,
    send_message,
)
from therabot_client.api.moods import (
    create_mood,
    delete_mood,
    get_mood,
    list_moods,
    mood_summary,
    update_mood,
)
from therabot_client.api.safety import safety_resources, safety_status
from therabot_client.models import (
    EraseAccount,
    ErasureReport,
    ExportCreated,
    ProfileView,
    UpdateProfile,
    ConversationPage,
    CreateConversation,
    CreatedConversation,
    CreateMood,
    MessagePage,
    Mood,
    MoodPage,
    Problem,
    ResourcesView,
    SendMessage,
    StatusView,
    Summary,
    Turn,
    UpdateMood,
)


def expect(response, status, kind):
    """The answer has `status` and the generated code parsed it into `kind`."""
    assert response.status_code == status, (
        f"expected {status}, got {response.status_code}: {response.content[:300]!r}"
    )
    if kind is not None:
        assert isinstance(response.parsed, kind), f"parsed as {type(response.parsed)}"
    return response.parsed


def token_for(base_url, sub):
    """A token from the local issuer, the way `make dev`'s README shows it (not in the
    document: in AWS, Cognito issues tokens)."""
    answer = httpx.post(f"{base_url}/_local/token", json={"sub": sub}, timeout=10)
    answer.raise_for_status()
    return answer.json()["access_token"]


def moods(client):
    created = []
    for score, tag in [(3, "work"), (6, "sleep"), (8, "work")]:
        key = str(uuid.uuid4())
        body = CreateMood(score=score, emotions=["calm"], tags=[tag], note="from the client")
        mood = expect(create_mood.sync_detailed(client=client, body=body, idempotency_key=key), 201, Mood)
        replay = create_mood.sync_detailed(client=client, body=body, idempotency_key=key)
        assert expect(replay, 201, Mood).id == mood.id, "a retry with the same key replays"
        assert replay.headers.get("idempotent-replayed") == "true"
        created.append(mood)

    first = created[0]
    read = get_mood.sync_detailed(first.id, client=client)
    expect(read, 200, Mood)
    etag = read.headers["etag"]
    changed = update_mood.sync_detailed(
        first.id, client=client, body=UpdateMood(score=4), if_match=etag
    )
    assert expect(changed, 200, Mood).score == 4
    stale = update_mood.sync_detailed(first.id, client=client, body=UpdateMood(score=5), if_match=etag)
    expect(stale, 412, Problem)

    pages, token = [], None
    while True:
        args = {"limit": 2} if token is None else {"limit": 2, "next_token": token}
        page = expect(list_moods.sync_detailed(client=client, **args), 200, MoodPage)
        pages.append([m.id for m in page.items])
        token = page.next_token if isinstance(page.next_token, str) else None
        if token is None:
            break
    assert [len(p) for p in pages] == [2, 1], pages
    assert sum(pages, []) == [m.id for m in reversed(created)], "newest first, each once"
    work = expect(list_moods.sync_detailed(client=client, tag="work"), 200, MoodPage)
    assert len(work.items) == 2

    summary = expect(mood_summary.sync_detailed(client=client, tz="Europe/Madrid"), 200, Summary)
    assert summary.overall.count == 3, summary.overall

    expect(delete_mood.sync_detailed(created[1].id, client=client), 204, None)
    expect(get_mood.sync_detailed(created[1].id, client=client), 404, Problem)


def conversation(client):
    opened = create_conversation.sync_detailed(
        client=client,
        body=CreateConversation(title="Evening", country="ES"),
        idempotency_key=str(uuid.uuid4()),
    )
    opened = expect(opened, 201, CreatedConversation)
    assert opened.messages[0].kind == "disclosure", "every conversation opens with the disclosure"

    for text in ["Work was long today.", "I slept badly too.", "Thanks for listening."]:
        turn = send_message.sync_detailed(
            opened.id, client=client, body=SendMessage(text=text), idempotency_key=str(uuid.uuid4())
        )
        turn = expect(turn, 201, Turn)
        assert turn.reply_kept and turn.reply.role == "assistant" and turn.reply.text
        assert turn.safety.level == "none", turn.safety.level

    crisis = send_message.sync_detailed(
        opened.id, client=client, body=SendMessage(text="I want to kill myself tonight")
    )
    crisis = expect(crisis, 201, Turn)
    assert crisis.safety.level == "crisis" and crisis.reply.kind == "crisis_protocol"
    assert crisis.safety.resources and crisis.safety.emergency_number == "112"

    seen, token = [], None
    while True:
        args = {"limit": 3} if token is None else {"limit": 3, "next_token": token}
        page = expect(list_messages.sync_detailed(opened.id, client=client, **args), 200, MessagePage)
        seen += [m.id for m in page.items]
        token = page.next_token if isinstance(page.next_token, str) else None
        if token is None:
            break
    assert len(seen) == len(set(seen)) == 9, f"disclosure + 4 turns of two: {len(seen)}"
    mine = expect(
        list_messages.sync_detailed(opened.id, client=client, role="user", q="SLEPT"), 200, MessagePage
    )
    assert [m.text for m in mine.items] == ["I slept badly too."]

    listed = expect(list_conversations.sync_detailed(client=client), 200, ConversationPage)
    assert [c.id for c in listed.items] == [opened.id]
    expect(get_conversation.sync_detailed(opened.id, client=client), 200, None)

    status = expect(safety_status.sync_detailed(client=client, country="ES"), 200, StatusView)
    assert status.level == "crisis" and status.check_in_due

    expect(delete_conversation.sync_detailed(opened.id, client=client), 204, None)
    expect(get_conversation.sync_detailed(opened.id, client=client), 404, Problem)


def account(client):
    """The profile, a complete export downloaded from its link, then the erasure."""
    fresh = expect(get_profile.sync_detailed(client=client), 200, ProfileView)
    assert fresh.version == 0
    body = UpdateProfile(country="US", timezone="America/Chicago", locale="en-US")
    saved = expect(update_profile.sync_detailed(client=client, body=body, if_match='"0"'), 200, ProfileView)
    assert saved.country == "US" and saved.version == 1
    export = expect(export_data.sync_detailed(client=client), 201, ExportCreated)
    document = httpx.get(export.url, timeout=30).json()
    assert len(document["moods"]) == export.counts.moods == 2, export.counts
    assert document["profile"]["timezone"] == "America/Chicago"
    erased = erase_account.sync_detailed(client=client, body=EraseAccount(confirm="DELETE MY ACCOUNT"))
    report = expect(erased, 200, ErasureReport)
    assert report.complete and report.items >= 3, report
    assert expect(list_moods.sync_detailed(client=client), 200, MoodPage).items == []
    assert httpx.get(export.url, timeout=30).status_code == 404, "the export went with it"


def main(base_url):
    public = Client(base_url=base_url, raise_on_unexpected_status=True)
    lines = expect(safety_resources.sync_detailed(client=public, country="US"), 200, ResourcesView)
    assert any("988" in (r.phone or "") for r in lines.resources), "988 for the US"

    token = token_for(base_url, f"journey-{uuid.uuid4()}")
    client = AuthenticatedClient(base_url=base_url, token=token, raise_on_unexpected_status=True)
    moods(client)
    conversation(client)

    stranger = AuthenticatedClient(
        base_url=base_url, token=token_for(base_url, f"other-{uuid.uuid4()}"), raise_on_unexpected_status=True
    )
    theirs = expect(list_moods.sync_detailed(client=stranger), 200, MoodPage)
    assert theirs.items == [], "another user sees none of it"
    account(client)
    print("journey: every step held")


if __name__ == "__main__":
    main(sys.argv[1])
