//! A long text's windows are read until a deadline, so that screening a journal entry of
//! thousands of words cannot outlast the function that saves it; what was left unread is
//! said in the verdict, and the rules still read everything.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::time::{Duration, Instant};

use therabot_screen::semantic::windows_unread;
use therabot_screen::{Layer, Level, Register, Screen};

/// About 6,000 characters of ordinary diary text, no two windows alike, with a crisis
/// sentence at the very end.
fn long_entry_ending_in_crisis() -> String {
    let mut text = String::new();
    for day in 1..=60 {
        text.push_str(&format!(
            "Day {day}: walked to the bakery number {day}, watered plant {day} and called my sister about chapter {day} of her book. "
        ));
    }
    text.push_str("I want to kill myself tonight.");
    text
}

#[test]
fn a_deadline_already_past_reads_the_first_window_and_counts_the_rest_unread() {
    let classifier = support::classifier();
    let text = long_entry_ending_in_crisis();
    let whole = classifier.assess_as(&text, Register::Writing).unwrap();
    assert!(whole.windows > 10, "{} windows", whole.windows);
    assert_eq!(whole.unread, 0);

    let partial = classifier
        .assess_within(&text, Register::Writing, Some(Instant::now()))
        .unwrap();
    assert_eq!(partial.windows, 1);
    assert_eq!(partial.unread, whole.windows - 1);

    let verdict = classifier.verdict_within(&text, Register::Writing, Some(Instant::now()));
    assert_eq!(windows_unread(&verdict), Some((1, whole.windows - 1)));
    let complete = classifier.verdict_within(
        &text,
        Register::Writing,
        Some(Instant::now() + Duration::from_secs(600)),
    );
    assert_eq!(windows_unread(&complete), None);
}

#[test]
fn the_rules_still_read_what_the_semantic_layer_had_no_time_for() {
    let classifier = support::classifier();
    let text = long_entry_ending_in_crisis();
    let screening = Screen::new(classifier)
        .reading_until(Instant::now())
        .screen_writing(&text);
    assert_eq!(screening.level, Level::Crisis);
    assert_eq!(
        screening.layer(Layer::Rules).and_then(|v| v.level),
        Some(Level::Crisis)
    );
    let semantic = screening.layer(Layer::Semantic).unwrap();
    assert!(windows_unread(semantic).is_some_and(|(read, _)| read == 1));
}

#[test]
fn the_windows_a_long_text_is_read_in_are_the_ones_its_assessment_took_the_riskiest_of() {
    let classifier = support::classifier();
    let text = long_entry_ending_in_crisis();
    let whole = classifier.assess_as(&text, Register::Writing).unwrap();
    let (windows, lexical) = classifier.window_probabilities(&text).unwrap();
    assert_eq!(windows.len(), whole.windows);
    assert_eq!(
        (lexical.crisis, lexical.elevated),
        (whole.lexical.crisis, whole.lexical.elevated)
    );
    assert!(
        windows
            .iter()
            .any(|p| (p.crisis, p.elevated) == (whole.encoder.crisis, whole.encoder.elevated)),
        "the assessment's window is one of the windows"
    );
}
