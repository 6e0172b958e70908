//! The product's rules about a user's risk, in one place: how long risk is remembered, when
//! a conversation opens with a check-in, which hourly ceiling a message counts against, and
//! when the AI disclosure is repeated. The store keeps the state; handlers ask these rules.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::safety::Level;

/// The screen's verdict on something a person wrote and we keep (a journal entry, an
/// exercise's note and thought record), as stored with it.
#[derive(Debug, Clone, PartialEq)]
pub struct SafetyVerdict {
    /// The highest level of the layers that ran.
    pub level: Level,
    /// The screen's version.
    pub screen_version: String,
    /// What each layer said.
    pub layers: Vec<crate::safety::LayerVerdict>,
}

/// A user's recent risk: when their messages last screened `elevated` and `crisis`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskState {
    /// When a message last screened `elevated`.
    #[serde(default)]
    pub last_elevated_at: Option<Timestamp>,
    /// When a message last screened `crisis`.
    #[serde(default)]
    pub last_crisis_at: Option<Timestamp>,
}

impl RiskState {
    /// The level still in effect at `now`, given how long risk is remembered (`window`).
    pub fn level_at(&self, now: Timestamp, window: SignedDuration) -> Level {
        let recent = |at: Option<Timestamp>| at.is_some_and(|t| now.duration_since(t) <= window);
        if recent(self.last_crisis_at) {
            Level::Crisis
        } else if recent(self.last_elevated_at) {
            Level::Elevated
        } else {
            Level::None
        }
    }
}

/// Whether a message at `level` puts its author at risk: their risk state remembers it, it
/// counts as a referral, and it counts against the higher quota.
pub fn at_risk(level: Level) -> bool {
    level >= Level::Elevated
}

/// Whether a conversation opened at this level of remembered risk begins with a gentle
/// check-in (and whether the app should offer one).
pub fn check_in_due(remembered: Level) -> bool {
    at_risk(remembered)
}

/// An hourly message quota: ordinary messages and messages at risk count separately, the
/// latter with a higher ceiling, so someone in distress is never the one cut off first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// The most messages of this kind in one hour.
    pub limit: u32,
    /// Whether this is the ceiling of messages at risk (past it, the refusal still carries
    /// the crisis resources).
    pub risky: bool,
}

impl Quota {
    /// The quota a message screened at `level` counts against.
    pub fn for_level(level: Level, ordinary_limit: u32, risky_limit: u32) -> Self {
        let risky = at_risk(level);
        Self {
            limit: if risky { risky_limit } else { ordinary_limit },
            risky,
        }
    }
}

/// Whether the AI disclosure is due again: it was last shown `every` or longer ago.
pub fn reminder_due(now: Timestamp, disclosed_at: Timestamp, every: SignedDuration) -> bool {
    now.duration_since(disclosed_at) >= every
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn risk_is_remembered_for_the_window_and_crisis_outranks_elevated() {
        let window = SignedDuration::from_hours(72);
        let state = RiskState {
            last_elevated_at: Some(at("2026-12-04T10:00:00Z")),
            last_crisis_at: Some(at("2026-12-01T10:00:00Z")),
        };
        assert_eq!(
            state.level_at(at("2026-12-04T09:00:00Z"), window),
            Level::Crisis
        );
        assert_eq!(
            state.level_at(at("2026-12-05T10:00:00Z"), window),
            Level::Elevated
        );
        assert_eq!(
            state.level_at(at("2026-12-08T10:00:01Z"), window),
            Level::None
        );
        assert_eq!(
            RiskState::default().level_at(at("2026-12-05T10:00:00Z"), window),
            Level::None
        );
    }

    #[test]
    fn a_check_in_follows_elevated_or_crisis_risk_only() {
        assert!(!check_in_due(Level::None));
        assert!(check_in_due(Level::Elevated));
        assert!(check_in_due(Level::Crisis));
    }

    #[test]
    fn messages_at_risk_count_against_their_own_higher_ceiling() {
        assert_eq!(
            Quota::for_level(Level::None, 60, 240),
            Quota {
                limit: 60,
                risky: false
            }
        );
        assert_eq!(
            Quota::for_level(Level::Elevated, 60, 240),
            Quota {
                limit: 240,
                risky: true
            }
        );
        assert_eq!(
            Quota::for_level(Level::Crisis, 60, 240),
            Quota {
                limit: 240,
                risky: true
            }
        );
    }

    #[test]
    fn the_disclosure_is_repeated_once_its_interval_has_passed() {
        let shown = at("2026-12-05T10:00:00Z");
        let every = SignedDuration::from_hours(3);
        assert!(!reminder_due(at("2026-12-05T12:59:59Z"), shown, every));
        assert!(reminder_due(at("2026-12-05T13:00:00Z"), shown, every));
    }
}
