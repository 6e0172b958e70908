//! Conversations end to end: the disclosure, reading and deleting, history paging and
//! filters, isolation, idempotent sends, the quota, the reminder and round trips.

use std::sync::atomic::Ordering;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestApp, fields, json_created, json_ok, problem};

/// `DELETE /v1/conversations/{id}` as `user`.
async fn delete_conversation(
    app: &TestApp,
    user: &crate::support::User,
    conversation: &str,
) -> reqwest::Response {
    app.request(
        user,
        Method::DELETE,
        &format!("/v1/conversations/{conversation}"),
    )
    .send()
    .await
    .unwrap()
}

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_conversation_opens_with_the_ai_disclosure_and_can_be_read_and_deleted() {
    let app = TestApp::start().await;
    let user = app.user();
    let response = app
        .post_json(
            &user,
            "/v1/conversations",
            &json!({"title": " Evenings ", "country": "gb"}),
        )
        .await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created = json_created(response).await;
    let conversation = id(&created);
    assert_eq!(location, format!("/v1/conversations/{conversation}"));
    assert_eq!(created["title"], "Evenings");
    assert_eq!(created["country"], "GB");
    assert_eq!(created["message_count"], 1);
    assert_eq!(created["safety"]["level"], "none");
    let disclosure = &created["messages"][0];
    assert_eq!(disclosure["kind"], "disclosure");
    assert_eq!(disclosure["role"], "assistant");
    let text = disclosure["text"].as_str().unwrap();
    assert!(
        text.contains("I'm an AI")
            && text.contains("not a therapist")
            && text.contains("not an emergency service")
    );

    json_created(app.send(&user, &conversation, "hello there").await).await;
    let read = json_ok(app.get(&user, &location).await).await;
    assert_eq!(read["message_count"], 3);

    let deleted = app
        .request(&user, Method::DELETE, &location)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    problem(app.get(&user, &location).await, StatusCode::NOT_FOUND).await;
    problem(
        app.get(&user, &format!("{location}/messages")).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    problem(
        app.send(&user, &conversation, "still there?").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let again = app
        .request(&user, Method::DELETE, &location)
        .send()
        .await
        .unwrap();
    problem(again, StatusCode::NOT_FOUND).await;
    let list = json_ok(app.get(&user, "/v1/conversations").await).await;
    assert_eq!(list["items"], json!([]));
}

#[tokio::test]
async fn an_empty_post_starts_a_conversation_in_the_language_the_client_prefers() {
    let app = TestApp::start().await;
    let user = app.user();
    let response = app
        .request(&user, Method::POST, "/v1/conversations")
        .header("accept-language", "es-ES,es;q=0.9")
        .send()
        .await
        .unwrap();
    let created = json_created(response).await;
    assert_eq!(created["language"], "es");
    assert!(
        created["messages"][0]["text"]
            .as_str()
            .unwrap()
            .contains("inteligencia artificial")
    );
    // A client that sends "no body" as the JSON document `null` gets the same.
    let response = app
        .request(&user, Method::POST, "/v1/conversations")
        .header("content-type", "application/json")
        .body("null")
        .send()
        .await
        .unwrap();
    assert_eq!(json_created(response).await["language"], "en");
}

#[tokio::test]
async fn conversations_are_listed_most_recently_active_first_across_pages() {
    let app = TestApp::start().await;
    let user = app.user();
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(id(&app.create_conversation(&user, json!({})).await));
    }
    // Writing to the oldest makes it the most recent.
    json_created(app.send(&user, &ids[0], "back to this one").await).await;
    let pages = app.all_pages(&user, "/v1/conversations?limit=2").await;
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, vec![2, 2, 1]);
    let order: Vec<String> = pages.iter().flatten().map(id).collect();
    let expected = vec![
        ids[0].clone(),
        ids[4].clone(),
        ids[3].clone(),
        ids[2].clone(),
        ids[1].clone(),
    ];
    assert_eq!(order, expected);
}

