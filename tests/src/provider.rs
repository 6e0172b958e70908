//! The local stand-in exercise provider `make dev` starts: a real HTTP server on 127.0.0.1
//! that speaks the contract of `docs/exercise-provider.md` (`GET /v1/exercises`, our key as a
//! bearer token) and serves `tests/local/provider_catalogue.json`. It refuses any other key
//! with 401, as a real provider would.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{HeaderMap, StatusCode, header};
use tokio::net::TcpListener;

/// A running stand-in provider.
pub struct StandInProvider {
    /// Its base URL, e.g. `http://127.0.0.1:41234`.
    pub base_url: String,
    /// The key it requires (put it into the local secret as `exercise_api_key`).
    pub key: String,
    server: tokio::task::JoinHandle<()>,
}

struct Served {
    key: String,
    catalogue: String,
}

impl StandInProvider {
    /// Serves `catalogue` (the contract's JSON) on a free port, requiring a fresh random key.
    pub async fn start(catalogue: String) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let mut bytes = [0u8; 24];
        aws_lc_rs::rand::fill(&mut bytes).map_err(|_| std::io::Error::other("no randomness"))?;
        let key = format!(
            "local-{}",
            base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes)
        );
        let served = Arc::new(Served {
            key: key.clone(),
            catalogue,
        });
        let app = Router::new()
            .route("/v1/exercises", get(exercises))
            .with_state(served);
        let server = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!(%error, "the stand-in exercise provider stopped");
            }
        });
        Ok(Self {
            base_url,
            key,
            server,
        })
    }
}

impl Drop for StandInProvider {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn exercises(State(served): State<Arc<Served>>, headers: HeaderMap) -> Response {
    let expected = format!("Bearer {}", served.key);
    let authorised = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == expected);
    if !authorised {
        return (StatusCode::UNAUTHORIZED, "a valid key is required").into_response();
    }
    (
        [(header::CONTENT_TYPE, "application/json")],
        served.catalogue.clone(),
    )
        .into_response()
}
