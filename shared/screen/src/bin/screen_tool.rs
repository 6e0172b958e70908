//! The screen's workbench (not shipped in any function):
//!
//! - `screen-tool score [--rules-only] [--dev] [--misses] [--writing] FILE|DIR...`:
//!   first-contact scoring of labelled messages by the current screen, per level, per style
//!   and per language, per layer (`--writing`: as journal entries and exercise notes are
//!   screened);
//! - `screen-tool embed OUT_DIR`: the embeddings (first window) of every labelled message,
//!   with their labels and splits, as raw little-endian f32 for analysis in numpy;
//! - `screen-tool calibrate [--write] [--writing]`: the thresholds (English, the other
//!   languages, kept writing), written into `model/head.json` with `--write` (`--writing`:
//!   only kept writing's);
//! - `screen-tool dump [FILE|DIR...]`: per message, its label, split, detected language, the
//!   rules' level and the semantic layer's probabilities (blended; encoder's; lexical's), as
//!   TSV for analysis;
//! - `screen-tool bench`: latency of each layer by message length, load time and memory.
//!
//! The head is the compiled-in one, or the file `SCREEN_HEAD` names (a candidate from a
//! training run, scored before it is committed). The model directory is `SCREEN_MODEL_DIR`
//! (default: where `shared/screen/model/fetch.sh` puts the head's encoder).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use therabot_screen::dataset::{self, Example};
use therabot_screen::semantic::Classifier;
use therabot_screen::{Layer, Level, Screen};

fn head_json() -> String {
    match std::env::var_os("SCREEN_HEAD") {
        Some(path) => std::fs::read_to_string(&path).unwrap_or_else(|e| {
            eprintln!("SCREEN_HEAD {}: {e}", Path::new(&path).display());
            std::process::exit(2)
        }),
        None => therabot_screen::semantic::HEAD_JSON.to_owned(),
    }
}

fn model_dir() -> PathBuf {
    std::env::var_os("SCREEN_MODEL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(therabot_screen::semantic::MODEL_DIR_IN_REPOSITORY))
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

fn load_classifier() -> Classifier {
    let started = Instant::now();
    let classifier = Classifier::load_with_head(&model_dir(), &head_json()).unwrap_or_else(|e| {
        eprintln!("cannot load the semantic classifier: {e}");
        std::process::exit(2)
    });
    eprintln!(
        "loaded {} in {} ms",
        classifier.version(),
        started.elapsed().as_millis()
    );
    classifier
}

fn load(paths: &[String]) -> Vec<Example> {
    let mut out = Vec::new();
    for p in paths {
        let path = Path::new(p);
        let examples = if path.is_dir() {
            dataset::load_dir(path)
        } else {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            std::fs::read_to_string(path)
                .map_err(|e| e.to_string())
                .and_then(|c| dataset::parse(&name, &c))
        };
        out.extend(examples.unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(2)
        }));
    }
    out
}

#[derive(Default)]
struct Tally {
    by: BTreeMap<(Level, Level), usize>,
}

impl Tally {
    fn add(&mut self, label: Level, got: Level) {
        *self.by.entry((label, got)).or_default() += 1;
    }
    fn n(&self, label: Level, got: Level) -> usize {
        self.by.get(&(label, got)).copied().unwrap_or(0)
    }
    fn support(&self, label: Level) -> usize {
        LEVELS.iter().map(|g| self.n(label, *g)).sum()
    }
    fn line(&self, name: &str) -> String {
        let c = self.support(Level::Crisis);
        let e = self.support(Level::Elevated);
        let o = self.support(Level::None);
        let pct = |a: usize, b: usize| {
            if b == 0 {
                "   -  ".to_owned()
            } else {
                format!("{:5.1}%", 100.0 * a as f64 / b as f64)
            }
        };
        format!(
            "{name:<22} n={:<5} crisis→crisis {} ({}/{c})  crisis→none {}  elevated→≥elevated {} ({}/{e})  none→crisis {}  none→elevated {}",
            c + e + o,
            pct(self.n(Level::Crisis, Level::Crisis), c),
            self.n(Level::Crisis, Level::Crisis),
            pct(self.n(Level::Crisis, Level::None), c),
            pct(
                self.n(Level::Elevated, Level::Elevated) + self.n(Level::Elevated, Level::Crisis),
                e
            ),
            self.n(Level::Elevated, Level::Elevated) + self.n(Level::Elevated, Level::Crisis),
            pct(self.n(Level::None, Level::Crisis), o),
            pct(self.n(Level::None, Level::Elevated), o),
        )
    }
    fn precision_recall(&self) -> String {
        let mut out = String::from("  level      precision  recall   support\n");
        for l in LEVELS {
            let tp = self.n(l, l) as f64;
            let predicted: f64 = LEVELS.iter().map(|x| self.n(*x, l) as f64).sum();
            let support = self.support(l) as f64;
            out.push_str(&format!(
                "  {:<10} {:>9.3}  {:>6.3}   {}\n",
                l.as_str(),
                if predicted > 0.0 { tp / predicted } else { 0.0 },
                if support > 0.0 { tp / support } else { 0.0 },
                support
            ));
        }
        out
    }
}

