//! Which of the screen's five languages a message is written in, from its most common small
//! words. The semantic layer's thresholds depend on it: the encoder reads Spanish, French,
//! Portuguese and German as English word pieces and is less sure of them, so their ordinary
//! messages need their own thresholds to be let through as often as English ones.

/// Frequent words that tell the languages apart (lower case; accents both kept and dropped,
/// as people type them).
const WORDS: [(&str, &[&str]); 5] = [
    (
        "en",
        &[
            "the", "and", "i", "im", "you", "to", "is", "it", "my", "me", "that", "of", "in",
            "just", "not", "dont", "cant", "what", "this", "have", "was", "with", "for", "be",
            "so", "but", "been", "feel", "like", "anymore", "want",
        ],
    ),
    (
        "es",
        &[
            "el", "los", "las", "y", "mi", "es", "un", "una", "por", "para", "con", "lo", "se",
            "pero", "muy", "ya", "estoy", "tengo", "yo", "porque", "nada", "del", "quiero",
            "siento", "todo", "esta", "está", "q", "xq", "eso", "mis", "hoy",
        ],
    ),
    (
        "fr",
        &[
            "le", "les", "je", "j", "et", "est", "pas", "qui", "une", "des", "du", "mon", "ma",
            "mes", "ne", "c", "ça", "ca", "pour", "avec", "suis", "moi", "tout", "on", "plus",
            "jpp", "chuis", "jsp", "il", "elle", "veux", "trop",
        ],
    ),
    (
        "pt",
        &[
            "o", "os", "não", "nao", "eu", "é", "um", "uma", "meu", "minha", "com", "pra", "tá",
            "to", "tô", "estou", "mais", "vc", "você", "voce", "isso", "já", "ja", "ta", "tudo",
            "mim", "sei", "quero", "muito", "kkk", "ñ",
        ],
    ),
    (
        "de",
        &[
            // Not "die": in English it is the word the screen must never misread.
            "ich", "und", "der", "das", "nicht", "ist", "zu", "mit", "mein", "meine", "mir", "mich",
            "ein", "eine", "auf", "für", "fur", "aber", "noch", "schon", "halt", "bin", "hab",
            "habe", "nix", "kein", "auch", "wie", "nur", "mehr", "einfach",
        ],
    ),
];

/// `en`, `es`, `fr`, `pt` or `de`: the language whose common words the text uses most
/// (English when none stands out).
pub fn detect(text: &str) -> &'static str {
    let lower = text.to_lowercase();
    let tokens: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    let mut best = ("en", 0usize);
    for (language, words) in WORDS {
        let hits = tokens.iter().filter(|t| words.contains(t)).count();
        if hits > best.1 {
            best = (language, hits);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::detect;

    #[test]
    fn each_language_is_told_by_its_common_words() {
        assert_eq!(detect("I just can't do this anymore"), "en");
        assert_eq!(detect("ya no puedo más, estoy cansada de todo"), "es");
        assert_eq!(detect("j'en peux plus, je suis fatiguée de tout"), "fr");
        assert_eq!(detect("não aguento mais, tô cansada de tudo"), "pt");
        assert_eq!(detect("ich kann nicht mehr, bin einfach müde"), "de");
        assert_eq!(detect(""), "en");
        assert_eq!(detect("😀 ok"), "en");
        assert_eq!(
            detect("gonna die lol"),
            "en",
            "an English crisis word is not German"
        );
    }
}
