//! The bundled catalogue of writing prompts (`data/prompts.json`, written by us), parsed
//! once per container and checked by a test.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A kind of writing prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum PromptCategory {
    /// What went well, and who helped.
    Gratitude,
    /// The day, and what it taught.
    Reflection,
    /// Worries written down, sorted and set aside.
    Worry,
    /// Kindness towards yourself.
    SelfCompassion,
    /// What matters to you.
    Values,
    /// Thoughts examined, as in cognitive behavioural therapy.
    Cbt,
}

/// The prompt categories, in the order the catalogue lists them.
pub const CATEGORIES: [PromptCategory; 6] = [
    PromptCategory::Gratitude,
    PromptCategory::Reflection,
    PromptCategory::Worry,
    PromptCategory::SelfCompassion,
    PromptCategory::Values,
    PromptCategory::Cbt,
];

/// One writing prompt.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Prompt {
    /// Its id, to pass as a journal entry's `prompt_id`.
    #[schema(example = "gratitude-01")]
    pub id: String,
    /// Its category.
    pub category: PromptCategory,
    /// A short title.
    pub title: String,
    /// The prompt itself.
    pub text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Catalogue {
    version: String,
    prompts: Vec<Prompt>,
}

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../data/prompts.json")).unwrap_or_else(|error| {
        // A test parses the file, so this only happens to a build that skipped the tests.
        tracing::error!(%error, "the prompt catalogue does not parse; serving none");
        Catalogue {
            version: "invalid".to_owned(),
            prompts: Vec::new(),
        }
    })
});

/// Every prompt, or those of `category`.
pub fn list(category: Option<PromptCategory>) -> Vec<&'static Prompt> {
    CATALOGUE
        .prompts
        .iter()
        .filter(|p| category.is_none_or(|c| p.category == c))
        .collect()
}

/// The prompt with this id, if the catalogue has it.
pub fn find(id: &str) -> Option<&'static Prompt> {
    CATALOGUE.prompts.iter().find(|p| p.id == id)
}

/// The catalogue's version.
pub fn version() -> &'static str {
    &CATALOGUE.version
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_holds_at_least_forty_prompts_in_every_category_with_unique_ids() {
        let all = list(None);
        assert!(all.len() >= 40, "{} prompts", all.len());
        for category in CATEGORIES {
            assert!(
                list(Some(category)).len() >= 6,
                "too few prompts in {category:?}"
            );
        }
        let mut ids: Vec<&str> = all.iter().map(|p| p.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), all.len(), "duplicate prompt ids");
        for prompt in all {
            assert!(
                therabot_shared::domain::journal::parse_prompt_id("prompt_id", &prompt.id).is_ok()
            );
            assert!(
                (40..=300).contains(&prompt.text.chars().count()),
                "{}",
                prompt.id
            );
        }
        assert_eq!(version(), "prompts-v1");
    }
}