const LEVELS: [Level; 3] = [Level::None, Level::Elevated, Level::Crisis];

fn score(args: &[String]) {
    let rules_only = args.iter().any(|a| a == "--rules-only");
    let misses = args.iter().any(|a| a == "--misses");
    let dev_only = args.iter().any(|a| a == "--dev");
    // Journal entries and exercise notes, as the journals and exercises functions screen them.
    let writing = args.iter().any(|a| a == "--writing");
    let paths: Vec<String> = args
        .iter()
        .filter(|a| !a.starts_with("--"))
        .cloned()
        .collect();
    let mut examples = load(&paths);
    if dev_only {
        examples.retain(Example::is_dev);
    }
    let classifier = (!rules_only).then(load_classifier);
    let screen = classifier
        .as_ref()
        .map_or(Screen::rules_only(), Screen::new);
    let mut all = Tally::default();
    let mut per_layer: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut by_style: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_lang: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_source: BTreeMap<String, Tally> = BTreeMap::new();
    let started = Instant::now();
    for ex in &examples {
        let s = if writing {
            screen.screen_writing(&ex.text)
        } else {
            screen.screen(&ex.text)
        };
        all.add(ex.level, s.level);
        for (name, layer) in [("rules", Layer::Rules), ("semantic", Layer::Semantic)] {
            if let Some(level) = s.layer(layer).and_then(|v| v.level) {
                per_layer.entry(name).or_default().add(ex.level, level);
            }
        }
        by_style
            .entry(ex.style.clone())
            .or_default()
            .add(ex.level, s.level);
        by_lang
            .entry(ex.lang.clone())
            .or_default()
            .add(ex.level, s.level);
        by_source
            .entry(ex.source.clone())
            .or_default()
            .add(ex.level, s.level);
        if misses && s.level != ex.level {
            println!(
                "  MISS {} -> {} [{} {}] {}",
                ex.level.as_str(),
                s.level.as_str(),
                ex.lang,
                ex.style,
                ex.text
            );
        }
    }
    let per_message = started.elapsed().as_secs_f64() * 1000.0 / examples.len().max(1) as f64;
    println!(
        "screen {} ({}) on {} {}, {per_message:.2} ms a message",
        therabot_screen::SCREEN_VERSION,
        classifier.as_ref().map_or("rules only", |c| c.version()),
        examples.len(),
        if writing {
            "texts read as kept writing"
        } else {
            "messages"
        }
    );
    print!("{}", all.precision_recall());
    println!("{}", all.line("all layers"));
    for (name, t) in &per_layer {
        println!("{}", t.line(&format!("layer {name}")));
    }
    for (name, t) in &by_style {
        println!("{}", t.line(&format!("style {name}")));
    }
    for (name, t) in &by_lang {
        println!("{}", t.line(&format!("lang {name}")));
    }
    for (name, t) in &by_source {
        println!("{}", t.line(&format!("file {name}")));
    }
}

/// Each text's windows: label, language, style, window count, the lexical model's crisis /
/// elevated for the whole text, then each window's encoder crisis / elevated, in order.
fn windows(args: &[String]) {
    let classifier = load_classifier();
    for ex in load(args) {
        let (w, lex) = classifier.window_probabilities(&ex.text).unwrap();
        let ps: Vec<String> = w
            .iter()
            .map(|p| format!("{:.3}/{:.3}", p.crisis, p.elevated))
            .collect();
        println!(
            "{}\t{}\t{}\t{}\t{:.3}/{:.3}\t{}",
            ex.level.as_str(),
            ex.lang,
            ex.style,
            w.len(),
            lex.crisis,
            lex.elevated,
            ps.join(" ")
        );
    }
}