#[tokio::test]
async fn history_pages_in_order_and_filters_by_time_role_and_text() {
    let app = TestApp::start().await;
    let user = app.user();
    let conversation = id(&app.create_conversation(&user, json!({})).await);
    let mut sent = Vec::new();
    for i in 0..12 {
        let text = match i {
            3 => "I ate PINEAPPLE pizza".to_owned(),
            7 => "Ánimo, me digo".to_owned(),
            _ => format!("note number {i}"),
        };
        sent.push(json_created(app.send(&user, &conversation, &text).await).await);
    }
    let base = format!("/v1/conversations/{conversation}/messages");
    let pages = app.all_pages(&user, &format!("{base}?limit=10")).await;
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, vec![10, 10, 5]);
    let all: Vec<Value> = pages.into_iter().flatten().collect();
    let ids: Vec<String> = all.iter().map(id).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "oldest first, no duplicates, no gaps");
    assert_eq!(all[0]["kind"], "disclosure");
    assert_eq!(all[1]["text"], "note number 0");
    assert_eq!(all[2]["role"], "assistant");

    let users = app
        .all_pages(&user, &format!("{base}?role=user&limit=5"))
        .await;
    assert_eq!(users.iter().flatten().count(), 12);
    assert!(users.iter().flatten().all(|m| m["role"] == "user"));
    let assistants = app
        .all_pages(&user, &format!("{base}?role=assistant"))
        .await;
    assert_eq!(assistants.iter().flatten().count(), 13);

    let found = app.all_pages(&user, &format!("{base}?q=pineapple")).await;
    let texts: Vec<&str> = found
        .iter()
        .flatten()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, vec!["I ate PINEAPPLE pizza"]);
    let found = app
        .all_pages(&user, &format!("{base}?q=animo&role=user"))
        .await;
    assert_eq!(found.iter().flatten().count(), 1, "accent-insensitive");

    let from = sent[4]["user_message"]["created_at"].as_str().unwrap();
    let to = sent[6]["reply"]["created_at"].as_str().unwrap();
    let window = app
        .all_pages(&user, &format!("{base}?from={from}&to={to}&limit=2"))
        .await;
    let texts: Vec<String> = window
        .iter()
        .flatten()
        .filter(|m| m["role"] == "user")
        .map(|m| m["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        texts,
        vec!["note number 4", "note number 5", "note number 6"]
    );
    assert_eq!(window.iter().flatten().count(), 6);

    // Filters that match nothing are an empty page, not a 404.
    let none = json_ok(app.get(&user, &format!("{base}?q=zebra")).await).await;
    assert_eq!(none["items"], json!([]));
    // A token from one filter does not work with another.
    let first = json_ok(app.get(&user, &format!("{base}?role=user&limit=2")).await).await;
    let token = first["next_token"].as_str().unwrap();
    let crossed = app
        .get(
            &user,
            &format!("{base}?role=assistant&limit=2&next_token={token}"),
        )
        .await;
    assert_eq!(
        fields(&problem(crossed, StatusCode::BAD_REQUEST).await),
        vec!["next_token"]
    );
}

