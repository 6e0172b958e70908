//! The rules layer: deterministic and fast. The message is normalised ([`normalize`]),
//! matched against phrase rules ([`table`]) with a small pattern language ([`patterns`]), and
//! each match is weighed in its context: negated ("I'm not suicidal"), about someone else ("my
//! friend wants to die"), in fiction or quotes, in the distant past ("two years clean"), or a
//! joke ("lol"). Warning signs that mean little alone (a goodbye, a rope, "tonight") make any
//! other risk a crisis. The verdict carries [`RULES_VERSION`], stored with every message.

pub(crate) mod normalize;
pub(crate) mod patterns;
mod table;

use std::sync::OnceLock;

use normalize::{Normalized, normalize};
use patterns::{Found, NEGATIONS, Pattern, WordMap};
use table::{Kind, RULES, group};

use crate::Level;

/// The version of the rules as a literal, so [`crate::SCREEN_VERSION`] is built from the
/// same text and can never drift from it. Bump on any rule change.
macro_rules! rules_version {
    () => {
        "2026.12.07-3"
    };
}
pub(crate) use rules_version;

/// The version of the rules; stored on every screened message.
pub const RULES_VERSION: &str = rules_version!();

/// The rules' verdict on one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulesVerdict {
    /// The level.
    pub level: Level,
    /// The language the message seems to be in (`en` or `es`), for the reply.
    pub language: &'static str,
    /// The ids of the rules that decided the level (for tests and reviews; never logged
    /// with the message).
    pub rules: Vec<&'static str>,
}

