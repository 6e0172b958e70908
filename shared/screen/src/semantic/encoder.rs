//! The sentence encoder: a 6-layer BERT (all-MiniLM-L6-v2: 384 wide, 12 heads) run with
//! candle on the CPU, then mean pooling and L2 normalisation, as sentence-transformers does.
//! One sequence at a time, so there is no padding and no attention mask.

use std::collections::HashMap;

use candle_core::{DType, Device, Module, Tensor};
use candle_nn::LayerNorm;

use super::head::Adapter;

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

/// The encoder's shape, from the model's `config.json`.
#[derive(Debug, Clone, serde::Deserialize)]
pub(crate) struct BertConfig {
    hidden_size: usize,
    num_attention_heads: usize,
    num_hidden_layers: usize,
    max_position_embeddings: usize,
    layer_norm_eps: f64,
    hidden_act: String,
}

impl BertConfig {
    /// The embedding's width.
    pub(crate) fn width(&self) -> usize {
        self.hidden_size
    }

    /// The longest sequence the model accepts, special tokens included.
    pub(crate) fn max_positions(&self) -> usize {
        self.max_position_embeddings
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
    word: Tensor,
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
    /// Builds the encoder from the bytes of `model.safetensors` and its config, with the
    /// trained low-rank `adapters` merged into their weights.
    pub(crate) fn load(
        safetensors: &[u8],
        config: &BertConfig,
        adapters: &[Adapter],
    ) -> Result<Self, String> {
        if config.hidden_act != "gelu" {
            return Err(format!("unsupported activation {}", config.hidden_act));
        }
        if config.num_attention_heads == 0
            || !config
                .hidden_size
                .is_multiple_of(config.num_attention_heads)
        {
            return Err("the hidden size is not a multiple of the head count".into());
        }
        let device = Device::Cpu;
        let mut weights = candle_core::safetensors::load_buffer(safetensors, &device)
            .map_err(|e| format!("model.safetensors: {e}"))?;
        // Some exports prefix every name with "bert.".
        if weights.keys().all(|k| k.starts_with("bert.")) {
            weights = weights
                .into_iter()
                .map(|(k, v)| (k.trim_start_matches("bert.").to_owned(), v))
                .collect();
        }
        for adapter in adapters {
            merge(&mut weights, adapter, &device)
                .map_err(|e| format!("adapter {}: {e}", adapter.name))?;
        }
        let eps = config.layer_norm_eps;
        let word = take(&mut weights, "embeddings.word_embeddings.weight")?;
        let position = take(&mut weights, "embeddings.position_embeddings.weight")?;
        let token_type = take(&mut weights, "embeddings.token_type_embeddings.weight")?
            .get(0)
            .map_err(err)?;
        let embedding_norm = norm(&mut weights, "embeddings.LayerNorm", eps)?;
        let mut blocks = Vec::with_capacity(config.num_hidden_layers);
        for i in 0..config.num_hidden_layers {
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
        for tensor in [&word, &position] {
            if tensor.dtype() != DType::F32 {
                return Err("the model's weights are not f32".into());
            }
        }
        Ok(Self {
            device,
            word,
            position,
            token_type,
            embedding_norm,
            blocks,
            heads: config.num_attention_heads,
            head_dim: config.hidden_size / config.num_attention_heads,
            hidden: config.hidden_size,
        })
    }

    /// The sentence embedding of one sequence of token ids (with `[CLS]` and `[SEP]`): the
    /// mean of the last layer's token vectors, scaled to unit length.
    pub(crate) fn embed(&self, ids: &[u32]) -> Result<Vec<f32>, String> {
        self.forward(ids).map_err(err)
    }

    fn forward(&self, ids: &[u32]) -> candle_core::Result<Vec<f32>> {
        let n = ids.len();
        let ids = Tensor::new(ids, &self.device)?;
        let x = self
            .word
            .index_select(&ids, 0)?
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
/// by `[CLS]` and `[SEP]`: risk in the middle of a long message lands whole in one of them.
pub(crate) fn windows(pieces: &[u32], cls: u32, sep: u32, max_len: usize) -> Vec<Vec<u32>> {
    let inner = max_len.saturating_sub(2).max(1);
    let stride = (inner / 2).max(1);
    let frame = |slice: &[u32]| {
        let mut ids = Vec::with_capacity(slice.len() + 2);
        ids.push(cls);
        ids.extend_from_slice(slice);
        ids.push(sep);
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
