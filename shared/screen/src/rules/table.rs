//! The screen's rules: phrases of risk in English and Spanish (and a few in French,
//! Portuguese and German), the idioms that look like risk but are not, and the contexts that
//! change a phrase's weight. Changing anything here changes the screen: bump
//! [`super::RULES_VERSION`] and keep `shared/screen/tests/labelled_set.rs` passing.

/// What a rule detects; the kind decides the level and which contexts may soften it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// First-person intent to die or kill oneself. Crisis.
    Intent,
    /// Asking for methods or lethal doses (whoever it is "for"). Crisis, never softened
    /// by fiction, jokes or the past.
    Method,
    /// An attempt in progress or just made. Crisis.
    Attempt,
    /// Means ready, notes written, a time set. Crisis.
    Plan,
    /// "I'm suicidal", stated about oneself now. Crisis.
    Ideation,
    /// Wishing to be dead or gone, without intent. Elevated.
    Passive,
    /// Hopelessness, burden, can't go on. Elevated.
    Hopeless,
    /// Hurting oneself without immediate danger, urges, history. Elevated.
    SelfHarm,
    /// A risk word that counts only when the speaker talks about themself. Elevated.
    Generic,
    /// A bare risk word ("dying", "overdose") near the speaker: elevated, but a joke, fiction
    /// or a study context makes it nothing.
    Weak,
    /// Warning signs that mean little alone (goodbyes, a rope, "tonight") but turn any other
    /// risk into a crisis.
    Escalator,
    /// Escalators so common in ordinary talk ("tonight", "I'm going to do it", "I'm done")
    /// that, in a conversation, only a crisis before them makes them count: after an
    /// offered breathing exercise they are innocent.
    SoftEscalator,
    /// An idiom or a benign use ("career suicide", "dying to see"): overlapping matches are
    /// discarded.
    Exclusion,
}

/// Named alternatives used by the rules (normalised: lower case, no accents or apostrophes).
pub(crate) fn group(name: &str) -> Option<&'static str> {
    Some(match name {
        "I" => "i|im|ive|id|ill|ima|imma|me",
        "INTENT" => concat!(
            "want_to|wanna|wana|wnna|want_2|wan_to|wnt_to|wnt_2|want2|wanna_2|going_to|gonna|gona|goin_to|going_2|",
            "about_to|ready_to|plan_to|planning_to|planning_on|plan_on|decided_to|have_decided_to|",
            "gotta|tryna|trying_to|intend_to|would_like_to|",
            "thinking_about|thinking_of|think_about|considering|contemplating|feel_like|",
            "wanted_to|wish_to|just_want_to|just_wanna|gonna_go|going_to_go|ill|i_will|i_shall|",
            "quiero|kiero|qiero|voy_a|vo_a|me_voy_a|me_quiero|tengo_ganas_de|ganas_de|pienso|",
            "pensando_en|pense_en|necesito|deseo|planeo|decidi|he_decidido|voy_a_ir_a"
        ),
        "ACT" => concat!(
            "kill_myself|killing_myself|kill_my_self|kms|end_my_life|ending_my_life|end_my_own_life|",
            "ending_it_all|take_my_life|take_my_own_life|",
            "commit_suicide|committing_suicide|do_suicide|suicide_myself|",
            "not_be_alive|stop_living|unalive_myself|unalive|hang_myself|",
            "shoot_myself|drown_myself|overdose|od|slit_my_wrists|cut_my_wrists|",
            "take_all_my_pills|take_every_pill|take_them_all|take_all_of_them|swallow_them_all|",
            "use_it_on_myself|turn_it_on_myself|poison_myself|starve_myself_to_death|",
            "matarme|suicidarme|quitarme_la_vida|quitar_la_vida|acabar_con_mi_vida|",
            "terminar_con_mi_vida|dejar_de_vivir|ahorcarme|",
            "colgarme|envenenarme|cortarme_las_venas"
        ),
        "ACT_FP" => concat!(
            "kill_myself|killing_myself|killed_myself|kill_my_self|kms|end_my_life|ending_my_life|",
            "take_my_own_life|take_my_life|taking_my_life|took_my_own_life|unalive_myself|",
            "hang_myself|hanging_myself|shoot_myself|shooting_myself|slit_my_wrists|",
            "slitting_my_wrists|cut_my_wrists|drown_myself|commit_suicide|suicidarme|matarme|",
            "quitarme_la_vida|me_quito_la_vida|ahorcarme"
        ),
        "NOT_AFTER_DIE" => concat!(
            "of|for|from|laughing|inside|a_little|happy|alone|on_this_hill|on_that_hill|with|",
            "in_a|in_the|young|old|trying|at|to_see|to_know|de|por|del|estudiando|trabajando|",
            "el_tiempo|a|la|los|las|el|una|un|on_stage|down|off|than|que|rather"
        ),
        "THIRD" => concat!(
            "he|she|they|hes|shes|theyre|him|her|them|his|we|were|you|youre|u|ur|someone|somebody|",
            "people|friend|friends|brother|sister|mom|mum|dad|father|mother|son|daughter|boyfriend|",
            "girlfriend|partner|husband|wife|cousin|uncle|aunt|grandma|grandpa|grandmother|",
            "grandfather|kid|kids|student|character|villain|hero|girl|boy|man|woman|guy|person|who|",
            "phone|battery|plant|plants|car|laptop|computer|dog|cat|pet|fish|tree|",
            "flowers|project|company|team|relationship|show|series|game|",
            "el|ella|ellos|ellas|amigo|amiga|hermano|hermana|mama|papa|novio|novia|tu|usted|alguien|",
            "vater|mutter|bruder|schwester|opa|oma|pere|mere|frere|soeur|pai|mae|irmao|irma"
        ),
        "PILLS" => concat!(
            "pills|pill|tablets|meds|medication|medicine|antidepressants|sleeping_pills|painkillers|",
            "paracetamol|tylenol|acetaminophen|ibuprofen|aspirin|insulin|xanax|benadryl|",
            "pastillas|pildoras|medicinas|medicamentos"
        ),
        "DEATH" => concat!(
            "die|dying|kill_me|kill_myself|kill_someone|kill_a_person|kill_you|kill|kills|killing|",
            "lethal|fatal|deadly|dead|death|overdose|od|end_it|end_my_life|be_fatal|never_wake_up|not_wake_up|",
            "morir|matarme|mata|matar|letal|mortal|sobredosis|muera"
        ),
        "NOTE" => concat!(
            "suicide_note|goodbye_letter|goodbye_letters|goodbye_note|goodbye_notes|farewell_letter|",
            "last_letter|final_letter|carta_de_despedida|cartas_de_despedida|nota_de_suicidio"
        ),
        "MEANS" => {
            "rope|noose|gun|pistol|pills|blade|blades|razor|razors|charcoal|helium|knife|soga|cuerda|pistola|arma|pastillas"
        }
        "PLACE" => {
            "bridge|ledge|edge|roof|rooftop|railing|tracks|cliff|balcony|overpass|garage|parking_garage|parking_structure|tower|window|puente|azotea|techo|cornisa|borde|vias|balcon|ventana|edificio"
        }
        "FP" => "i|im|ive|id|ill|me|myself|my|mine|yo|mi|mis",
        "SUBJ" => "i|im|ive|id|ill|me|myself|yo|iam",
        "HARM_STRONG" => concat!(
            "kill_myself|killing_myself|killed_myself|kill_my_self|kms|end_myself|ending_myself|",
            "end_my_life|ending_my_life|end_my_own_life|take_my_life|take_my_own_life|taking_my_life|",
            "unalive_myself|unalive|hang_myself|hanging_myself|shoot_myself|shooting_myself|",
            "slit_my_wrists|slitting_my_wrists|cut_my_wrists|cut_my_wrist|slit_my_wrist|slit_my_throat|",
            "drown_myself|poison_myself|suffocate_myself|gas_myself|starve_myself_to_death|",
            "overdose|overdosing|commit_suicide|committing_suicide|suicide_myself|",
            "stop_my_heart|stop_my_own_heart|put_a_bullet_in_my_head|put_a_bullet_through_my_head|",
            "bullet_in_my_head|bullet_through_my_head|blow_my_brains_out|eat_a_bullet|eat_my_gun|",
            "put_a_gun_to_my_head|walk_into_traffic|step_into_traffic|throw_myself|",
            "matarme|suicidarme|quitarme_la_vida|quitar_la_vida|quito_la_vida|me_mato|ahorcarme|",
            "colgarme|envenenarme|cortarme_las_venas|cortar_las_venas|dejar_de_vivir|acabar_con_mi_vida|",
            "pegarme_un_tiro|stop_living|stop_existing|choose_to_die|choosing_to_die|",
            "using_it_on_myself|use_it_on_myself|use_it_on_me|using_it_on_me|",
            "me_corte_las_venas|corte_las_venas|cortarme_las_venas|sewerslide|sewer_slide|",
            "self_delete|selfdelete|ctb"
        ),
        "SOON" => concat!(
            "tonight|tonite|today|now|right_now|rn|by_morning|by_tonight|tomorrow|this_weekend|soon|",
            "in_an_hour|in_a_few_hours|esta_noche|hoy|ahora|ahorita|manana|pronto|ya"
        ),
        // A set day or date ahead ("el jueves", "le 15", "on Friday"): with a first-person
        // act in the present tense, which these languages use for a decided future.
        "WHEN" => concat!(
            "monday|tuesday|wednesday|thursday|friday|saturday|sunday|",
            "el_lunes|el_martes|el_miercoles|el_jueves|el_viernes|el_sabado|el_domingo|el_dia|",
            "este_fin_de_semana|la_semana_que_viene|el_mes_que_viene|esta_noche|manana|",
            "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|ce_soir|cette_nuit|demain|ce_week_end|",
            "segunda|terca|quarta|quinta|sexta|sabado|domingo|hoje_a_noite|esta_noite|amanha|no_dia|",
            "montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|heute_nacht|morgen"
        ),
        // Killing oneself in the first person's present tense ("me mato", "je me tue"), which
        // alone is also an idiom ("me mato estudiando") but with a set day is a decision.
        "SELF_NOW" => concat!(
            "me_mato|me_ahorco|me_cuelgo|me_suicido|me_quito_la_vida|me_enveneno|",
            "je_me_tue|je_me_suicide|je_me_pends|je_me_fous_en_lair|",
            "me_enforco|me_jogo_da|me_jogo_do"
        ),
        "HARM_Q" => concat!(
            "kill_myself|kill_yourself|kill_themselves|kill_a_person|kill_someone|kill_me|kill_you|",
            "kill_a_human|hang_myself|hang_yourself|hang_themselves|bleed_out|overdose|od|",
            "die_fastest|die_painlessly|die_quickly|lethal|fatal|commit_suicide|end_my_life|",
            "end_your_life|unalive|poison_myself|suffocate|drown_myself|slit_my_wrists|slit_your_wrists|",
            "matarme|matar_a_una_persona|suicidarse|suicidarme|ahorcarse|ahorcarme|morir_rapido|morir_sin_dolor"
        ),

        "NO_WAKE" => concat!(
            "nimmer_aufwacht|nicht_mehr_aufwacht|nie_mehr_aufwacht|nie_wieder_aufwacht|nimmer_aufwach|",
            "nicht_mehr_aufwache|nicht_mehr_aufwachen|nie_mehr_aufwachen|nie_wieder_aufwachen|",
            "plus_la_reveiller|plus_le_reveiller|plus_me_reveiller|plus_se_reveiller|nicht_mehr_aufzuwachen|",
            "plus_jamais_se_reveiller|plus_jamais_me_reveiller|me_reveille_plus|se_reveille_plus|",
            "no_despertar|no_despertarme|no_volver_a_despertar|no_despertar_nunca|",
            "nao_acordar|nao_acordar_mais|nunca_mais_acordar|never_wake_up|not_wake_up|",
            "dont_wake_up|wont_wake_up|never_wake_again|not_wake_again"
        ),
        // Not waking at a time of night is a sleeping question, not a lethal one.
        "NOT_AFTER_WAKE" => concat!(
            "at|in|during|before|until|till|early|every|a_las|en_la|de_madrugada|la_nuit|",
            "avant|pendant|a|nachts|in_der|vor|um|mitten|a_noite|de_noite|cedo|antes|durante|tot"
        ),
        "VITAL_MEDS" => concat!(
            "insulin|insuline|insulina|anti_rejets|antirejets|antirejet|anti_rejet|",
            "immunsuppressiva|immunosuppresseurs|imunossupressores|inmunosupresores|",
            "anti_rejection|antirejection|rejection_meds|rejection_drugs|transplant_meds|",
            "dialysis|dialyse|dialise|dialisis|heart_meds|heart_medication|heart_pills|",
            "blood_thinners|herztabletten|herzmedikamente|herzmittel|comprimes_pour_le_coeur|",
            "medicaments_pour_le_coeur|remedio_do_coracao|remedios_do_coracao|remedio_pro_coracao|",
            "pastillas_del_corazon|pastillas_para_el_corazon|anticoagulantes|anticoagulants|",
            "blutverdunner|gerinnungshemmer|antiepileptika|anticonvulsivos|anticonvulsivantes"
        ),
        "STOP_MED" => concat!(
            "stopped|stopping|stop|quit|skipping|skipped|skip|not_taking|no_longer_taking|",
            "arrete|arreter|arretes|jarrete|jai_arrete|ne_prends_plus|prends_plus|je_prends_plus|",
            "kein|keine|nicht_mehr|nimmer|abgesetzt|absetzen|setze|weglassen|weggelassen|",
            "deje|dejado|dejo|dejar|sin|no_me_pongo|no_tomo|parei|parar|paro|nao_tomo|sem"
        ),
        "ON_PURPOSE" => concat!(
            "on_purpose|deliberately|purposely|intentionally|absichtlich|bewusst|expres|",
            "volontairement|a_proposito|adrede|de_proposito|aproposito|propositalmente|por_querer"
        ),
        "GAS" => concat!(
            "gas|gaz|bonbonne|propane|butane|gasflasche|gaskartusche|botijao|bombona|",
            "garrafa_de_gas|gas_bottle|gas_cylinder|gas_canister|carbon_monoxide|monoxyde|",
            "monoxido|kohlenmonoxid|helium|helio"
        ),
        "ENOUGH" => concat!(
            "suffit|suffirait|suffisant|suffisante|assez|enough|basta|bastaria|alcanza|alcanzaria|",
            "suficiente|reicht|reichen|genugt|genug|chega|chegaria|da_para"
        ),
        "CLOSED" => concat!(
            "closed|sealed|shut|ferme|fermee|clos|calfeutre|calfeutree|cerrado|cerrada|",
            "fechado|fechada|vedado|vedada|geschlossen|abgedichtet|small_space|petit_espace|",
            "closed_space|espace_ferme|sans_aeration|without_ventilation|sin_ventilacion|",
            "sem_ventilacao|ohne_luftung|espacio_cerrado|espaco_fechado|kleinen_raum"
        ),
        "GAS_USE" => concat!(
            "chauffer|heat|heating|warm|cuisiner|cook|cooking|cocinar|calentar|heizen|kochen|",
            "aquecer|cozinhar|grill|bbq|barbecue|stove|rechaud|herd|fogao|estufa|heater|",
            "chauffage|heizung|aquecedor|balloons|ballons|globos|baloes|luftballons|party|fete|fiesta|festa"
        ),

        _ => return None,
    })
}