struct Compiled {
    rules: Vec<(&'static str, Kind, Pattern)>,
    /// Rules by the words they can start with…
    anchored: WordMap<Vec<usize>>,
    /// …and the rules that can start anywhere.
    unanchored: Vec<usize>,
}

fn compiled() -> &'static Compiled {
    static RULESET: OnceLock<Compiled> = OnceLock::new();
    RULESET.get_or_init(|| {
        let rules: Vec<(&'static str, Kind, Pattern)> = RULES
            .iter()
            .map(|(id, kind, source)| (*id, *kind, Pattern::compile(source, &group)))
            .collect();
        let mut anchored: WordMap<Vec<usize>> = WordMap::default();
        let mut unanchored = Vec::new();
        for (index, (_, _, pattern)) in rules.iter().enumerate() {
            match pattern.first_words() {
                Some(words) => words
                    .into_iter()
                    .for_each(|w| anchored.entry(w).or_default().push(index)),
                None => unanchored.push(index),
            }
        }
        Compiled {
            rules,
            anchored,
            unanchored,
        }
    })
}

fn words(list: &'static str) -> Vec<Vec<String>> {
    list.split('|')
        .map(|alt| alt.split('_').map(normalize::skeleton).collect())
        .collect()
}

struct Context {
    first_person: Vec<Vec<String>>,
    third: Vec<Vec<String>>,
    distant: Vec<Vec<String>>,
    fiction: Vec<Vec<String>>,
    reported: Vec<Vec<String>>,
    subjects: Vec<String>,
    disclaimers: Vec<Vec<String>>,
    study: Vec<Vec<String>>,
    self_claims: Vec<Vec<String>>,
    stops: Vec<String>,
    spanish: WordMap<()>,
    english: WordMap<()>,
}

fn context() -> &'static Context {
    static CONTEXT: OnceLock<Context> = OnceLock::new();
    CONTEXT.get_or_init(|| Context {
        first_person: words(group("FP").unwrap_or_default()),
        third: words(group("THIRD").unwrap_or_default()),
        distant: words(concat!(
            "used_to|years_ago|year_ago|months_ago|when_i_was|in_high_school|in_college|",
            "as_a_teen|as_a_teenager|as_a_kid|as_a_child|back_then|in_the_past|last_year|clean|",
            "sober|recovered|recovery|recovering|survived|survivor|history_of|hace_anos|",
            "cuando_era|de_joven|de_nino|de_nina|el_ano_pasado|en_el_pasado|solia"
        )),
        fiction: words(concat!(
            "movie|film|book|novel|character|story|show|series|episode|song|lyrics|lyric|game|",
            "poem|play|documentary|article|news|podcast|anime|manga|fanfic|protagonist|villain|",
            "scene|chapter|actor|actress|pelicula|libro|serie|cancion|personaje|novela|cuento"
        )),
        reported: words("says|said|sings|sang|writes|wrote|line|lines|quote|dice|dijo|canta|cantaba"),
        disclaimers: words(concat!(
            "wont_do_anything|not_going_to_do_anything|would_never_do_it|wont_act_on_it|",
            "not_going_to_act_on|wouldnt_actually|wont_actually|not_actually_going_to|",
            "but_i_wont|but_i_never_would|but_i_wouldnt|but_i_would_never|but_i_wont_do_it|",
            "no_voy_a_hacer_nada|nunca_lo_haria"
        )),
        study: words(concat!(
            "for_science_class|for_school|for_a_project|for_my_project|for_homework|for_class|",
            "for_my_essay|for_research|for_my_research|out_of_curiosity|for_a_paper|for_my_thesis|",
            "for_my_exam|para_la_escuela|para_un_trabajo|para_clase|studying|pharmacology|lecture|",
            "just_curious|im_curious|curious|pure_curiosity|por_curiosidad|",
            "course|training|nurse|nursing|paramedic|med_school|medical_school|professor|essay|",
            "documentary|article|textbook|estudiando|farmacologia|enfermera|enfermero"
        )),
        // The writer taking back the cover story: "for a class (not true lol)", "the girl
        // is me", "a half-autobiographical story".
        self_claims: words(concat!(
            "its_me|it_is_me|its_about_me|its_really_me|its_for_me|obviously_me|not_really_lol|",
            "jk_its_me|mentira|mentira_jaja|es_mentira|soy_yo|es_para_mi|cest_moi|cest_un_peu_moi|",
            "cest_pour_moi|en_vrai_cest_moi|sou_eu|e_pra_mim|e_para_mim|autobiografico|",
            "autobiografica|autobiographique|autobiographical|autobiographisch|das_bin_ich|",
            "bin_ich_selbst|ist_fur_mich"
        )),
        subjects: ["i", "im", "ive", "id", "ill", "me", "yo"].iter().map(|s| normalize::skeleton(s)).collect(),
        stops: ["but", "and", "because", "so", "pero", "y", "porque", "though"].iter().map(|s| normalize::skeleton(s)).collect(),
        spanish: "que|de|la|el|y|en|no|me|quiero|estoy|mi|por|para|con|una|un|es|lo|ya|muy|mas|pero|tengo|soy|se|todo|nada|vida|esta"
            .split('|').map(|w| (normalize::skeleton(w), ())).collect(),
        english: "the|i|to|and|a|is|my|it|you|im|me|of|in|that|want|dont|this|so|just|have|be|feel|am|ive|with|for|what"
            .split('|').map(|w| (normalize::skeleton(w), ())).collect(),
    })
}

fn contains_any(tokens: &[&String], list: &[Vec<String>]) -> bool {
    (0..tokens.len()).any(|i| {
        list.iter().any(|words| {
            words.len() <= tokens.len() - i
                && words.iter().enumerate().all(|(k, w)| *tokens[i + k] == *w)
        })
    })
}

