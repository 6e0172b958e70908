//! Only a valid Cognito-shaped access token gets in; every other credential is 401, and
//! a refused request changes nothing.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use therabot_local::issuer::{sign_hs256, signing_input};

use crate::support::{TestApp, json_ok, problem};

fn with(mut claims: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            claims.as_object_mut().unwrap().remove(k);
        } else {
            claims[k] = v.clone();
        }
    }
    claims
}

#[tokio::test]
async fn every_kind_of_bad_credential_is_401() {
    let app = TestApp::start().await;
    let issuer = &app.api.issuer;
    let sub = "auth-matrix-user";
    let claims = issuer.access_claims(sub);
    let header = issuer.header();
    let now = jiff::Timestamp::now().as_second();
    let sign = |claims: Value| issuer.sign(&header, &claims);

    let valid = sign(claims.clone());
    let (body_and_header, _) = valid.rsplit_once('.').unwrap();
    let other_issuer = therabot_local::issuer::LocalIssuer::new(issuer.issuer(), None).unwrap();

    let cases: Vec<(&str, Option<String>)> = vec![
        ("no token", None),
        ("empty bearer", Some("Bearer ".into())),
        ("basic auth", Some("Basic dXNlcjpwYXNz".into())),
        ("not a jwt", Some("Bearer not-a-jwt".into())),
        ("garbage segments", Some("Bearer a.b.c".into())),
        (
            "expired",
            Some(format!(
                "Bearer {}",
                sign(with(claims.clone(), json!({"exp": now - 120})))
            )),
        ),
        (
            "no exp",
            Some(format!(
                "Bearer {}",
                sign(with(claims.clone(), json!({"exp": null})))
            )),
        ),
        (
            "wrong iss",
            Some(format!(
                "Bearer {}",
                sign(with(
                    claims.clone(),
                    json!({"iss": "https://cognito-idp.eu-west-1.amazonaws.com/other"})
                ))
            )),
        ),
        (
            "wrong client_id",
            Some(format!(
                "Bearer {}",
                sign(with(claims.clone(), json!({"client_id": "another-app"})))
            )),
        ),
        (
            "no client_id",
            Some(format!(
                "Bearer {}",
                sign(with(claims.clone(), json!({"client_id": null})))
            )),
        ),
        (
            "id token",
            Some(format!(
                "Bearer {}",
                sign(with(
                    claims.clone(),
                    json!({"token_use": "id", "aud": "therabot-local-client", "client_id": null})
                ))
            )),
        ),
        (
            "missing scope",
            Some(format!(
                "Bearer {}",
                sign(with(claims.clone(), json!({"scope": "openid email"})))
            )),
        ),
        (
            "sub with key separator",
            Some(format!(
                "Bearer {}",
                sign(with(claims.clone(), json!({"sub": "a#b"})))
            )),
        ),
        (
            "alg none",
            Some(format!(
                "Bearer {}.",
                signing_input(&json!({"alg": "none", "typ": "JWT"}), &claims)
            )),
        ),
        (
            "alg none with kid",
            Some(format!(
                "Bearer {}.",
                signing_input(&json!({"alg": "none", "kid": issuer.kid()}), &claims)
            )),
        ),
        (
            "HS256 keyed with the public key",
            Some(format!(
                "Bearer {}",
                sign_hs256(
                    &json!({"alg": "HS256", "typ": "JWT", "kid": issuer.kid()}),
                    &claims,
                    &issuer.public_key_der()
                )
            )),
        ),
        (
            "unknown kid",
            Some(format!(
                "Bearer {}",
                issuer.sign(&json!({"alg": "RS256", "kid": "not-published"}), &claims)
            )),
        ),
        (
            "no kid",
            Some(format!(
                "Bearer {}",
                issuer.sign(&json!({"alg": "RS256"}), &claims)
            )),
        ),
        (
            "bad signature",
            Some(format!("Bearer {body_and_header}.AAAA")),
        ),
        (
            "signed by another key with our kid",
            Some(format!("Bearer {}", other_issuer.sign(&header, &claims))),
        ),
        (
            "claims swapped after signing",
            Some(format!("Bearer {}", {
                let forged = sign(with(claims.clone(), json!({"sub": "someone-else"})));
                let parts: Vec<&str> = forged.split('.').collect();
                let original: Vec<&str> = valid.split('.').collect();
                format!("{}.{}.{}", original[0], parts[1], original[2])
            })),
        ),
    ];
    for (name, authorization) in cases {
        for (method, path, body) in [
            (Method::GET, "/v1/moods", None),
            (Method::POST, "/v1/moods", Some(json!({"score": 5}))),
            (Method::GET, "/v1/moods/summary", None),
        ] {
            let mut request = app.http.request(method.clone(), app.url(path));
            if let Some(value) = &authorization {
                request = request.header("authorization", value);
            }
            if let Some(body) = &body {
                request = request.json(body);
            }
            let response = request.send().await.unwrap();
            assert_eq!(
                response
                    .headers()
                    .get("www-authenticate")
                    .map(|v| v.to_str().unwrap()),
                Some("Bearer"),
                "{name}"
            );
            let problem = problem(response, StatusCode::UNAUTHORIZED).await;
            assert_eq!(
                problem["type"], "urn:therabot:problem:unauthorized",
                "{name}"
            );
        }
    }
    // The valid token works, and none of the refused requests stored anything.
    let response = app
        .http
        .get(app.url("/v1/moods"))
        .bearer_auth(&valid)
        .send()
        .await
        .unwrap();
    let page = json_ok(response).await;
    assert_eq!(page["items"], json!([]));
}

#[tokio::test]
async fn the_local_token_endpoint_mints_tokens_the_api_accepts() {
    let app = TestApp::start().await;
    let response = app
        .http
        .post(app.url("/_local/token"))
        .json(&json!({"sub": "curl-user"}))
        .send()
        .await
        .unwrap();
    let token = json_ok(response).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let created = app
        .http
        .post(app.url("/v1/moods"))
        .bearer_auth(&token)
        .json(&json!({"score": 8}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let bad = app
        .http
        .post(app.url("/_local/token"))
        .json(&json!({"sub": "has space"}))
        .send()
        .await
        .unwrap();
    problem(bad, StatusCode::UNPROCESSABLE_ENTITY).await;
}
