//! Exercise completions: someone did a guided exercise, for how long, how they felt before and
//! after, and — for a CBT thought record — what they worked through. "What helps me" is
//! computed from them: per exercise, how often, how long, and the mean mood change.

use std::collections::BTreeMap;

use jiff::Timestamp;

use super::mood::{self, MoodScore, Note};
use super::risk::SafetyVerdict;
use super::text::{Label, check_text};
use super::{CompletionId, FieldError};

/// The longest exercise session counted, in seconds (four hours).
pub const DURATION_MAX_S: i64 = 14_400;
/// The longest text of one thought-record field, in characters.
pub const RECORD_TEXT_MAX_CHARS: usize = 2_000;
/// The most items of one thought-record list.
pub const RECORD_LIST_MAX: usize = 10;
/// What an exercise id looks like: `b-` (built-in) or `p-` (provider) and a slug.
pub const EXERCISE_ID_PATTERN: &str = "^[bp]-[a-z0-9][a-z0-9-]{0,62}$";

/// A catalogue id: `b-<slug>` for a built-in exercise, `p-<slug>` for one of the provider's.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ExerciseId(String);

impl ExerciseId {
    /// Checks the shape of an id (whether the catalogue holds it is asked separately).
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let bytes = raw.as_bytes();
        let valid = raw.len() >= 3
            && raw.len() <= 65
            && matches!(bytes.first(), Some(b'b' | b'p'))
            && bytes.get(1) == Some(&b'-')
            && bytes[2..]
                .iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
            && bytes.get(2) != Some(&b'-');
        if valid {
            Ok(Self(raw.to_owned()))
        } else {
            Err(FieldError::new(
                field,
                "must be an exercise id such as b-box-breathing",
            ))
        }
    }

    /// The built-in exercise with this slug.
    pub fn built_in(slug: &str) -> Self {
        Self(format!("b-{slug}"))
    }

    /// The provider's exercise with this id.
    pub fn provider(id: &str) -> Self {
        Self(format!("p-{id}"))
    }

    /// Whether it names a provider's exercise.
    pub fn is_provider(&self) -> bool {
        self.0.starts_with("p-")
    }

    /// Rebuilds an id read back from the store.
    pub fn from_stored(raw: String) -> Self {
        Self(raw)
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How useful it felt, 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rating(u8);

impl Rating {
    /// Accepts 1 to 5.
    pub fn parse(field: &str, raw: i64) -> Result<Self, FieldError> {
        u8::try_from(raw)
            .ok()
            .filter(|v| (1..=5).contains(v))
            .map(Self)
            .ok_or_else(|| FieldError::new(field, "must be an integer from 1 to 5"))
    }

    /// The value.
    pub fn get(self) -> u8 {
        self.0
    }
}

/// A 0–100 rating of how strong an emotion is or how much a thought is believed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Percent(u8);

impl Percent {
    /// Accepts 0 to 100.
    pub fn parse(field: &str, raw: i64) -> Result<Self, FieldError> {
        u8::try_from(raw)
            .ok()
            .filter(|v| *v <= 100)
            .map(Self)
            .ok_or_else(|| FieldError::new(field, "must be an integer from 0 to 100"))
    }

    /// The value.
    pub fn get(self) -> u8 {
        self.0
    }
}

/// Text in a thought record: 1 to [`RECORD_TEXT_MAX_CHARS`] characters, not only whitespace.
pub fn record_text(field: &str, raw: &str) -> Result<String, FieldError> {
    check_text(field, raw, RECORD_TEXT_MAX_CHARS)?;
    if raw.trim().is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    Ok(raw.to_owned())
}

/// An emotion of a thought record, rated before and (optionally) after.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordEmotion {
    /// The emotion, as a label.
    pub name: Label,
    /// How strong it was, 0–100.
    pub intensity: Percent,
    /// How strong it is after the balanced thought, 0–100.
    pub rerated: Option<Percent>,
}

