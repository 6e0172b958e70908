//! The built-in supportive responder: answers when no model is configured or the model fails,
//! so nobody is left without a reply. Deterministic and reflective: it names what the person
//! seems to feel, validates it, offers one fitting exercise and asks one open question.

use therabot_shared::domain::chat::fold_for_search;
use therabot_shared::safety::Level;

use crate::texts::Lang;

/// What `responder` records for replies from here.
pub const RESPONDER: &str = "fallback";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Theme {
    Anxiety,
    Sadness,
    Anger,
    Stress,
    Sleep,
    SelfCritical,
    Positive,
    Greeting,
    General,
}

const CUES: &[(Theme, &[&str])] = &[
    (
        Theme::SelfCritical,
        &[
            "hate myself",
            "stupid",
            "failure",
            "worthless",
            "not good enough",
            "useless",
            "me odio",
            "fracas",
            "inutil",
            "no valgo",
        ],
    ),
    (
        Theme::Anxiety,
        &[
            "anxious", "anxiety", "panic", "nervous", "worried", "worry", "scared", "afraid",
            "ansios", "ansiedad", "panico", "nervios", "preocup", "miedo",
        ],
    ),
    (
        Theme::Anger,
        &[
            "angry",
            "furious",
            "mad at",
            "annoyed",
            "frustrated",
            "rage",
            "enojad",
            "enfadad",
            "furios",
            "rabia",
            "frustrad",
        ],
    ),
    (
        Theme::Stress,
        &[
            "stress",
            "overwhelm",
            "too much",
            "pressure",
            "deadline",
            "exam",
            "estres",
            "agobi",
            "abrumad",
            "presion",
            "examen",
        ],
    ),
    (
        Theme::Sleep,
        &[
            "sleep",
            "insomnia",
            "awake at",
            "can't rest",
            "dormir",
            "insomnio",
            "desvelad",
        ],
    ),
    (
        Theme::Sadness,
        &[
            "sad",
            "down",
            "depressed",
            "cry",
            "lonely",
            "alone",
            "empty",
            "hopeless",
            "triste",
            "llor",
            "sola",
            "solo",
            "vacio",
            "deprimid",
            "sin esperanza",
        ],
    ),
    (
        Theme::Positive,
        &[
            "thank", "better", "good day", "great", "happy", "proud", "gracias", "mejor", "feliz",
            "orgullos",
        ],
    ),
    (Theme::Greeting, &["hi", "hello", "hey", "hola", "buenas"]),
];

fn theme(text: &str) -> Theme {
    let folded = fold_for_search(text);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .collect();
    let has = |cue: &str| {
        if cue.contains(' ') || cue.len() > 6 {
            folded.contains(cue)
        } else {
            words.iter().any(|w| w.starts_with(cue))
        }
    };
    CUES.iter()
        .find(|(_, cues)| cues.iter().any(|c| has(c)))
        .map_or(Theme::General, |(t, _)| *t)
}

/// A small stable hash, so the same message gets the same wording and different messages vary.
fn pick<'a>(text: &str, options: &[&'a str]) -> &'a str {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    options[(hash % options.len() as u64) as usize]
}

