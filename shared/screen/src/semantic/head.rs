//! What training adds to the published encoder, committed as `shared/screen/model/head.json`
//! by `make train-screen` (`shared/screen/train/train_adapter.py`): low-rank adapters merged
//! into the encoder's attention weights at load, and the head on top of the sentence
//! embedding — a small feed-forward network (ReLU between layers, softmax at the end) over
//! the classes `none`, `elevated`, `crisis` — with the two thresholds that turn its
//! probabilities into a level.

use serde::Deserialize;

use crate::{Level, Register};

#[derive(Debug, Deserialize)]
struct DenseLayer {
    /// `outputs × inputs`.
    weight: Vec<Vec<f32>>,
    bias: Vec<f32>,
}

#[derive(Debug, Deserialize)]
struct Thresholds {
    /// `P(crisis)` at or above this is a crisis.
    crisis: f32,
    /// `P(elevated) + P(crisis)` at or above this is at least elevated.
    risk: f32,
}

#[derive(Debug, Deserialize)]
struct EncoderInfo {
    name: String,
    sha256: String,
    /// How many of the encoder's layers the head was trained on (all when absent).
    #[serde(default)]
    layers: Option<usize>,
}

/// The encoder a head names, read before the rest of the head: its layer count decides what
/// to load, and the head's width check needs the loaded encoder.
#[derive(Deserialize)]
struct EncoderOnly {
    encoder: EncoderInfo,
}

/// The name every head trained on the screen's encoder starts with (decision 0031).
const ENCODER_NAME: &str = "multilingual-e5-small";

/// How many of the encoder's layers the head in `json` was trained on, once it is known to
/// have been trained on the screen's encoder (a head trained on another would load and give
/// nonsense).
pub(crate) fn encoder_layers(json: &str) -> Result<usize, String> {
    let head: EncoderOnly = serde_json::from_str(json).map_err(|e| format!("head.json: {e}"))?;
    if !head.encoder.name.starts_with(ENCODER_NAME) {
        return Err(format!(
            "head.json was trained on {}, not {ENCODER_NAME}",
            head.encoder.name
        ));
    }
    Ok(head.encoder.layers.unwrap_or(usize::MAX))
}

/// A low-rank update of one of the encoder's weights: `W += scale · B · A`.
#[derive(Debug, Deserialize)]
pub struct Adapter {
    /// The weight's name in the encoder, without `.weight`.
    pub name: String,
    /// The rank `r`.
    pub rank: usize,
    /// The scale (alpha / r).
    pub scale: f32,
    /// `A`, `r × in`, row-major.
    pub a: Vec<f32>,
    /// `B`, `out × r`, row-major.
    pub b: Vec<f32>,
}

/// Probabilities the training run computed for a few texts, so a test can check that the
/// Rust encoder with these adapters and this head reproduces them.
#[derive(Debug, Deserialize)]
pub struct Check {
    /// The text.
    pub text: String,
    /// `P(none)`, `P(elevated)`, `P(crisis)`.
    pub p: [f32; 3],
}

/// A trained head.
#[derive(Debug, Deserialize)]
pub struct Head {
    version: String,
    encoder: EncoderInfo,
    classes: Vec<String>,
    #[serde(default)]
    adapters: Vec<Adapter>,
    layers: Vec<DenseLayer>,
    thresholds: Thresholds,
    /// Thresholds for messages in Spanish, French, Portuguese or German
    /// ([`crate::language::detect`]), when the head has them; else `thresholds` for all.
    #[serde(default)]
    thresholds_not_english: Option<Thresholds>,
    /// Thresholds for writing that is kept (journal entries, exercise notes) in any language,
    /// when the head has them: paragraphs of a day's narrative read riskier to the encoder than
    /// chat messages with the same risk (`docs/safety-screen.md`, journal entries).
    #[serde(default)]
    thresholds_writing: Option<Thresholds>,
    #[serde(default)]
    check: Vec<Check>,
}