/// An automatic thought; exactly one of a record's is the "hot" thought.
#[derive(Debug, Clone, PartialEq)]
pub struct AutomaticThought {
    /// The thought.
    pub text: String,
    /// Whether it is the hot thought, the one carrying the most feeling.
    pub hot: bool,
}

/// A CBT thought record.
#[derive(Debug, Clone, PartialEq)]
pub struct ThoughtRecord {
    /// What happened.
    pub situation: String,
    /// The emotions felt, rated 0–100 (and re-rated at the end).
    pub emotions: Vec<RecordEmotion>,
    /// The thoughts that came, one marked hot.
    pub automatic_thoughts: Vec<AutomaticThought>,
    /// Evidence that supports the hot thought.
    pub evidence_for: Vec<String>,
    /// Evidence that does not.
    pub evidence_against: Vec<String>,
    /// A more balanced thought.
    pub balanced_thought: String,
    /// How much the balanced thought is believed, 0–100.
    pub balanced_belief: Percent,
}

impl ThoughtRecord {
    /// Every free text of the record, for the crisis screen.
    pub fn texts(&self) -> Vec<&str> {
        let mut texts = vec![self.situation.as_str()];
        texts.extend(self.automatic_thoughts.iter().map(|t| t.text.as_str()));
        texts.extend(self.evidence_for.iter().map(String::as_str));
        texts.extend(self.evidence_against.iter().map(String::as_str));
        texts.push(&self.balanced_thought);
        texts
    }
}

/// Checks a list's length: `min` to [`RECORD_LIST_MAX`] items.
pub fn check_list_len(field: &str, len: usize, min: usize) -> Result<(), FieldError> {
    if len < min || len > RECORD_LIST_MAX {
        return Err(FieldError::new(
            field,
            format!("must hold {min} to {RECORD_LIST_MAX} items (got {len})"),
        ));
    }
    Ok(())
}

/// Exactly one automatic thought is the hot one.
pub fn check_one_hot(field: &str, thoughts: &[AutomaticThought]) -> Result<(), FieldError> {
    match thoughts.iter().filter(|t| t.hot).count() {
        1 => Ok(()),
        _ => Err(FieldError::new(
            field,
            "exactly one automatic thought must be marked hot",
        )),
    }
}

/// A new completion, checked.
#[derive(Debug, Clone)]
pub struct NewCompletion {
    /// The exercise.
    pub exercise_id: ExerciseId,
    /// When it started.
    pub started_at: Timestamp,
    /// How long it took, in seconds.
    pub duration_s: u32,
    /// Mood before, 1–10.
    pub mood_before: Option<MoodScore>,
    /// Mood after, 1–10.
    pub mood_after: Option<MoodScore>,
    /// How useful it felt, 1–5.
    pub rating: Option<Rating>,
    /// A short note.
    pub note: Option<Note>,
    /// The thought record, for CBT exercises.
    pub thought_record: Option<ThoughtRecord>,
}

/// Checks a session's length: 1 second to four hours.
pub fn duration(field: &str, raw: i64) -> Result<u32, FieldError> {
    u32::try_from(raw)
        .ok()
        .filter(|s| (1..=DURATION_MAX_S as u32).contains(s))
        .ok_or_else(|| FieldError::new(field, "must be an integer from 1 to 14400 seconds"))
}

/// Checks when a session started: as a mood's `recorded_at` (not before 2000, not in the
/// future), kept to the millisecond.
pub fn started_at(field: &str, at: Timestamp, now: Timestamp) -> Result<Timestamp, FieldError> {
    mood::recorded_at(field, at, now)
}

impl NewCompletion {
    /// Every free text the person wrote (note and thought record), for the crisis screen.
    pub fn texts(&self) -> Vec<&str> {
        let mut texts: Vec<&str> = self.note.iter().map(Note::as_str).collect();
        if let Some(record) = &self.thought_record {
            texts.extend(record.texts());
        }
        texts
    }

    /// The entry to store, its free text screened as `safety`.
    pub fn into_entry(self, now: Timestamp, safety: SafetyVerdict) -> CompletionEntry {
        CompletionEntry {
            id: CompletionId::new_at(self.started_at),
            completion: self,
            safety,
            created_at: now,
        }
    }
}

