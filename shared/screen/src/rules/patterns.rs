//! A small pattern language over normalised tokens, so the screen's rules read like the
//! phrases they catch.
//!
//! Elements, separated by spaces:
//! - `kill_myself|kms` — one of these word sequences (`_` joins words);
//! - `@GROUP` — one of the sequences of a named group;
//! - `x?` — optionally `x`;
//! - `~3` — up to three arbitrary tokens;
//! - `!a|b` — the next tokens are *not* one of these (consumes nothing);
//! - `$` — the end of the clause (a comma, colon or dash, or the end of the sentence);
//! - `#BIG` — a number of 10 or more.
//!
//! Matches never cross a sentence boundary. Words of six letters or more also match with one
//! typo (Damerau distance 1), so "sucide" and "myslef" are caught.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

use super::normalize::skeleton;

/// A fast, non-cryptographic hasher for the screen's word tables (the keys are our own
/// vocabulary, so hash flooding is not a concern; SipHash showed up in profiles).
#[derive(Default)]
pub(crate) struct WordHasher(u64);

impl Hasher for WordHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
}

/// A map keyed by words, hashed with [`WordHasher`].
pub(crate) type WordMap<V> = std::collections::HashMap<String, V, BuildHasherDefault<WordHasher>>;

/// Alternatives indexed by their first word, so a token is compared only with the
/// alternatives that can start with it (the screen stays fast on 4,000-character messages).
#[derive(Debug, Clone, Default)]
struct AltSet {
    by_first: WordMap<Vec<Vec<String>>>,
    /// Alternatives whose first word also matches with a typo: always tried.
    fuzzy_first: Vec<Vec<String>>,
}

impl AltSet {
    fn new(alternatives: Vec<Vec<String>>) -> Self {
        let mut set = Self::default();
        for alt in alternatives {
            match alt.first() {
                Some(first) if FUZZY.contains(&first.as_str()) => set.fuzzy_first.push(alt),
                Some(first) => set.by_first.entry(first.clone()).or_default().push(alt),
                None => {}
            }
        }
        set
    }

    fn candidates<'a>(&'a self, token: Option<&String>) -> impl Iterator<Item = &'a Vec<String>> {
        token
            .and_then(|t| self.by_first.get(t))
            .into_iter()
            .flatten()
            .chain(self.fuzzy_first.iter())
    }

    /// The words a match must start with, if that is known without fuzziness.
    fn first_words(&self) -> Option<HashSet<String>> {
        self.fuzzy_first
            .is_empty()
            .then(|| self.by_first.keys().cloned().collect())
    }
}

/// One element of a pattern.
#[derive(Debug, Clone)]
enum Elem {
    Alt(AltSet),
    Opt(AltSet),
    Gap(usize),
    NotNext(AltSet),
    End,
    BigNumber,
}

/// A compiled pattern.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    elems: Vec<Elem>,
}

/// Where a pattern matched, and which tokens inside it were skipped by gaps rather than
/// matched by the pattern's own words (a "not" skipped by a gap negates; a "not" the
/// pattern spells out, as in "don't want to live", is part of the phrase).
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) skipped: Vec<usize>,
}

/// Words that negate what follows.
pub(crate) const NEGATIONS: &[&str] = &[
    "not", "dont", "never", "no", "wont", "wouldnt", "didnt", "isnt", "arent", "aint", "nunca",
    "jamas",
];

fn alternatives(spec: &str, groups: &dyn Fn(&str) -> Option<&'static str>) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for alt in spec.split('|').filter(|a| !a.is_empty()) {
        if let Some(name) = alt.strip_prefix('@') {
            let group = groups(name).unwrap_or_else(|| panic!("unknown pattern group @{name}"));
            out.extend(alternatives(group, groups));
        } else {
            out.push(alt.split('_').map(skeleton).collect());
        }
    }
    out
}