/// Looks back from `start` within the sentence, up to four tokens, stopping at the speaker
/// ("i", "me") or a conjunction: an odd number of negations means the phrase is negated; a
/// third person means someone else is the subject.
fn look_back(n: &Normalized, start: usize) -> (bool, bool) {
    let ctx = context();
    let mut negations = 0;
    let mut third = false;
    for k in (start.saturating_sub(4)..start).rev() {
        if n.clause[k] != n.clause[start] {
            break;
        }
        let token = &n.tokens[k];
        if ctx.subjects.contains(token) || ctx.stops.contains(token) {
            break;
        }
        // Spanish "he" before a participle is "I have" ("he bebido lejía"): the speaker.
        if token == "he"
            && n.tokens
                .get(k + 1)
                .is_some_and(|next| next.ends_with("ado") || next.ends_with("ido"))
        {
            break;
        }
        let knows = n
            .tokens
            .get(k + 1)
            .is_some_and(|next| matches!(next.as_str(), "know" | "se" | "sure" | "care"));
        if NEGATIONS.contains(&token.as_str()) {
            if knows {
                break;
            }
            negations += 1;
        }
        // "my phone's about to die": possessive and plural forms count too.
        let singular = token.strip_suffix('s').unwrap_or(token);
        if ctx
            .third
            .iter()
            .any(|w| w.len() == 1 && (w[0] == *token || w[0] == singular))
        {
            third = true;
        }
    }
    (negations % 2 == 1, third)
}

fn sentence_tokens(n: &Normalized, sentence: u16) -> Vec<&String> {
    n.tokens
        .iter()
        .zip(&n.sentence)
        .filter(|(_, s)| **s == sentence)
        .map(|(t, _)| t)
        .collect()
}

/// The speaker says they will not act ("I want to die but I won't do anything"): intent is
/// denied, so the level is elevated rather than crisis.
fn deescalated(n: &Normalized) -> bool {
    let all: Vec<&String> = n.tokens.iter().collect();
    contains_any(&all, &context().disclaimers)
}

fn base_level(kind: Kind) -> Level {
    match kind {
        Kind::Intent | Kind::Method | Kind::Attempt | Kind::Plan | Kind::Ideation => Level::Crisis,
        Kind::Passive | Kind::Hopeless | Kind::SelfHarm | Kind::Generic | Kind::Weak => {
            Level::Elevated
        }
        Kind::Escalator | Kind::SoftEscalator | Kind::Exclusion => Level::None,
    }
}

fn soften(level: Level) -> Level {
    match level {
        Level::Crisis => Level::Elevated,
        _ => Level::None,
    }
}

/// Screens one message with the rules alone.
pub fn screen(text: &str) -> RulesVerdict {
    evaluate(text).0
}

/// Screens a message knowing the level of the user's previous message in the same
/// conversation: a warning sign on its own ("I'm going to do it now", "goodbye everyone")
/// right after a message of risk is a crisis.
pub fn screen_in_context(text: &str, previous: Level) -> RulesVerdict {
    let (mut screening, escalators) = evaluate(text);
    let counts = escalators
        .iter()
        .any(|(_, kind)| previous == Level::Crisis || *kind == Kind::Escalator);
    if previous >= Level::Elevated && counts && screening.level < Level::Crisis {
        screening.level = Level::Crisis;
        screening.rules.extend(escalators.iter().map(|(id, _)| *id));
        screening.rules.push("after-earlier-risk");
    }
    screening
}

