//! Scores the crisis screen on its labelled messages (`shared/screen/data/*.tsv`) and fails
//! below floors, so quality cannot silently slide. Run with `--nocapture` for the tables.
//!
//! - The rules alone, on rounds 1-7 (the set they were written against): the targets of
//!   `docs/safety.md` — no crisis message scored `none`, at most 1 in 20 ordinary messages
//!   scored `crisis` — and per-level floors.
//! - The whole screen (rules + semantic classifier) on the dev split, which the head is never
//!   trained on: per-level precision and recall with floors a little under what was measured
//!   (`docs/safety-screen.md`), and the false-alarm ceilings.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use therabot_screen::dataset::{self, Example};
use therabot_screen::{Level, Screen, rules};

const LEVELS: [Level; 3] = [Level::None, Level::Elevated, Level::Crisis];

fn labelled() -> Vec<Example> {
    dataset::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data")).unwrap()
}

struct Scores {
    confusion: BTreeMap<(Level, Level), usize>,
}

impl Scores {
    fn of(set: &[&Example], screen: impl Fn(&str) -> Level) -> Self {
        let mut confusion = BTreeMap::new();
        for ex in set {
            *confusion.entry((ex.level, screen(&ex.text))).or_default() += 1;
        }
        Self { confusion }
    }
    fn n(&self, label: Level, got: Level) -> f64 {
        self.confusion.get(&(label, got)).copied().unwrap_or(0) as f64
    }
    fn support(&self, label: Level) -> f64 {
        LEVELS.iter().map(|g| self.n(label, *g)).sum()
    }
    fn precision(&self, l: Level) -> f64 {
        let predicted: f64 = LEVELS.iter().map(|x| self.n(*x, l)).sum();
        if predicted > 0.0 {
            self.n(l, l) / predicted
        } else {
            1.0
        }
    }
    fn recall(&self, l: Level) -> f64 {
        self.n(l, l) / self.support(l).max(1.0)
    }
    /// The share of `label` messages scored at `got` or above.
    fn at_least(&self, label: Level, got: Level) -> f64 {
        LEVELS
            .iter()
            .filter(|g| **g >= got)
            .map(|g| self.n(label, *g))
            .sum::<f64>()
            / self.support(label).max(1.0)
    }
    fn print(&self, title: &str) {
        println!("{title}");
        println!("  level      precision  recall   support");
        for l in LEVELS {
            println!(
                "  {:<10} {:>9.3}  {:>6.3}   {}",
                l.as_str(),
                self.precision(l),
                self.recall(l),
                self.support(l)
            );
        }
        println!(
            "  crisis scored none {:.3}, crisis scored ≥ elevated {:.3}, elevated scored ≥ elevated {:.3}, none scored crisis {:.3}, none scored elevated {:.3}",
            self.n(Level::Crisis, Level::None) / self.support(Level::Crisis).max(1.0),
            self.at_least(Level::Crisis, Level::Elevated),
            self.at_least(Level::Elevated, Level::Elevated),
            self.n(Level::None, Level::Crisis) / self.support(Level::None).max(1.0),
            self.n(Level::None, Level::Elevated) / self.support(Level::None).max(1.0),
        );
    }
}

#[test]
fn the_rules_alone_meet_their_targets_on_rounds_1_to_7() {
    let set = labelled();
    let rounds: Vec<&Example> = set.iter().filter(|e| e.source.starts_with("00-")).collect();
    assert!(rounds.len() >= 800);
    let scores = Scores::of(&rounds, |t| rules::screen(t).level);
    scores.print(&format!("rules {} on rounds 1-7", rules::RULES_VERSION));
    assert_eq!(
        scores.n(Level::Crisis, Level::None),
        0.0,
        "a crisis message scored none"
    );
    assert!(scores.n(Level::None, Level::Crisis) / scores.support(Level::None) <= 0.05);
    for l in LEVELS {
        assert!(
            scores.precision(l) >= 0.85,
            "{l:?} precision {:.3}",
            scores.precision(l)
        );
        assert!(
            scores.recall(l) >= 0.85,
            "{l:?} recall {:.3}",
            scores.recall(l)
        );
    }
}

