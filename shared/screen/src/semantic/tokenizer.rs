//! BERT's uncased WordPiece tokenizer, as the encoder was trained with it (`tokenizer.json`:
//! BertNormalizer with lower case and accents stripped, BertPreTokenizer, WordPiece with
//! `##` continuations and words over 100 characters as `[UNK]`). Written here rather than
//! taken from the `tokenizers` crate, which would bring a regex engine in C; the parity test
//! checks it against the reference.

use std::collections::HashMap;

use unicode_general_category::{GeneralCategory, get_general_category};
use unicode_normalization::UnicodeNormalization;

/// Token ids of the special tokens.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Specials {
    pub(crate) cls: u32,
    pub(crate) sep: u32,
    unk: u32,
}

/// The vocabulary and the rules that cut text into its pieces.
#[derive(Debug)]
pub(crate) struct WordPiece {
    vocab: HashMap<String, u32>,
    pub(crate) specials: Specials,
}

#[derive(serde::Deserialize)]
struct TokenizerFile {
    model: TokenizerModel,
}

#[derive(serde::Deserialize)]
struct TokenizerModel {
    vocab: HashMap<String, u32>,
}

const MAX_WORD_CHARS: usize = 100;

impl WordPiece {
    /// Reads the vocabulary from a Hugging Face `tokenizer.json`.
    pub(crate) fn from_tokenizer_json(json: &[u8]) -> Result<Self, String> {
        let file: TokenizerFile =
            serde_json::from_slice(json).map_err(|e| format!("tokenizer.json: {e}"))?;
        let id = |token: &str| {
            file.model
                .vocab
                .get(token)
                .copied()
                .ok_or_else(|| format!("tokenizer.json has no {token}"))
        };
        let specials = Specials {
            cls: id("[CLS]")?,
            sep: id("[SEP]")?,
            unk: id("[UNK]")?,
        };
        Ok(Self {
            vocab: file.model.vocab,
            specials,
        })
    }

    /// The ids of `text`'s pieces, without `[CLS]`/`[SEP]`.
    pub(crate) fn encode(&self, text: &str) -> Vec<u32> {
        let normalized = normalize(text);
        let mut ids = Vec::with_capacity(normalized.len() / 3 + 1);
        for word in pre_tokenize(&normalized) {
            self.word_pieces(word, &mut ids);
        }
        ids
    }

    fn word_pieces(&self, word: &str, ids: &mut Vec<u32>) {
        if word.chars().count() > MAX_WORD_CHARS {
            ids.push(self.specials.unk);
            return;
        }
        let before = ids.len();
        let mut start = 0;
        let mut candidate = String::with_capacity(word.len() + 2);
        while start < word.len() {
            let mut end = word.len();
            let mut found = None;
            while start < end {
                candidate.clear();
                if start > 0 {
                    candidate.push_str("##");
                }
                candidate.push_str(&word[start..end]);
                if let Some(id) = self.vocab.get(&candidate) {
                    found = Some(*id);
                    break;
                }
                // Step back one character, not one byte.
                end = word[..end]
                    .char_indices()
                    .next_back()
                    .map_or(start, |(i, _)| i);
            }
            match found {
                Some(id) => {
                    ids.push(id);
                    start = end;
                }
                None => {
                    ids.truncate(before);
                    ids.push(self.specials.unk);
                    return;
                }
            }
        }
    }
}

/// BertNormalizer: drop control characters, turn white space into spaces, put spaces around
/// CJK ideographs, strip accents (NFD, then drop non-spacing marks) and lower-case.
fn normalize(text: &str) -> String {
    let mut cleaned = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '\0' || c == '\u{fffd}' || is_control(c) {
            continue;
        }
        if is_whitespace(c) {
            cleaned.push(' ');
        } else if is_cjk(c) {
            cleaned.push(' ');
            cleaned.push(c);
            cleaned.push(' ');
        } else {
            cleaned.push(c);
        }
    }
    cleaned
        .nfd()
        .filter(|c| get_general_category(*c) != GeneralCategory::NonspacingMark)
        .flat_map(char::to_lowercase)
        .collect()
}

/// BertPreTokenizer: split on white space, and make every punctuation character its own word.
fn pre_tokenize(text: &str) -> impl Iterator<Item = &str> {
    text.split(is_whitespace).flat_map(|chunk| {
        let mut pieces = Vec::new();
        let mut start = 0;
        for (i, c) in chunk.char_indices() {
            if is_punctuation(c) {
                if start < i {
                    pieces.push(&chunk[start..i]);
                }
                pieces.push(&chunk[i..i + c.len_utf8()]);
                start = i + c.len_utf8();
            }
        }
        if start < chunk.len() {
            pieces.push(&chunk[start..]);
        }
        pieces
    })
}

fn is_whitespace(c: char) -> bool {
    c.is_whitespace()
}

fn is_control(c: char) -> bool {
    if matches!(c, '\t' | '\n' | '\r') {
        return false;
    }
    matches!(
        get_general_category(c),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::Unassigned
            | GeneralCategory::PrivateUse
            | GeneralCategory::Surrogate
    )
}

fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(
            get_general_category(c),
            GeneralCategory::ConnectorPunctuation
                | GeneralCategory::DashPunctuation
                | GeneralCategory::ClosePunctuation
                | GeneralCategory::FinalPunctuation
                | GeneralCategory::InitialPunctuation
                | GeneralCategory::OtherPunctuation
                | GeneralCategory::OpenPunctuation
        )
}

fn is_cjk(c: char) -> bool {
    matches!(u32::from(c),
        0x4E00..=0x9FFF
        | 0x3400..=0x4DBF
        | 0x20000..=0x2A6DF
        | 0x2A700..=0x2B73F
        | 0x2B740..=0x2B81F
        | 0x2B820..=0x2CEAF
        | 0xF900..=0xFAFF
        | 0x2F800..=0x2FA1F)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> WordPiece {
        let vocab = r###"{"model":{"vocab":{"[PAD]":0,"[UNK]":1,"[CLS]":2,"[SEP]":3,
            "i":4,"want":5,"to":6,"die":7,"un":8,"##al":9,"##ive":10,"!":11,"cafe":12,"'":13,"m":14}}}"###;
        WordPiece::from_tokenizer_json(vocab.as_bytes()).unwrap()
    }

    #[test]
    fn words_are_lower_cased_split_at_punctuation_and_cut_into_pieces() {
        let wp = tiny();
        assert_eq!(wp.encode("I WANT to DIE!"), vec![4, 5, 6, 7, 11]);
        assert_eq!(wp.encode("unalive"), vec![8, 9, 10]);
        assert_eq!(wp.encode("I'm"), vec![4, 13, 14]);
    }

    #[test]
    fn accents_are_stripped_and_unknown_words_become_unk() {
        let wp = tiny();
        assert_eq!(wp.encode("Café"), vec![12]);
        assert_eq!(wp.encode("zzz"), vec![1]);
        assert_eq!(wp.encode(&"a".repeat(150)), vec![1]);
        assert_eq!(wp.encode("\u{200b}\0\u{7}"), Vec::<u32>::new());
    }
}