fn dump(args: &[String]) {
    let classifier = load_classifier();
    let examples = if args.is_empty() {
        dataset::load_dir(&data_dir()).unwrap()
    } else {
        load(args)
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for ex in &examples {
        let a = classifier.assess(&ex.text).unwrap();
        let (p, e, l) = (a.probabilities, a.encoder, a.lexical);
        let split = if ex.is_dev() {
            "dev"
        } else if dataset::is_calibration(&ex.text) {
            "calibration"
        } else {
            "train"
        };
        let rules = therabot_screen::rules::screen_in_context(&ex.text, Level::None);
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}\t{}\t{:.6}\t{:.6}\t{:.6}\t{:.6}\t{:.6}\t{:.6}\t{:.6}\t{}",
            ex.level.as_str(),
            ex.lang,
            ex.style,
            split,
            therabot_screen::language::detect(&ex.text),
            rules.level.as_str(),
            1.0 - p.elevated - p.crisis,
            p.elevated,
            p.crisis,
            e.elevated,
            e.crisis,
            l.elevated,
            l.crisis,
            ex.source
        )
        .unwrap();
    }
}

fn embed(args: &[String]) {
    let out = PathBuf::from(args.first().map_or(".local/screen-train", String::as_str));
    std::fs::create_dir_all(&out).unwrap();
    let classifier = load_classifier();
    let examples = dataset::load_dir(&data_dir()).unwrap();
    let mut vectors =
        std::io::BufWriter::new(std::fs::File::create(out.join("embeddings.f32")).unwrap());
    let mut labels =
        std::io::BufWriter::new(std::fs::File::create(out.join("labels.tsv")).unwrap());
    let started = Instant::now();
    let mut width = 0;
    for ex in &examples {
        let windows = classifier.embed(&ex.text).unwrap();
        // The first window: nearly every labelled message fits in one.
        let first = &windows[0];
        width = first.len();
        for v in first {
            vectors.write_all(&v.to_le_bytes()).unwrap();
        }
        writeln!(
            labels,
            "{}\t{}\t{}\t{}\t{}",
            ex.level.as_str(),
            ex.lang,
            ex.style,
            if ex.is_dev() { "dev" } else { "train" },
            ex.source
        )
        .unwrap();
    }
    eprintln!(
        "embedded {} messages ({width} wide) in {:.1} s into {}",
        examples.len(),
        started.elapsed().as_secs_f64(),
        out.display()
    );
}

/// The shares of ordinary calibration messages let through as `crisis` and as `elevated or
/// more`: English messages are told apart well, so 3% and 8% of them; the others
/// (Spanish, French, Portuguese, German by [`therabot_screen::language::detect`]) get the
/// thresholds of the whole slice at 3.5% and 9%, which the encoder reads less surely.
const ENGLISH_RATES: (f32, f32) = (0.03, 0.08);
const WHOLE_SLICE_RATES: (f32, f32) = (0.035, 0.09);

/// The shares of ordinary journal entries of the calibration slice let through as `crisis` and
/// as `elevated or more`, for kept writing. Diary text is told apart less well than chat: at these
/// rates the entries of rounds 37, 38 and 40 kept 96% of crisis entries at `crisis` or
/// `elevated` (both show the crisis lines), where the chat's thresholds flagged half of all
/// ordinary entries (`docs/safety-screen.md`, journal entries).
const WRITING_RATES: (f32, f32) = (0.10, 0.30);

/// The quantile of `values` that lets `share` of them through.
fn threshold_at(values: &mut [f32], share: f32) -> f64 {
    values.sort_by(f32::total_cmp);
    let at = ((values.len() as f32 - 1.0) * (1.0 - share)).round() as usize;
    f64::from(values.get(at).copied().unwrap_or(1.0))
}