#[test]
fn the_whole_screen_meets_its_floors_on_the_dev_split_it_was_never_trained_on() {
    let set = labelled();
    assert!(
        set.len() >= 2_500,
        "the labelled set needs at least 2,500 messages"
    );
    let dev: Vec<&Example> = set.iter().filter(|e| e.is_dev()).collect();
    assert!(dev.len() >= 400);
    let classifier = support::classifier();
    let screen = Screen::new(classifier);
    // Each message screened once, as the API screens it (journal entries as kept writing): the
    // whole screen's level and the semantic layer's, which the shares below reuse (the encoder
    // is the slow part: one pass a message).
    let levels: std::collections::HashMap<&str, (Level, Level)> = dev
        .iter()
        .map(|e| {
            let screening = if is_journal(e) {
                screen.screen_writing(&e.text)
            } else {
                screen.screen(&e.text)
            };
            let semantic = screening
                .layer(therabot_screen::Layer::Semantic)
                .and_then(|v| v.level)
                .expect("the semantic layer gives a level on every labelled message");
            (e.text.as_str(), (screening.level, semantic))
        })
        .collect();
    let level_of = |t: &str| levels.get(t).map_or(Level::None, |l| l.0);
    let scores = Scores::of(&dev, level_of);
    scores.print(&format!(
        "screen {} ({}) on the dev split",
        therabot_screen::SCREEN_VERSION,
        classifier.version()
    ));
    let semantic = Scores::of(&dev, |t| levels.get(t).map_or(Level::None, |l| l.1));
    semantic.print("  of which the semantic layer alone");
    let rules_alone = Scores::of(&dev, |t| rules::screen(t).level);
    rules_alone.print("  of which the rules alone");
    // Floors: a little under what was measured when the head was trained.
    assert!(
        scores.recall(Level::Crisis) >= FLOOR_CRISIS_RECALL,
        "crisis recall {:.3}",
        scores.recall(Level::Crisis)
    );
    assert!(scores.at_least(Level::Crisis, Level::Elevated) >= FLOOR_CRISIS_FLAGGED);
    assert!(scores.at_least(Level::Elevated, Level::Elevated) >= FLOOR_ELEVATED_FLAGGED);
    // The chat's false-alarm ceilings are issue 6's; journal entries, long diary text read by
    // their own thresholds, have their own (docs/safety-screen.md, journal entries).
    let (journal, chat): (Vec<&Example>, Vec<&Example>) = dev.iter().partition(|e| is_journal(e));
    let chat_scores = Scores::of(&chat, level_of);
    chat_scores.print("  chat messages of the dev split");
    let ordinary = chat_scores.support(Level::None);
    assert!(chat_scores.n(Level::None, Level::Crisis) / ordinary <= 0.05);
    assert!(chat_scores.n(Level::None, Level::Elevated) / ordinary <= 0.12);
    let journal_scores = Scores::of(&journal, level_of);
    journal_scores.print("  journal entries of the dev split (as kept writing)");
    let entries = journal_scores.support(Level::None);
    assert!(journal.len() >= 100);
    assert!(
        journal_scores.at_least(Level::Crisis, Level::Elevated) >= FLOOR_JOURNAL_CRISIS_FLAGGED,
        "journal crisis entries flagged {:.3}",
        journal_scores.at_least(Level::Crisis, Level::Elevated)
    );
    let flagged = journal_scores.n(Level::None, Level::Crisis)
        + journal_scores.n(Level::None, Level::Elevated);
    assert!(
        flagged / entries <= CEILING_JOURNAL_ORDINARY_FLAGGED,
        "ordinary journal entries flagged {:.3}",
        flagged / entries
    );
    for l in LEVELS {
        assert!(
            scores.precision(l) >= FLOOR_PRECISION,
            "{l:?} precision {:.3}",
            scores.precision(l)
        );
    }
    // The layers together never do worse than either alone at catching crisis.
    assert!(
        scores.at_least(Level::Crisis, Level::Elevated)
            >= rules_alone.at_least(Level::Crisis, Level::Elevated)
    );
    assert!(
        scores.at_least(Level::Crisis, Level::Elevated)
            >= semantic.at_least(Level::Crisis, Level::Elevated)
    );
}