impl Pattern {
    /// Compiles `source`; unknown groups are a programming error caught by the unit tests.
    pub(crate) fn compile(source: &str, groups: &dyn Fn(&str) -> Option<&'static str>) -> Self {
        let mut elems = Vec::new();
        for part in source.split_whitespace() {
            let elem = if let Some(n) = part.strip_prefix('~') {
                Elem::Gap(n.parse().unwrap_or(1))
            } else if part == "$" {
                Elem::End
            } else if part == "#BIG" {
                Elem::BigNumber
            } else if let Some(rest) = part.strip_prefix('!') {
                Elem::NotNext(AltSet::new(alternatives(rest, groups)))
            } else if let Some(rest) = part.strip_suffix('?') {
                Elem::Opt(AltSet::new(alternatives(rest, groups)))
            } else {
                Elem::Alt(AltSet::new(alternatives(part, groups)))
            };
            elems.push(elem);
        }
        Self { elems }
    }

    /// The words a match can start with; `None` when it can start anywhere.
    pub(crate) fn first_words(&self) -> Option<HashSet<String>> {
        match self.elems.first() {
            Some(Elem::Alt(alts)) => alts.first_words(),
            _ => None,
        }
    }

    /// Whether the pattern matches starting at token `start`. `scratch` is reused between
    /// calls to spare allocations.
    pub(crate) fn match_at(
        &self,
        start: usize,
        tokens: &[String],
        sentence: &[u16],
        clause: &[u16],
        scratch: &mut Vec<usize>,
    ) -> Option<Found> {
        scratch.clear();
        let end = self.at(0, start, start, tokens, sentence, clause, scratch)?;
        Some(Found {
            start,
            end,
            skipped: scratch.clone(),
        })
    }

    /// Every place the pattern matches in `tokens`, at most one per start.
    pub(crate) fn find(&self, tokens: &[String], sentence: &[u16], clause: &[u16]) -> Vec<Found> {
        let mut scratch = Vec::new();
        (0..tokens.len())
            .filter_map(|start| self.match_at(start, tokens, sentence, clause, &mut scratch))
            .collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn at(
        &self,
        e: usize,
        i: usize,
        start: usize,
        tokens: &[String],
        sentence: &[u16],
        clause: &[u16],
        skipped: &mut Vec<usize>,
    ) -> Option<usize> {
        let Some(elem) = self.elems.get(e) else {
            return Some(i);
        };
        let same = |k: usize| k < tokens.len() && sentence[k] == sentence[start];
        match elem {
            Elem::Alt(alts) => alts.candidates(tokens.get(i)).find_map(|alt| {
                let end = sequence_at(alt, i, tokens, &same)?;
                self.at(e + 1, end, start, tokens, sentence, clause, skipped)
            }),
            Elem::Opt(alts) => alts
                .candidates(tokens.get(i))
                .find_map(|alt| {
                    let end = sequence_at(alt, i, tokens, &same)?;
                    self.at(e + 1, end, start, tokens, sentence, clause, skipped)
                })
                .or_else(|| self.at(e + 1, i, start, tokens, sentence, clause, skipped)),
            Elem::Gap(n) => (0..=*n).find_map(|k| {
                if k > 0 && !same(i + k - 1) {
                    return None;
                }
                let mark = skipped.len();
                skipped.extend(i..i + k);
                let end = self.at(e + 1, i + k, start, tokens, sentence, clause, skipped);
                if end.is_none() {
                    skipped.truncate(mark);
                }
                end
            }),
            Elem::NotNext(alts) => {
                if alts
                    .candidates(tokens.get(i))
                    .any(|alt| sequence_at(alt, i, tokens, &same).is_some())
                {
                    None
                } else {
                    self.at(e + 1, i, start, tokens, sentence, clause, skipped)
                }
            }
            Elem::End => {
                let clause_ends = i == 0 || !same(i) || clause[i] != clause[i - 1];
                clause_ends
                    .then(|| self.at(e + 1, i, start, tokens, sentence, clause, skipped))
                    .flatten()
            }
            Elem::BigNumber => {
                let big = same(i) && tokens[i].parse::<u32>().is_ok_and(|n| n >= 10);
                big.then(|| self.at(e + 1, i + 1, start, tokens, sentence, clause, skipped))
                    .flatten()
            }
        }
    }
}

fn sequence_at(
    words: &[String],
    i: usize,
    tokens: &[String],
    same: &dyn Fn(usize) -> bool,
) -> Option<usize> {
    for (k, word) in words.iter().enumerate() {
        if !same(i + k) || !word_matches(&tokens[i + k], word) {
            return None;
        }
    }
    Some(i + words.len())
}

/// Words that also match with one typo: the few whose misspellings people actually send.
/// Fuzzy matching wider than this mistakes real words for each other ("hating" for
/// "hitting", "homeless" for "hopeless").
const FUZZY: &[&str] = &[
    "suicide",
    "suicidal",
    "suicidio",
    "myself",
    "commit",
    "comiting",
    "unalive",
    "suicidarme",
    "matarme",
    "antidepresants",
];

/// Exact, or, for the [`FUZZY`] words, one typo away.
pub(crate) fn word_matches(token: &str, word: &str) -> bool {
    token == word
        || (FUZZY.contains(&word) && token.len() + 1 >= word.len() && within_one_edit(token, word))
}

fn within_one_edit(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let mut i = 0;
    while i < a.len() && i < b.len() && a[i] == b[i] {
        i += 1;
    }
    if i == a.len() && i == b.len() {
        return true;
    }
    let tail =
        |x: &[char], from: usize| -> Vec<char> { x.get(from..).unwrap_or_default().to_vec() };
    let substitution = a.len() == b.len() && tail(&a, i + 1) == tail(&b, i + 1);
    let insertion = b.len() == a.len() + 1 && tail(&a, i) == tail(&b, i + 1);
    let deletion = a.len() == b.len() + 1 && tail(&a, i + 1) == tail(&b, i);
    let transposition = a.len() == b.len()
        && i + 1 < a.len()
        && a.get(i) == b.get(i + 1)
        && a.get(i + 1) == b.get(i)
        && tail(&a, i + 2) == tail(&b, i + 2);
    substitution || insertion || deletion || transposition
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::normalize::normalize;

    fn groups(name: &str) -> Option<&'static str> {
        (name == "ME").then_some("myself|me")
    }