/// The thresholds the rates above give, printed, and written into `model/head.json` with
/// `--write` (`make screen-calibrate`, after `make train-screen`); `--writing` writes only
/// those of kept writing. Messages and journal entries alike come from the calibration slice,
/// which neither the adapters nor the lexical model were trained on. (Until the adapters were
/// trained on journal entries, kept writing used every ordinary entry outside the dev split;
/// entries a model was trained on score lower than unseen ones, so their thresholds would let
/// far more than the rates through.)
fn calibrate(args: &[String]) {
    let classifier = load_classifier();
    let examples = dataset::load_dir(&data_dir()).unwrap();
    type Values = (Vec<f32>, Vec<f32>);
    let (mut all, mut english, mut writing): (Values, Values, Values) = Default::default();
    for ex in examples.iter().filter(|e| e.level == Level::None) {
        if !dataset::is_calibration(&ex.text) {
            continue;
        }
        let journal = ex.source.contains("journal");
        let p = classifier.assess(&ex.text).unwrap().probabilities;
        let pair = (p.crisis, p.crisis + p.elevated);
        let push = |into: &mut (Vec<f32>, Vec<f32>)| {
            into.0.push(pair.0);
            into.1.push(pair.1);
        };
        if journal {
            push(&mut writing);
        }
        push(&mut all);
        if therabot_screen::language::detect(&ex.text) == "en" {
            push(&mut english);
        }
    }
    let en = (
        threshold_at(&mut english.0, ENGLISH_RATES.0),
        threshold_at(&mut english.1, ENGLISH_RATES.1),
    );
    let others = (
        threshold_at(&mut all.0, WHOLE_SLICE_RATES.0),
        threshold_at(&mut all.1, WHOLE_SLICE_RATES.1),
    );
    let kept = (
        threshold_at(&mut writing.0, WRITING_RATES.0),
        threshold_at(&mut writing.1, WRITING_RATES.1),
    );
    println!(
        "English ({} ordinary messages): crisis {:.6}, risk {:.6}; others (whole slice, {}): crisis {:.6}, risk {:.6}; kept writing ({} ordinary journal entries): crisis {:.6}, risk {:.6}",
        english.0.len(),
        en.0,
        en.1,
        all.0.len(),
        others.0,
        others.1,
        writing.0.len(),
        kept.0,
        kept.1
    );
    let only_writing = args.iter().any(|a| a == "--writing");
    if args.iter().any(|a| a == "--write") {
        let path = std::env::var_os("SCREEN_HEAD").map_or_else(
            || Path::new(env!("CARGO_MANIFEST_DIR")).join("model/head.json"),
            PathBuf::from,
        );
        let mut head: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let pair = |(crisis, risk): (f64, f64)| {
            let round = |v: f64| (v * 1e6).round() / 1e6;
            serde_json::json!({"crisis": round(crisis), "risk": round(risk)})
        };
        if !only_writing {
            head["thresholds"] = pair(en);
            head["thresholds_not_english"] = pair(others);
        }
        head["thresholds_writing"] = pair(kept);
        std::fs::write(
            &path,
            format!("{}\n", serde_json::to_string(&head).unwrap()),
        )
        .unwrap();
        println!("wrote the thresholds into {}", path.display());
    }
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned))
        })
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn bench() {
    let before = rss_kib();
    let started = Instant::now();
    let classifier = load_classifier();
    let load_ms = started.elapsed().as_secs_f64() * 1000.0;
    let lexical = therabot_screen::semantic::lexical::Lexical::from_json(
        therabot_screen::semantic::LEXICAL_JSON,
    )
    .unwrap();
    let sentence = "I have been feeling really low lately and I keep thinking about the pills in the cabinet. ";
    let mut rows = Vec::new();
    for words in [8usize, 32, 95, 400, 700] {
        let text: String = sentence
            .split_whitespace()
            .cycle()
            .take(words)
            .collect::<Vec<_>>()
            .join(" ");
        let tokens = classifier.token_ids(&text).len();
        let runs = if words > 300 { 5 } else { 30 };
        // Warm up once, then time.
        let _ = classifier.assess(&text);
        let t = Instant::now();
        for _ in 0..runs {
            let _ = classifier.assess(&text);
        }
        let semantic = t.elapsed().as_secs_f64() * 1000.0 / runs as f64;
        let t = Instant::now();
        for _ in 0..runs {
            let _ = therabot_screen::rules::screen(&text);
        }
        let rules = t.elapsed().as_secs_f64() * 1000.0 / runs as f64;
        let t = Instant::now();
        for _ in 0..runs {
            let _ = lexical.probabilities(&text);
        }
        let lexical_ms = t.elapsed().as_secs_f64() * 1000.0 / runs as f64;
        let windows = classifier.embed(&text).map(|w| w.len()).unwrap_or(0);
        rows.push(format!(
            "| {} chars | {} | {} | {rules:.3} ms | {semantic:.1} ms | {lexical_ms:.3} ms |",
            text.chars().count(),
            tokens,
            windows
        ));
    }
    println!(
        "model load: {load_ms:.0} ms; peak RSS {} MiB before load, {} MiB after",
        before / 1024,
        rss_kib() / 1024
    );
    println!(
        "| message | tokens (first window) | windows | rules | semantic (encoder and lexical) | of which lexical |"
    );
    println!("|---|---|---|---|---|---|");
    for r in rows {
        println!("{r}");
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("score") => score(&args[1..]),
        Some("embed") => embed(&args[1..]),
        Some("bench") => bench(),
        Some("calibrate") => calibrate(&args[1..]),
        Some("windows") => windows(&args[1..]),
        Some("dump") => dump(&args[1..]),
        _ => {
            eprintln!(
                "usage: screen-tool score [--rules-only] [--dev] [--misses] [--writing] FILE|DIR... | embed [OUT_DIR] | dump [FILE|DIR...] | windows FILE|DIR... | bench | calibrate [--write] [--writing]"
            );
            std::process::exit(2);
        }
    }
}
