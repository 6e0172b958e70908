//! Turning a message into the tokens the screen matches, undoing what defeats keyword lists:
//! compatibility forms (fullwidth, ligatures), accents, zero-width and format characters,
//! curly apostrophes, look-alike letters from other scripts, leetspeak, letters spaced or
//! dotted apart, words run together, stretched letters and missing apostrophes.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// A message as the screen sees it.
#[derive(Debug, Default)]
pub(crate) struct Normalized {
    /// Lower-case ASCII-folded words, apostrophes removed, letter runs collapsed.
    pub tokens: Vec<String>,
    /// The sentence each token belongs to.
    pub sentence: Vec<u16>,
    /// The clause (sentence part between commas, dashes or colons) each token belongs to.
    pub clause: Vec<u16>,
    /// Whether the message laughs at itself (`lol`, 😂…), a sign of hyperbole.
    pub humor: bool,
    /// Whether the message quotes someone (quotation marks).
    pub quotes: bool,
}

fn fold_char(c: char) -> Option<char> {
    Some(match c {
        // Zero-width and invisible format characters: dropped.
        '\u{200B}'..='\u{200F}'
        | '\u{2060}'..='\u{2064}'
        | '\u{FEFF}'
        | '\u{00AD}'
        | '\u{180E}' => {
            return None;
        }
        '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{2032}' | '`' | '\u{00B4}' | '\u{02BC}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{00AB}' | '\u{00BB}' => '"',
        // Cyrillic and Greek letters that look like Latin ones.
        'а' | 'А' | 'α' | 'Α' => 'a',
        'е' | 'Е' | 'ε' | 'Ε' => 'e',
        'о' | 'О' | 'ο' | 'Ο' => 'o',
        'р' | 'Р' | 'ρ' | 'Ρ' => 'p',
        'с' | 'С' => 'c',
        'х' | 'Х' | 'χ' => 'x',
        'у' | 'У' | 'γ' => 'y',
        'і' | 'І' | 'ι' | 'Ι' | 'ı' => 'i',
        'ј' | 'Ј' => 'j',
        'ѕ' | 'Ѕ' => 's',
        'к' | 'К' | 'κ' | 'Κ' => 'k',
        'м' | 'М' | 'Μ' => 'm',
        'т' | 'Т' | 'τ' | 'Τ' => 't',
        'ν' | 'Ν' => 'v',
        'υ' => 'u',
        'ԁ' => 'd',
        'ӏ' => 'l',
        other => other,
    })
}

const HUMOR: &[&str] = &[
    "lol", "lmao", "lmfao", "rofl", "haha", "hahaha", "jaja", "jajaja", "jk", "xd", "hehe",
];
const HUMOR_EMOJI: &[char] = &['😂', '🤣', '💀', '😆', '😹', '🙃', '😅'];

