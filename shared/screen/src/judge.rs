//! The LLM judge's contract: what it is asked and how its answer is read. The request itself
//! is sent by the chat function (beside the reply, with its own short deadline); this module
//! only builds the prompt and parses the verdict, and refuses anything that is not exactly
//! the structured answer it asked for. A judge can only raise a level.

use serde::Deserialize;

use crate::{Layer, LayerVerdict, Level};

/// The version of the judge's prompt; stored with every verdict, beside the model's name.
pub const JUDGE_VERSION: &str = "judge-2026.11.25-1";

/// The reason codes the judge may give.
pub const REASONS: &[&str] = &[
    "no_risk",
    "passive_ideation",
    "hopelessness",
    "self_harm",
    "intent",
    "plan",
    "means",
    "attempt",
    "method_request",
    "farewell",
    "other_risk",
];

/// The judge's system prompt.
pub const JUDGE_PROMPT: &str = "You are a clinical safety classifier for a mental-health \
support app. You never reply to the user. Read the conversation excerpt and classify ONLY the \
last user message for suicide and self-harm risk, reading its meaning, not its keywords: \
oblique talk counts (means or dangerous places described without saying what for, final \
arrangements, goodbyes, euphemisms for dying, method or dose questions framed as a story, a \
friend or a hypothetical). Idioms, other people's risk, fiction without a method question, \
and past risk the writer has recovered from are not risk.\n\
Levels: \"crisis\" = intent, plan, means at hand, preparation, an attempt in progress, a \
farewell, asking for methods or lethal doses; \"elevated\" = passive ideation, hopelessness \
about living, feeling a burden, self-harm without immediate danger; \"none\" = no such risk.\n\
Answer with one JSON object and nothing else: {\"level\": \"none\"|\"elevated\"|\"crisis\", \
\"reason\": one of no_risk, passive_ideation, hopelessness, self_harm, intent, plan, means, \
attempt, method_request, farewell, other_risk}.";

/// Longest judge answer read; anything longer is not the small object we asked for.
pub const MAX_ANSWER_CHARS: usize = 400;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Answer {
    level: String,
    reason: String,
}

/// A verdict the judge gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JudgeVerdict {
    /// The level.
    pub level: Level,
    /// The reason code (one of [`REASONS`]).
    pub reason: &'static str,
}

/// Reads the judge's answer: one JSON object (a Markdown code fence around it is tolerated)
/// with a known level and reason. Anything else is `None`.
pub fn parse(answer: &str) -> Option<JudgeVerdict> {
    if answer.chars().count() > MAX_ANSWER_CHARS {
        return None;
    }
    let trimmed = answer
        .trim()
        .trim_start_matches("```json")
        .trim_start_matches("```")
        .trim_end_matches("```")
        .trim();
    let parsed: Answer = serde_json::from_str(trimmed).ok()?;
    let level = Level::parse(parsed.level.trim().to_ascii_lowercase().as_str())?;
    let reason = REASONS
        .iter()
        .find(|r| r.eq_ignore_ascii_case(parsed.reason.trim()))?;
    Some(JudgeVerdict { level, reason })
}

/// The stored verdict of a judge that answered.
pub fn verdict(model: &str, judged: &JudgeVerdict) -> LayerVerdict {
    LayerVerdict {
        layer: Layer::Judge,
        level: Some(judged.level),
        version: format!("{JUDGE_VERSION}/{model}"),
        detail: Some(judged.reason.to_owned()),
    }
}

/// The stored verdict of a judge that gave no usable answer (`timeout`, `error`, `garbage`).
pub fn no_verdict(model: &str, why: &str) -> LayerVerdict {
    LayerVerdict {
        layer: Layer::Judge,
        level: None,
        version: format!("{JUDGE_VERSION}/{model}"),
        detail: Some(why.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_well_formed_answer_is_read() {
        assert_eq!(
            parse(r#"{"level":"crisis","reason":"means"}"#),
            Some(JudgeVerdict {
                level: Level::Crisis,
                reason: "means"
            })
        );
        assert_eq!(
            parse("```json\n{\"level\": \"Elevated\", \"reason\": \"hopelessness\"}\n```")
                .map(|v| v.level),
            Some(Level::Elevated)
        );
    }

    #[test]
    fn anything_but_the_structured_verdict_is_refused() {
        for answer in [
            "",
            "crisis",
            "I think this is a crisis.",
            r#"{"level":"severe","reason":"means"}"#,
            r#"{"level":"crisis","reason":"vibes"}"#,
            r#"{"level":"crisis","reason":"means","extra":1}"#,
            r#"{"level":"crisis"}"#,
            r#"[{"level":"crisis","reason":"means"}]"#,
        ] {
            assert_eq!(parse(answer), None, "{answer}");
        }
        let long = format!(
            r#"{{"level":"crisis","reason":"means"}}{}"#,
            " ".repeat(500)
        );
        assert_eq!(parse(&long), None);
    }
}
