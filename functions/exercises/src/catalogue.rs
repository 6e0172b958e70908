//! Exercises and the rules of the provider contract (`docs/exercise-provider.md`): one
//! validator reads both the provider's catalogue and our built-in one (`data/built_in.json`),
//! so a built-in exercise obeys exactly the rules a provider's must.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The most exercises a provider's catalogue may hold.
pub const MAX_EXERCISES: usize = 200;

/// What an exercise is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Paced breathing.
    Breathing,
    /// Coming back to the here and now through the senses.
    Grounding,
    /// Cognitive behavioural exercises (thought records, activation, worry time).
    Cbt,
    /// Attention and acceptance.
    Mindfulness,
    /// The body: scans, relaxation.
    Body,
}

/// A breathing step's phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Breathe in.
    Inhale,
    /// Hold.
    Hold,
    /// Breathe out.
    Exhale,
}

/// Where an exercise comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum Source {
    /// The exercise provider (`EXERCISE_API_URL`).
    #[serde(rename = "provider")]
    Provider,
    /// Therabot's own catalogue, always available.
    #[serde(rename = "built-in")]
    BuiltIn,
}

/// One step of an exercise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Step {
    /// What to do.
    pub instruction: String,
    /// How long, in seconds; absent when self-paced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<u32>,
    /// For breathing: inhale, hold or exhale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Phase>,
}

/// Who wrote an exercise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Attribution {
    /// The author.
    pub author: String,
    /// The licence, if stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    /// Where it is published (https), if stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A guided exercise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Exercise {
    /// `b-<slug>` for a built-in exercise, `p-<id>` for one of the provider's.
    #[schema(example = "b-box-breathing")]
    pub id: String,
    /// Its title.
    pub title: String,
    /// What it is and what it is for.
    pub summary: String,
    /// Its category.
    pub category: Category,
    /// How long it takes, in seconds.
    pub duration_seconds: u32,
    /// How many times `steps` repeat (breathing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cycles: Option<u32>,
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// When not to do it, or when to stop.
    pub contraindications: Vec<String>,
    /// Provider or built-in.
    pub source: Source,
    /// Who wrote it.
    pub attribution: Attribution,
}

/// An exercise as the contract's JSON gives it (before its rules are checked).
#[derive(Debug, Deserialize)]
struct RawExercise {
    id: String,
    title: String,
    summary: String,
    category: Category,
    duration_seconds: u32,
    #[serde(default)]
    cycles: Option<u32>,
    steps: Vec<Step>,
    #[serde(default)]
    contraindications: Vec<String>,
    attribution: Attribution,
}

fn chars_between(text: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&text.chars().count()) && !text.trim().is_empty()
}

fn valid_slug(id: &str) -> bool {
    let bytes = id.as_bytes();
    (1..=63).contains(&bytes.len())
        && bytes[0] != b'-'
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

fn valid_step(step: &Step, breathing: bool) -> bool {
    chars_between(&step.instruction, 1, 500)
        && step.seconds.is_none_or(|s| (1..=600).contains(&s))
        && step.phase.is_some() == breathing
}

fn valid_attribution(attribution: &Attribution) -> bool {
    chars_between(&attribution.author, 1, 200)
        && attribution
            .license
            .as_deref()
            .is_none_or(|l| chars_between(l, 1, 100))
        && attribution
            .url
            .as_deref()
            .is_none_or(|u| u.starts_with("https://") && u.len() <= 500)
}

impl RawExercise {
    /// The exercise, if it keeps every rule of the contract.
    fn check(self, source: Source) -> Option<Exercise> {
        let breathing = self.category == Category::Breathing;
        let valid = valid_slug(&self.id)
            && chars_between(&self.title, 1, 100)
            && chars_between(&self.summary, 1, 500)
            && (10..=3_600).contains(&self.duration_seconds)
            && self.cycles.is_none_or(|c| (1..=100).contains(&c))
            && (1..=50).contains(&self.steps.len())
            && self.steps.iter().all(|s| valid_step(s, breathing))
            && self.contraindications.len() <= 10
            && self
                .contraindications
                .iter()
                .all(|c| chars_between(c, 1, 300))
            && valid_attribution(&self.attribution);
        valid.then(|| Exercise {
            id: match source {
                Source::Provider => format!("p-{}", self.id),
                Source::BuiltIn => format!("b-{}", self.id),
            },
            title: self.title,
            summary: self.summary,
            category: self.category,
            duration_seconds: self.duration_seconds,
            cycles: self.cycles,
            steps: self.steps,
            contraindications: self.contraindications,
            source,
            attribution: self.attribution,
        })
    }
}

/// A catalogue read from the contract's JSON: the valid exercises, and how many were dropped.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The exercises that keep every rule, in the order given, ids unique.
    pub exercises: Vec<Exercise>,
    /// How many broke a rule (or repeated an id) and were left out.
    pub dropped: usize,
}

