//! What the screen's integration tests share: the model directory and the loaded classifier.

use std::path::PathBuf;
use std::sync::OnceLock;

use therabot_screen::Classifier;

/// `SCREEN_MODEL_DIR`, or the workspace's directory that `shared/screen/model/fetch.sh` fills
/// with the head's encoder (`make test` runs it first).
pub(crate) fn model_dir() -> PathBuf {
    std::env::var_os("SCREEN_MODEL_DIR").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../..")
                .join(therabot_screen::semantic::MODEL_DIR_IN_REPOSITORY)
        },
        PathBuf::from,
    )
}

/// The classifier with the committed head, loaded once per test binary.
#[allow(dead_code)]
pub(crate) fn classifier() -> &'static Classifier {
    static LOADED: OnceLock<Classifier> = OnceLock::new();
    LOADED.get_or_init(|| {
        Classifier::load(&model_dir()).unwrap_or_else(|e| {
            panic!("the screen's model is missing ({e}); run shared/screen/model/fetch.sh")
        })
    })
}
