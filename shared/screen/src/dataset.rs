//! The labelled messages in `shared/screen/data/*.tsv`: `level <TAB> lang <TAB> style <TAB>
//! text`, `#` lines are comments. Style is `direct` or `oblique` for risk, `hard` (a hard
//! negative) or `plain` for `none`, and `-` where a round did not record it.
//!
//! Every message belongs to the training split or the dev split by a hash of its text, so the
//! split never changes when files are added or reordered, and the head never sees the dev
//! split (`shared/screen/train/train.py` computes the same hash).

use std::path::Path;

use crate::Level;

/// One labelled message.
#[derive(Debug, Clone)]
pub struct Example {
    /// Its label.
    pub level: Level,
    /// Its language code.
    pub lang: String,
    /// `direct`, `oblique`, `hard`, `plain` or `-`.
    pub style: String,
    /// The message.
    pub text: String,
    /// The file it came from, without extension.
    pub source: String,
}

impl Example {
    /// Whether the message is in the dev split (one in five, by hash of the text).
    pub fn is_dev(&self) -> bool {
        is_dev(&self.text)
    }
}

/// One in five messages, by [`text_hash`], is dev.
pub fn is_dev(text: &str) -> bool {
    text_hash(text).is_multiple_of(5)
}

/// Of the rest, one in six sets the thresholds and picks the epoch in training
/// (`train_adapter.py`); the adapters are never trained on it either.
pub fn is_calibration(text: &str) -> bool {
    let hash = text_hash(text);
    !hash.is_multiple_of(5) && (hash / 5).is_multiple_of(6)
}

/// FNV-1a (64 bit) of the text's UTF-8 bytes.
pub fn text_hash(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.as_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// Parses one file's lines.
pub fn parse(source: &str, content: &str) -> Result<Vec<Example>, String> {
    let mut out = Vec::new();
    for (number, line) in content.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.splitn(4, '\t').collect();
        let [level, lang, style, text] = fields[..] else {
            return Err(format!("{source}:{}: expected four columns", number + 1));
        };
        let level = Level::parse(level)
            .ok_or_else(|| format!("{source}:{}: unknown level {level}", number + 1))?;
        out.push(Example {
            level,
            lang: lang.to_owned(),
            style: style.to_owned(),
            text: text.to_owned(),
            source: source.to_owned(),
        });
    }
    Ok(out)
}

/// Every labelled message in the `.tsv` files of `dir`, files in name order.
pub fn load_dir(dir: &Path) -> Result<Vec<Example>, String> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "tsv"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let content =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        out.extend(parse(&name, &content)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_parsed_and_comments_skipped() {
        let set = parse("t", "# comment\ncrisis\ten\toblique\tthe rope is ready\n").unwrap();
        assert_eq!(set.len(), 1);
        assert_eq!(set[0].level, Level::Crisis);
        assert!(parse("t", "crisis\ten\tno text").is_err());
        assert!(parse("t", "severe\ten\t-\ttext").is_err());
    }

    #[test]
    fn about_one_in_five_messages_is_dev() {
        let dev = (0..1000)
            .filter(|i| is_dev(&format!("message {i}")))
            .count();
        assert!((150..250).contains(&dev), "{dev}");
    }
}
