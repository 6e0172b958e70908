//! Scores the crisis screen on the labelled set in `screen_set.tsv` and fails below the
//! targets of `docs/safety.md`: no crisis message scored `none`, at most 1 in 20 ordinary
//! messages scored `crisis`; and, so quality cannot silently slide, per-level floors.
//! Run with `--nocapture` to see the table and every miss.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::BTreeMap;
use std::time::Instant;

use therabot_shared::safety::{Level, screen};

fn level(name: &str) -> Level {
    match name {
        "crisis" => Level::Crisis,
        "elevated" => Level::Elevated,
        "none" => Level::None,
        other => panic!("unknown label {other}"),
    }
}

fn labelled() -> Vec<(Level, String, String)> {
    include_str!("screen_set.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|line| {
            let mut parts = line.splitn(3, '\t');
            let label = level(parts.next().unwrap());
            let lang = parts.next().unwrap().to_owned();
            let text = parts.next().expect("three columns").to_owned();
            (label, lang, text)
        })
        .collect()
}

#[test]
fn the_screen_meets_its_targets_on_the_labelled_set() {
    let set = labelled();
    assert!(set.len() >= 300, "the set needs at least 300 messages");
    let mut confusion: BTreeMap<(Level, Level), usize> = BTreeMap::new();
    let mut misses = Vec::new();
    for (label, lang, text) in &set {
        let got = screen(text).level;
        *confusion.entry((*label, got)).or_default() += 1;
        if got != *label {
            misses.push(format!("  {label:?} -> {got:?} [{lang}] {text}"));
        }
    }
    let count = |l: Level, g: Level| confusion.get(&(l, g)).copied().unwrap_or(0) as f64;
    let levels = [Level::None, Level::Elevated, Level::Crisis];
    println!(
        "screen {} on {} messages",
        therabot_shared::safety::SCREEN_VERSION,
        set.len()
    );
    println!("  level      precision  recall   support");
    let mut scores = BTreeMap::new();
    for l in levels {
        let tp = count(l, l);
        let predicted: f64 = levels.iter().map(|x| count(*x, l)).sum();
        let actual: f64 = levels.iter().map(|x| count(l, *x)).sum();
        let precision = if predicted > 0.0 { tp / predicted } else { 1.0 };
        let recall = if actual > 0.0 { tp / actual } else { 1.0 };
        println!(
            "  {:<10} {precision:>8.3}  {recall:>6.3}   {actual:>5}",
            format!("{l:?}")
        );
        scores.insert(l, (precision, recall));
    }
    println!("misclassified ({}):\n{}", misses.len(), misses.join("\n"));

    let crisis_as_none = count(Level::Crisis, Level::None);
    let ordinary: f64 = levels.iter().map(|x| count(Level::None, *x)).sum();
    let ordinary_as_crisis = count(Level::None, Level::Crisis) / ordinary;
    assert_eq!(crisis_as_none, 0.0, "a crisis message was scored none");
    assert!(
        ordinary_as_crisis <= 0.05,
        "{ordinary_as_crisis:.3} of ordinary messages scored crisis"
    );
    for (l, (precision, recall)) in scores {
        assert!(
            precision >= 0.85,
            "{l:?} precision {precision:.3} below 0.85"
        );
        assert!(recall >= 0.85, "{l:?} recall {recall:.3} below 0.85");
    }
}

#[test]
fn screening_takes_well_under_a_millisecond_per_message() {
    // Not a timing assertion on the machine: a sanity bound with a 20x margin, so only a
    // pathological regression (say, exponential backtracking) can fail it.
    let set = labelled();
    let long = "I keep thinking about it and I don't know what to do. ".repeat(70);
    let started = Instant::now();
    for (_, _, text) in &set {
        screen(text);
    }
    let per_message = started.elapsed() / set.len() as u32;
    let started = Instant::now();
    screen(&long);
    let longest = started.elapsed();
    let build = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!(
        "screening ({build} build): mean {per_message:?} per labelled message, {longest:?} for a {}-character message",
        long.chars().count()
    );
    assert!(per_message.as_millis() < 20 && longest.as_millis() < 200);
}

#[test]
fn no_input_makes_the_screen_panic() {
    // A small deterministic generator of hostile strings: mixed scripts, combining marks,
    // emoji, separators, very long words and runs of single letters.
    let alphabet: Vec<char> = "ai kms.-_'’\u{200B}\u{301}éñ😂💀Ｉіо0134@$!?\n\t\"#ÿ日本ßﬁ"
        .chars()
        .collect();
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..3_000 {
        let mut text = String::new();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let len = (seed % 200) as usize;
        for k in 0..len {
            let x = seed.rotate_left(k as u32 % 64).wrapping_mul(k as u64 + 1);
            text.push(alphabet[(x % alphabet.len() as u64) as usize]);
        }
        let _ = screen(&text);
    }
    let _ = screen("");
    let _ = screen(&"k ".repeat(5_000));
    let _ = screen(&"suicide".repeat(600));
}