fn english(theme: Theme) -> (&'static [&'static str], &'static str, &'static str) {
    match theme {
        Theme::Anxiety => (
            &[
                "It sounds like anxiety has a real grip on you right now, and that's exhausting.",
                "That sounds really unsettling; worry like that can take over your whole body.",
            ],
            "If you'd like, we could try a slow breath together: in through your nose for 4, out through your mouth for 6, five times. Longer out-breaths tell your body it's safe to settle.",
            "What feels most pressing in your mind right now?",
        ),
        Theme::Sadness => (
            &[
                "I'm sorry you're feeling this low. It makes sense that everything feels heavier right now.",
                "That sounds really painful, and I'm glad you said it out loud here.",
            ],
            "Sometimes one very small step helps a little: a glass of water, opening a window, or a two-minute walk. Would one of those feel doable?",
            "What has today been like for you?",
        ),
        Theme::Anger => (
            &[
                "It sounds like something really got under your skin, and that anger makes sense to me.",
                "That sounds frustrating; anger often shows up when something important to us is crossed.",
            ],
            "One thing that can help is to name the feeling and where you notice it in your body, then take a few slow breaths before deciding what to do next.",
            "What happened that brought this up?",
        ),
        Theme::Stress => (
            &[
                "It sounds like a lot is landing on you at once.",
                "That's a heavy load to carry, and feeling overwhelmed is a very human response to it.",
            ],
            "Want to try a quick grounding exercise? Name 5 things you can see, 4 you can touch, 3 you can hear, 2 you can smell and 1 you can taste. Then we could pick just one next step together.",
            "Which part of it feels biggest right now?",
        ),
        Theme::Sleep => (
            &[
                "Not being able to rest wears everything down, and it sounds like it's been hard.",
                "Sleepless nights can make the days feel so much harder.",
            ],
            "A wind-down routine can help: dim the lights, put screens away 30 minutes before bed, and if your mind races, jot the thoughts on paper to park them for tomorrow.",
            "What usually keeps you awake?",
        ),
        Theme::SelfCritical => (
            &[
                "It sounds like you're being really hard on yourself right now.",
                "That inner critic sounds loud today, and that hurts.",
            ],
            "If you're up for it, we could look at one of those thoughts like a detective: what's the evidence for it, and what's the evidence against it? Or what would you say to a friend who told you the same?",
            "Which thought has been the loudest?",
        ),
        Theme::Positive => (
            &[
                "That's really good to hear, and I'm glad you shared it.",
                "I'm glad things feel a bit lighter.",
            ],
            "It can help to notice what made the difference, so you can come back to it on harder days.",
            "What do you think helped most?",
        ),
        Theme::Greeting => (
            &[
                "Hi, I'm glad you're here.",
                "Hello, it's good to hear from you.",
            ],
            "We can talk through whatever's on your mind, or try a short breathing or grounding exercise if you'd like.",
            "How are you feeling right now?",
        ),
        Theme::General => (
            &[
                "Thank you for telling me. I'm listening.",
                "I hear you, and I'm glad you shared that.",
            ],
            "If it helps, we could slow things down with a few calm breaths, or unpack what's going on one piece at a time.",
            "Can you tell me a bit more about how you're feeling?",
        ),
    }
}