/// `(id, kind, pattern)`. Ids are stable names for tests and reviews.
pub(crate) const RULES: &[(&str, Kind, &str)] = &[
    // ---- crisis: compositional (an intent or a near time with a self-harm act) ----
    ("intent-harm", Kind::Intent, "@INTENT ~4 @HARM_STRONG"),
    ("harm-soon", Kind::Intent, "@HARM_STRONG ~4 @SOON"),
    ("soon-harm", Kind::Intent, "@SOON ~3 @HARM_STRONG"),
    (
        "ill-be-dead",
        Kind::Intent,
        "ill|i_will|im_going_to|im_gonna|voy_a|estare ~1 be|estar? ~1 dead|gone|muerto|muerta !tired|serious|wrong|beat|asleep|broke|set|last|on|center|meat|de|cansado|cansada ~2 @SOON",
    ),
    (
        "close-to",
        Kind::Intent,
        "so_close_to|close_to|this_close_to|on_the_verge_of|cant_stop_thinking_about|keep_thinking_about|cant_stop_myself_from|almost_ready_to ~2 @HARM_STRONG|ending_it|ending_it_all",
    ),
    (
        "vehicle",
        Kind::Intent,
        "@INTENT ~3 crash|drive|swerve|steer|wreck ~4 wall|tree|traffic|truck|oncoming|pole|cliff|on_purpose|intentionally|deliberately",
    ),
    (
        "jump-soon",
        Kind::Intent,
        "jump|jumping|saltar|tirarme ~1 off|from|del|de_la|desde ~2 @PLACE|building|edificio|top ~3 @SOON",
    ),
    (
        "throw-myself-es",
        Kind::Intent,
        "@INTENT ~3 aventar|tirar|lanzar|aventarme|tirarme|lanzarme ~2 al|a_la|a_las|bajo_el|frente_al ~1 metro|tren|vias|carretera|trafico|rio|mar|vacio",
    ),
    (
        "soon-die",
        Kind::Intent,
        "@SOON ~5 i|im|ill|me ~1 die|dying|morir|muero|me_muero",
    ),
    (
        "subject-die",
        Kind::Weak,
        "@SUBJ ~4 die|dying|morir|morirme|muriendo|be_dead|not_be_alive|not_being_alive|not_being_here|not_existing !@NOT_AFTER_DIE",
    ),
    (
        "harm-words",
        Kind::Weak,
        "suicide|suicidal|kms|overdose|overdosing|bleed_out|bleeding_out|noose|unalive|slit|wrists|suicidio|suicidarme|matarme|ahorcarme|soga|sobredosis",
    ),
    (
        "noose",
        Kind::Plan,
        "noose|soga|horca ~3 hanging|tied|ready|up|in_my|around|set_up|colgada|lista|atada",
    ),
    (
        "end-this-now",
        Kind::Passive,
        "@I ~3 end|finish|acabar_con|terminar_con ~1 this|it|things|esto|todo $",
    ),
    (
        "took-whole-bottle-es",
        Kind::Attempt,
        "tome|me_tome|trague|tomado ~2 todo_el_frasco|toda_la_caja|el_frasco_entero|todo_el_bote|todas_mis_pastillas",
    ),
    (
        "swallow-them",
        Kind::Intent,
        "@INTENT ~2 swallow|take|down|tomarme|tragarme ~1 all_of_them|them_all|all_of_it|every_one|every_single_one|todas|todo",
    ),
    (
        "gone-for-good",
        Kind::Passive,
        "@I ~3 gone|leaving|checking_out|ido|me_voy ~1 for_good|forever|para_siempre|permanently",
    ),
    (
        "going-over",
        Kind::Passive,
        "top_of|edge_of|ledge_of|on_the_roof|on_the_bridge ~6 going_over|jump|letting_go|let_go|step_off|stepping_off",
    ),
    (
        "means-and-note",
        Kind::Plan,
        "@MEANS ~3 and ~1 a|my ~1 note|letter|letters|goodbye",
    ),
    (
        "plan-set",
        Kind::Escalator,
        "plan_is_set|plan_is_ready|everything_is_set|its_all_planned|ya_esta_todo_planeado|el_plan_esta_listo",
    ),
    (
        "apology-family",
        Kind::Escalator,
        "sorry_mom|sorry_dad|sorry_mum|sorry_everyone|im_sorry_mom|im_sorry_dad|forgive_me|perdon_mama|perdon_papa|perdonenme|lo_siento_mama|lo_siento_papa",
    ),
    (
        "cant-keep-going",
        Kind::Hopeless,
        "how_much_longer|how_long ~2 i ~1 can ~1 keep_going|hold_on|go_on|do_this|take_this|last|aguantar|seguir",
    ),
    (
        "pointless",
        Kind::Hopeless,
        "life|everything|living|existence|la_vida|todo|vivir ~2 feels|is|seems|se_siente|es|parece ~1 pointless|meaningless|hopeless|sin_sentido|inutil",
    ),
    (
        "no-way-forward",
        Kind::Hopeless,
        "cant|cannot|dont ~1 see ~1 any|a ~1 way_forward|way_out|future|light|point",
    ),
    (
        "hoping-not-wake",
        Kind::Passive,
        "hoping|hope|pray|praying|ojala ~2 i ~1 wont|dont|never|no ~1 wake_up|despierte",
    ),
    (
        "skin-bleed",
        Kind::SelfHarm,
        "picking|scratching|pulling|biting|rascando|arrancando ~3 until ~2 bleed|bleeds|bleeding|sangre|sangra",
    ),
    (
        "on-purpose",
        Kind::SelfHarm,
        "@I ~6 hurt|hurting|cut|cutting|burn|burning|bleed|bleeds|hit|hitting|lastimando|cortando|quemando ~4 on_purpose|a_proposito|intentionally|deliberately",
    ),
    (
        "attempted-alone",
        Kind::Generic,
        "@I ~1 attempted|tried !to_get|to_call|the|a|an|it|this|that|again_to",
    ),
    (
        "holding-means",
        Kind::Escalator,
        "staring_at|holding|looking_at|sosteniendo|mirando ~2 the|my|a|el|la|mi ~1 @MEANS",
    ),
    (
        "no-quiero-estar-aqui",
        Kind::Passive,
        "no|ya_no ~2 quiero|deseo ~1 estar_aqui|estar_vivo|estar_viva|seguir_aqui|existir",
    ),
    (
        "took-everything",
        Kind::Attempt,
        "took|swallowed|taken|tome|me_tome ~1 everything|all_of_it|all_my|todo|todas ~4 cabinet|pills|meds|medicine|medication|drawer|bottle|botiquin|pastillas|medicinas",
    ),
    (
        "let-myself-bleed",
        Kind::Intent,
        "@INTENT ~2 let_myself|make_myself ~1 bleed|bleed_out|die|starve|drown",
    ),
    (
        "cut-deep",
        Kind::Intent,
        "@INTENT ~4 cut|slice|carve ~2 deep|deeper|deepest|too_deep",
    ),
    (
        "anyone-care",
        Kind::Passive,
        "anyone|anybody|someone|alguien ~2 care|notice|miss|notaria|extranaria|importaria ~3 if_i|when_i|si_me|si_yo|si_desapareciera|si_muriera",
    ),
    (
        "para-que-vivo",
        Kind::Passive,
        "para_que|por_que|porque ~2 sigo|seguir|vivo|vivir ~1 viviendo|vivo|aqui|vivir|$",
    ),
    (
        "heading-to-height",
        Kind::Escalator,
        "walking|going|driving|heading|on_my_way|camino|voy ~2 to|al|a_la ~1 the? ~1 @PLACE|garage|parking_garage|tower|top_floor",
    ),
    (
        "method-question",
        Kind::Method,
        "how|what|where|which|whats|wheres|hows|como|cual|donde|que ~8 @HARM_Q",
    ),
    (
        "x-helping-others",
        Kind::Exclusion,
        "help|support|talk_to|stop|prevent|save|comfort|ayudar|apoyar ~6 @HARM_Q|kill_himself|kill_herself",
    ),
    (
        "x-feel-like-dying",
        Kind::Exclusion,
        "feel|feels|felt|feeling ~1 like ~1 im|i_am|i_was|i ~1 dying|going_to_die|gonna_die|about_to_die|having_a_heart_attack",
    ),
    (
        "x-could-die",
        Kind::Exclusion,
        "could_just_die|could_die|i_could_die|could_have_died|coulda_died",
    ),
    (
        "x-scared-to-die",
        Kind::Exclusion,
        "scared|afraid|terrified|fear|miedo|nervous|worried ~3 to|of|de|that_i_ll|ill|id ~1 die|dying|death|morir|be_dead",
    ),
    (
        "x-die-from-illness",
        Kind::Exclusion,
        "die|dying ~1 from|of ~1 this|the|a ~1 flu|cold|cough|covid|fever|heat|allergies|cramps|hunger|thirst",
    ),
    (
        "x-embarrassed",
        Kind::Exclusion,
        "embarrassing|embarrassed|cringe|cringy|awkward|verguenza ~6 wanted_to_die|want_to_die|could_die|died|die|dying|morir|morirme",
    ),
    (
        "had-enough",
        Kind::Hopeless,
        "@I ~1 had_enough|have_had_enough|ya_tuve_suficiente|ya_me_harte !of|de|with|con",
    ),
    (
        "pills-ready",
        Kind::Escalator,
        "pills|pastillas|meds|tablets|rope|noose|gun ~3 lined_up|counted_out|laid_out|ready|in_front_of_me|on_my_desk|on_the_table|listas|preparadas|contadas",
    ),
    (
        "why-alive",
        Kind::Passive,
        "why ~3 am_i|im|do_i ~2 alive|still_alive|still_here|even_here|even_alive|exist|still_living|keep_living",
    ),
    (
        "easier-if-gone",
        Kind::Passive,
        "easier|better|simpler|mejor|mas_facil ~4 if_i|si_yo|if_i_just|si ~2 wasnt_around|wasnt_here|was_gone|were_gone|died|was_dead|disappeared|no_estuviera|muriera|desapareciera|me_muriera",
    ),
    (
        "mejor-muerta",
        Kind::Passive,
        "mejor ~2 estar_muerto|estar_muerta|morirme|no_existir|no_haber_nacido|muerto|muerta",
    ),
    (
        "es-lastimo-cuerpo",
        Kind::SelfHarm,
        "lastimo|corto|quemo|golpeo|rasguno|arano|corte|queme|golpee|lastime ~2 brazos|piernas|munecas|piel|muslos|mis_brazos|los_brazos|las_piernas|las_munecas",
    ),
    // ---- crisis: intent ----
    ("intent", Kind::Intent, "@INTENT ~3 @ACT"),
    (
        "intent-die",
        Kind::Intent,
        "@INTENT ~3 die|be_dead|morir|morirme !@NOT_AFTER_DIE|if|unless|si",
    ),
    (
        "intent-end",
        Kind::Intent,
        "@INTENT ~3 end_it|end_it_all|end_everything|end_things|acabar_con_todo|terminar_con_todo|suicidar !with|early|between|off|there|here|now_with|con_el|con_ella|con_mi|en",
    ),
    (
        "intent-matar",
        Kind::Intent,
        "@INTENT ~3 matar|suicidar !a|al|el|la|los|las|una|un|mosquitos|moscas|tiempo|de|por|con",
    ),
    (
        "first-person-act",
        Kind::Intent,
        "@ACT_FP !laughing|with_laughter|at_the_gym|working|studying|estudiando|trabajando|de_risa",
    ),
    (
        "take-all-pills",
        Kind::Intent,
        "@INTENT ~3 take|swallow|down|eat|tomarme|tomar ~1 all|every|whole|entire|bunch|all_of|todas|todo ~4 @PILLS !with|as|for|like|prescribed|con|como",
    ),
    ("off-myself", Kind::Intent, "@INTENT just? of_myself"),
    (
        "wrist-cut-now",
        Kind::Attempt,
        "@I ~2 just|have? ~1 cut|slit|slashed|opened ~1 my ~1 wrist|wrists|throat|veins !on|by_accident|accidentally|opening|while|cooking|shaving",
    ),
    (
        "on-a-ledge",
        Kind::Attempt,
        "@I ~2 standing|sitting|stood|sat|parado|parada|sentado|sentada|on|en ~1 on|at|en? ~1 the|a|el|la|una ~1 ledge|rooftop_edge|railing|cornisa|baranda|barandilla !of_my|of_the_bed|in_my_room|at_work",
    ),
    (
        "last-message",
        Kind::Passive,
        "this_is_my_last_message|my_last_message|my_final_message|last_time_youll_hear_from_me|last_time_anyone_hears_from_me|mi_ultimo_mensaje|este_es_mi_ultimo_mensaje",
    ),
    (
        "no-point-living",
        Kind::Hopeless,
        "dont|cant|do_not|never|no ~2 see ~1 the|any ~1 point ~3 living|life|going_on|being_alive|existing|anything|trying|anymore",
    ),
    (
        "es-cortes",
        Kind::SelfHarm,
        "me ~1 hago|hice ~1 cortes|heridas|dano|quemaduras",
    ),
    (
        "jump-off-now",
        Kind::Passive,
        "going_to|gonna|about_to|ready_to|ill|will ~1 jump_off|jump_off_it|jump_from_here $",
    ),
    (
        "end-suffering",
        Kind::Passive,
        "@INTENT|need_to ~2 end|stop ~1 my|the|this ~1 suffering|pain|misery !of|for|in|with",
    ),
    (
        "permanently",
        Kind::Escalator,
        "permanently|for_good|forever_this_time|once_and_for_all|para_siempre",
    ),
    (
        "know-what-to-do",
        Kind::Escalator,
        "i_know_what_im_going_to_do|i_know_what_i_have_to_do|i_know_what_i_need_to_do|i_know_what_to_do_now|ya_se_lo_que_voy_a_hacer|se_lo_que_tengo_que_hacer",
    ),
    (
        "nobody-can-stop-me",
        Kind::Escalator,
        "nobody_can_stop_me|no_one_can_stop_me|noone_can_stop_me|this_time_for_real|this_time_im_doing_it|nadie_me_va_a_detener|nadie_me_puede_detener",
    ),
    (
        "taken-an-overdose",
        Kind::Attempt,
        "took|taken|had|tome|hice ~1 an|a|una ~1 overdose|od|sobredosis",
    ),
    (
        "pills-kicking-in",
        Kind::Passive,
        "pills|meds|tablets|overdose|pastillas ~2 kicking_in|taking_effect|starting_to_work|hacen_efecto|haciendo_efecto",
    ),
    (
        "means-and-use",
        Kind::Plan,
        "have|got|bought|tengo|compre ~3 gun|pistol|rope|noose|pills|knife|blade|pistola|arma|soga|cuerda|pastillas|cuchillo ~5 going_to_use_it|gonna_use_it|will_use_it|use_it_tonight|voy_a_usarla|voy_a_usarlo|la_voy_a_usar|lo_voy_a_usar",
    ),
    (
        "es-sleep-forever",
        Kind::Weak,
        "me_gustaria|quisiera|quiero|ojala|deseo ~2 dormir_y_no_despertar|no_despertar|no_despertar_nunca|dormir_para_siempre|dormirme_y_no_despertar",
    ),
    ("suicidal-soon", Kind::Ideation, "suicidal|suicida ~2 @SOON"),
    ("soon-suicidal", Kind::Ideation, "@SOON ~2 suicidal|suicida"),
    (
        "planning-suicide",
        Kind::Plan,
        "planning|plan|planned|planeando|planeo ~2 my|mi ~1 suicide|death|exit|own_death|suicidio|muerte",
    ),
    (
        "on-the-tracks",
        Kind::Attempt,
        "@I ~2 sitting|standing|lying|laying|sat|stood|waiting|sentado|sentada|parado|parada|acostado|acostada ~1 on|at|in|en ~2 the|las? ~1 train_tracks|tracks|railroad|railway|railway_tracks|vias|vias_del_tren",
    ),
    (
        "can-you-overdose",
        Kind::Method,
        "can|could|will|would|puedo|puede ~2 you|i|someone|a_person|one|uno ~1 overdose|od|die|morir ~1 on|from|by|de|con|tomando",
    ),
    (
        "weak-intent",
        Kind::Intent,
        "@I ~1 should|shall|have_to|need_to|finally|deserve_to|just_need_to|should_just ~2 @ACT|die|be_dead !@NOT_AFTER_DIE",
    ),
    (
        "jump-from-height",
        Kind::Intent,
        "@INTENT ~3 jump|jumping|tirarme|lanzarme|aventarme|saltar|tirar|lanzar|aventar ~1 off|from|del|de_la|desde|por ~2 @PLACE|building|window|ventana|edificio|top",
    ),
    (
        "jump-in-front",
        Kind::Intent,
        "@INTENT ~3 jump|jumping|throw_myself|throwing_myself|step|stepping|walk|walking|tirarme ~1 in_front_of|in_front|delante_de|frente_a ~2 train|bus|car|truck|traffic|tren|coche|carro",
    ),
    (
        "promise-not",
        Kind::Intent,
        "cant_promise|not_sure|dont_know_if|scared ~4 i ~1 wont|wouldnt|dont|will|might ~3 @ACT",
    ),
    (
        "suicidal-now",
        Kind::Ideation,
        "im|i_am|i_feel|feel|feeling|ive_been|been|getting|estoy|me_siento ~2 suicidal|suicida !thoughts|ideation|feelings|tendencies",
    ),
    (
        "when-self-now",
        Kind::Intent,
        "@WHEN ~6 @SELF_NOW !@NOT_AFTER_DIE|en_el_gym|en_el_gimnasio|entrenando|corriendo|estudiando|trabajando|au_travail|a_la_salle",
    ),
    (
        "self-now-when",
        Kind::Intent,
        "@SELF_NOW !@NOT_AFTER_DIE|en_el_gym|en_el_gimnasio|entrenando|corriendo|au_travail|a_la_salle ~5 @WHEN",
    ),
    (
        // Charcoal burnt in a closed room or car: carbon monoxide, a method people describe
        // without naming it ("lit the barbecue in the bathroom and shut the door").
        "charcoal-sealed-room",
        Kind::Plan,
        concat!(
            "barbecue|bbq|charcoal|charbon|braise|brasero|carvao|carbon|grill|grillkohle|churrasqueira ~8 ",
            "bathroom|bedroom|my_room|the_room|car|tent|salle_de_bain|chambre|voiture|tente|bano|cuarto|",
            "habitacion|coche|carro|banheiro|quarto|carro|badezimmer|schlafzimmer|bad|zimmer|auto ~8 ",
            "closed|shut|sealed|taped|ferme|fermee|calfeutre|calfeutree|bouche|cerre|cerrada|cerrado|",
            "sellada|sellado|selle|tape|fechei|fechada|fechado|vedei|vedada|vedado|zugemacht|abgedichtet|",
            "abgeklebt|geschlossen|zu"
        ),
    ),
    (
        // "How much of X so that one no longer wakes up": the lethal-dose question in German,
        // French, Spanish and Portuguese, whatever the message says it is for.
        "how-much-no-wake",
        Kind::Method,
        concat!(
            "combien|quantos|quantas|quanto|quanta|cuanto|cuanta|cuantos|cuantas|wie_viele|",
            "wieviele|wie_viel|wieviel|how_much|how_many ~8 @NO_WAKE !@NOT_AFTER_WAKE"
        ),
    ),
    (
        "enough-no-wake",
        Kind::Method,
        "@ENOUGH ~6 @NO_WAKE !@NOT_AFTER_WAKE",
    ),
    (
        // Stopping a medicine one's life depends on, on purpose: an attempt in slow motion.
        "vital-meds-stopped-on-purpose",
        Kind::Attempt,
        "@ON_PURPOSE ~3 @STOP_MED ~4 @VITAL_MEDS",
    ),
    (
        "vital-meds-on-purpose-stopped",
        Kind::Attempt,
        "@STOP_MED ~3 @ON_PURPOSE ~4 @VITAL_MEDS",
    ),
    (
        "vital-meds-stopped-then-on-purpose",
        Kind::Attempt,
        "@STOP_MED ~4 @VITAL_MEDS ~4 @ON_PURPOSE",
    ),
    (
        // Whether a gas bottle is "enough" in a closed space: carbon monoxide or an inert gas,
        // asked about without naming what for.
        "gas-enough-closed",
        Kind::Method,
        "@GAS ~8 @ENOUGH ~8 @CLOSED",
    ),
    (
        "gas-closed-enough",
        Kind::Method,
        "@GAS ~8 @CLOSED ~8 @ENOUGH",
    ),
    (
        "enough-gas-closed",
        Kind::Method,
        "@ENOUGH ~8 @GAS ~8 @CLOSED",
    ),
    (
        "x-gas-for-heat-or-cooking",
        Kind::Exclusion,
        "@GAS ~8 @GAS_USE",
    ),
    ("x-heat-or-cooking-gas", Kind::Exclusion, "@GAS_USE ~8 @GAS"),
    (
        // "Se louper" / "se rater" is to survive one's own attempt: not failing it this time.
        "fr-wont-fail-this-time",
        Kind::Intent,
        "ne_me_louperai_pas|me_louperai_pas|ne_me_raterai_pas|me_raterai_pas|vais_pas_me_rater|vais_pas_me_louper|vais_plus_me_rater|vais_plus_me_louper|me_louperai_plus|me_raterai_plus",
    ),
    (
        "other-languages",
        Kind::Ideation,
        concat!(
            "je_veux_mourir|je_vais_me_suicider|me_suicider|je_veux_me_tuer|me_tuer|quero_morrer|",
            "vou_me_matar|quero_me_matar|me_suicidar|ich_will_sterben|mich_umbringen|mich_toten|",
            "selbstmord_begehen"
        ),
    ),
    (
        // German splits its verbs: "Ich bringe mich am Samstag um", "ich werde mich morgen
        // umbringen", "ich nehme mir heute Nacht das Leben". The particle closing the clause
        // keeps "bringt mich um den Schlaf" out.
        "german-split-intent",
        Kind::Ideation,
        "ich ~1 bringe|bring ~1 mich ~5 um $",
    ),
    (
        "german-split-intent-werde",
        Kind::Ideation,
        "ich ~1 werde ~1 mich ~5 umbringen|toten|umzubringen",
    ),
    (
        "german-split-intent-leben",
        Kind::Ideation,
        "ich ~1 nehme ~1 mir ~5 das_leben",
    ),
    // ---- crisis: methods and lethal doses ----
    (
        "how-many-to-die",
        Kind::Method,
        "how|cuantas|cuantos|cuanto|cuanta ~1 many|much ~5 to|would|will|does|do|can|could|is|it|enough|needed|should|para|me|se_necesitan ~4 @DEATH",
    ),
    (
        "cuantas-mortales",
        Kind::Method,
        "cuantas|cuantos|cuanto|cuanta ~6 @DEATH|mortales|letales|matarme|morir|morirme",
    ),
    (
        "lethal-dose",
        Kind::Method,
        "lethal|fatal|deadly|toxic|overdose|letal|mortal ~1 dose|doses|amount|quantity|level|dosis|cantidad",
    ),
    (
        "dosis-letal",
        Kind::Method,
        "dosis|quantite|quantidade ~4 letal|letales|mortal|mortales|mortel|mortelle|mortelles|letais",
    ),
    (
        "dose-mortelle",
        Kind::Method,
        "dose|doses ~3 mortelle|mortel|mortelles|letal|letais|mortal",
    ),
    (
        "todliche-dosis",
        Kind::Method,
        "todliche|todlich|letale|toedliche ~1 dosis|menge",
    ),
    (
        "combien-pour-mourir",
        Kind::Method,
        "combien|quantos|quantas|quanto|quanta|wie_viele|wieviele|wie_viel|wieviel ~6 pour_mourir|pour_en_finir|pour_me_tuer|pra_morrer|para_morrer|pra_me_matar|para_me_matar|zum_sterben|um_zu_sterben|um_mich_umzubringen|mortel|mortelle|letal|letale|todlich",
    ),
    (
        "painless-way-to-go",
        Kind::Method,
        "painless|least_painful|peaceful|quickest_painless ~1 way|ways ~1 to ~1 go $",
    ),
    (
        "best-way-es",
        Kind::Method,
        "forma|manera|metodo|modo ~3 facil|rapida|indolora|efectiva|segura|mejor ~1 de|para ~1 morir|matarme|suicidarme|quitarme_la_vida",
    ),
    (
        "best-way",
        Kind::Method,
        "painless|easiest|easy|quickest|quick|fastest|fast|best|surest|quietest|simplest|peaceful|least_painful|effective|reliable|facil|rapida|indolora|efectiva|segura|mejor ~1 way|ways|method|methods|means|forma|manera|metodo|modo ~2 to|of|de|para ~1 die|dying|kill_myself|killing_myself|end_it|end_my_life|commit_suicide|suicide|overdose|od|morir|matarme|suicidarme|quitarme_la_vida",
    ),
    (
        "how-to",
        Kind::Method,
        "how|como ~2 to|do_i|can_i|would_i|should_i|do_you|does_one|would_someone|can_someone|do_people|puedo|se ~2 kill_myself|commit_suicide|end_my_life|hang_myself|tie_a_noose|make_a_noose|overdose|od|slit_my_wrists|die_painlessly|die_quickly|die_peacefully|die_in_my_sleep|kill_yourself|unalive_myself|bleed_out|drown_myself|shoot_myself|matarme|suicidarme|ahorcarme|morir_sin_dolor",
    ),
    (
        "how-long-to-die",
        Kind::Method,
        "how_long ~4 bleed_out|suffocate|to_die_from|to_die_by|to_die_after|to_die_if|to_die_when",
    ),
    (
        "how-high",
        Kind::Method,
        "how_high|how_tall|how_far|how_many_floors ~8 die|dying|kill|lethal|fatal|death",
    ),
    (
        "which-height",
        Kind::Method,
        "which|what ~1 bridge|building|cliff|height|floor ~5 jump|die|high_enough|kill|lethal",
    ),
    (
        "enough-to-die",
        Kind::Method,
        "is|are|would|will ~5 pils|pills|tablets|mg ~4 enough ~2 to ~1 die|kill|od|overdose|be_lethal|be_fatal|kill_me",
    ),
    (
        "what-if-i-take",
        Kind::Method,
        "what_happens_if|what_if|what_would_happen_if ~2 take|swallow|took|drink ~1 #BIG !mg|milligrams|ml|minutes|min|hours|mins|hrs|days|seconds",
    ),
    (
        "researching-ways",
        Kind::Method,
        "looking_up|looked_up|googled|googling|searching|searched|researching|researched|reading_about ~3 ways|how|methods ~3 to ~1 kill_myself|die|commit_suicide|overdose|end_it|end_my_life",
    ),
    // ---- crisis: attempts in progress ----
    (
        "took-number",
        Kind::Attempt,
        "took|taken|swallowed|downed|popped|ingested|tome|trague|tomado ~2 #BIG !mg|milligrams|ml|minutes|min|mins|hours|hrs|seconds|days|years|steps|laps|photos|pictures|tries|pounds|kg|mcg|iu ~3 @PILLS|of_them|of_my",
    ),
    (
        "took-many",
        Kind::Attempt,
        "took|taken|swallowed|downed|popped|ingested|drank|drunk|tome|trague|tomado|tomo ~4 all|whole|entire|every|bunch|lot|handful|#BIG|bottle|pack|packet|todas|muchas|un_monton|el_frasco|la_caja|un_frasco|frasco|una_caja|caja|entero|entera|blister|bote ~4 @PILLS|of_them|bleach|antifreeze !this_morning|today|for_today|as_prescribed|on_time|with_breakfast|with_food|with_water|with_dinner|with_a_meal|with_meals|for_the_day|this_evening|like|prescribed|esta_manana|hoy|como",
    ),
    (
        "took-all-fr",
        Kind::Attempt,
        "avale|pris|gobe ~3 toute_la|tous_mes|toutes_mes|tous_les|toutes_les|toute_une|une_boite_entiere|la_boite_entiere|la_plaquette_entiere ~1 boite|plaquette|cachets|comprimes|pilules|medicaments|somniferes|boites|plaquettes|doliprane|xanax|lexomil|tramadol|zopiclone",
    ),
    (
        "took-all-pt",
        Kind::Attempt,
        "tomei|engoli ~3 todos_os|todas_as|a_cartela_toda|a_caixa_toda|a_cartela_inteira|a_caixa_inteira|uma_cartela_inteira|uma_caixa_inteira|varias_cartelas|o_vidro_todo ~1 comprimidos|remedios|pilulas|cartela|caixa|rivotril|calmantes|remedio !hoje|certinho|na_hora|de_manha",
    ),
    (
        "took-all-de",
        Kind::Attempt,
        "ganze_packung|ganze_schachtel|alle_tabletten|alle_meine_tabletten|alle_pillen|den_ganzen_blister|alle_schlaftabletten ~2 genommen|geschluckt|eingeworfen|eingenommen",
    ),
    (
        "overdosed",
        Kind::Attempt,
        "@I ~2 overdosed|overdosing|sobredosis",
    ),
    (
        "poison",
        Kind::Attempt,
        "drank|swallowed|drinking|ingested|drunk|bebi|bebido|tome|tomado|trague|tragado|bu|avale|bebo|tomei|engoli ~3 bleach|antifreeze|poison|rat_poison|drain_cleaner|lejia|cloro|veneno|javel|eau_de_javel|antigel|mort_aux_rats|deboucheur|agua_sanitaria|soda_caustica|chumbinho",
    ),
    (
        // German puts the participle last: "ich habe Rattengift getrunken".
        "poison-de",
        Kind::Attempt,
        "bleichmittel|chlorreiniger|rattengift|frostschutzmittel|abflussreiniger|gift ~3 getrunken|geschluckt|eingenommen",
    ),
    (
        "cut-too-deep",
        Kind::Attempt,
        "cut|cutted|slashed|corte|me_corte ~2 too|very|really|so|muy|demasiado ~1 deep|hondo|profundo",
    ),
    (
        "at-my-body",
        Kind::Attempt,
        "gun|pistol|knife|blade|razor|rope|noose|pills|pistola|cuchillo|soga|pastillas ~2 to_my_head|in_my_mouth|to_my_wrist|to_my_throat|around_my_neck|in_my_hand|in_my_hands|against_my_wrist|against_my_throat|against_my_neck|against_my_skin|on_my_wrist|at_my_wrist|to_my_neck|is_in_front_of_me|are_in_front_of_me|in_front_of_me|a_mi_cabeza|en_mi_mano|en_la_mano|en_mi_cuello|en_mi_muneca|contra_mi_muneca",
    ),
    (
        "wont-survive-night",
        Kind::Attempt,
        "not_going_to_make_it|wont_make_it|wont_survive|no_voy_a_sobrevivir ~1 through|past ~1 tonight|the_night|this_night|esta_noche",
    ),
    // ---- crisis: plans and means ----
    (
        "means-ready",
        Kind::Plan,
        "have|got|bought|ve_got|tengo|compre ~3 @MEANS ~2 ready|prepared|tied|loaded|set_up|with_me|listas|lista|listo|listos|preparadas|preparada|preparado",
    ),
    (
        "stockpiling",
        Kind::Plan,
        "stockpiling|stockpiled|hoarding|hoarded|saving_up|saved_up|been_saving|collecting|saving|guardando|juntando ~3 pills|pils|meds|medication|tablets|pastillas",
    ),
    (
        "note-written",
        Kind::Plan,
        "wrote|written|writing|write|finished|escribi|escrito|escribiendo ~3 @NOTE",
    ),
    (
        "read-this-gone",
        Kind::Plan,
        "by_the_time_you_read_this|by_the_time_anyone_reads_this|when_you_read_this_i|cuando_leas_esto",
    ),
    // ---- elevated: passive ideation ----
    (
        "wish-dead",
        Kind::Passive,
        "wish|wished|hope|ojala|quisiera|desearia ~2 i|yo|que? ~4 dead|die|disappear|wasnt_here|werent_here|wasnt_alive|wasnt_born|werent_born|hadnt_been_born|never_born|never_been_born|never_existed|didnt_exist|gone|not_wake_up|never_wake_up|didnt_wake_up|wouldnt_wake_up|sleep_forever|fall_asleep_forever|be_dead|not_exist|not_be_here|stop_existing|muerto|muerta|morir|desaparecer|no_existir|no_despertar|no_despertara|no_haber_nacido|no_estar",
    ),
    (
        "wish-es",
        Kind::Passive,
        "ojala|quisiera|desearia ~2 muerto|muerta|morir|morirme|muriera|muera|muriese|desaparecer|no_existir|no_despertar|no_despertara|no_haber_nacido|estar_muerto|estar_muerta",
    ),
    (
        "dont-want-to-live",
        Kind::Passive,
        "dont|do_not|no_longer|dont_really|no ~1 want|wanna|wish|quiero|kiero|qiero|deseo|tengo_ganas ~1 to|de? ~1 live|be_alive|exist|be_here|wake_up|go_on|continue|keep_living|keep_going|be_around|vivir|seguir_viviendo|seguir_aqui|seguir_con_vida|existir|despertar|estar_vivo|estar_viva|seguir !early|at|before|this|the|a|with|vacation|trip|tour|there|in|on|to|like_that|alone|here_without|mas_temprano|temprano|a_la|al|el|la|con",
    ),
    (
        "sleep-forever",
        Kind::Weak,
        "want|wanna|wish|could|just ~3 sleep_forever|fall_asleep_forever|never_wake_up|not_wake_up|go_to_sleep_and_never_wake_up|go_to_sleep_and_not_wake_up|sleep_and_never_wake_up|dormir_para_siempre|no_despertar",
    ),
    (
        "disappear",
        Kind::Passive,
        "@I ~3 want|wanna|just_want|quiero ~2 to? ~1 disappear|vanish|desaparecer !for|into|to|on|from|of|de|por|una|un|del",
    ),
    (
        "not-exist",
        Kind::Passive,
        "want|wanna|wish|quiero|quisiera|deseo|desearia|me_gustaria ~3 not_exist|stop_existing|cease_to_exist|no_existir|dejar_de_existir",
    ),
    (
        "sin-sentido",
        Kind::Hopeless,
        "no ~2 encuentro|veo|tiene|hay|tengo|le_encuentro|le_veo ~2 sentido|razon|razones|motivo|motivos ~3 vivir|la_vida|mi_vida|seguir|nada|para_vivir|de_vivir",
    ),
    (
        "pienso-en-suicidio",
        Kind::Passive,
        "pienso|pensando|pensado|pense ~2 en ~1 el? ~1 suicidio|la_muerte|morirme|quitarme_la_vida",
    ),
    (
        "make-it-stop",
        Kind::Passive,
        "want|wanna|need ~2 it_all|everything|the_pain|this_pain|all_of_it|the_hurt|my_life|life ~1 to ~1 stop|end|be_over",
    ),
    (
        "end-it-ambiguous",
        Kind::Passive,
        "@I ~1 end_it|end_it_all|end_everything|ending_it|ending_it_all|ending_everything !with|early|between|off|there|here|now_with",
    ),
    (
        "acabo-con-todo",
        Kind::Passive,
        "acabo_con_todo|termino_con_todo|acabo_con_mi_vida|termino_con_mi_vida",
    ),
    (
        "jump-now",
        Kind::Passive,
        "going_to|gonna|about_to|voy_a|me_voy_a ~1 jump|saltar|tirarme|lanzarme $",
    ),
    (
        "doing-it-tonight",
        Kind::SoftEscalator,
        "doing_it|do_it|gonna_do_it|going_to_do_it|lo_hago|hacerlo ~1 tonight|today|now|soon|esta_noche|hoy",
    ),
    (
        "given-away",
        Kind::Passive,
        "given_away|gave_away|giving_away|regale|regalando ~3 my|mis ~1 stuff|things|belongings|possessions|cosas",
    ),
    (
        "death-thoughts",
        Kind::Passive,
        "@I ~3 thinking|think|thought|thoughts|pienso|pensando ~2 about|of|en ~1 death|dying|being_dead|not_being_here|la_muerte|morir|morirme",
    ),
    (
        "better-dead",
        Kind::Passive,
        "better_off ~1 dead|without_me|if_i_wasnt|if_i_was_gone|if_i_were_gone|if_i_died|if_i_disappeared",
    ),
    (
        "happier-without-me",
        Kind::Passive,
        "world|everyone|everybody|family|they|todos|mi_familia|el_mundo ~4 better|happier|mejor|mejores|felices ~3 without_me|sin_mi|si_no_estuviera|si_yo_no_estuviera|si_me_muero|si_desaparezco",
    ),
    (
        "happier-if-i-died",
        Kind::Passive,
        "world|everyone|everybody|family|they ~4 better|happier ~3 if_i ~2 dead|gone|died|wasnt_here|wasnt_around|disappeared|was_dead|were_dead",
    ),
    (
        "seria-mejor",
        Kind::Passive,
        "seria|serian|estarian|estarias ~1 mejor|mejores ~3 sin_mi|si_no_estuviera|si_yo_no_estuviera|si_me_muero|si_desaparezco|si_me_voy",
    ),
    (
        "nobody-would-miss",
        Kind::Passive,
        "nobody|no_one|noone ~1 would|will|wouldnt|gonna ~2 miss|notice|care ~3 me|if_i|when_im_gone|when_i_die|when_i_am_gone",
    ),
    (
        "nadie-extranaria",
        Kind::Passive,
        "nadie ~2 extranaria|notaria|importaria|extranara|notara|echaria_de_menos",
    ),
    // ---- elevated: hopelessness ----
    (
        "what-is-the-point",
        Kind::Hopeless,
        "whats|what_is|wats|whats_even ~1 the ~1 point ~2 of|in ~1 living|life|anything|being_alive|going_on|existing|trying|it_all|me|anymore",
    ),
    (
        "point-anymore",
        Kind::Hopeless,
        "whats|what_is|wats|cual_es ~2 point|sentido ~3 living|life|anything|being_alive|going_on|existing|trying|it_all|me|anymore|vivir|$",
    ),
    (
        "point-alone",
        Kind::Hopeless,
        "whats_the_point|theres_no_point|there_is_no_point|no_point ~1 anymore|in_living|in_anything|in_life|of_living|of_life|$",
    ),
    (
        "no-reason",
        Kind::Hopeless,
        "no|not_any ~1 reason|reasons|point ~3 live|living|keep_living|stay_alive|be_alive|stay|keep_going|go_on|exist|existing",
    ),
    (
        "nothing-to-live-for",
        Kind::Hopeless,
        "nothing|nada ~1 to|por ~1 live_for|vivir|que_vivir",
    ),
    (
        "not-worth-living",
        Kind::Hopeless,
        "life|it ~2 not|isnt|aint|is_not ~1 worth ~1 living|it",
    ),
    (
        "hopeless",
        Kind::Hopeless,
        "hopeless|no_way_out|no_future|sin_esperanza|sin_salida|no_hay_salida|no_tengo_salida|no_hay_esperanza !romantic|romantics|case|at|for",
    ),
    (
        "no-hope",
        Kind::Hopeless,
        "no_hope|no_more_hope !for|in|on|de|para",
    ),
    (
        "no-hope-for-me",
        Kind::Hopeless,
        "no_hope|hopeless ~1 for|para ~1 me|mi|my_future|my_life",
    ),
    (
        "no-future",
        Kind::Hopeless,
        "dont|cant|do_not|cannot ~1 see ~1 a|any ~1 future|way_out",
    ),
    (
        "never-better",
        Kind::Hopeless,
        "nothing|never|nada|nunca ~3 get_better|change|improve|mejorar|mejorara|va_a_mejorar !at|in|with|en|con",
    ),
    (
        "cant-go-on",
        Kind::Hopeless,
        "cant|can_not|cannot|cant_really|no_puedo ~1 go_on|keep_going|do_this_anymore|keep_doing_this|keep_living_like_this|keep_going_like_this|take_it_anymore|take_this_anymore|take_anymore|keep_living|live_like_this|handle_it_anymore|cope_anymore|do_it_anymore|continue|hold_on|seguir|mas !the|a|this|that|vacation|trip|stage|with|holiday|tour|tv|air|date|to|back|con|de|el|la|los",
    ),
    (
        "cant-do-this",
        Kind::Hopeless,
        "cant|cannot|can_not do_this|take_it|take_this|handle_this|handle_it anymore? $",
    ),
    (
        "ya-no-puedo",
        Kind::Hopeless,
        "ya? ~1 no ~1 puedo|aguanto|soporto ~1 mas|esto|la_vida|vivir_asi !con|de|el|la|los|las|este|esta",
    ),
    (
        "tired-of-living",
        Kind::Hopeless,
        "tired|sick|exhausted|cansado|cansada|harto|harta ~1 of|de ~2 living|life|being_alive|existing|staying_alive|stay_alive|being_me|everything|it_all|vivir|la_vida|existir|estar_vivo|estar_viva|todo",
    ),
    (
        "done-with-life",
        Kind::Hopeless,
        "done|finished|over ~1 with ~1 life|living|everything|it_all|this_life|existing",
    ),
    ("im-done", Kind::SoftEscalator, "@I ~1 so? ~1 done $"),
    (
        "farewell",
        Kind::Escalator,
        "i_love_you_all|love_you_all|take_care_of_yourselves|tell_my_family_i_love_them|los_quiero_a_todos",
    ),
    (
        "give-up-on-life",
        Kind::Hopeless,
        "give_up|giving_up|gave_up|rendirme|me_rindo ~1 on|con ~1 life|living|everything|myself|it_all|la_vida|todo",
    ),
    (
        "hate-being-alive",
        Kind::Hopeless,
        "@I ~2 hate ~1 being_alive|living|existing|my_existence",
    ),
    ("burden", Kind::Hopeless, "@I ~3 a|such_a|just_a ~1 burden"),
    (
        "carga",
        Kind::Hopeless,
        "soy|siento_que_soy|me_siento ~1 una|un ~1 carga|estorbo",
    ),
    (
        "trapped",
        Kind::Hopeless,
        "@I ~2 feel|am|im ~1 so? ~1 trapped ~3 no_way_out|no_escape",
    ),
    // ---- elevated: self-harm ----
    (
        "hurting-myself",
        Kind::SelfHarm,
        "@I ~4 cutting|cut|cuting|burning|burn|burned|burnt|hurting|hurt|harming|harm|hitting|hit|scratching|scratch|punching|punched|carving|starving ~1 myself|my_arms|my_arm|my_wrists|my_wrist|my_legs|my_thighs|my_skin|my_stomach !shaving|cooking|chopping|by_accident|accidentally|on|while|at|lifting|running|playing|slicing|with_paper|opening|falling|in_the|during",
    ),
    (
        "been-cutting",
        Kind::SelfHarm,
        "been|started|start|keep|kept|stop|stopped|quit|still ~2 cutting|self_harming|selfharming|harming_myself|hurting_myself|burning_myself !carbs|back|down|costs|sugar|ties|class|corners|hair|out|the|my_hair|wood|vegetables|onions|paper|grass|coupons|it|out|in|through|my_losses",
    ),
    (
        "cutting-again",
        Kind::SelfHarm,
        "cutting_again|cut_again|self_harmed_again|harmed_myself_again|relapsed_and_cut|relapsed_with_self_harm",
    ),
    (
        "urge",
        Kind::SelfHarm,
        "urge|urges|ganas ~2 to|de ~1 cut|self_harm|hurt_myself|harm_myself|burn_myself|cortarme|lastimarme|hacerme_dano",
    ),
    (
        "want-to-cut",
        Kind::SelfHarm,
        "want|wanna|need ~1 to ~1 cut_myself|self_harm|hurt_myself|harm_myself|cut $",
    ),
    (
        "used-to-cut",
        Kind::SelfHarm,
        "used_to|use_to|solia ~1 cut|self_harm|hurt_myself|burn_myself|harm_myself|cortarme|lastimarme",
    ),
    (
        "es-cortando",
        Kind::SelfHarm,
        "me ~3 cortando|lastimando|autolesionando|quemando|golpeando !el|la|las|los|un|una|con",
    ),
    (
        "quiero-desaparecer",
        Kind::Passive,
        "quiero|quisiera|me_gustaria ~2 desaparecer|no_existir|dejar_de_existir !de|del|por|un|una|unos|unas",
    ),
    (
        "nothing-left",
        Kind::Hopeless,
        "nothing|nada ~1 left|queda ~1 for_me|to_live_for|to_lose|para_mi|por_que_vivir",
    ),
    (
        "scars",
        Kind::SelfHarm,
        "scars|cicatrices ~2 from|de ~1 cutting|self_harm|self_harming|hurting_myself|cortarme",
    ),
    (
        "since-last-cut",
        Kind::SelfHarm,
        "since ~1 i ~1 last ~1 cut|self_harmed|hurt_myself|harmed_myself",
    ),
    (
        "es-self-harm",
        Kind::SelfHarm,
        "me ~1 corto|lastimo|hago_dano|quemo|golpeo|autolesiono|rasguno !el|la|los|las|un|una|con_el|con_la|cocinando|el_pelo|las_unas",
    ),
    (
        "self-harm-words",
        Kind::Generic,
        "self_harm|selfharm|self_harming|self_harmed|self_injury|self_injure|sh_again|autolesion|autolesiones|autolesiono|autolesionarme|autolesione|cortarme|lastimarme",
    ),
    (
        "suicidal-thoughts",
        Kind::Generic,
        "suicidal_thoughts|suicidal_ideation|thoughts_of_suicide|thoughts_about_suicide|dark_thoughts|thinking_about_suicide|think_about_suicide|thought_about_suicide|thinking_of_suicide|pienso_en_el_suicidio|pensamientos_suicidas|ideas_suicidas|pensado_en_el_suicidio|pensando_en_el_suicidio",
    ),
    (
        "attempt-history",
        Kind::Generic,
        "attempted|tried ~1 suicide|to_kill_myself|to_end_my_life|to_take_my_life",
    ),
    (
        "attempt-noun",
        Kind::Generic,
        "suicide_attempt|my_attempt|my_last_attempt|my_suicide_attempt|intento_de_suicidio|intente_suicidarme|intente_matarme",
    ),
    (
        "suicide-word",
        Kind::Generic,
        "suicide|suicidal|suicidio|suicida",
    ),
    // ---- escalators: weak alone, decisive with any other risk ----
    (
        "goodbye",
        Kind::Escalator,
        "this_is_goodbye|this_is_my_goodbye|goodbye_forever|goodbye_everyone|goodbye_world|goodbye_cruel_world|final_goodbye|last_goodbye|my_last_message|sorry_for_everything|said_my_goodbyes|saying_my_goodbyes|said_goodbye_to_everyone|adios_a_todos|adios_para_siempre|esto_es_un_adios|perdon_por_todo",
    ),
    (
        "decision",
        Kind::Escalator,
        "made_my_decision|made_up_my_mind|ive_decided|my_mind_is_made_up|ya_lo_decidi|ya_tome_la_decision",
    ),
    (
        "wont-be-here",
        Kind::Escalator,
        "wont|will_not|not_going_to ~1 be ~1 here|around|alive ~1 tomorrow|much_longer|by_morning|for_long|anymore",
    ),
    (
        "not-alive-tomorrow",
        Kind::Passive,
        "not|dont|wont|never ~4 be_alive|be_here|be_around|make_it|see|live_to_see|survive ~2 tomorrow|by_tomorrow|next_week|the_morning|much_longer|another_day|christmas|my_birthday|the_weekend",
    ),
    (
        "ready-everything",
        Kind::Escalator,
        "got_everything_i_need|have_everything_i_need|everything_is_ready|its_all_ready|all_set_up|tengo_todo_listo|ya_tengo_todo",
    ),
    (
        "go-through-with-it",
        Kind::SoftEscalator,
        "going_to|gonna|about_to|will|finally|voy_a|ready_to ~2 do_it|go_through_with_it|hacerlo $",
    ),
    (
        "letters-to-everyone",
        Kind::Escalator,
        "wrote|written|writing|left|escribi ~2 letters|notes|letter|note|cartas|carta ~1 to|for|para ~1 everyone|my_family|my_parents|my_kids|everybody|todos|mi_familia",
    ),
    (
        "no-longer-a-burden",
        Kind::Escalator,
        "wont_be_a_burden|not_be_a_burden|no_longer_be_a_burden|wont_bother_anyone|wont_have_to_deal_with_me|ya_no_sere_una_carga|no_molestare_mas",
    ),
    (
        "only-way-out",
        Kind::Escalator,
        "only_option|only_way_out|only_choice|no_other_way|no_other_option|only_solution|unica_salida|unica_opcion|unica_solucion",
    ),
    (
        "blood",
        Kind::Escalator,
        "lot_of_blood|so_much_blood|blood_everywhere|mucha_sangre|sangre_por_todas_partes",
    ),
    (
        "tonight",
        Kind::SoftEscalator,
        "tonight_is_the_night|tonights_the_night|today_is_the_day|its_time|esta_noche|hoy_es_el_dia|tonight",
    ),
    (
        "have-means",
        Kind::Escalator,
        "@I ~2 have|got|bought|ve_got|tengo|compre ~2 the|a|my|enough|some|las|la|una|un? ~1 @MEANS",
    ),
    (
        "have-plan",
        Kind::Escalator,
        "@I ~2 have|ve_got|made|tengo|hice ~1 a|un ~1 plan !for|to_study|to_get|with|para|de_estudio",
    ),
    (
        "on-the-edge",
        Kind::Passive,
        "@I ~2 on|at|en ~1 the|el|la ~1 edge|ledge|railing|borde|cornisa|baranda ~1 of|del|de_la? ~2 @PLACE|building|roof|edificio|techo",
    ),
    (
        "at-height",
        Kind::Escalator,
        "im|i_am|standing|sitting|here|estoy|sentado|sentada|parado|parada ~2 on|at|en ~1 the|a|el|la ~3 @PLACE",
    ),
    (
        "bleeding",
        Kind::Escalator,
        "cant|wont|doesnt|not|no ~2 stop ~1 the? bleeding|para_de_sangrar|deja_de_sangrar|bleeding_a_lot|bleeding_badly|bleeding_heavily|sangrando_mucho",
    ),
    // ---- exclusions: idioms and benign uses ----
    (
        "x-fr-someone-will-kill-me",
        Kind::Exclusion,
        "va|vont|vas|allait|aller|vais_finir_par ~1 me_tuer",
    ),
    (
        "x-pt-de-morrer-de",
        Kind::Exclusion,
        "quero|vou|to|tou|estou morrer de|kkk|kkkk|kkkkk|rs|rsrs|haha !verdade|vdd|vera|vez|uma_vez",
    ),
    (
        "x-nearly",
        Kind::Exclusion,
        "nearly|almost|basically|practically|casi ~1 killed_myself|kill_myself|died|die|killing_myself|me_mato|me_muero",
    ),
    (
        "x-die-of",
        Kind::Exclusion,
        "die|died|dying|dead|muero|muriendo|muerto|muerta ~1 of|from|de ~1 embarrassment|laughter|laughing|boredom|shame|cringe|cuteness|happiness|heat|thirst|hunger|risa|hambre|sueno|ganas|frio|calor|verguenza|aburrimiento|cansancio|miedo",
    ),
    (
        "x-dying-to",
        Kind::Exclusion,
        "dying|die|muero ~1 to|por ~1 see|try|know|go|meet|get|hear|watch|read|eat|verte|ir|saber|conocer",
    ),
    ("x-die-for", Kind::Exclusion, "die_for|to_die_for|kill_for"),
    (
        "x-suicide-compound",
        Kind::Exclusion,
        "suicide ~1 squad|mission|missions|doors|door|run|runs|sprint|sprints|drills|drill|blonde|prevention|awareness|hotline|helpline|rates|rate|statistics|research|bomber|bombing",
    ),
    (
        "x-compound-suicide",
        Kind::Exclusion,
        "career|social|political|commercial|financial|electoral|professional|fashion ~1 suicide",
    ),
    (
        "x-by-suicide",
        Kind::Exclusion,
        "died_by_suicide|death_by_suicide|died_of_suicide|lost_to_suicide|murio_por_suicidio|se_suicido",
    ),
    (
        "x-hopeless-romantic",
        Kind::Exclusion,
        "hopeless_romantic|hopelessly",
    ),
    (
        "x-panic",
        Kind::Exclusion,
        "feel|felt|feels|feeling|thought|think|like|sure|siento|senti|pense ~2 im|i_am|i_was|i|id|que|que_me ~1 going_to|gonna|about_to|was_going_to|would|will|iba_a|voy_a ~1 die|pass_out|faint|have_a_heart_attack|morir|desmayar",
    ),
    (
        "x-es-mata",
        Kind::Exclusion,
        "me_mata|me_esta_matando|me_va_a_matar|matar_el_tiempo|me_muero_de|me_muero_por",
    ),
    (
        // "Me mato en el gimnasio / estudiando": working oneself hard.
        "x-es-mato-working",
        Kind::Exclusion,
        "me_mato|me_estoy_matando|je_me_tue ~1 en_el_gym|en_el_gimnasio|entrenando|estudiando|trabajando|a_trabajar|a_estudiar|corriendo|au_travail|a_la_tache|au_boulot",
    ),
];