/// Reads a catalogue document. `None` when it is not the contract's shape at all (not JSON,
/// no `exercises` list, more than [`MAX_EXERCISES`]); otherwise each exercise is checked on
/// its own and a broken one is dropped, not the whole catalogue.
pub fn parse(bytes: &[u8], source: Source) -> Option<Parsed> {
    #[derive(Deserialize)]
    struct Document {
        exercises: Vec<serde_json::Value>,
    }
    let document: Document = serde_json::from_slice(bytes).ok()?;
    if document.exercises.len() > MAX_EXERCISES {
        return None;
    }
    let total = document.exercises.len();
    let mut exercises: Vec<Exercise> = Vec::with_capacity(total);
    for value in document.exercises {
        let checked = serde_json::from_value::<RawExercise>(value)
            .ok()
            .and_then(|raw| raw.check(source));
        if let Some(exercise) = checked
            && !exercises.iter().any(|e| e.id == exercise.id)
        {
            exercises.push(exercise);
        }
    }
    Some(Parsed {
        dropped: total - exercises.len(),
        exercises,
    })
}

static BUILT_IN: LazyLock<Vec<Exercise>> = LazyLock::new(|| {
    match parse(include_bytes!("../data/built_in.json"), Source::BuiltIn) {
        Some(parsed) => parsed.exercises,
        None => {
            // A test reads the file, so this only happens to a build that skipped the tests.
            tracing::error!("the built-in exercise catalogue does not parse");
            Vec::new()
        }
    }
});

/// Therabot's own exercises, always available.
pub fn built_in() -> &'static [Exercise] {
    &BUILT_IN
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_catalogue_keeps_every_rule_and_holds_the_fifteen_named_exercises() {
        let parsed = parse(include_bytes!("../data/built_in.json"), Source::BuiltIn).unwrap();
        assert_eq!(
            parsed.dropped, 0,
            "every built-in exercise keeps the contract"
        );
        assert!(parsed.exercises.len() >= 15);
        for slug in [
            "box-breathing",
            "breathing-4-7-8",
            "physiological-sigh",
            "paced-breathing",
            "grounding-5-4-3-2-1",
            "body-scan",
            "progressive-muscle-relaxation",
            "thought-record",
            "behavioural-activation",
            "worry-time",
            "self-compassion-break",
            "stop-skill",
            "urge-surfing",
            "safe-place-imagery",
            "values-check-in",
        ] {
            let id = format!("b-{slug}");
            assert!(built_in().iter().any(|e| e.id == id), "{id} is missing");
        }
        let breathing = built_in()
            .iter()
            .filter(|e| e.category == Category::Breathing);
        for exercise in breathing {
            assert!(exercise.cycles.is_some(), "{}", exercise.id);
            assert!(exercise.steps.iter().all(|s| s.phase.is_some()));
        }
    }

    #[test]
    fn a_broken_exercise_is_dropped_and_the_rest_kept() {
        let document = serde_json::json!({"exercises": [
            {"id": "ok", "title": "Fine", "summary": "s", "category": "body",
             "duration_seconds": 60, "steps": [{"instruction": "Relax"}],
             "attribution": {"author": "A"}},
            {"id": "Bad Id", "title": "x", "summary": "s", "category": "body",
             "duration_seconds": 60, "steps": [{"instruction": "x"}],
             "attribution": {"author": "A"}},
            {"id": "no-phase", "title": "x", "summary": "s", "category": "breathing",
             "duration_seconds": 60, "steps": [{"instruction": "Breathe"}],
             "attribution": {"author": "A"}},
            {"id": "ok", "title": "Twice", "summary": "s", "category": "body",
             "duration_seconds": 60, "steps": [{"instruction": "x"}],
             "attribution": {"author": "A"}},
            {"id": "insecure", "title": "x", "summary": "s", "category": "body",
             "duration_seconds": 60, "steps": [{"instruction": "x"}],
             "attribution": {"author": "A", "url": "http://plain.example"}},
            "not an object"
        ]});
        let parsed = parse(document.to_string().as_bytes(), Source::Provider).unwrap();
        assert_eq!(parsed.dropped, 5);
        assert_eq!(parsed.exercises.len(), 1);
        assert_eq!(parsed.exercises[0].id, "p-ok");
        assert_eq!(parsed.exercises[0].source, Source::Provider);
        assert!(parse(b"not json", Source::Provider).is_none());
        assert!(parse(b"{\"items\": []}", Source::Provider).is_none());
    }
}