fn spanish(theme: Theme) -> (&'static [&'static str], &'static str, &'static str) {
    match theme {
        Theme::Anxiety => (
            &[
                "Parece que la ansiedad te tiene muy atrapado ahora mismo, y eso agota.",
                "Suena muy inquietante; una preocupación así puede ocupar todo el cuerpo.",
            ],
            "Si quieres, podemos respirar despacio juntos: inhala por la nariz contando 4 y exhala por la boca contando 6, cinco veces. Exhalar más largo ayuda al cuerpo a calmarse.",
            "¿Qué es lo que más te preocupa en este momento?",
        ),
        Theme::Sadness => (
            &[
                "Siento que te sientas así de bajo. Tiene sentido que todo pese más ahora.",
                "Suena muy doloroso, y me alegra que lo hayas dicho aquí.",
            ],
            "A veces un paso muy pequeño ayuda un poco: un vaso de agua, abrir una ventana o caminar dos minutos. ¿Te parece posible alguno?",
            "¿Cómo ha sido tu día?",
        ),
        Theme::Anger => (
            &[
                "Parece que algo te ha molestado mucho, y ese enojo tiene sentido.",
                "Suena frustrante; el enojo suele aparecer cuando se cruza algo importante para nosotros.",
            ],
            "Puede ayudar ponerle nombre a la emoción y notar dónde la sientes en el cuerpo, y respirar despacio antes de decidir qué hacer.",
            "¿Qué pasó para que te sintieras así?",
        ),
        Theme::Stress => (
            &[
                "Parece que te está cayendo mucho encima a la vez.",
                "Es una carga muy grande, y sentirse abrumado es una reacción muy humana.",
            ],
            "¿Probamos un ejercicio de anclaje? Nombra 5 cosas que ves, 4 que puedes tocar, 3 que oyes, 2 que hueles y 1 que saboreas. Luego podemos elegir un solo siguiente paso.",
            "¿Qué parte se siente más grande ahora?",
        ),
        Theme::Sleep => (
            &[
                "No poder descansar lo desgasta todo, y parece que ha sido difícil.",
                "Las noches sin dormir hacen los días mucho más duros.",
            ],
            "Una rutina para desconectar puede ayudar: luz tenue, pantallas fuera 30 minutos antes de dormir y, si la mente no para, apuntar los pensamientos en un papel para mañana.",
            "¿Qué suele mantenerte despierto?",
        ),
        Theme::SelfCritical => (
            &[
                "Parece que estás siendo muy duro contigo.",
                "Esa voz crítica suena fuerte hoy, y eso duele.",
            ],
            "Si te animas, podemos mirar uno de esos pensamientos como un detective: ¿qué pruebas hay a favor y cuáles en contra? ¿O qué le dirías a un amigo que pensara lo mismo?",
            "¿Qué pensamiento ha sido el más fuerte?",
        ),
        Theme::Positive => (
            &[
                "Me alegra mucho leerlo, gracias por contármelo.",
                "Me alegra que las cosas se sientan un poco más ligeras.",
            ],
            "Puede ayudar notar qué marcó la diferencia, para volver a ello en los días difíciles.",
            "¿Qué crees que ayudó más?",
        ),
        Theme::Greeting => (
            &[
                "Hola, me alegra que estés aquí.",
                "Hola, qué bueno saber de ti.",
            ],
            "Podemos hablar de lo que tengas en mente o probar un ejercicio breve de respiración o de anclaje, si quieres.",
            "¿Cómo te sientes ahora mismo?",
        ),
        Theme::General => (
            &[
                "Gracias por contármelo. Te escucho.",
                "Te escucho, y me alegra que lo hayas compartido.",
            ],
            "Si te ayuda, podemos bajar el ritmo con unas respiraciones tranquilas o ir viendo lo que pasa poco a poco.",
            "¿Me cuentas un poco más de cómo te sientes?",
        ),
    }
}

/// The built-in reply to `text`. Never empty.
pub fn respond(text: &str, lang: Lang, level: Level) -> String {
    let theme = theme(text);
    let (reflections, skill, question) = match lang {
        Lang::En => english(theme),
        Lang::Es => spanish(theme),
    };
    let reflection = pick(text, reflections);
    if level >= Level::Elevated {
        let safety = match lang {
            Lang::En => {
                "What you're going through sounds really heavy, and I'm glad you told me. You don't have to carry it alone: the crisis lines shown in the app are free, confidential and there any time, day or night. Are you having thoughts of hurting yourself right now?"
            }
            Lang::Es => {
                "Lo que estás viviendo suena muy pesado, y me alegra que me lo hayas contado. No tienes que cargarlo solo: las líneas de crisis que muestra la app son gratuitas, confidenciales y están disponibles a cualquier hora. ¿Estás pensando en hacerte daño ahora mismo?"
            }
        };
        return format!("{reflection} {safety}");
    }
    format!("{reflection} {skill} {question}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reply_reflects_the_feeling_and_offers_a_fitting_exercise() {
        let reply = respond("I'm so anxious about tomorrow", Lang::En, Level::None);
        assert!(reply.contains("breath"), "{reply}");
        let reply = respond("estoy muy agobiada con el trabajo", Lang::Es, Level::None);
        assert!(reply.contains("anclaje"), "{reply}");
    }

    #[test]
    fn the_reply_is_never_empty_and_stable_for_the_same_message() {
        for text in ["", "?", "asdf", "🙂"] {
            assert!(!respond(text, Lang::En, Level::None).trim().is_empty());
        }
        assert_eq!(
            respond("hello there", Lang::En, Level::None),
            respond("hello there", Lang::En, Level::None)
        );
    }

    #[test]
    fn an_elevated_message_gets_a_gentle_safety_question() {
        let reply = respond("nothing will ever get better", Lang::En, Level::Elevated);
        assert!(
            reply.contains("crisis lines") && reply.contains('?'),
            "{reply}"
        );
    }
}