/// Letters separated by single spaces, dots or dashes ("k i l l", "s.u.i.c.i.d.e") are
/// joined into one word when at least three single letters stand in a row.
fn join_spaced_letters(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let is_letter = |i: usize| chars.get(i).is_some_and(|c| c.is_alphanumeric());
    let is_sep = |c: char| matches!(c, ' ' | '.' | '-' | '_' | '*' | '/' | '+' | '\t');
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        // A single letter: not preceded or followed by another letter.
        let single = |j: usize| is_letter(j) && (j == 0 || !is_letter(j - 1)) && !is_letter(j + 1);
        if single(i) {
            let mut letters = vec![chars[i]];
            let mut j = i + 1;
            loop {
                let mut k = j;
                while k < chars.len() && is_sep(chars[k]) && k - j < 2 {
                    k += 1;
                }
                if k > j && single(k) {
                    letters.push(chars[k]);
                    j = k + 1;
                } else {
                    break;
                }
            }
            if letters.len() >= 3 {
                out.push(' ');
                out.extend(letters);
                out.push(' ');
                i = j;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

fn de_leet(token: &str) -> String {
    let has_letter = token.chars().any(|c| c.is_ascii_alphabetic());
    if !has_letter {
        return token.to_owned();
    }
    token
        .chars()
        .map(|c| match c {
            '0' => 'o',
            '1' | '!' => 'i',
            '3' => 'e',
            '4' | '@' => 'a',
            '5' | '$' => 's',
            '7' => 't',
            other => other,
        })
        .collect()
}

/// Words people run together ("killmyself", "iwanttodie") or that spaced letters produced
/// ("k i l l m y s e l f"): split into known words when the whole token segments into the
/// screen's vocabulary and at least one piece is a risk word. Anything else is left alone.
fn split_run_together(token: &str) -> Vec<String> {
    let len = token.len();
    if !(5..=48).contains(&len) || !token.bytes().all(|b| b.is_ascii_lowercase()) {
        return vec![token.to_owned()];
    }
    let vocabulary = vocabulary();
    if vocabulary.words.contains(token) {
        return vec![token.to_owned()];
    }
    // best[i]: (pieces, start of the last piece) of the shortest segmentation of token[..i].
    // Byte offsets are char offsets here: the token is ASCII.
    let mut best: Vec<Option<(usize, usize)>> = vec![None; len + 1];
    best[0] = Some((0, 0));
    for end in 1..=len {
        for start in end.saturating_sub(16)..end {
            let Some((pieces, _)) = best[start] else {
                continue;
            };
            if vocabulary.words.contains(&token[start..end])
                && best[end].is_none_or(|(b, _)| pieces + 1 < b)
            {
                best[end] = Some((pieces + 1, start));
            }
        }
    }
    let Some((pieces, _)) = best[len] else {
        return vec![token.to_owned()];
    };
    let mut out = Vec::with_capacity(pieces);
    let mut end = len;
    while end > 0 {
        let Some((_, start)) = best[end] else { break };
        out.push(token[start..end].to_owned());
        end = start;
    }
    out.reverse();
    if out.len() > 1 && out.iter().any(|p| vocabulary.risk.contains(p)) {
        out
    } else {
        vec![token.to_owned()]
    }
}

type WordSet =
    std::collections::HashSet<String, std::hash::BuildHasherDefault<super::patterns::WordHasher>>;

struct Vocabulary {
    words: WordSet,
    risk: WordSet,
}

fn vocabulary() -> &'static Vocabulary {
    static VOCABULARY: std::sync::OnceLock<Vocabulary> = std::sync::OnceLock::new();
    VOCABULARY.get_or_init(|| {
        let risk: WordSet = [
            "kill",
            "killing",
            "myself",
            "die",
            "dead",
            "suicide",
            "suicidal",
            "end",
            "life",
            "overdose",
            "unalive",
            "hang",
            "morir",
            "matarme",
            "suicidarme",
            "kms",
            "wrists",
            "want",
            "wanna",
        ]
        .iter()
        .map(|w| (*w).to_owned())
        .collect();
        let mut words: WordSet = [
            "i", "im", "want", "wanna", "to", "my", "me", "just", "going", "gonna", "need", "self",
            "own", "take", "it", "all", "go", "so", "bad", "really", "quiero", "me", "voy", "a",
            "la", "vida", "commit", "cut", "slit", "be", "should", "will", "feel", "like", "am",
            "please", "help", "now", "tonight",
        ]
        .iter()
        .map(|w| (*w).to_owned())
        .collect();
        words.extend(risk.iter().cloned());
        Vocabulary { words, risk }
    })
}

/// Collapses runs of the same letter ("killl" → "kil", "diiie" → "die"). Patterns are
/// collapsed the same way, so "kill" and "kiiill" meet at "kil".
pub(crate) fn skeleton(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut last = None;
    for c in word.chars() {
        if Some(c) != last {
            out.push(c);
        }
        last = Some(c);
    }
    out
}

/// Normalises `text` for matching.
pub(crate) fn normalize(text: &str) -> Normalized {
    let humor_emoji = text.chars().any(|c| HUMOR_EMOJI.contains(&c));
    let folded: String = text
        .nfkc()
        .filter_map(fold_char)
        .flat_map(char::to_lowercase)
        .collect::<String>()
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .collect();
    let quotes = folded.contains('"');
    let joined = join_spaced_letters(&folded);
    let mut normalized = Normalized {
        humor: humor_emoji,
        quotes,
        ..Normalized::default()
    };
    let mut sentence: u16 = 0;
    let mut clause: u16 = 0;
    let mut word = String::new();
    let flush = |word: &mut String, sentence: u16, clause: u16, out: &mut Normalized| {
        if word.is_empty() {
            return;
        }
        let cleaned: String = de_leet(word).chars().filter(|c| *c != '\'').collect();
        word.clear();
        if cleaned.is_empty() {
            return;
        }
        if HUMOR.contains(&cleaned.as_str())
            || cleaned.starts_with("hahah")
            || cleaned.starts_with("jajaj")
        {
            out.humor = true;
        }
        for piece in split_run_together(&cleaned) {
            out.tokens.push(skeleton(&piece));
            out.sentence.push(sentence);
            out.clause.push(clause);
        }
    };
    let chars: Vec<char> = joined.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let next_is_letter = chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
        let in_word = c.is_alphanumeric()
            || (c == '\'' && !word.is_empty())
            || (matches!(c, '@' | '$') && (next_is_letter || !word.is_empty()))
            || (c == '!' && !word.is_empty() && next_is_letter);
        if in_word {
            word.push(c);
            continue;
        }
        flush(&mut word, sentence, clause, &mut normalized);
        // "I.want.to.die": a dot between letters separates words, not sentences.
        let dot_inside = c == '.'
            && i > 0
            && chars[i - 1].is_alphanumeric()
            && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
        if dot_inside {
            continue;
        }
        if matches!(c, '.' | '!' | '?' | ';' | '\n' | '¿' | '¡' | '…') {
            sentence = sentence.saturating_add(1);
            clause = clause.saturating_add(1);
        } else if matches!(c, ',' | ':' | '–' | '—' | '(' | ')') {
            clause = clause.saturating_add(1);
        }
    }
    flush(&mut word, sentence, clause, &mut normalized);
    normalized
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<String> {
        normalize(text).tokens
    }

    #[test]
    fn disguises_fold_back_to_plain_words() {
        assert_eq!(tokens("Ｉ ｗａｎｔ"), tokens("i want"));
        assert_eq!(tokens("d\u{200B}ie"), vec!["die"]);
        assert_eq!(tokens("I’m"), vec!["im"]);
        assert_eq!(tokens("kіll"), tokens("kill"));
        assert_eq!(tokens("k1ll mys3lf"), tokens("kill myself"));
        assert_eq!(tokens("k i l l myself"), tokens("kill myself"));
        assert_eq!(tokens("s.u.i.c.i.d.e"), tokens("suicide"));
        assert_eq!(tokens("diiiie"), tokens("die"));
        assert_eq!(tokens("suicídate"), vec!["suicidate"]);
        assert_eq!(tokens("iwanttodie"), tokens("i want to die"));
        assert_eq!(tokens("I w a n t to die"), tokens("i want to die"));
        assert_eq!(tokens("procrastinating"), vec!["procrastinating"]);
        assert_eq!(tokens("nowhere"), vec!["nowhere"]);
    }

    #[test]
    fn numbers_stay_numbers_and_sentences_are_counted() {
        let n = normalize("I took 30 pills. Help!");
        assert_eq!(n.tokens, vec!["i", "tok", "30", "pils", "help"]);
        assert_eq!(n.sentence, vec![0, 0, 0, 0, 1]);
        assert_eq!(normalize("no, yes").clause, vec![0, 1]);
    }

    #[test]
    fn laughter_is_noticed() {
        assert!(normalize("that killed me lol").humor);
        assert!(normalize("i'm dead 💀").humor);
        assert!(!normalize("i am tired").humor);
    }
}
