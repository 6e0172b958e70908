//! `TestApp`: a local API on a free port, with helpers to call it as a given user.

use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::Value;
use therabot_local::{LocalApi, LocalOptions, repository_root};

pub const TABLE: &str = "therabot-test";

/// The moto endpoint `make test` started.
pub fn aws_endpoint() -> String {
    std::env::var("THERABOT_TEST_AWS_ENDPOINT").expect(
        "THERABOT_TEST_AWS_ENDPOINT is not set: run the tests with `make test`, \
         which starts the local DynamoDB-protocol server",
    )
}

pub struct TestApp {
    pub api: LocalApi,
    pub http: reqwest::Client,
}

/// A user of the API: a fresh `sub` and a valid token for it.
#[derive(Clone)]
pub struct User {
    pub sub: String,
    pub token: String,
}

impl TestApp {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts with options adjusted by `adjust` (chat settings, model key, clock).
    pub async fn start_with(adjust: impl FnOnce(&mut LocalOptions)) -> Self {
        let mut options = LocalOptions::new(repository_root(), aws_endpoint());
        options.table_name = TABLE.into();
        // A secret per app: tests that change it cannot disturb others.
        options.secret_id = format!("therabot-test-{}", ulid::Ulid::new());
        adjust(&mut options);
        let api = LocalApi::start(options).await.expect("local API starts");
        Self {
            api,
            http: reqwest::Client::new(),
        }
    }

    /// An app whose clock runs the seconds in the returned cell ahead of the real one.
    pub async fn with_clock() -> (Self, std::sync::Arc<std::sync::atomic::AtomicI64>) {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicI64, Ordering};
        let offset = Arc::new(AtomicI64::new(0));
        let clock_offset = offset.clone();
        let app = Self::start_with(move |o| {
            o.clock = Some(Arc::new(move || {
                jiff::Timestamp::now()
                    + jiff::SignedDuration::from_secs(clock_offset.load(Ordering::SeqCst))
            }));
        })
        .await;
        (app, offset)
    }

    /// Every item of `user`'s partition whose sort key starts with `prefix`, read raw from
    /// the table (strongly consistent), as an administrator would see them.
    pub async fn raw_items(
        &self,
        user: &User,
        prefix: &str,
    ) -> Vec<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        use aws_sdk_dynamodb::types::AttributeValue;
        let store = self.api.context.store();
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let out = store
                .client()
                .query()
                .table_name(store.table())
                .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
                .expression_attribute_values(":pk", AttributeValue::S(format!("USER#{}", user.sub)))
                .expression_attribute_values(":prefix", AttributeValue::S(prefix.to_owned()))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .unwrap();
            items.extend(out.items.unwrap_or_default());
            start = out.last_evaluated_key;
            if start.is_none() {
                return items;
            }
        }
    }

    /// Every item of `user`'s partition, and every index row naming it, read raw.
    pub async fn raw_partition(&self, user: &User) -> Vec<String> {
        use aws_sdk_dynamodb::types::AttributeValue;
        let store = self.api.context.store();
        let pk = AttributeValue::S(format!("USER#{}", user.sub));
        let mut found = Vec::new();
        for (index, key) in [(None, "PK"), (Some("ByActivity"), "GSI1PK")] {
            let out = store
                .client()
                .query()
                .table_name(store.table())
                .set_index_name(index.map(str::to_owned))
                .key_condition_expression(format!("{key} = :pk"))
                .expression_attribute_values(":pk", pk.clone())
                .send()
                .await
                .unwrap();
            found.extend(
                out.items()
                    .iter()
                    .map(|item| format!("{key}: {:?}", item.get("SK"))),
            );
        }
        // The index of referrals not yet counted has one partition for everyone.
        let pending = store
            .client()
            .query()
            .table_name(store.table())
            .index_name("ByActivity")
            .key_condition_expression("GSI1PK = :pk")
            .expression_attribute_values(":pk", AttributeValue::S("STATS#REFERRALS#PENDING".into()))
            .send()
            .await
            .unwrap();
        found.extend(
            pending
                .items()
                .iter()
                .filter(|item| item.get("PK") == Some(&pk))
                .map(|item| format!("pending referral: {:?}", item.get("SK"))),
        );
        found
    }

    /// Stores `count` mood entries of `user` straight into the table (25 per request), as a
    /// long-time user would have them.
    pub async fn seed_moods(&self, user: &User, count: usize) {
        use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
        let store = self.api.context.store();
        let start = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * 365);
        let requests: Vec<WriteRequest> = (0..count)
            .map(|i| {
                let at = start + jiff::SignedDuration::from_secs(i as i64 * 600);
                let id = ulid::Ulid::from_parts(at.as_millisecond() as u64, i as u128);
                let s = |v: String| AttributeValue::S(v);
                let item = [
                    ("PK", s(format!("USER#{}", user.sub))),
                    ("SK", s(format!("MOOD#{id}"))),
                    ("entity", s("mood".into())),
                    ("id", s(id.to_string())),
                    ("score", AttributeValue::N(((i % 10) + 1).to_string())),
                    ("emotions", AttributeValue::L(vec![s("calm".into())])),
                    ("tags", AttributeValue::L(Vec::new())),
                    ("note", s(format!("entry {i}, a line of what the day held"))),
                    ("recorded_at", s(at.to_string())),
                    ("created_at", s(at.to_string())),
                    ("updated_at", s(at.to_string())),
                    ("version", AttributeValue::N("1".into())),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect();
                let put = PutRequest::builder().set_item(Some(item)).build().unwrap();
                WriteRequest::builder().put_request(put).build()
            })
            .collect();
        for chunk in requests.chunks(25) {
            let out = store
                .client()
                .batch_write_item()
                .request_items(store.table(), chunk.to_vec())
                .send()
                .await
                .unwrap();
            assert!(out.unprocessed_items().is_none_or(|u| u.is_empty()));
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.api.base_url)
    }

    /// A new user with a fresh `sub`.
    pub fn user(&self) -> User {
        let sub = format!("user-{}", ulid::Ulid::new());
        let token = self.api.issuer.mint(&sub);
        User { sub, token }
    }

    pub fn request(&self, user: &User, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(&user.token)
    }

    pub async fn get(&self, user: &User, path: &str) -> Response {
        self.request(user, Method::GET, path).send().await.unwrap()
    }

    pub async fn post_json(&self, user: &User, path: &str, body: &Value) -> Response {
        self.request(user, Method::POST, path)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Creates a mood entry and returns it.
    pub async fn create_mood(&self, user: &User, body: Value) -> Value {
        let response = self.post_json(user, "/v1/moods", &body).await;
        let status = response.status();
        let json: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{json}");
        json
    }

    /// Starts a conversation and returns it.
    pub async fn create_conversation(&self, user: &User, body: Value) -> Value {
        json_created(self.post_json(user, "/v1/conversations", &body).await).await
    }

    /// Sends `text` to conversation `id` and returns the response.
    pub async fn send(&self, user: &User, id: &str, text: &str) -> Response {
        self.post_json(
            user,
            &format!("/v1/conversations/{id}/messages"),
            &serde_json::json!({"text": text}),
        )
        .await
    }

    /// Every page of `path` (which must already have a `?`), following `next_token`.
    pub async fn all_pages(&self, user: &User, path: &str) -> Vec<Vec<Value>> {
        let mut pages = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut url = path.to_owned();
            if let Some(t) = &token {
                url.push_str(&format!("&next_token={t}"));
            }
            let page = json_ok(self.get(user, &url).await).await;
            pages.push(page["items"].as_array().unwrap().clone());
            match page["next_token"].as_str() {
                Some(t) => token = Some(t.to_owned()),
                None => return pages,
            }
            assert!(pages.len() < 100, "pagination does not end");
        }
    }

    /// Every mood entry of `user`, following `next_token`.
    pub async fn all_moods(&self, user: &User, query: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut path = format!("/v1/moods?limit=100{query}");
            if let Some(t) = &token {
                path.push_str(&format!("&next_token={t}"));
            }
            let page = json_ok(self.get(user, &path).await).await;
            items.extend(page["items"].as_array().unwrap().iter().cloned());
            match page["next_token"].as_str() {
                Some(t) => token = Some(t.to_owned()),
                None => return items,
            }
        }
    }
}