fn evaluate(text: &str) -> (RulesVerdict, Vec<(&'static str, Kind)>) {
    let n = normalize(text);
    let ctx = context();
    let compiled = compiled();
    let mut excluded = vec![false; n.tokens.len()];
    let mut found: Vec<(&'static str, Kind, Found)> = Vec::new();
    let mut scratch = Vec::with_capacity(16);
    for (start, token) in n.tokens.iter().enumerate() {
        let candidates = compiled
            .anchored
            .get(token)
            .into_iter()
            .flatten()
            .chain(compiled.unanchored.iter());
        for &index in candidates {
            let (id, kind, pattern) = &compiled.rules[index];
            let Some(hit) =
                pattern.match_at(start, &n.tokens, &n.sentence, &n.clause, &mut scratch)
            else {
                continue;
            };
            if *kind == Kind::Exclusion {
                excluded[hit.start..hit.end]
                    .iter_mut()
                    .for_each(|e| *e = true);
            } else {
                found.push((id, *kind, hit));
            }
        }
    }
    let disclaims = deescalated(&n);
    let all_tokens: Vec<&String> = n.tokens.iter().collect();
    let mut level = Level::None;
    let mut escalators: Vec<(&'static str, Kind)> = Vec::new();
    let mut decided: Vec<&'static str> = Vec::new();
    for (id, kind, hit) in found {
        let Found {
            start,
            end,
            skipped,
        } = hit;
        if excluded[start..end].iter().any(|e| *e) {
            continue;
        }
        let (negated_before, third) = look_back(&n, start);
        let negated_inside = skipped
            .iter()
            .any(|k| NEGATIONS.contains(&n.tokens[*k].as_str()));
        if negated_before || negated_inside {
            continue;
        }
        if third && kind != Kind::Method {
            continue;
        }
        let sentence = sentence_tokens(&n, n.sentence[start]);
        // A bare risk word counts when the speaker is in the sentence, or when nobody else
        // is ("two years clean from self-harm today" is about the writer).
        let about_speaker = contains_any(&sentence, &ctx.first_person)
            || (kind == Kind::Generic && !contains_any(&sentence, &ctx.third));
        if matches!(kind, Kind::Generic | Kind::Weak) && !about_speaker {
            continue;
        }
        if (kind == Kind::Weak && n.humor)
            || (matches!(kind, Kind::Weak | Kind::Generic) && contains_any(&all_tokens, &ctx.study))
        {
            continue;
        }
        if matches!(kind, Kind::Escalator | Kind::SoftEscalator) {
            if !escalators.iter().any(|(seen, _)| *seen == id) {
                escalators.push((id, kind));
            }
            continue;
        }
        let mut this = base_level(kind);
        if kind != Kind::Method {
            if contains_any(&sentence, &ctx.fiction) {
                this = if n.quotes || contains_any(&sentence, &ctx.reported) {
                    Level::None
                } else {
                    soften(this)
                };
            }
            if matches!(
                kind,
                Kind::Intent | Kind::Attempt | Kind::Plan | Kind::Ideation
            ) && contains_any(&sentence, &ctx.distant)
            {
                this = this.min(Level::Elevated);
            }
            if (n.humor || disclaims) && matches!(kind, Kind::Intent | Kind::Ideation) {
                this = this.min(Level::Elevated);
            }
        } else if contains_any(&all_tokens, &ctx.study)
            && !contains_any(&all_tokens, &ctx.self_claims)
        {
            // "What's the lethal dose of caffeine? Asking for science class": still answered
            // with resources and the safety prompt, but not the crisis protocol, unless the
            // writer takes the cover story back.
            this = Level::Elevated;
        }
        if this > Level::None {
            decided.push(id);
        }
        level = level.max(this);
    }
    if !escalators.is_empty() {
        let escalated = if level >= Level::Elevated || escalators.len() >= 3 {
            Level::Crisis
        } else if escalators.len() == 2 {
            Level::Elevated
        } else {
            level
        };
        if escalated > level {
            decided.extend(escalators.iter().map(|(id, _)| *id));
            level = escalated;
        }
    }
    let spanish = n
        .tokens
        .iter()
        .filter(|t| ctx.spanish.contains_key(*t))
        .count();
    let english = n
        .tokens
        .iter()
        .filter(|t| ctx.english.contains_key(*t))
        .count();
    let screening = RulesVerdict {
        level,
        language: if spanish > english { "es" } else { "en" },
        rules: decided,
    };
    (screening, escalators)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_compiles_with_known_groups() {
        assert!(compiled().rules.len() == RULES.len());
    }

    #[test]
    fn the_screen_separates_the_three_levels() {
        assert_eq!(screen("i want to kill myself").level, Level::Crisis);
        assert_eq!(screen("I wish I was dead").level, Level::Elevated);
        assert_eq!(screen("this deadline is killing me").level, Level::None);
        assert_eq!(screen("quiero morir").language, "es");
    }

    /// Asserts the rules' level for each text, naming the text that fails.
    fn assert_levels(level: Level, texts: &[&str]) {
        for text in texts {
            let verdict = screen(text);
            assert_eq!(verdict.level, level, "{text} (rules: {:?})", verdict.rules);
        }
    }

    #[test]
    fn german_intent_is_caught_when_the_verb_is_split_around_a_time() {
        assert_levels(
            Level::Crisis,
            &[
                "Ich bringe mich am Samstag um.",
                "ich bring mich heute nacht um",
                "Ich werde mich morgen früh umbringen.",
                "Ich nehme mir am Wochenende das Leben.",
                "ich bringe mich um, niemand wird es merken",
            ],
        );
        assert_levels(
            Level::None,
            &[
                "Der Lärm bringt mich um den Schlaf.",
                "Ich bringe mich um den Verstand mit dieser Steuererklärung.",
                "Ich werde mich morgen um die Steuer kümmern.",
            ],
        );
    }

    #[test]
    fn having_drunk_a_poison_is_an_attempt_in_every_language() {
        assert_levels(
            Level::Crisis,
            &[
                "He bebido lejía hace diez minutos. Me arde todo por dentro.",
                "he tomado veneno para ratas",
                "I drank some bleach an hour ago",
                "j'ai bu de la javel",
                "tomei água sanitária agora há pouco",
                "Ich habe Rattengift getrunken.",
            ],
        );
        assert_levels(
            Level::None,
            &[
                "I spilled bleach on my favourite jeans.",
                "¿Cuánta lejía pongo en la lavadora?",
                "J'ai bu un café avant de nettoyer à la javel.",
                "Das Rattengift steht im Keller, weit weg von den Kindern.",
                "He drank bleach by mistake as a toddler, my mum told me.",
            ],
        );
    }

    #[test]
    fn killing_oneself_in_the_present_tense_with_a_set_day_is_a_decision() {
        assert_levels(
            Level::Crisis,
            &[
                "antes de que me echen del piso el día 15 me mato",
                "cuando mi mujer se vaya el jueves a ver a su hermana me cuelgo en el garaje",
                "el viernes me ahorco, ya está decidido",
                "samedi je me tue, c'est décidé",
                "sexta me jogo da ponte",
                "Dès que je sors de l'hôpital je recommence et cette fois je ne me louperai pas.",
            ],
        );
        assert_levels(
            Level::None,
            &[
                "el lunes me mato estudiando para el final",
                "mañana me mato en el gimnasio, piernas",
                "el sábado me cuelgo la medalla si gano la carrera",
                "demain je me tue au travail, encore une longue journée",
            ],
        );
    }

    #[test]
    fn charcoal_burnt_in_a_closed_room_is_a_plan() {
        assert_levels(
            Level::Crisis,
            &[
                "j'ai allumé le barbecue dans la salle de bain et fermé la porte.",
                "I've got a charcoal grill in the bedroom and I taped the window shut",
                "prendí carbón en el baño y cerré la puerta",
                "Grillkohle im Auto, Fenster zu.",
            ],
        );
        assert_levels(
            Level::None,
            &[
                "We lit the barbecue in the garden and closed the gate so the dog stays in.",
                "Bought charcoal for Saturday's barbecue.",
                "el carbón para el asado está en el coche",
            ],
        );
    }

    #[test]
    fn asking_how_much_it_takes_to_not_wake_up_is_a_method_question_in_every_language() {
        assert_levels(
            Level::Crisis,
            &[
                "Frag für ne Freundin: wieviel Hustensaft muss man trinken damit man nimmer aufwacht?",
                "Combien d'unités pour qu'on puisse plus la réveiller ?",
                "cuántas pastillas hacen falta para no despertar",
                "quantos comprimidos pra não acordar mais?",
                "Reichen 30 Stück, damit ich nicht mehr aufwache?",
            ],
        );
        assert_levels(
            Level::None,
            &[
                "Wie viel Melatonin, damit ich nicht mehr um 4 Uhr aufwache?",
                "combien de café pour ne plus me réveiller la nuit avec le bébé",
                "how much white noise so the baby doesn't wake up at night",
            ],
        );
    }

    #[test]
    fn a_study_cover_story_the_writer_takes_back_no_longer_softens_a_method_question() {
        assert_levels(
            Level::Crisis,
            &[
                "tía para un trabajo de clase (mentira jaja) cuánto ibuprofeno es mortal para alguien de 50 kilos",
            ],
        );
        assert_levels(
            Level::Elevated,
            &["para un trabajo de clase: cuánto ibuprofeno es mortal para alguien de 50 kilos"],
        );
    }

    #[test]
    fn stopping_a_medicine_one_lives_on_on_purpose_is_an_attempt() {
        assert_levels(
            Level::Crisis,
            &[
                "Seit fünf Tagen spritze ich absichtlich kein Insulin mehr.",
                "Ça fait une semaine que j'arrête exprès mes anti-rejets.",
                "I've stopped my insulin on purpose, sugar is over 400",
                "dejé la insulina a propósito hace tres días",
            ],
        );
        assert_levels(
            Level::None,
            &[
                "I stopped my insulin pump for an hour for the MRI, on the nurse's advice.",
                "Mein Vater hat absichtlich keine Herztabletten mehr genommen, der Arzt war sauer.",
                "Ich habe die Tabletten absichtlich mit dem Frühstück genommen.",
            ],
        );
    }

    #[test]
    fn asking_whether_a_gas_bottle_is_enough_in_a_closed_space_is_a_method_question() {
        assert_levels(
            Level::Crisis,
            &[
                "La bonbonne de gaz du camping-car, ça suffit dans un petit espace fermé ?",
                "is one gas canister enough in a sealed car",
                "¿alcanza una bombona de gas en un cuarto cerrado?",
            ],
        );
        assert_levels(
            Level::None,
            &[
                "Est-ce qu'une bonbonne de gaz suffit pour chauffer une tente fermée ?",
                "Is the gas station close enough to walk?",
                "Reicht die Gasflasche für den Grill am Wochenende, Garage ist zu?",
                "is one helium tank enough for 50 balloons in a closed hall",
            ],
        );
    }

    #[test]
    fn negation_others_and_fiction_soften_the_level() {
        assert_eq!(screen("I'm not suicidal, just tired").level, Level::None);
        assert_eq!(screen("my friend wants to kill herself").level, Level::None);
        assert_eq!(screen("he said he wants to die").level, Level::None);
        assert_eq!(
            screen("in the song she sings \"I want to die\"").level,
            Level::None
        );
    }

    #[test]
    fn a_warning_sign_after_an_earlier_risky_message_is_a_crisis() {
        assert_eq!(screen("I'm going to do it now").level, Level::None);
        assert_eq!(
            screen_in_context("I'm going to do it now", Level::Crisis).level,
            Level::Crisis
        );
        assert_eq!(
            screen_in_context("ok I'm going to do it now", Level::Elevated).level,
            Level::None
        );
        assert_eq!(
            screen_in_context("goodbye everyone", Level::Elevated).level,
            Level::Crisis
        );
        assert_eq!(
            screen_in_context("goodbye everyone", Level::None).level,
            Level::None
        );
        assert_eq!(
            screen_in_context("thanks, I'll call them", Level::Crisis).level,
            Level::None
        );
    }

    #[test]
    fn warning_signs_turn_other_risk_into_crisis() {
        assert_eq!(screen("This is goodbye.").level, Level::None);
        assert_eq!(
            screen("This is goodbye. I can't do this anymore.").level,
            Level::Crisis
        );
    }
}