/// The head's probabilities for one embedding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Probabilities {
    /// P(elevated).
    pub elevated: f32,
    /// P(crisis).
    pub crisis: f32,
}

impl Head {
    /// Parses and checks a head file against the embedding width.
    pub fn from_json(json: &str, width: usize) -> Result<Self, String> {
        let head: Head = serde_json::from_str(json).map_err(|e| format!("head.json: {e}"))?;
        if head.classes != ["none", "elevated", "crisis"] {
            return Err("head.json: classes must be none, elevated, crisis".into());
        }
        let mut inputs = width;
        for (i, layer) in head.layers.iter().enumerate() {
            if layer.weight.is_empty()
                || layer.weight.len() != layer.bias.len()
                || layer.weight.iter().any(|row| row.len() != inputs)
            {
                return Err(format!(
                    "head.json: layer {i} does not fit its input of {inputs}"
                ));
            }
            inputs = layer.bias.len();
        }
        if inputs != 3 {
            return Err("head.json: the last layer must have three outputs".into());
        }
        for adapter in &head.adapters {
            if adapter.rank == 0
                || !adapter.a.len().is_multiple_of(adapter.rank)
                || !adapter.b.len().is_multiple_of(adapter.rank)
            {
                return Err(format!("head.json: adapter {} is malformed", adapter.name));
            }
        }
        Ok(head)
    }

    /// The adapters to merge into the encoder.
    pub fn adapters(&self) -> &[Adapter] {
        &self.adapters
    }

    /// The training run's own probabilities for a few texts.
    pub fn checks(&self) -> &[Check] {
        &self.check
    }

    /// The head's version, stored with every verdict.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The encoder this head was trained on, and its weights' SHA-256.
    pub fn encoder(&self) -> (&str, &str) {
        (&self.encoder.name, &self.encoder.sha256)
    }

    /// The probabilities of `elevated` and `crisis` for `embedding`.
    pub fn probabilities(&self, embedding: &[f32]) -> Probabilities {
        let mut x = embedding.to_vec();
        let last = self.layers.len().saturating_sub(1);
        for (i, layer) in self.layers.iter().enumerate() {
            let mut next: Vec<f32> = layer
                .weight
                .iter()
                .zip(&layer.bias)
                .map(|(row, b)| row.iter().zip(&x).map(|(w, v)| w * v).sum::<f32>() + b)
                .collect();
            if i < last {
                next.iter_mut().for_each(|v| *v = v.max(0.0));
            }
            x = next;
        }
        let max = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let exp: Vec<f32> = x.iter().map(|v| (v - max).exp()).collect();
        let total: f32 = exp.iter().sum();
        Probabilities {
            elevated: exp[1] / total,
            crisis: exp[2] / total,
        }
    }

    /// The level these probabilities mean for an English message.
    pub fn level(&self, p: Probabilities) -> Level {
        self.level_in(p, "en")
    }

    /// The level these probabilities mean for a message in `language` (`en`, `es`, `fr`,
    /// `pt`, `de`).
    pub fn level_in(&self, p: Probabilities, language: &str) -> Level {
        self.level_for(p, language, Register::Message)
    }