// Measured with adapter-e5-31578fd53dfc-e8 + lexical-31578fd53dfc and rules 2026.12.07-3 on
// the 3,997 dev messages of rounds up to 59 (3,613 chat messages: crisis recall 0.942,
// ordinary scored crisis 0.040 and elevated 0.075; 384 journal entries read as kept writing:
// crisis scored ≥ elevated 1.0, ordinary flagged 0.327).
// Before, with adapter-31578fd53dfc-e6 + lexical-31578fd53dfc and rules 2026.12.07-3 on the
// 3,691 dev messages of rounds up to 56 (3,359 chat messages: crisis recall 0.880, ordinary
// scored crisis 0.030 and elevated 0.077; 332 journal entries read as kept writing: crisis
// scored ≥ elevated 1.0, ordinary flagged 0.365).
// Before, with adapter-aa3c79fb7061-e8 + lexical-aa3c79fb7061 and rules 2026.12.07-2 on the
// 3,380 dev messages of rounds up to 52 (3,091 chat messages: crisis recall 0.884, ordinary
// scored crisis 0.037 and elevated 0.074; 292 journal entries read as kept writing: crisis
// scored ≥ elevated 0.979, ordinary flagged 0.290).
// Before, with adapter-e70374aec309-e8 + lexical-e70374aec309 and rules 2026.12.06-1 on the
// 2,981 dev messages of rounds up to 46 (2,762 chat messages: crisis recall 0.877, ordinary
// scored crisis 0.036 and elevated 0.074; 219 journal entries read as kept writing: crisis
// scored ≥ elevated 1.0, ordinary flagged 0.330). Before, adapter-f1fa4b2ee1df-e8 +
// lexical-05c77c852316: chat 0.891, 0.046, 0.074; journal entries 0.987, 0.405.
// Before, with the journal round 37 refit, -e8's thresholds kept, on 2,492 dev messages (rounds up to 38): crisis
// recall 0.889, elevated scored ≥ elevated 0.969, none scored crisis 0.045; with
// lexical-f1fa4b2ee1df on 2,421 dev messages (rounds up to 36): crisis recall 0.884, crisis
// scored ≥ elevated 0.938, elevated scored ≥ elevated 0.966, none scored crisis 0.038 (-t6 on the 2,167 before rounds 34-36:
// 0.881, 0.935, 0.977, 0.042; the encoder alone, -t4, on the 2,017 before rounds 32-33:
// 0.786, 0.865, 0.890, 0.048).
const FLOOR_CRISIS_RECALL: f64 = 0.84;
const FLOOR_CRISIS_FLAGGED: f64 = 0.90;
const FLOOR_ELEVATED_FLAGGED: f64 = 0.93;
const FLOOR_PRECISION: f64 = 0.60;
// Journal entries of the dev split read as kept writing: crisis entries scored at least
// elevated, and ordinary entries scored elevated or crisis (both show the crisis lines).
const FLOOR_JOURNAL_CRISIS_FLAGGED: f64 = 0.90;
const CEILING_JOURNAL_ORDINARY_FLAGGED: f64 = 0.45;

/// Journal entries: the rounds of diary text, screened as kept writing.
fn is_journal(example: &Example) -> bool {
    example.source.contains("journal")
}

#[test]
fn no_input_makes_any_offline_layer_or_the_reply_screen_panic() {
    // A small deterministic generator of hostile strings: mixed scripts, combining marks,
    // emoji, separators, very long words and runs of single letters.
    let alphabet: Vec<char> =
        "ai kms.-_'’\u{200B}\u{301}éñ😂💀Ｉіо0134@$!?\n\t\"#ÿ日本ßﬁ\u{0}\u{fffd}\u{2028}"
            .chars()
            .collect();
    let classifier = support::classifier();
    let screen = Screen::new(classifier);
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in 0..3_000 {
        let mut text = String::new();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let len = (seed % 200) as usize;
        for k in 0..len {
            let x = seed.rotate_left(k as u32 % 64).wrapping_mul(k as u64 + 1);
            text.push(alphabet[(x % alphabet.len() as u64) as usize]);
        }
        let _ = rules::screen(&text);
        let _ = therabot_screen::reply::method_content(&text);
        let _ = therabot_screen::judge::parse(&text);
        // The encoder is slower: one string in twenty goes through the whole screen.
        if i % 20 == 0 {
            let s = screen.screen(&text);
            assert!(
                s.layer(therabot_screen::Layer::Semantic)
                    .unwrap()
                    .level
                    .is_some()
            );
        }
    }
    for text in [
        "",
        " ",
        "\u{0}",
        &"k ".repeat(5_000),
        &"suicide".repeat(600),
        &"日".repeat(4_000),
    ] {
        let s = screen.screen(text);
        assert!(
            s.layer(therabot_screen::Layer::Semantic)
                .unwrap()
                .level
                .is_some(),
            "{:.20}",
            text
        );
    }
}
