//! The head on top of the sentence embedding: a small feed-forward network (ReLU between
//! layers, softmax at the end) over the classes `none`, `elevated`, `crisis`, and the two
//! thresholds that turn its probabilities into a level. Trained by `make train-screen`
//! (`shared/screen/train/train.py`) and committed as `shared/screen/model/head.json`.

use serde::Deserialize;

use crate::Level;

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
}

/// A trained head.
#[derive(Debug, Deserialize)]
pub struct Head {
    version: String,
    encoder: EncoderInfo,
    classes: Vec<String>,
    layers: Vec<DenseLayer>,
    thresholds: Thresholds,
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
        Ok(head)
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

    /// The level these probabilities mean.
    pub fn level(&self, p: Probabilities) -> Level {
        if p.crisis >= self.thresholds.crisis {
            Level::Crisis
        } else if p.crisis + p.elevated >= self.thresholds.risk {
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
    fn the_probabilities_decide_the_level_by_the_thresholds() {
        let h = head();
        assert_eq!(h.level(h.probabilities(&[0.0, 5.0])), Level::Crisis);
        assert_eq!(h.level(h.probabilities(&[5.0, 0.0])), Level::Elevated);
        assert_eq!(h.level(h.probabilities(&[-5.0, -5.0])), Level::None);
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