#[tokio::test]
async fn another_users_conversations_and_messages_are_404_and_never_listed() {
    let app = TestApp::start().await;
    let (alice, bob) = (app.user(), app.user());
    let conversation = id(&app.create_conversation(&alice, json!({})).await);
    json_created(app.send(&alice, &conversation, "private thoughts").await).await;
    let path = format!("/v1/conversations/{conversation}");
    problem(app.get(&bob, &path).await, StatusCode::NOT_FOUND).await;
    problem(
        app.get(&bob, &format!("{path}/messages")).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    problem(
        app.get(&bob, &format!("{path}/messages?q=private")).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    problem(
        app.send(&bob, &conversation, "let me in").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let delete = app
        .request(&bob, Method::DELETE, &path)
        .send()
        .await
        .unwrap();
    problem(delete, StatusCode::NOT_FOUND).await;
    assert_eq!(
        json_ok(app.get(&bob, "/v1/conversations").await).await["items"],
        json!([])
    );

    // Alice's token does not page Bob through Alice's history, and her data is intact.
    for _ in 0..3 {
        json_created(app.send(&alice, &conversation, "more").await).await;
    }
    let page = json_ok(app.get(&alice, &format!("{path}/messages?limit=2")).await).await;
    let token = page["next_token"].as_str().unwrap();
    let stolen = app
        .get(&bob, &format!("{path}/messages?limit=2&next_token={token}"))
        .await;
    problem(stolen, StatusCode::BAD_REQUEST).await;
    let read = json_ok(app.get(&alice, &path).await).await;
    assert_eq!(read["message_count"], 9);
}

#[tokio::test]
async fn a_resent_message_with_the_same_key_is_stored_once_and_answered_once() {
    let app = TestApp::start().await;
    let user = app.user();
    let conversation = id(&app.create_conversation(&user, json!({})).await);
    let path = format!("/v1/conversations/{conversation}/messages");
    let send = |key: &'static str, text: &'static str| {
        app.request(&user, Method::POST, &path)
            .header("idempotency-key", key)
            .json(&json!({"text": text}))
            .send()
    };
    let first = json_created(send("turn-1", "I'm worried about my exam").await.unwrap()).await;
    let retry = send("turn-1", "I'm worried about my exam").await.unwrap();
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    assert_eq!(json_created(retry).await, first);
    problem(
        send("turn-1", "something else").await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let all = app.all_pages(&user, &format!("{path}?limit=100")).await;
    assert_eq!(
        all.iter().flatten().count(),
        3,
        "disclosure, one message, one reply"
    );

    // Deleting the conversation also deletes the record that kept a copy of the turn.
    let sub = therabot_shared::domain::UserId::parse(&user.sub).unwrap();
    let store = app.api.context.store();
    let now = jiff::Timestamp::now();
    assert!(
        store
            .idempotency_record(&sub, "turn-1", now)
            .await
            .unwrap()
            .is_some()
    );
    let delete = delete_conversation(&app, &user, &conversation).await;
    assert_eq!(delete.status(), StatusCode::NO_CONTENT);
    assert!(
        store
            .idempotency_record(&sub, "turn-1", now)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn invalid_messages_and_parameters_are_refused_and_store_nothing() {
    let app = TestApp::start().await;
    let user = app.user();
    let conversation = id(&app.create_conversation(&user, json!({})).await);
    let path = format!("/v1/conversations/{conversation}/messages");
    let long = "x".repeat(4001);
    for (body, field) in [
        (json!({}), "text"),
        (json!({"text": ""}), "text"),
        (json!({"text": "   \n"}), "text"),
        (json!({"text": long}), "text"),
        (json!({"text": 42}), "text"),
        (json!({"text": "hi", "role": "assistant"}), "role"),
    ] {
        let response = app.post_json(&user, &path, &body).await;
        let problem = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(fields(&problem), vec![field.to_owned()], "{body}");
    }
    for query in [
        "role=robot",
        "q=",
        &format!("q={}", "a".repeat(201)),
        "from=soon",
        "limit=0",
        "sort=desc",
    ] {
        problem(
            app.get(&user, &format!("{path}?{query}")).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    for body in [
        json!({"country": "Spain"}),
        json!({"language": "fr"}),
        json!({"title": "a".repeat(101)}),
        json!({"mood": 3}),
    ] {
        problem(
            app.post_json(&user, "/v1/conversations", &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    problem(
        app.send(&user, "not-an-id", "hi").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    problem(
        app.send(&user, "01KAPQZ9A0B1C2D3E4F5G6H7J8", "hi").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let all = app.all_pages(&user, &format!("{path}?limit=100")).await;
    assert_eq!(all.iter().flatten().count(), 1, "only the disclosure");
    assert_eq!(
        json_ok(app.get(&user, "/v1/conversations").await).await["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn the_hourly_quota_answers_429_but_never_turns_away_someone_at_risk() {
    let app = TestApp::start_with(|o| {
        o.chat_settings
            .insert("CHAT_QUOTA_PER_HOUR".into(), "2".into());
    })
    .await;
    let user = app.user();
    let conversation = id(&app.create_conversation(&user, json!({})).await);
    json_created(app.send(&user, &conversation, "one").await).await;
    json_created(app.send(&user, &conversation, "two").await).await;
    let refused = app.send(&user, &conversation, "three").await;
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&retry_after));
    let problem = problem(refused, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(problem["type"], "urn:therabot:problem:too-many-requests");
    let crisis = json_created(
        app.send(&user, &conversation, "i want to kill myself")
            .await,
    )
    .await;
    assert_eq!(crisis["safety"]["level"], "crisis");
    let elevated = json_created(app.send(&user, &conversation, "I feel hopeless").await).await;
    assert_eq!(elevated["safety"]["level"], "elevated");
    let users = app
        .all_pages(
            &user,
            &format!("/v1/conversations/{conversation}/messages?role=user"),
        )
        .await;
    let texts: Vec<&str> = users
        .iter()
        .flatten()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        vec!["one", "two", "i want to kill myself", "I feel hopeless"]
    );
}

#[tokio::test]
async fn a_chat_turn_costs_at_most_three_dynamodb_round_trips_and_a_risky_one_two_more() {
    let app = TestApp::start().await;
    let user = app.user();
    let conversation = id(&app.create_conversation(&user, json!({})).await);
    let store = app.api.context.store();
    let path = format!("/v1/conversations/{conversation}/messages");
    // A risky turn then moves its referral into the anonymous counters (Query + transaction).
    for (key, text, most) in [
        ("k1", "I had a long day", 3),
        ("k2", "I want to die", 5),
        ("k1", "I had a long day", 3),
    ] {
        let before = store.round_trips();
        let response = app
            .request(&user, Method::POST, &path)
            .header("idempotency-key", key)
            .json(&json!({"text": text}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let spent = store.round_trips() - before;
        assert!(spent <= most, "{text:?} took {spent} round trips");
        assert!(
            spent >= 2,
            "{text:?} took {spent} round trips: the counter does not count"
        );
    }
}

#[tokio::test]
async fn the_ai_disclosure_is_repeated_after_three_hours() {
    let (app, offset) = TestApp::with_clock().await;
    let user = app.user();
    let conversation = id(&app.create_conversation(&user, json!({})).await);
    let soon = json_created(app.send(&user, &conversation, "hello").await).await;
    assert!(soon.get("reminder").is_none());
    offset.store(3 * 3600 + 60, Ordering::SeqCst);
    let later = json_created(app.send(&user, &conversation, "still here").await).await;
    assert_eq!(later["reminder"]["kind"], "reminder");
    assert!(later["reminder"]["text"].as_str().unwrap().contains("AI"));
    // Times on the wire all have three fractional digits, so they sort as text.
    let at = |m: &Value| m["created_at"].as_str().unwrap().to_owned();
    assert!(at(&later["reminder"]) < at(&later["reply"]));
    let right_after = json_created(app.send(&user, &conversation, "ok").await).await;
    assert!(
        right_after.get("reminder").is_none(),
        "shown once, then not for three more hours"
    );
}

/// Stores a user message and its in-flight key as the first write of a turn does, then
/// stops: what a function killed mid-turn leaves behind.
async fn crash_after_storing(
    app: &TestApp,
    user: &crate::support::User,
    conversation: &str,
    key: &str,
    text: &str,
) -> String {
    use therabot_shared::domain::chat::{ChatMessage, MessageText};
    use therabot_shared::domain::{ConversationId, UserId};
    use therabot_shared::http::idempotency::request_hash;
    use therabot_shared::safety::Screen;
    use therabot_shared::store::chat::UserTurn;
    use therabot_shared::store::idempotency::IdempotentWrite;

    let user_id = UserId::parse(&user.sub).unwrap();
    let conversation_id: ConversationId = conversation.parse().unwrap();
    let text = MessageText::parse("text", text).unwrap();
    let now = app.api.context.now();
    let message = ChatMessage::user(
        conversation_id,
        &text,
        now,
        &Screen::rules_only().screen(text.as_str()),
    );
    let write = IdempotentWrite {
        user: user_id.clone(),
        key: key.into(),
        request_hash: request_hash(
            &format!("POST /v1/conversations/{conversation}/messages"),
            &json!({"text": text.as_str()}),
        ),
        response: None,
        now,
        conversation: Some(conversation.to_owned()),
        stored: Some(message.id.to_string()),
    };
    let turn = UserTurn {
        user: &user_id,
        message: &message,
        quota: None,
        idempotency: Some(&write),
        retention_days: None,
    };
    app.api
        .context
        .store()
        .record_user_turn(&turn)
        .await
        .unwrap();
    message.id.to_string()
}

#[tokio::test]
async fn a_retry_after_a_crashed_turn_finishes_it_with_the_message_already_stored() {
    let (app, offset) = TestApp::with_clock().await;
    let user = app.user();
    let conversation = id(&app.create_conversation(&user, json!({})).await);
    let count = |view: Value| view["message_count"].as_u64().unwrap();
    let before = count(
        json_ok(
            app.get(&user, &format!("/v1/conversations/{conversation}"))
                .await,
        )
        .await,
    );
    let stored =
        crash_after_storing(&app, &user, &conversation, "turn-1", "rough week at work").await;
    let path = format!("/v1/conversations/{conversation}/messages");
    let retry = || {
        app.request(&user, Method::POST, &path)
            .header("idempotency-key", "turn-1")
            .json(&json!({"text": "rough week at work"}))
            .send()
    };

    // While the crashed request's lease runs, a retry waits.
    problem(retry().await.unwrap(), StatusCode::CONFLICT).await;

    offset.store(61, Ordering::SeqCst);
    let turn = json_created(retry().await.unwrap()).await;
    assert_eq!(
        turn["user_message"]["id"],
        stored.as_str(),
        "the stored message, not a copy"
    );
    assert_eq!(turn["reply"]["role"], "assistant");
    let replayed = json_created(retry().await.unwrap()).await;
    assert_eq!(replayed, turn, "then the turn is done and replays");

    let messages = json_ok(app.get(&user, &format!("{path}?limit=50")).await).await;
    let roles: Vec<&str> = messages["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] != "disclosure")
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles.len(), 2, "one user message and one reply: {roles:?}");
    let after = count(
        json_ok(
            app.get(&user, &format!("/v1/conversations/{conversation}"))
                .await,
        )
        .await,
    );
    assert_eq!(
        after,
        before + 2,
        "the message and the reply, each counted once"
    );
}

#[tokio::test]
async fn a_conversation_being_deleted_takes_no_more_messages_and_its_delete_leaves_nothing() {
    let app = TestApp::start().await;
    let user = app.user();
    let conversation = id(&app.create_conversation(&user, json!({})).await);
    json_created(app.send(&user, &conversation, "first message").await).await;

    // A delete has begun (marked, not yet swept): a turn arriving now is refused, stores nothing.
    let user_id = therabot_shared::domain::UserId::parse(&user.sub).unwrap();
    let store = app.api.context.store();
    assert!(
        store
            .begin_deleting_conversation(&user_id, conversation.parse().unwrap())
            .await
            .unwrap()
    );
    problem(
        app.send(&user, &conversation, "racing the delete").await,
        StatusCode::NOT_FOUND,
    )
    .await;

    let deleted = delete_conversation(&app, &user, &conversation).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let left = store
        .client()
        .query()
        .table_name(store.table())
        .key_condition_expression("PK = :pk AND begins_with(SK, :conv)")
        .expression_attribute_values(
            ":pk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("USER#{}", user.sub)),
        )
        .expression_attribute_values(
            ":conv",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("CONV#{conversation}#")),
        )
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    assert_eq!(left.count(), 0, "nothing of the conversation is left");
}

#[tokio::test]
async fn messages_at_risk_have_a_higher_ceiling_and_past_it_the_429_carries_the_crisis_lines() {
    let app = TestApp::start_with(|o| {
        o.chat_settings
            .insert("CHAT_QUOTA_PER_HOUR".into(), "1".into());
        o.chat_settings
            .insert("CHAT_RISKY_QUOTA_PER_HOUR".into(), "2".into());
    })
    .await;
    let user = app.user();
    let conversation = id(&app
        .create_conversation(&user, json!({"country": "US"}))
        .await);
    for _ in 0..2 {
        let turn = json_created(
            app.send(&user, &conversation, "i want to kill myself")
                .await,
        )
        .await;
        assert_eq!(turn["safety"]["level"], "crisis");
    }
    let limited = app
        .send(&user, &conversation, "i want to kill myself")
        .await;
    let body = problem(limited, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(body["safety"]["level"], "crisis", "never a bare 429");
    assert_eq!(body["safety"]["emergency_number"], "911");
    assert_eq!(body["safety"]["resources"][0]["phone"], "988");
    // Ordinary messages keep their own, lower ceiling.
    json_created(app.send(&user, &conversation, "ok").await).await;
    problem(
        app.send(&user, &conversation, "ok again").await,
        StatusCode::TOO_MANY_REQUESTS,
    )
    .await;
}