/// Asserts a 201 JSON response and returns its body.
pub async fn json_created(response: Response) -> Value {
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{text}");
    serde_json::from_str(&text).unwrap()
}

/// Asserts a 2xx JSON response and returns its body.
pub async fn json_ok(response: Response) -> Value {
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(
        status.is_success(),
        "expected success, got {status}: {text}"
    );
    serde_json::from_str(&text).unwrap()
}

/// Asserts a problem+json response with `status` and returns the problem.
pub async fn problem(response: Response, status: StatusCode) -> Value {
    let got = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = response.text().await.unwrap();
    assert_eq!(got, status, "body: {text}");
    assert_eq!(content_type, "application/problem+json", "body: {text}");
    let problem: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(problem["status"], status.as_u16());
    assert!(
        problem["type"]
            .as_str()
            .unwrap()
            .starts_with("urn:therabot:problem:")
    );
    assert!(!problem["title"].as_str().unwrap().is_empty());
    assert!(!problem["detail"].as_str().unwrap().is_empty());
    problem
}

/// The names of the fields a problem lists.
pub fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["field"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// URL-encodes a query value.
pub fn enc(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Points the chat at the model stand-in whose OpenAI-compatible API is at `base` (`…/v1`),
/// as model `test-model`, with `key` in the secret.
pub fn use_model(options: &mut LocalOptions, base: String, key: &str) {
    options.chat_settings.insert("LLM_BASE_URL".into(), base);
    options
        .chat_settings
        .insert("LLM_MODEL".into(), "test-model".into());
    options.llm_api_key = Some(key.into());
}

/// Rewrites `app`'s secret with `change`, as a rotation in the console would.
pub async fn rewrite_secret(app: &TestApp, change: impl FnOnce(&mut Value)) {
    let secrets = aws_sdk_secretsmanager::Client::new(app.api.context.sdk());
    let secret_id = app.api.context.config().secret_id.clone();
    let current = secrets
        .get_secret_value()
        .secret_id(&secret_id)
        .send()
        .await
        .unwrap();
    let mut value: Value = serde_json::from_str(current.secret_string().unwrap()).unwrap();
    change(&mut value);
    secrets
        .put_secret_value()
        .secret_id(&secret_id)
        .secret_string(value.to_string())
        .send()
        .await
        .unwrap();
}
