//! The crisis screen and crisis resources live in their own crate, `therabot-screen`
//! (`shared/screen/`), which has no AWS dependency; this re-export keeps one path for the
//! functions.

pub use therabot_screen::*;
