//! The lexical model beside the encoder: a logistic regression on hashed character n-grams,
//! trained on our labelled set (`train/train_lexical.py`, committed as `model/lexical.json`).
//!
//! Why it is here: the encoder was trained on English and reads Spanish, French, Portuguese
//! and German as English word pieces, confidently wrong in both directions. Character n-grams
//! read each language's spelling as written. The two are blended (`blend_semantic` of the
//! encoder's probabilities, the rest of this model's) before the thresholds; measured in
//! `docs/decisions/0018-a-lexical-model-beside-the-encoder.md`.
//!
//! The featurizer must stay identical to `features()` in `train_lexical.py`; the file's
//! `check` texts hold this side to the training run's probabilities.

use base64::Engine as _;

use super::head::{Check, Probabilities};
use crate::dataset::text_hash;

/// The lexical model, as trained.
#[derive(Debug)]
pub struct Lexical {
    version: String,
    buckets: usize,
    min_n: usize,
    max_n: usize,
    blend_semantic: f32,
    intercept: [f32; 3],
    idf: Vec<f32>,
    /// Three rows of `buckets` weights, in the order none, elevated, crisis.
    weights: Vec<f32>,
    check: Vec<Check>,
}

#[derive(serde::Deserialize)]
struct File {
    version: String,
    classes: Vec<String>,
    features: Features,
    blend_semantic: f32,
    intercept: [f32; 3],
    idf_f32le_base64: String,
    weights_f32le_base64: String,
    #[serde(default)]
    check: Vec<Check>,
}

#[derive(serde::Deserialize)]
struct Features {
    kind: String,
    min_n: usize,
    max_n: usize,
    hash: String,
    buckets: usize,
}

fn floats(name: &str, b64: &str, len: usize) -> Result<Vec<f32>, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| format!("lexical.json: {name}: {e}"))?;
    if bytes.len() != len * 4 {
        return Err(format!(
            "lexical.json: {name} holds {} bytes, not {}",
            bytes.len(),
            len * 4
        ));
    }
    Ok(bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

impl Lexical {
    /// Parses and checks the model file.
    pub fn from_json(json: &str) -> Result<Self, String> {
        let file: File = serde_json::from_str(json).map_err(|e| format!("lexical.json: {e}"))?;
        let f = &file.features;
        if file.classes != ["none", "elevated", "crisis"] {
            return Err("lexical.json: classes must be none, elevated, crisis".into());
        }
        if f.kind != "char-ngrams-in-words"
            || f.hash != "fnv1a64"
            || f.buckets == 0
            || f.min_n == 0
            || f.min_n > f.max_n
        {
            return Err("lexical.json: features this code does not compute".into());
        }
        if !(0.0..=1.0).contains(&file.blend_semantic) {
            return Err("lexical.json: blend_semantic must be within 0..=1".into());
        }
        Ok(Self {
            idf: floats("idf", &file.idf_f32le_base64, f.buckets)?,
            weights: floats("weights", &file.weights_f32le_base64, 3 * f.buckets)?,
            version: file.version,
            buckets: f.buckets,
            min_n: f.min_n,
            max_n: f.max_n,
            blend_semantic: file.blend_semantic,
            intercept: file.intercept,
            check: file.check,
        })
    }

    /// The model's version, stored with every verdict beside the head's.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The training run's own probabilities for a few texts.
    pub fn checks(&self) -> &[Check] {
        &self.check
    }

    /// The bucket counts of `text`'s character n-grams, sorted by bucket.
    fn counts(&self, text: &str) -> Vec<(usize, u32)> {
        let lower = text.to_lowercase();
        let mut buckets = Vec::new();
        // Python's `str.split()` also splits on the information separators U+001C–U+001F.
        for word in lower
            .split(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
            .filter(|w| !w.is_empty())
        {
            let padded: Vec<char> = std::iter::once(' ')
                .chain(word.chars())
                .chain(std::iter::once(' '))
                .collect();
            let mut gram = String::new();
            for n in self.min_n..=self.max_n.min(padded.len()) {
                for window in padded.windows(n) {
                    gram.clear();
                    gram.extend(window);
                    // Widening u64 -> usize on 64-bit targets; the modulo keeps it in range.
                    let bucket = (text_hash(&gram) % self.buckets as u64) as usize;
                    buckets.push(bucket);
                }
            }
        }
        buckets.sort_unstable();
        let mut counts: Vec<(usize, u32)> = Vec::new();
        for b in buckets {
            match counts.last_mut() {
                Some((last, n)) if *last == b => *n += 1,
                _ => counts.push((b, 1)),
            }
        }
        counts
    }

    /// The probabilities of each level for `text`.
    pub fn probabilities(&self, text: &str) -> Probabilities {
        let values: Vec<(usize, f32)> = self
            .counts(text)
            .into_iter()
            .map(|(b, c)| (b, (1.0 + (c as f32).ln()) * self.idf[b]))
            .collect();
        let norm = values.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
        let norm = if norm > 0.0 { norm } else { 1.0 };
        let mut logits = self.intercept;
        for (class, logit) in logits.iter_mut().enumerate() {
            let row = &self.weights[class * self.buckets..(class + 1) * self.buckets];
            *logit += values.iter().map(|(b, v)| row[*b] * v / norm).sum::<f32>();
        }
        let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let exp = logits.map(|l| (l - max).exp());
        let total: f32 = exp.iter().sum();
        Probabilities {
            elevated: exp[1] / total,
            crisis: exp[2] / total,
        }
    }

    /// The encoder's probabilities blended with this model's for `text`.
    pub fn blend(&self, semantic: Probabilities, lexical: Probabilities) -> Probabilities {
        let w = self.blend_semantic;
        Probabilities {
            elevated: w * semantic.elevated + (1.0 - w) * lexical.elevated,
            crisis: w * semantic.crisis + (1.0 - w) * lexical.crisis,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantic::LEXICAL_JSON;

    #[test]
    fn the_rust_model_reproduces_the_training_runs_probabilities() {
        let lexical = Lexical::from_json(LEXICAL_JSON).unwrap();
        assert!(!lexical.checks().is_empty());
        for check in lexical.checks() {
            let p = lexical.probabilities(&check.text);
            assert!(
                (p.elevated - check.p[1]).abs() < 1e-4 && (p.crisis - check.p[2]).abs() < 1e-4,
                "{p:?} against {:?}",
                check.p
            );
        }
    }

    #[test]
    fn an_empty_or_blank_message_has_probabilities() {
        let lexical = Lexical::from_json(LEXICAL_JSON).unwrap();
        for text in ["", "   ", "\u{1c}"] {
            let p = lexical.probabilities(text);
            assert!(p.crisis.is_finite() && p.elevated.is_finite());
        }
    }

    #[test]
    fn a_file_whose_weights_do_not_fit_its_buckets_is_refused() {
        let mut file: serde_json::Value = serde_json::from_str(LEXICAL_JSON).unwrap();
        file["features"]["buckets"] = serde_json::json!(7);
        assert!(Lexical::from_json(&file.to_string()).is_err());
    }
}
