//! The store's idempotency records against the real local DynamoDB-protocol server.

use therabot_shared::domain::UserId;
use therabot_shared::store::StoreError;
use therabot_shared::store::idempotency::{IdempotentWrite, RETENTION, RecordState};

use crate::support::TestApp;

fn write(user: &UserId, key: &str, now: jiff::Timestamp) -> IdempotentWrite {
    IdempotentWrite {
        user: user.clone(),
        key: key.into(),
        request_hash: "hash".into(),
        response: None,
        now,
        conversation: None,
        stored: None,
    }
}

#[tokio::test]
async fn a_key_in_flight_cannot_be_taken_twice_until_it_expires() {
    let app = TestApp::start().await;
    let store = app.api.context.store();
    let user = UserId::parse(&app.user().sub).unwrap();
    let now = jiff::Timestamp::now();
    store
        .begin_idempotent(&write(&user, "k", now))
        .await
        .unwrap();
    let again = store.begin_idempotent(&write(&user, "k", now)).await;
    assert!(matches!(again, Err(StoreError::ConditionFailed)));
    let record = store
        .idempotency_record(&user, "k", now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.state, RecordState::InFlight);
    assert_eq!(record.expires_at.as_second(), (now + RETENTION).as_second());

    // A day later the record no longer counts, even before DynamoDB's TTL removes it.
    let later = now + RETENTION + jiff::SignedDuration::from_secs(1);
    assert!(
        store
            .idempotency_record(&user, "k", later)
            .await
            .unwrap()
            .is_none()
    );
    store
        .begin_idempotent(&write(&user, "k", later))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_summary_range_with_more_entries_than_it_may_read_is_refused_not_cut() {
    use serde_json::json;
    let app = TestApp::start().await;
    let user = app.user();
    for score in [3, 5, 7] {
        let response = app
            .post_json(&user, "/v1/moods", &json!({"score": score}))
            .await;
        assert_eq!(response.status(), reqwest::StatusCode::CREATED);
    }
    let store = app.api.context.store();
    let id = UserId::parse(&user.sub).unwrap();
    let to = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(60);
    let from = to - jiff::SignedDuration::from_hours(1);
    let all = store.mood_points(&id, from, to, 3).await.unwrap();
    assert_eq!(all.map(|p| p.len()), Some(3));
    let capped = store.mood_points(&id, from, to, 2).await.unwrap();
    assert!(capped.is_none(), "never the first two of three");
}

#[tokio::test]
async fn an_item_of_another_kind_at_an_entitys_key_is_refused_not_read_as_that_entity() {
    use aws_sdk_dynamodb::types::AttributeValue::S;
    use therabot_shared::domain::MoodId;
    use therabot_shared::store::keys::{mood_sk, user_pk};

    let app = TestApp::start().await;
    let store = app.api.context.store();
    let user = UserId::parse(&app.user().sub).unwrap();
    let id = MoodId::new_at(jiff::Timestamp::now());
    store
        .client()
        .put_item()
        .table_name(store.table())
        .item("PK", S(user_pk(&user)))
        .item("SK", S(mood_sk(id)))
        .item("entity", S("conversation".into()))
        .send()
        .await
        .unwrap();
    let read = store.get_mood(&user, id).await;
    assert!(matches!(read, Err(StoreError::Backend(_))), "{read:?}");
}