    fn finds(pattern: &str, text: &str) -> bool {
        let n = normalize(text);
        !Pattern::compile(pattern, &groups)
            .find(&n.tokens, &n.sentence, &n.clause)
            .is_empty()
    }

    #[test]
    fn words_skipped_by_gaps_are_reported() {
        let n = normalize("i do not want to die");
        let found = Pattern::compile("i ~3 want", &groups).find(&n.tokens, &n.sentence, &n.clause);
        assert_eq!(found[0].skipped, vec![1, 2]);
    }

    #[test]
    fn gaps_groups_options_and_lookahead_work() {
        assert!(finds("want_to ~2 kill @ME", "i want to just kill myself"));
        assert!(!finds(
            "want_to ~1 kill @ME",
            "i want to really just kill myself"
        ));
        assert!(finds("really? want", "want"));
        assert!(finds("die !of|for", "i want to die"));
        assert!(!finds("die !of|for", "i could die for a coffee"));
        assert!(finds("done $", "i am done. bye"));
        assert!(!finds("done $", "i am done with homework"));
        assert!(finds("jump $", "i'm about to jump, i'm on the roof"));
        assert!(finds("took #BIG pills", "I took 30 pills"));
        assert!(!finds("took #BIG pills", "I took 2 pills"));
    }

    #[test]
    fn matches_stay_inside_one_sentence_and_forgive_one_typo_in_long_words() {
        assert!(!finds("want ~3 die", "I want pizza. You die"));
        assert!(finds("suicide", "sucide"));
        assert!(!finds("hitting", "hating"));
        assert!(finds("myself", "myslef"));
        assert!(word_matches("suicde", "suicide"));
        assert!(!word_matches("himself", "myself"));
        assert!(word_matches("suicides", "suicide"));
        assert!(!word_matches("suic", "suicide"));
        assert!(word_matches("mysefl", "myself"));
    }
}
