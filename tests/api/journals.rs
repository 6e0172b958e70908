//! The journal, as the app uses it: write, read, change, search, page, delete; prompts; the
//! crisis screen on every saved body; and nothing of one user reachable by another.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestApp, User, enc, fields, json_created, json_ok, problem};

async fn write(app: &TestApp, user: &User, body: Value) -> Value {
    json_created(app.post_json(user, "/v1/journals", &body).await).await
}

fn id(entry: &Value) -> String {
    entry["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_entry_is_written_read_changed_with_if_match_and_deleted() {
    let app = TestApp::start().await;
    let user = app.user();
    let response = app
        .post_json(
            &user,
            "/v1/journals",
            &json!({"body": "Cooked dinner with my sister after work.", "title": "Evening",
                    "tags": ["Walks", "walks"], "mood": 7, "prompt_id": "reflection-01"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["etag"], "\"1\"");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = response.json().await.unwrap();
    assert_eq!(location, format!("/v1/journals/{}", id(&created)));
    assert_eq!(created["tags"], json!(["walks"]));
    assert_eq!(created["mood"], 7);
    assert_eq!(created["prompt_id"], "reflection-01");
    assert_eq!(created["safety_level"], "none");
    assert_eq!(created["safety"]["level"], "none");
    assert_eq!(created["safety"]["resources"], json!([]));
    assert!(created["created_at"].as_str().unwrap().ends_with('Z'));

    let read = json_ok(app.get(&user, &location).await).await;
    assert_eq!(read["body"], "Cooked dinner with my sister after work.");
    assert!(
        read.get("safety").is_none(),
        "a read carries the level only"
    );

    let unconditional = app
        .request(&user, Method::PATCH, &location)
        .json(&json!({"title": "New"}))
        .send()
        .await
        .unwrap();
    problem(unconditional, StatusCode::PRECONDITION_REQUIRED).await;
    let stale = app
        .request(&user, Method::PATCH, &location)
        .header("if-match", "\"7\"")
        .json(&json!({"title": "New"}))
        .send()
        .await
        .unwrap();
    problem(stale, StatusCode::PRECONDITION_FAILED).await;

    let changed = app
        .request(&user, Method::PATCH, &location)
        .header("if-match", "\"1\"")
        .json(&json!({"title": null, "body": "Cooked dinner with my sister. Felt calmer.", "mood": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.headers()["etag"], "\"2\"");
    let changed: Value = json_ok(changed).await;
    assert_eq!(changed["version"], 2);
    assert_eq!(changed["title"], Value::Null);
    assert_eq!(changed["mood"], Value::Null);
    assert!(changed.get("mood_id").is_none());
    assert_eq!(
        changed["body"],
        "Cooked dinner with my sister. Felt calmer."
    );
    assert_eq!(changed["created_at"], created["created_at"]);
    assert_eq!(changed["safety"]["level"], "none");

    let deleted = app
        .request(&user, Method::DELETE, &location)
        .header("if-match", "\"2\"")
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    problem(app.get(&user, &location).await, StatusCode::NOT_FOUND).await;
    let again = app
        .request(&user, Method::DELETE, &location)
        .send()
        .await
        .unwrap();
    problem(again, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn a_search_needs_every_word_in_title_or_body_ignoring_case_and_accents() {
    let app = TestApp::start().await;
    let user = app.user();
    let cafe = write(
        &app,
        &user,
        json!({"body": "Un café con Ana por la mañana.", "title": "Domingo", "tags": ["amigos"]}),
    )
    .await;
    let title_only = write(
        &app,
        &user,
        json!({"body": "Nothing much happened.", "title": "Mañana de lluvia"}),
    )
    .await;
    write(&app, &user, json!({"body": "Tea with Ana in the evening."})).await;

    let found = |q: &str| {
        let path = format!("/v1/journals?q={}", enc(q));
        let app = &app;
        let user = &user;
        async move {
            let page = json_ok(app.get(user, &path).await).await;
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(found("CAFE manana").await, vec![id(&cafe)]);
    assert_eq!(found("ana café").await, vec![id(&cafe)]);
    assert_eq!(found("lluvia").await, vec![id(&title_only)]);
    let mananas = found("MAÑANA").await;
    assert_eq!(mananas, vec![id(&title_only), id(&cafe)], "newest first");
    assert!(found("cafe evening").await.is_empty());

    let tagged = json_ok(app.get(&user, "/v1/journals?tag=Amigos").await).await;
    assert_eq!(tagged["items"].as_array().unwrap().len(), 1);
    let after = enc(title_only["created_at"].as_str().unwrap());
    let recent = json_ok(app.get(&user, &format!("/v1/journals?from={after}")).await).await;
    assert_eq!(recent["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn forty_five_entries_come_back_as_pages_of_twenty_twenty_and_five() {
    let app = TestApp::start().await;
    let user = app.user();
    for i in 0..45 {
        write(&app, &user, json!({"body": format!("entry {i}")})).await;
    }
    let pages = app.all_pages(&user, "/v1/journals?limit=20").await;
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, vec![20, 20, 5]);
    let bodies: Vec<String> = pages
        .iter()
        .flatten()
        .map(|e| e["body"].as_str().unwrap().to_owned())
        .collect();
    let expected: Vec<String> = (0..45).rev().map(|i| format!("entry {i}")).collect();
    assert_eq!(bodies, expected, "newest first, none twice, none missing");
}

#[tokio::test]
async fn a_journal_entry_in_crisis_gets_resources_and_the_next_conversation_checks_in() {
    let app = TestApp::start().await;
    let user = app.user();
    let response = app
        .request(&user, Method::POST, "/v1/journals")
        .header("accept-language", "en-US,en;q=0.9")
        .json(&json!({"body": "I can't do this anymore. I've decided to kill myself tonight."}))
        .send()
        .await
        .unwrap();
    let saved = json_created(response).await;
    assert_eq!(saved["safety_level"], "crisis");
    assert_eq!(saved["safety"]["level"], "crisis");
    assert_eq!(saved["safety"]["emergency_number"], "911");
    let lines = saved["safety"]["resources"].to_string();
    assert!(lines.contains("988"), "{lines}");

    // Saved, whatever it says.
    let read = json_ok(
        app.get(&user, &format!("/v1/journals/{}", id(&saved)))
            .await,
    )
    .await;
    assert_eq!(read["safety_level"], "crisis");

    let status = json_ok(app.get(&user, "/v1/safety/status").await).await;
    assert_eq!(status["level"], "crisis");
    assert_eq!(status["check_in_due"], true);
    let next = app.create_conversation(&user, json!({})).await;
    let kinds: Vec<&str> = next["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["disclosure", "check_in"]);
}

#[tokio::test]
async fn an_edit_that_turns_an_entry_to_crisis_is_screened_again() {
    let app = TestApp::start().await;
    let user = app.user();
    let calm = write(&app, &user, json!({"body": "A quiet day at home."})).await;
    let changed = app
        .request(&user, Method::PATCH, &format!("/v1/journals/{}", id(&calm)))
        .header("if-match", "*")
        .json(&json!({"body": "I am going to end my life. I have the pills ready."}))
        .send()
        .await
        .unwrap();
    let changed = json_ok(changed).await;
    assert_eq!(changed["safety"]["level"], "crisis");
    assert!(
        !changed["safety"]["resources"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let status = json_ok(app.get(&user, "/v1/safety/status").await).await;
    assert_eq!(status["check_in_due"], true);
}

#[tokio::test]
async fn an_entry_links_only_to_the_writers_own_existing_mood() {
    let app = TestApp::start().await;
    let alice = app.user();
    let bob = app.user();
    let mood = app.create_mood(&alice, json!({"score": 4})).await;
    let mood_id = mood["id"].as_str().unwrap();
    let linked = write(
        &app,
        &alice,
        json!({"body": "Low day.", "mood_id": mood_id}),
    )
    .await;
    assert_eq!(linked["mood_id"], mood_id);
    assert_eq!(linked["mood"], Value::Null);

    let response = app
        .post_json(
            &bob,
            "/v1/journals",
            &json!({"body": "x", "mood_id": mood_id}),
        )
        .await;
    let refused = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(fields(&refused), vec!["mood_id"]);
    let bobs = json_ok(app.get(&bob, "/v1/journals").await).await;
    assert_eq!(bobs["items"], json!([]), "nothing was written");
}

#[tokio::test]
async fn another_users_entries_are_404_and_never_listed_or_searched() {
    let app = TestApp::start().await;
    let alice = app.user();
    let bob = app.user();
    let entry = write(
        &app,
        &alice,
        json!({"body": "alice only secret", "tags": ["private"]}),
    )
    .await;
    let path = format!("/v1/journals/{}", id(&entry));
    problem(app.get(&bob, &path).await, StatusCode::NOT_FOUND).await;
    let patch = app
        .request(&bob, Method::PATCH, &path)
        .header("if-match", "*")
        .json(&json!({"body": "bob was here"}))
        .send()
        .await
        .unwrap();
    problem(patch, StatusCode::NOT_FOUND).await;
    let delete = app
        .request(&bob, Method::DELETE, &path)
        .send()
        .await
        .unwrap();
    problem(delete, StatusCode::NOT_FOUND).await;
    for query in ["", "?q=secret", "?tag=private"] {
        let page = json_ok(app.get(&bob, &format!("/v1/journals{query}")).await).await;
        assert_eq!(page["items"], json!([]), "{query}");
    }
    for _ in 0..3 {
        write(&app, &alice, json!({"body": "more"})).await;
    }
    let first = json_ok(app.get(&alice, "/v1/journals?limit=1").await).await;
    let token = first["next_token"].as_str().unwrap();
    let stolen = app
        .get(&bob, &format!("/v1/journals?limit=1&next_token={token}"))
        .await;
    problem(stolen, StatusCode::BAD_REQUEST).await;
    let read = json_ok(app.get(&alice, &path).await).await;
    assert_eq!(read["body"], "alice only secret");
    assert_eq!(read["version"], 1);
}

#[tokio::test]
async fn a_retried_create_with_the_same_key_stores_one_entry() {
    let app = TestApp::start().await;
    let user = app.user();
    let body = json!({"body": "Written on a train with bad signal."});
    let send = |body: &Value| {
        app.request(&user, Method::POST, "/v1/journals")
            .header("idempotency-key", "journal-retry-1")
            .json(body)
            .send()
    };
    let first = json_created(send(&body).await.unwrap()).await;
    let replay = send(&body).await.unwrap();
    assert_eq!(replay.status(), StatusCode::CREATED);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let replay: Value = replay.json().await.unwrap();
    assert_eq!(replay["id"], first["id"]);
    let other = send(&json!({"body": "Something else."})).await.unwrap();
    problem(other, StatusCode::UNPROCESSABLE_ENTITY).await;
    let all = json_ok(app.get(&user, "/v1/journals").await).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn bad_entries_are_refused_field_by_field_and_nothing_is_written() {
    let app = TestApp::start().await;
    let user = app.user();
    let cases = [
        (json!({}), vec!["body"]),
        (json!({"body": ""}), vec!["body"]),
        (json!({"body": " \n "}), vec!["body"]),
        (json!({"body": "x".repeat(20_001)}), vec!["body"]),
        (json!({"body": "a\u{0007}b"}), vec!["body"]),
        (
            json!({"body": "x", "title": "t".repeat(201)}),
            vec!["title"],
        ),
        (json!({"body": "x", "title": "two\nlines"}), vec!["title"]),
        (json!({"body": "x", "tags": ["<b>"]}), vec!["tags[0]"]),
        (
            json!({"body": "x", "tags": (0..11).map(|i| format!("t{i}")).collect::<Vec<_>>()}),
            vec!["tags"],
        ),
        (json!({"body": "x", "mood": 0}), vec!["mood"]),
        (json!({"body": "x", "mood": 11}), vec!["mood"]),
        (json!({"body": "x", "mood": 5.5}), vec!["mood"]),
        (json!({"body": "x", "mood_id": "nope"}), vec!["mood_id"]),
        (
            json!({"body": "x", "mood": 5, "mood_id": "01JDX3ZQ8C9V4M2N7K5T1R6W3E"}),
            vec!["mood_id"],
        ),
        (
            json!({"body": "x", "prompt_id": "made-up-99"}),
            vec!["prompt_id"],
        ),
        (
            json!({"body": "x", "prompt_id": "NOT VALID"}),
            vec!["prompt_id"],
        ),
        (json!({"body": "x", "colour": "blue"}), vec!["colour"]),
        (json!({"body": 5}), vec!["body"]),
    ];
    for (body, expected) in cases {
        let response = app.post_json(&user, "/v1/journals", &body).await;
        let found = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(fields(&found), expected, "{body}");
    }
    let page = json_ok(app.get(&user, "/v1/journals").await).await;
    assert_eq!(page["items"], json!([]));
    let twenty_thousand = write(&app, &user, json!({"body": "ñ".repeat(20_000)})).await;
    assert_eq!(
        twenty_thousand["body"].as_str().unwrap().chars().count(),
        20_000
    );
}

#[tokio::test]
async fn bad_updates_queries_and_ids_are_refused_and_change_nothing() {
    let app = TestApp::start().await;
    let user = app.user();
    let entry = write(&app, &user, json!({"body": "keep me"})).await;
    let path = format!("/v1/journals/{}", id(&entry));
    for (body, expected) in [
        (json!({}), vec!["body"]),
        (json!({"body": null}), vec!["body"]),
        (json!({"body": ""}), vec!["body"]),
        (json!({"tags": null}), vec!["tags"]),
        (json!({"mood": 12}), vec!["mood"]),
        (
            json!({"created_at": "2026-01-01T00:00:00Z"}),
            vec!["created_at"],
        ),
    ] {
        let response = app
            .request(&user, Method::PATCH, &path)
            .header("if-match", "*")
            .json(&body)
            .send()
            .await
            .unwrap();
        let found = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(fields(&found), expected, "{body}");
    }
    let read = json_ok(app.get(&user, &path).await).await;
    assert_eq!(read["version"], 1);
    assert_eq!(read["body"], "keep me");

    for (query, field) in [
        ("/v1/journals?limit=0", "limit"),
        ("/v1/journals?limit=101", "limit"),
        ("/v1/journals?q=%20%20", "q"),
        ("/v1/journals?q=", "q"),
        ("/v1/journals?tag=%3Cb%3E", "tag"),
        ("/v1/journals?from=yesterday", "from"),
        ("/v1/journals?next_token=garbage", "next_token"),
        ("/v1/journals?colour=blue", "colour"),
        ("/v1/journals/prompts?category=poetry", "category"),
    ] {
        let found = problem(app.get(&user, query).await, StatusCode::BAD_REQUEST).await;
        assert_eq!(fields(&found), vec![field], "{query}");
    }
    let long_q = format!("/v1/journals?q={}", "a".repeat(201));
    problem(app.get(&user, &long_q).await, StatusCode::BAD_REQUEST).await;
    for bad in [
        "nope",
        "01JDX3ZQ8C9V4M2N7K5T1R6W3",
        "ZZZZZZZZZZZZZZZZZZZZZZZZZZ",
    ] {
        let path = format!("/v1/journals/{bad}");
        problem(app.get(&user, &path).await, StatusCode::BAD_REQUEST).await;
        let delete = app
            .request(&user, Method::DELETE, &path)
            .send()
            .await
            .unwrap();
        problem(delete, StatusCode::BAD_REQUEST).await;
    }
}

#[tokio::test]
async fn the_prompt_catalogue_offers_at_least_forty_prompts_by_category() {
    let app = TestApp::start().await;
    let user = app.user();
    let all = json_ok(app.get(&user, "/v1/journals/prompts").await).await;
    let items = all["items"].as_array().unwrap();
    assert!(items.len() >= 40, "{}", items.len());
    for category in [
        "gratitude",
        "reflection",
        "worry",
        "self-compassion",
        "values",
        "cbt",
    ] {
        let page = json_ok(
            app.get(&user, &format!("/v1/journals/prompts?category={category}"))
                .await,
        )
        .await;
        let some = page["items"].as_array().unwrap();
        assert!(!some.is_empty(), "{category}");
        assert!(some.iter().all(|p| p["category"] == category));
    }
    let anonymous = app
        .http
        .get(app.url("/v1/journals/prompts"))
        .send()
        .await
        .unwrap();
    problem(anonymous, StatusCode::UNAUTHORIZED).await;
    let prompt = items[0]["id"].as_str().unwrap();
    let answered = write(
        &app,
        &user,
        json!({"body": "Three things.", "prompt_id": prompt}),
    )
    .await;
    assert_eq!(answered["prompt_id"], prompt);
}

#[tokio::test]
async fn changing_only_the_tags_of_an_entry_in_crisis_records_no_new_risk() {
    let app = TestApp::start().await;
    let user = app.user();
    let saved = write(
        &app,
        &user,
        json!({"body": "I have decided to end my life this weekend."}),
    )
    .await;
    assert_eq!(saved["safety_level"], "crisis");
    let before = json_ok(app.get(&user, "/v1/safety/status").await).await;
    let changed = app
        .request(
            &user,
            Method::PATCH,
            &format!("/v1/journals/{}", id(&saved)),
        )
        .header("if-match", "*")
        .json(&json!({"tags": ["later"], "mood": 3}))
        .send()
        .await
        .unwrap();
    let changed = json_ok(changed).await;
    assert_eq!(changed["tags"], json!(["later"]));
    let after = json_ok(app.get(&user, "/v1/safety/status").await).await;
    assert_eq!(after["last_crisis_at"], before["last_crisis_at"]);
}

#[tokio::test]
async fn a_journal_entry_is_judged_as_kept_writing_not_as_a_chat_message() {
    use therabot_shared::safety::{Screen, dataset, semantic::Classifier};
    // A diary entry of the labelled set that the chat's thresholds and kept writing's judge
    // apart (docs/decisions/0029): the journal must give kept writing's verdict. Which way they
    // differ depends on the trained head, so either way will do.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let model = std::env::var("SCREEN_MODEL_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| root.join(therabot_shared::safety::semantic::MODEL_DIR_IN_REPOSITORY));
    let classifier = Classifier::load(&model).unwrap();
    let screen = Screen::new(&classifier);
    let examples = dataset::load_dir(&root.join("shared/screen/data")).unwrap();
    let (text, as_message, as_writing) = examples
        .iter()
        .filter(|e| e.source.contains("journal"))
        .find_map(|e| {
            let as_writing = screen.screen_writing(&e.text).level;
            let as_message = screen.screen(&e.text).level;
            (as_message != as_writing).then(|| (e.text.clone(), as_message, as_writing))
        })
        .expect("an entry the two registers judge apart");
    let app = TestApp::start().await;
    let user = app.user();
    let saved = write(&app, &user, json!({"body": text})).await;
    assert_eq!(saved["safety"]["level"], as_writing.as_str());
    assert_ne!(saved["safety"]["level"], as_message.as_str());
    assert_eq!(saved["safety_level"], as_writing.as_str());
}

#[tokio::test]
async fn an_entry_of_twenty_thousand_characters_is_saved_whole_and_its_last_line_screened() {
    // Some eighty windows of diary text, none alike: more than the semantic layer reads
    // within its budget on a slow core (shared/src/safety.rs). The entry must still be
    // saved, and the crisis sentence at its very end is the rules' to catch.
    let mut body = String::new();
    let mut day = 0;
    let ending = " I want to kill myself tonight.";
    while body.chars().count() + ending.len() < 19_900 {
        day += 1;
        body.push_str(&format!(
            "Day {day}: walked to bakery {day}, watered plant {day}, read chapter {day}. "
        ));
    }
    body.push_str(ending);
    assert!(body.chars().count() <= 20_000);
    let app = TestApp::start().await;
    let user = app.user();
    let saved = write(&app, &user, json!({"body": body})).await;
    assert_eq!(saved["safety_level"], "crisis");
    let read = json_ok(
        app.get(&user, &format!("/v1/journals/{}", id(&saved)))
            .await,
    )
    .await;
    assert_eq!(read["body"], body);
}