/// What a reply offering an exercise says, folded for search, and the built-in exercise it
/// offers. The more specific come first: at the same position they win.
const OFFERS: &[(&str, &str)] = &[
    ("box breathing", "box-breathing"),
    ("4-7-8", "breathing-4-7-8"),
    ("physiological sigh", "physiological-sigh"),
    ("5-4-3-2-1", "grounding-5-4-3-2-1"),
    ("5 things you can see", "grounding-5-4-3-2-1"),
    ("5 cosas que ves", "grounding-5-4-3-2-1"),
    ("grounding exercise", "grounding-5-4-3-2-1"),
    ("ejercicio de anclaje", "grounding-5-4-3-2-1"),
    ("body scan", "body-scan"),
    (
        "progressive muscle relaxation",
        "progressive-muscle-relaxation",
    ),
    ("thought record", "thought-record"),
    ("worry time", "worry-time"),
    ("self-compassion break", "self-compassion-break"),
    ("urge surfing", "urge-surfing"),
    ("safe place", "safe-place-imagery"),
    ("breath", "paced-breathing"),
    ("respira", "paced-breathing"),
];

/// The built-in exercise a reply offers, if it offers one: the one it names first. The app
/// opens it with one tap instead of the person searching for it.
pub fn offered_in(reply: &str) -> Option<ExerciseId> {
    let folded = super::chat::fold_for_search(reply);
    OFFERS
        .iter()
        .enumerate()
        .filter_map(|(rank, (phrase, slug))| folded.find(phrase).map(|at| (at, rank, *slug)))
        .min()
        .map(|(_, _, slug)| ExerciseId::built_in(slug))
}

/// A stored completion; its id's time part is `started_at`.
#[derive(Debug, Clone)]
pub struct CompletionEntry {
    /// Its id.
    pub id: CompletionId,
    /// What was done.
    pub completion: NewCompletion,
    /// The screen's verdict on its free text.
    pub safety: SafetyVerdict,
    /// When it was stored.
    pub created_at: Timestamp,
}

/// What "what helps me" reads of one completion.
#[derive(Debug, Clone, PartialEq)]
pub struct CompletionPoint {
    /// The exercise.
    pub exercise_id: String,
    /// Seconds spent.
    pub duration_s: u32,
    /// Mood before.
    pub mood_before: Option<u8>,
    /// Mood after.
    pub mood_after: Option<u8>,
}

/// One exercise's part in "what helps me".
#[derive(Debug, Clone, PartialEq)]
pub struct ExerciseEffect {
    /// The exercise.
    pub exercise_id: String,
    /// How many completions.
    pub count: u32,
    /// Minutes spent in all, to one decimal.
    pub total_minutes: f64,
    /// The mean of (mood after − mood before), to two decimals, over the completions that
    /// have both; `None` when none has.
    pub mean_mood_change: Option<f64>,
    /// How many completions the mean rests on.
    pub mood_change_count: u32,
}

