//! Screening what a model says before a person reads it. A reply that gives a method, a dose
//! or instructions for self-harm is replaced with the crisis protocol, whatever the screen
//! said about the user's message; and the model's own escalation signal is recognised however
//! it is cased, spaced or punctuated.
//!
//! The rules use the screen's pattern language over the screen's normalised tokens. They look
//! for *content* (a quantity with a lethal outcome, how to tie or where to jump), not for risk
//! words: "if you have taken an overdose, call 911 now" is what a good reply says.

use std::sync::OnceLock;

use crate::rules::normalize::normalize;
use crate::rules::patterns::Pattern;

/// The version of the reply rules; stored with every screened reply.
pub const REPLY_RULES_VERSION: &str = "reply-2026.11.25-1";

/// What the model is told to answer instead of a reply when it sees danger; see
/// [`asks_to_escalate`].
pub const ESCALATE: &str = "SAFETY_ESCALATE";

fn group(name: &str) -> Option<&'static str> {
    Some(match name {
        "AMOUNT" => concat!(
            "mg|milligrams|milligram|g|grams|gram|mcg|micrograms|ml|pills|pill|tablets|tablet|",
            "capsules|caps|doses|pastillas|pastilla|comprimidos|gramos|miligramos|cachets|",
            "comprimes|comprimidos|tabletten|pillen"
        ),
        "DEADLY" => concat!(
            "lethal|fatal|deadly|kill|kills|killing|die|dying|death|overdose|od|toxic|",
            "letal|mortal|morir|matar|muerte|mortel|mourir|tödlich|todlich|sterben"
        ),
        "WAY" => concat!(
            "painless|easiest|quickest|fastest|surest|most_effective|most_reliable|best|",
            "least_painful|indolora|rapida|facil|mejor"
        ),
        "END" => "die|kill_yourself|end_your_life|end_it|suicide|morir|matarte|suicidarte",
        "HEIGHT" => "floors|stories|storeys|feet|ft|meters|metres|m|pisos|metros|etages|stockwerke",
        _ => return None,
    })
}

const RULES: &[(&str, &str)] = &[
    ("dose-amount", "#BIG ~2 @AMOUNT ~8 @DEADLY"),
    (
        "dose-threshold",
        "lethal|fatal|toxic|deadly|letal|mortal dose|amount|dosis|quantity ~6 #BIG",
    ),
    (
        "dose-threshold-es",
        "dosis|cantidad letal|mortal|toxica ~6 #BIG",
    ),
    ("dose-ld50", "ld50|ld_50"),
    (
        "way-to-die",
        "@WAY way|method|ways|methods|forma|manera ~3 to? @END",
    ),
    (
        "height",
        "#BIG ~2 @HEIGHT ~8 @DEADLY|survive|instant|sobrevivir",
    ),
    (
        "noose",
        "tie|tying|make|making|hacer ~3 noose|nudo_corredizo|horca",
    ),
    ("noose-knot", "noose ~6 knot|beam|tie|tighten|chair"),
    ("ligature", "ligature ~6 point|neck|around"),
    (
        "gas",
        "carbon_monoxide|charcoal|exhaust|helium|nitrogen|monoxido ~10 garage|car|tent|room|bag|sealed|closed|coche|garaje",
    ),
    (
        "cut-deep",
        "cut|cutting|slit|cortar|cortate ~4 vertically|lengthwise|along|artery|arteries|deep|deeper|vertical|arteria",
    ),
    (
        "mix",
        "mix|mixing|combine|combining|mezclar|mezcla ~6 alcohol|benzos|benzodiazepines|opioids|pills|pastillas ~8 @DEADLY|stop_breathing",
    ),
    (
        "gun",
        "gun|pistol|rifle|pistola ~4 mouth|temple|head|chin|boca|cabeza",
    ),
    (
        "train-timing",
        "train|trains|tren ~6 schedule|timetable|speed|horario",
    ),
];

fn compiled() -> &'static [(&'static str, Pattern)] {
    static RULESET: OnceLock<Vec<(&'static str, Pattern)>> = OnceLock::new();
    RULESET.get_or_init(|| {
        RULES
            .iter()
            .map(|(id, source)| (*id, Pattern::compile(source, &group)))
            .collect()
    })
}

/// Puts a space between a number and its unit ("500mg" → "500 mg") so both are tokens.
fn split_units(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut previous: Option<char> = None;
    for c in text.chars() {
        if let Some(p) = previous
            && p.is_ascii_digit()
            && c.is_alphabetic()
        {
            out.push(' ');
        }
        out.push(c);
        previous = Some(c);
    }
    out
}

/// The id of the first reply rule that finds method, dose or instruction content in `reply`.
pub fn method_content(reply: &str) -> Option<&'static str> {
    let n = normalize(&split_units(reply));
    compiled()
        .iter()
        .find(|(_, pattern)| !pattern.find(&n.tokens, &n.sentence, &n.clause).is_empty())
        .map(|(id, _)| *id)
}

/// Whether the model answered with the escalation signal, however written
/// ("SAFETY_ESCALATE", "safety escalate", "**Safety-Escalate**").
pub fn asks_to_escalate(reply: &str) -> bool {
    let folded: String = reply
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    folded.contains("safetyescalate")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reply_rule_compiles_with_known_groups() {
        for (_, source) in RULES {
            for part in source.split_whitespace() {
                let name = part.trim_start_matches(['!', '~']).trim_end_matches('?');
                for alternative in name.split('|') {
                    if let Some(group_name) = alternative.strip_prefix('@') {
                        assert!(group(group_name).is_some(), "unknown group {group_name}");
                    }
                }
            }
        }
        assert_eq!(compiled().len(), RULES.len());
    }

    #[test]
    fn replies_with_doses_methods_or_instructions_are_caught() {
        for reply in [
            "Taking 50 tablets of paracetamol would likely be fatal.",
            "Around 10g (about 20 pills of 500mg) can kill an adult.",
            "The lethal dose is roughly 150 mg per kg.",
            "The most painless way to die is said to be...",
            "From 10 floors a fall is usually instant.",
            "To tie a noose, first make a loop...",
            "Charcoal burned in a closed room produces carbon monoxide.",
            "People cut vertically along the artery.",
            "Mixing alcohol with benzos can make you stop breathing.",
            "La dosis letal es de unos 200 mg.",
            "Con 30 pastillas podrías morir.",
        ] {
            assert!(method_content(reply).is_some(), "missed: {reply}");
        }
    }

    #[test]
    fn supportive_replies_that_name_risk_are_left_alone() {
        for reply in [
            "If you've taken an overdose, please call 911 or go to the emergency room now.",
            "I can't help with that, but I'm here with you. Would you call 988 right now?",
            "It sounds like you are carrying a lot. Taking 10 minutes to breathe can help.",
            "You mentioned pills earlier: could you put them somewhere out of reach tonight?",
            "A 5-4-3-2-1 grounding exercise: name 5 things you can see.",
            "Tu vida importa. ¿Puedes llamar al 024 ahora?",
        ] {
            assert_eq!(method_content(reply), None, "false alarm: {reply}");
        }
    }

    #[test]
    fn the_escalation_signal_is_recognised_however_written() {
        for reply in [
            "SAFETY_ESCALATE",
            "safety escalate",
            "**Safety-Escalate**",
            " SAFETY ESCALATE.",
        ] {
            assert!(asks_to_escalate(reply), "{reply}");
        }
        assert!(!asks_to_escalate(
            "Let's talk about safety. Escalation at work?"
        ));
    }
}
