//! The crisis screen, run on every user message before any model call (`docs/safety-screen.md`).
//!
//! A message's level is the highest of three layers:
//! - [`rules`]: phrase rules weighed in context; deterministic, microseconds, explainable;
//! - [`semantic`]: a pretrained sentence encoder (multilingual e5-small's first six layers,
//!   run in-process in pure Rust) and a small head trained on our labelled set; no network;
//! - [`judge`]: when a model is configured, a structured verdict asked of it beside the reply.
//!   It can only raise the level.
//!
//! [`reply`] screens what a model says before a person sees it, and [`resources`] holds the
//! crisis lines. Nothing here talks to AWS or the network.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod dataset;
pub mod judge;
pub mod language;
pub mod reply;
pub mod resources;
pub mod rules;
pub mod semantic;

pub use rules::RULES_VERSION;
pub use semantic::Classifier;

/// The version of the whole offline screen (rules and semantic head together).
pub const SCREEN_VERSION: &str = concat!("2026.11.25-v2+rules.", rules::rules_version!());

/// How much risk a message shows.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// No sign of risk.
    None,
    /// Passive ideation, hopelessness, self-harm without immediate danger.
    Elevated,
    /// Intent, plan, means, an attempt in progress, or asking for methods.
    Crisis,
}

impl Level {
    /// The level's name as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Elevated => "elevated",
            Self::Crisis => "crisis",
        }
    }

    /// The level named `name` (`none`, `elevated`, `crisis`).
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "none" => Some(Self::None),
            "elevated" => Some(Self::Elevated),
            "crisis" => Some(Self::Crisis),
            _ => None,
        }
    }
}

/// What kind of text is screened: the thresholds that turn the semantic layer's probabilities
/// into a level differ between the two (`docs/safety-screen.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Register {
    /// A chat message, written to the bot.
    Message,
    /// Writing the person keeps: a journal entry, an exercise's note or thought record.
    Writing,
}

/// One of the screen's layers.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Layer {
    /// The phrase rules.
    Rules,
    /// The sentence encoder and its trained head.
    Semantic,
    /// The LLM judge.
    Judge,
    /// The screen of a model's reply (method, dose or instruction content).
    Reply,
}

impl Layer {
    /// The layer's name as stored and measured.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rules => "rules",
            Self::Semantic => "semantic",
            Self::Judge => "judge",
            Self::Reply => "reply",
        }
    }
}

/// What one layer said about a message. Stored with the message; never holds its text.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct LayerVerdict {
    /// Which layer.
    pub layer: Layer,
    /// Its level; `None` (absent) when the layer ran but gave no usable answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    /// The layer's version (rules version, head version, judge prompt version and model).
    pub version: String,
    /// Why: rule ids, the semantic head's crisis and risk probabilities (and, for a long text
    /// whose reading stopped at its time budget, `windows_read` and `windows_unread`), the
    /// judge's reason code, or why the layer gave no answer (`timeout`, `unavailable`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The screen's verdict on one message.
#[derive(Debug, Clone, PartialEq)]
pub struct Screening {
    /// The highest level any layer gave.
    pub level: Level,
    /// The language the message seems to be in (`en` or `es`), for the reply.
    pub language: &'static str,
    /// The ids of the rules that decided the rules' level (for tests and reviews).
    pub rules: Vec<&'static str>,
    /// Every layer that ran, in order, with what it said.
    pub layers: Vec<LayerVerdict>,
}

impl Screening {
    /// Adds a layer's verdict; the level can only go up.
    pub fn add(&mut self, verdict: LayerVerdict) {
        if let Some(level) = verdict.level {
            self.level = self.level.max(level);
        }
        self.layers.push(verdict);
    }

    /// What `layer` said, if it ran.
    pub fn layer(&self, layer: Layer) -> Option<&LayerVerdict> {
        self.layers.iter().find(|v| v.layer == layer)
    }
}

/// The offline screen: the rules, and the semantic classifier when one is loaded.
#[derive(Debug, Clone, Copy)]
pub struct Screen<'a> {
    semantic: Option<&'a Classifier>,
    /// When the semantic layer stops starting new windows of a long text.
    deadline: Option<std::time::Instant>,
}

impl<'a> Screen<'a> {
    /// The rules alone (the semantic layer is recorded as not run).
    pub fn rules_only() -> Self {
        Self {
            semantic: None,
            deadline: None,
        }
    }

    /// The rules and the semantic classifier.
    pub fn new(semantic: &'a Classifier) -> Self {
        Self {
            semantic: Some(semantic),
            deadline: None,
        }
    }

    /// The same screen, its semantic layer reading a long text's windows only until
    /// `deadline` (the first window always; the rules always read everything). A journal
    /// entry of 20,000 characters is some 80 windows: read whole on a fraction of a core, it
    /// would outlast the function's timeout, and the entry would not be saved.
    pub fn reading_until(self, deadline: std::time::Instant) -> Self {
        Self {
            deadline: Some(deadline),
            ..self
        }
    }

    /// Screens one message on its own.
    pub fn screen(&self, text: &str) -> Screening {
        self.screen_in_context(text, Level::None)
    }

    /// Screens a message knowing the level of the user's previous message in the same
    /// conversation (a warning sign right after a risky message is a crisis).
    pub fn screen_in_context(&self, text: &str, previous: Level) -> Screening {
        self.screen_as(text, previous, Register::Message)
    }

    /// Screens writing the person keeps (a journal entry, an exercise's note) on its own.
    pub fn screen_writing(&self, text: &str) -> Screening {
        self.screen_as(text, Level::None, Register::Writing)
    }

    /// Screens `text` of `register` after a message of level `previous`.
    pub fn screen_as(&self, text: &str, previous: Level, register: Register) -> Screening {
        let rules = rules::screen_in_context(text, previous);
        let mut screening = Screening {
            level: Level::None,
            language: rules.language,
            rules: rules.rules.clone(),
            layers: Vec::with_capacity(3),
        };
        screening.add(LayerVerdict {
            layer: Layer::Rules,
            level: Some(rules.level),
            version: RULES_VERSION.to_owned(),
            detail: (!rules.rules.is_empty()).then(|| rules.rules.join(",")),
        });
        if let Some(classifier) = self.semantic {
            screening.add(classifier.verdict_within(text, register, self.deadline));
        }
        screening
    }
}

/// Screens one message with the rules alone (kept for callers that have no classifier).
pub fn screen(text: &str) -> Screening {
    Screen::rules_only().screen(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_layer_can_only_raise_the_level() {
        let mut screening = screen("I want to kill myself");
        assert_eq!(screening.level, Level::Crisis);
        screening.add(LayerVerdict {
            layer: Layer::Judge,
            level: Some(Level::None),
            version: "j1".into(),
            detail: None,
        });
        assert_eq!(screening.level, Level::Crisis);
        assert_eq!(screening.layers.len(), 2);
    }

    #[test]
    fn levels_parse_from_their_names() {
        for level in [Level::None, Level::Elevated, Level::Crisis] {
            assert_eq!(Level::parse(level.as_str()), Some(level));
        }
        assert_eq!(Level::parse("CRISIS"), None);
    }
}