/// Per exercise: count, minutes and mean mood change, the largest mean change first (those
/// without one last), then the most done. No streaks: nothing here counts consecutive days.
pub fn what_helps(points: &[CompletionPoint]) -> Vec<ExerciseEffect> {
    #[derive(Default)]
    struct Sums {
        count: u32,
        seconds: u64,
        change: i64,
        changes: u32,
    }
    let mut sums: BTreeMap<&str, Sums> = BTreeMap::new();
    for point in points {
        let s = sums.entry(point.exercise_id.as_str()).or_default();
        s.count += 1;
        s.seconds += u64::from(point.duration_s);
        if let (Some(before), Some(after)) = (point.mood_before, point.mood_after) {
            s.change += i64::from(after) - i64::from(before);
            s.changes += 1;
        }
    }
    let mut effects: Vec<ExerciseEffect> = sums
        .into_iter()
        .map(|(id, s)| ExerciseEffect {
            exercise_id: id.to_owned(),
            count: s.count,
            total_minutes: (s.seconds as f64 / 6.0).round() / 10.0,
            mean_mood_change: (s.changes > 0)
                .then(|| (s.change as f64 / f64::from(s.changes) * 100.0).round() / 100.0),
            mood_change_count: s.changes,
        })
        .collect();
    effects.sort_by(|a, b| {
        let key = |e: &ExerciseEffect| e.mean_mood_change.unwrap_or(f64::NEG_INFINITY);
        key(b)
            .total_cmp(&key(a))
            .then(b.count.cmp(&a.count))
            .then(a.exercise_id.cmp(&b.exercise_id))
    });
    effects
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(id: &str, seconds: u32, before: Option<u8>, after: Option<u8>) -> CompletionPoint {
        CompletionPoint {
            exercise_id: id.into(),
            duration_s: seconds,
            mood_before: before,
            mood_after: after,
        }
    }

    #[test]
    fn a_reply_offers_the_exercise_it_names_first() {
        let offered = |text: &str| offered_in(text).map(|id| id.as_str().to_owned());
        assert_eq!(
            offered("Want to try a quick grounding exercise? Name 5 things you can see").as_deref(),
            Some("b-grounding-5-4-3-2-1")
        );
        assert_eq!(
            offered("We could try a slow breath together: in for 4, out for 6.").as_deref(),
            Some("b-paced-breathing")
        );
        assert_eq!(
            offered("Try box breathing, or a short breathing exercise.").as_deref(),
            Some("b-box-breathing")
        );
        assert_eq!(
            offered("Podemos respirar despacio juntos.").as_deref(),
            Some("b-paced-breathing")
        );
        assert_eq!(
            offered("That sounds really hard. What happened next?"),
            None
        );
    }

    #[test]
    fn exercise_ids_are_built_in_or_provider_slugs() {
        assert!(ExerciseId::parse("id", "b-box-breathing").is_ok());
        assert!(
            ExerciseId::parse("id", "p-ocean-breath")
                .unwrap()
                .is_provider()
        );
        for bad in ["box-breathing", "x-box", "b-", "b--x", "b-Box", "p-a b", ""] {
            assert!(ExerciseId::parse("id", bad).is_err(), "{bad}");
        }
        assert!(ExerciseId::parse("id", &format!("b-{}", "a".repeat(63))).is_ok());
        assert!(ExerciseId::parse("id", &format!("b-{}", "a".repeat(64))).is_err());
    }

    #[test]
    fn what_helps_averages_mood_change_only_over_completions_that_have_both_moods() {
        let effects = what_helps(&[
            point("b-box-breathing", 240, Some(4), Some(6)),
            point("b-box-breathing", 300, Some(5), Some(6)),
            point("b-box-breathing", 60, None, Some(9)),
            point("b-body-scan", 600, Some(6), Some(5)),
            point("b-worry-time", 900, None, None),
        ]);
        let ids: Vec<&str> = effects.iter().map(|e| e.exercise_id.as_str()).collect();
        assert_eq!(ids, ["b-box-breathing", "b-body-scan", "b-worry-time"]);
        let box_breathing = &effects[0];
        assert_eq!(box_breathing.count, 3);
        assert_eq!(box_breathing.total_minutes, 10.0);
        assert_eq!(box_breathing.mean_mood_change, Some(1.5));
        assert_eq!(box_breathing.mood_change_count, 2);
        assert_eq!(effects[1].mean_mood_change, Some(-1.0));
        assert_eq!(effects[2].mean_mood_change, None);
        assert_eq!(effects[2].mood_change_count, 0);
    }

    #[test]
    fn a_thought_record_has_exactly_one_hot_thought() {
        let thought = |hot| AutomaticThought {
            text: "I always fail".into(),
            hot,
        };
        assert!(check_one_hot("t", &[thought(true), thought(false)]).is_ok());
        assert!(check_one_hot("t", &[thought(false)]).is_err());
        assert!(check_one_hot("t", &[thought(true), thought(true)]).is_err());
        assert!(Percent::parse("p", 101).is_err());
        assert!(duration("d", 0).is_err());
        assert!(duration("d", 14_401).is_err());
    }
}
