//! The fixed texts of the chat: the AI disclosure, its reminder, the check-in and the crisis
//! protocol, in English and Spanish. Reviewed with the safety notes in `docs/safety.md`;
//! change them with the same care as the screen.

use therabot_shared::safety::resources::CountryResources;

/// A language the fixed texts exist in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// Spanish.
    Es,
}

impl Lang {
    /// `es` for Spanish, English otherwise.
    pub fn from_code(code: &str) -> Self {
        if code.eq_ignore_ascii_case("es") {
            Self::Es
        } else {
            Self::En
        }
    }

    /// The code stored on a conversation.
    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Es => "es",
        }
    }
}

/// The first message of every conversation.
pub fn disclosure(lang: Lang) -> &'static str {
    match lang {
        Lang::En => concat!(
            "Hi, I'm Therabot. Before we start: I'm an AI, not a person. I'm not a therapist or ",
            "any kind of clinician, and I'm not an emergency service. I can listen, help you sort ",
            "through what you're feeling and suggest coping skills, but I can't diagnose or give ",
            "medical advice. If you're ever in danger or thinking about harming yourself, please ",
            "call your local emergency number or a crisis line right away. What's on your mind?"
        ),
        Lang::Es => concat!(
            "Hola, soy Therabot. Antes de empezar: soy una inteligencia artificial, no una persona. ",
            "No soy terapeuta ni profesional de la salud, y no soy un servicio de emergencias. Puedo ",
            "escucharte, ayudarte a ordenar lo que sientes y sugerirte estrategias, pero no puedo ",
            "diagnosticar ni dar consejo médico. Si alguna vez estás en peligro o piensas en hacerte ",
            "daño, llama enseguida a tu número de emergencias o a una línea de crisis. ¿Qué te trae por aquí?"
        ),
    }
}

/// Repeated after long use.
pub fn reminder(lang: Lang) -> &'static str {
    match lang {
        Lang::En => concat!(
            "A quick reminder: you're talking with an AI, not a person or a clinician, and I'm not ",
            "an emergency service. If you need urgent help, please contact a crisis line or your ",
            "local emergency number."
        ),
        Lang::Es => concat!(
            "Un recordatorio: estás hablando con una inteligencia artificial, no con una persona ni ",
            "con un profesional, y no soy un servicio de emergencias. Si necesitas ayuda urgente, ",
            "contacta con una línea de crisis o con tu número de emergencias."
        ),
    }
}

/// Opens a conversation started soon after a message that showed risk.
pub fn check_in(lang: Lang) -> &'static str {
    match lang {
        Lang::En => concat!(
            "Last time we talked, things sounded really hard, and I've been hoping you're okay. ",
            "Before anything else: how are you doing right now? If you're not safe, please reach ",
            "out to one of the crisis lines shown in the app now; they're there any time."
        ),
        Lang::Es => concat!(
            "La última vez que hablamos, las cosas sonaban muy difíciles, y espero que estés bien. ",
            "Antes de nada: ¿cómo estás ahora mismo? Si no te sientes a salvo, contacta ahora con ",
            "una de las líneas de crisis que muestra la app; están disponibles en todo momento."
        ),
    }
}

fn describe(resources: &CountryResources, lang: Lang) -> String {
    let or = match lang {
        Lang::En => " or ",
        Lang::Es => " o ",
    };
    resources
        .resources
        .iter()
        .map(|r| {
            let mut ways = Vec::new();
            match (&r.phone, &r.sms, lang) {
                (Some(p), Some(s), Lang::En) if p == s => ways.push(format!("call or text {p}")),
                (Some(p), Some(s), Lang::Es) if p == s => {
                    ways.push(format!("llama o escribe al {p}"))
                }
                _ => {
                    if let Some(p) = &r.phone {
                        ways.push(match lang {
                            Lang::En => format!("call {p}"),
                            Lang::Es => format!("llama al {p}"),
                        });
                    }
                    if let Some(s) = &r.sms {
                        ways.push(match lang {
                            Lang::En => format!("text {s}"),
                            Lang::Es => format!("escribe al {s}"),
                        });
                    }
                }
            }
            if ways.is_empty()
                && let Some(u) = &r.url
            {
                ways.push(u.clone());
            }
            format!("{} ({})", r.name, ways.join(or))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The crisis protocol: short, warm, direct; names the lines for the user's country and
/// urges emergency services in immediate danger. Never a model's free text.
pub fn crisis_protocol(lang: Lang, resources: &CountryResources) -> String {
    let lines = describe(resources, lang);
    let emergency = &resources.emergency;
    match lang {
        Lang::En => format!(
            "I'm really glad you told me, and I'm so sorry you're hurting this much. You deserve \
             support from a real person right now. Please reach out now: {lines}. They're free, \
             confidential and there to help. If you are in immediate danger or have already hurt \
             yourself, call {emergency} or go to the nearest emergency department now. If you can, \
             move away from anything you could use to hurt yourself and let someone you trust know \
             what's happening. I'm an AI and can't call for help myself, but I'm here with you while \
             you reach out."
        ),
        Lang::Es => format!(
            "Me alegra mucho que me lo hayas contado, y siento muchísimo que estés sufriendo tanto. \
             Mereces el apoyo de una persona ahora mismo. Por favor, contacta ahora: {lines}. Es \
             gratuito, confidencial y están para ayudarte. Si estás en peligro inmediato o ya te has \
             hecho daño, llama al {emergency} o ve a urgencias ahora. Si puedes, aléjate de cualquier \
             cosa con la que puedas hacerte daño y avisa a alguien de confianza. Soy una inteligencia \
             artificial y no puedo pedir ayuda por ti, pero sigo aquí contigo mientras contactas."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use therabot_shared::safety::resources::for_country;

    #[test]
    fn the_protocol_names_the_countrys_line_and_emergency_number() {
        let (us, _) = for_country(Some("US"));
        let text = crisis_protocol(Lang::En, us);
        assert!(text.contains("988") && text.contains("911"), "{text}");
        let (es, _) = for_country(Some("ES"));
        let text = crisis_protocol(Lang::Es, es);
        assert!(text.contains("024") && text.contains("112"), "{text}");
    }

    #[test]
    fn the_disclosure_says_ai_not_clinician_not_emergency_service() {
        let text = disclosure(Lang::En);
        for needed in ["AI", "not a therapist", "not an emergency service"] {
            assert!(text.contains(needed), "{needed}");
        }
    }
}
