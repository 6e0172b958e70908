//! Rules for free text and short labels, shared by every entity that stores them.

use super::FieldError;

/// Checks free text a user wrote: at most `max_chars` characters (Unicode scalar values, which
/// is what people count), no control characters other than newline, carriage return and tab.
/// Leading and trailing whitespace is kept: it may matter to the writer.
pub fn check_text(field: &str, text: &str, max_chars: usize) -> Result<(), FieldError> {
    let count = text.chars().count();
    if count > max_chars {
        return Err(FieldError::new(
            field,
            format!("must be at most {max_chars} characters (got {count})"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    Ok(())
}

/// A short label such as a tag or an emotion: 1–32 characters as sent, of letters (any
/// script), digits, spaces, `-`, `_` or `'`, not only spaces; stored trimmed, lower-cased,
/// with inner spaces collapsed. Lengths count what was sent, so the rule is exactly
/// [`LABEL_PATTERN`] with `maxLength` 32.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Label(String);

/// The longest label, in characters.
pub const LABEL_MAX_CHARS: usize = 32;
/// The most labels one list may hold.
pub const LABELS_MAX: usize = 10;

/// What a label must look like, for the OpenAPI document (`\w` is a letter of any script, a
/// digit or `_`; a test holds this pattern and [`Label::parse`] together).
pub const LABEL_PATTERN: &str = r"^[\w' -]*[\w'-][\w' -]*$";

/// Control characters other than tab, newline and carriage return, as a character-class body.
const CONTROLS: &str = r"\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F";

/// Free text (a note): no control characters other than tab, newline and carriage return.
pub fn text_pattern() -> String {
    format!("^[^{CONTROLS}]*$")
}

/// Free text that must say something (a message): as [`text_pattern`], and not only
/// whitespace. Written as "whitespace, then the first visible character, then anything
/// allowed", so there is one way to match any text. Schemathesis folds `maxLength` into the
/// pattern's repeats (`{0,19999}`); with two such repeats either side of the visible
/// character, as in `^[^C]*[^\sC][^C]*$`, its regex engine took 5 s to check one 20,000
/// character body, and the contract run spent most of its time there (docs/benchmarks.md).
pub fn non_blank_text_pattern() -> String {
    format!(r"^[^\S{CONTROLS}]*[^\s{CONTROLS}][^{CONTROLS}]*$")
}

/// One line that must say something (a display name): as [`single_line_pattern`], and not
/// only whitespace; written as [`non_blank_text_pattern`] is, for the same reason.
pub fn non_blank_single_line_pattern() -> String {
    format!(r"^[^\S\n\r{CONTROLS}]*[^\s{CONTROLS}][^\n\r{CONTROLS}]*$")
}

/// One line of text (a title): no control characters but tab, no line breaks.
pub fn single_line_pattern() -> String {
    format!(r"^[^\n\r{CONTROLS}]*$")
}

impl Label {
    /// Checks and normalises one label; `field` names it in the error.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let count = raw.chars().count();
        if count == 0 || count > LABEL_MAX_CHARS || raw.trim_matches(' ').is_empty() {
            return Err(FieldError::new(
                field,
                format!("must be 1 to {LABEL_MAX_CHARS} characters, not only spaces"),
            ));
        }
        if !raw
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '\''))
        {
            return Err(FieldError::new(
                field,
                "may hold only letters, digits, spaces, '-', '_' and '''",
            ));
        }
        let normalised = raw
            .split(' ')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        Ok(Self(normalised))
    }

    /// The label as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Rebuilds a label read back from the store, where it was stored normalised.
    pub fn from_stored(raw: String) -> Self {
        Self(raw)
    }
}

/// A list of distinct labels (duplicates after normalisation are dropped), at most
/// [`LABELS_MAX`], in the order first given.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Labels(Vec<Label>);

impl Labels {
    /// Checks every label of `raw`; `field` names the list in errors (`tags[2]`).
    pub fn parse(field: &str, raw: &[String]) -> Result<Self, Vec<FieldError>> {
        if raw.len() > LABELS_MAX {
            return Err(vec![FieldError::new(
                field,
                format!("must hold at most {LABELS_MAX} labels (got {})", raw.len()),
            )]);
        }
        let mut labels: Vec<Label> = Vec::with_capacity(raw.len());
        let mut errors = Vec::new();
        for (i, item) in raw.iter().enumerate() {
            match Label::parse(&format!("{field}[{i}]"), item) {
                Ok(label) if !labels.contains(&label) => labels.push(label),
                Ok(_) => {}
                Err(error) => errors.push(error),
            }
        }
        if errors.is_empty() {
            Ok(Self(labels))
        } else {
            Err(errors)
        }
    }

    /// Rebuilds a list read back from the store.
    pub fn from_stored(raw: Vec<String>) -> Self {
        Self(raw.into_iter().map(Label::from_stored).collect())
    }

    /// The labels in order.
    pub fn iter(&self) -> impl Iterator<Item = &Label> {
        self.0.iter()
    }

    /// The labels as plain strings.
    pub fn to_strings(&self) -> Vec<String> {
        self.0.iter().map(|l| l.0.clone()).collect()
    }

    /// Whether `label` is in the list.
    pub fn contains(&self, label: &Label) -> bool {
        self.0.contains(label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_trimmed_lowercased_and_collapsed() {
        assert_eq!(
            Label::parse("t", "  Work   Stress ").unwrap().as_str(),
            "work stress"
        );
        assert_eq!(Label::parse("t", "Ánimo").unwrap().as_str(), "ánimo");
    }

    #[test]
    fn labels_with_markup_or_no_content_are_refused() {
        assert!(Label::parse("t", "   ").is_err());
        assert!(Label::parse("t", "<script>").is_err());
        assert!(Label::parse("t", &"a".repeat(33)).is_err());
        // Lengths count what was sent, and a space is the only whitespace a label holds.
        assert!(Label::parse("t", &format!("a{}b", " ".repeat(31))).is_err());
        assert!(Label::parse("t", "a\tb").is_err());
    }

    #[test]
    fn a_label_list_drops_duplicates_and_names_the_bad_item() {
        let labels = Labels::parse("tags", &["Sleep".into(), "sleep".into()]).unwrap();
        assert_eq!(labels.to_strings(), vec!["sleep"]);
        let errors = Labels::parse("tags", &["ok".into(), "#!".into()]).unwrap_err();
        assert_eq!(errors[0].field, "tags[1]");
        assert!(Labels::parse("tags", &vec!["a".to_owned(); 11]).is_err());
    }

    #[test]
    fn text_length_counts_characters_not_bytes() {
        assert!(check_text("note", &"é".repeat(2000), 2000).is_ok());
        assert!(check_text("note", &"é".repeat(2001), 2000).is_err());
        assert!(check_text("note", "line\nbreak\ttab", 2000).is_ok());
        assert!(check_text("note", "nul\u{0}", 2000).is_err());
    }

    /// The OpenAPI document states these rules as patterns; a client that checks them must
    /// agree with the API on every kind of input.
    #[test]
    fn the_documented_patterns_say_what_the_parsers_accept() {
        let matches =
            |pattern: &str, text: &str| regex::Regex::new(pattern).unwrap().is_match(text);
        for label in [
            "work",
            " Work  Stress ",
            "Ánimo",
            "día_2",
            "rock'n'roll",
            "x-y",
            "数学",
            "",
            "   ",
            "a\tb",
            "<b>",
            "#!",
            "a.b",
            "a\u{7}",
        ] {
            assert_eq!(
                matches(LABEL_PATTERN, label),
                Label::parse("t", label).is_ok(),
                "{label:?}"
            );
        }
        for text in [
            "",
            "ok",
            "line\nbreak\ttab\r",
            "bell\u{7}",
            "del\u{7f}",
            "c1\u{85}",
            "é",
        ] {
            assert_eq!(
                matches(&text_pattern(), text),
                check_text("t", text, 100).is_ok(),
                "{text:?}"
            );
        }
        for (text, non_blank, one_line) in [
            ("hello", true, true),
            ("  \n\t ", false, false),
            ("", false, true),
            ("two\nlines", true, false),
            ("tab\there", true, true),
            ("bell\u{7}", false, false),
            (" \u{3000} said", true, true),
            ("\n said", true, false),
            ("\u{b} said", false, false),
            ("said \u{85}", false, false),
            ("\u{a0}", false, true),
        ] {
            assert_eq!(
                matches(&non_blank_text_pattern(), text),
                non_blank,
                "{text:?}"
            );
            assert_eq!(matches(&single_line_pattern(), text), one_line, "{text:?}");
            assert_eq!(
                matches(&non_blank_single_line_pattern(), text),
                non_blank && one_line,
                "{text:?}"
            );
        }
    }
}
