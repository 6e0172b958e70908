//! The crisis screen and crisis resources live in their own crate, `therabot-screen`
//! (`shared/screen/`), which has no AWS dependency; this re-export keeps one path for the
//! functions, beside the one way every function screens what people write.

pub use therabot_screen::*;

use std::sync::Arc;
use std::time::{Duration, Instant};

use semantic::SemanticLayer;

/// Where the Lambda layer puts the screen's encoder: the default of `SCREEN_MODEL_DIR` in every
/// function that screens what people write.
pub const DEFAULT_MODEL_DIR: &str = "/opt/screen-model";

/// How long the semantic layer may read a long text's windows once its model is loaded. A
/// journal entry of 20,000 characters is some 80 windows: about 7 s of one core of the
/// development machine in release, and twice that on a 1,024 MB function's half a core, which
/// would outlast the journals function's 10 s timeout and lose the entry. A chat message
/// (4,000 characters at most, 13 windows) fits well inside. Every other window is read first
/// (together they cover the whole text), so a text cut short has been read once end to end;
/// past the budget the windows read decide with the rules, which read everything, and the
/// verdict says how many were left (docs/safety-screen.md, long texts).
pub const SEMANTIC_BUDGET: Duration = Duration::from_secs(4);

/// The offline layers (rules, then the semantic classifier off the async threads), in the
/// context of the writer's `previous` level. If the classifier cannot run, the rules decide
/// and the miss is recorded with the verdict: screening never fails and never blocks saving.
pub async fn screen_offline(layer: &Arc<SemanticLayer>, text: &str, previous: Level) -> Screening {
    screen_offline_as(layer, text, previous, Register::Message).await
}

/// The offline layers on `text` read as `register` (its own thresholds for kept writing).
async fn screen_offline_as(
    layer: &Arc<SemanticLayer>,
    text: &str,
    previous: Level,
    register: Register,
) -> Screening {
    let layer = layer.clone();
    let owned = text.to_owned();
    let screened = tokio::task::spawn_blocking(move || match layer.get() {
        Ok(classifier) => Ok(Screen::new(classifier)
            .reading_until(Instant::now() + SEMANTIC_BUDGET)
            .screen_as(&owned, previous, register)),
        Err(error) => {
            tracing::error!(
                error,
                "the semantic screen is unavailable; rules alone decide"
            );
            Err("unavailable")
        }
    })
    .await
    .unwrap_or_else(|_| {
        tracing::error!("the semantic screen failed; rules alone decide");
        Err("failed")
    });
    let screening = screened.unwrap_or_else(|why| {
        let mut screening = Screen::rules_only().screen_as(text, previous, register);
        screening.add(semantic::unavailable("unloaded", why));
        screening
    });
    for verdict in &screening.layers {
        measure(verdict);
    }
    report_partial_read(&screening);
    screening
}

/// Logs and counts a screening whose semantic layer stopped at its budget (window counts
/// only, never text).
fn report_partial_read(screening: &Screening) {
    let partial = screening
        .layer(Layer::Semantic)
        .and_then(semantic::windows_unread);
    if let Some((read, unread)) = partial {
        tracing::warn!(
            read,
            unread,
            "the semantic screen reached its time budget; the rules read the rest"
        );
        crate::metrics::screen_partial_read();
    }
}

/// Counts one layer's verdict (`unavailable` when it gave none).
pub fn measure(verdict: &LayerVerdict) {
    let level = verdict.level.map_or("unavailable", Level::as_str);
    crate::metrics::screen_verdict(verdict.layer.as_str(), level);
}

/// The offline screen's verdict on something a person wrote and we keep (a journal entry, an
/// exercise's note and thought record). It stands on its own: no previous message's context,
/// and the semantic layer judges it by the thresholds for kept writing.
pub async fn screen_writing(
    layer: &Arc<SemanticLayer>,
    text: &str,
) -> crate::domain::risk::SafetyVerdict {
    let screening = screen_offline_as(layer, text, Level::None, Register::Writing).await;
    crate::domain::risk::SafetyVerdict {
        level: screening.level,
        screen_version: SCREEN_VERSION.to_owned(),
        layers: screening.layers,
    }
}