    /// The level these probabilities mean for a text of `register` in `language`.
    pub fn level_for(&self, p: Probabilities, language: &str, register: Register) -> Level {
        let t = match (&self.thresholds_writing, &self.thresholds_not_english) {
            (Some(writing), _) if register == Register::Writing => writing,
            (_, Some(other)) if language != "en" => other,
            _ => &self.thresholds,
        };
        if p.crisis >= t.crisis {
            Level::Crisis
        } else if p.crisis + p.elevated >= t.risk {
            Level::Elevated
        } else {
            Level::None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head() -> Head {
        let json = r#"{"version":"t","encoder":{"name":"e","sha256":"x"},
            "classes":["none","elevated","crisis"],
            "layers":[{"weight":[[0,0],[1,0],[0,1]],"bias":[0,0,0]}],
            "thresholds":{"crisis":0.5,"risk":0.5}}"#;
        Head::from_json(json, 2).unwrap()
    }

    #[test]
    fn a_head_names_how_many_encoder_layers_it_was_trained_on_and_refuses_another_encoder() {
        let e5 = |layers: &str| {
            format!(
                r#"{{"encoder":{{"name":"multilingual-e5-small (4-bit)","sha256":"x"{layers}}}}}"#
            )
        };
        assert_eq!(encoder_layers(&e5(r#","layers":6"#)), Ok(6));
        assert_eq!(encoder_layers(&e5("")), Ok(usize::MAX));
        let minilm = r#"{"encoder":{"name":"all-MiniLM-L6-v2","sha256":"x"}}"#;
        assert!(
            encoder_layers(minilm)
                .unwrap_err()
                .contains("all-MiniLM-L6-v2")
        );
        assert!(encoder_layers("{}").is_err());
    }

    #[test]
    fn the_probabilities_decide_the_level_by_the_thresholds() {
        let h = head();
        assert_eq!(h.level(h.probabilities(&[0.0, 5.0])), Level::Crisis);
        assert_eq!(h.level(h.probabilities(&[5.0, 0.0])), Level::Elevated);
        assert_eq!(h.level(h.probabilities(&[-5.0, -5.0])), Level::None);
    }

    #[test]
    fn messages_not_in_english_use_their_own_thresholds_when_the_head_has_them() {
        let json = r#"{"version":"t","encoder":{"name":"e","sha256":"x"},
            "classes":["none","elevated","crisis"],
            "layers":[{"weight":[[0,0],[1,0],[0,1]],"bias":[0,0,0]}],
            "thresholds":{"crisis":0.5,"risk":0.5},
            "thresholds_not_english":{"crisis":0.99,"risk":0.99}}"#;
        let h = Head::from_json(json, 2).unwrap();
        let p = h.probabilities(&[0.0, 3.0]);
        assert_eq!(h.level_in(p, "en"), Level::Crisis);
        assert_eq!(h.level_in(p, "es"), Level::None);
        assert_eq!(
            head().level_in(p, "es"),
            Level::Crisis,
            "one set when that is all"
        );
    }

    #[test]
    fn kept_writing_uses_its_own_thresholds_in_every_language_when_the_head_has_them() {
        let json = r#"{"version":"t","encoder":{"name":"e","sha256":"x"},
            "classes":["none","elevated","crisis"],
            "layers":[{"weight":[[0,0],[1,0],[0,1]],"bias":[0,0,0]}],
            "thresholds":{"crisis":0.5,"risk":0.5},
            "thresholds_not_english":{"crisis":0.6,"risk":0.6},
            "thresholds_writing":{"crisis":0.99,"risk":0.99}}"#;
        let h = Head::from_json(json, 2).unwrap();
        let p = h.probabilities(&[0.0, 3.0]);
        assert_eq!(h.level_for(p, "en", Register::Message), Level::Crisis);
        assert_eq!(h.level_for(p, "en", Register::Writing), Level::None);
        assert_eq!(h.level_for(p, "es", Register::Writing), Level::None);
        assert_eq!(
            head().level_for(p, "en", Register::Writing),
            Level::Crisis,
            "a head without them judges writing as messages"
        );
    }

    #[test]
    fn a_head_that_does_not_fit_the_encoder_is_refused() {
        let json = r#"{"version":"t","encoder":{"name":"e","sha256":"x"},
            "classes":["none","elevated","crisis"],
            "layers":[{"weight":[[0,0],[1,0],[0,1]],"bias":[0,0,0]}],
            "thresholds":{"crisis":0.5,"risk":0.5}}"#;
        assert!(Head::from_json(json, 3).is_err());
        assert!(Head::from_json("{}", 2).is_err());
    }
}
