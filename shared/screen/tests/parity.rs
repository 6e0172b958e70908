//! The Rust encoder gives the embeddings of the reference implementation (transformers'
//! BERT on PyTorch over the weights `shared/screen/train/e5s1.py` reads from the same file,
//! `shared/screen/train/reference.py`) within 1e-4, and the same token ids, on a fixed
//! sample: English, Spanish, French, German and Portuguese, letter-spacing, leetspeak, emoji,
//! curly quotes, accents, CJK and a long message.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

#[derive(serde::Deserialize)]
struct Reference {
    sample: Vec<Item>,
}

#[derive(serde::Deserialize)]
struct Item {
    text: String,
    ids: Vec<u32>,
    embedding: Vec<f32>,
}

#[test]
fn the_rust_encoder_matches_the_reference_embeddings_within_1e_4() {
    let reference: Reference =
        serde_json::from_str(include_str!("../model/reference.json")).unwrap();
    assert!(reference.sample.len() >= 10);
    // The published encoder, without our adapters.
    let mut head: serde_json::Value =
        serde_json::from_str(therabot_screen::semantic::HEAD_JSON).unwrap();
    head.as_object_mut().unwrap().remove("adapters");
    let classifier =
        therabot_screen::Classifier::load_with_head(&support::model_dir(), &head.to_string())
            .unwrap();
    let mut worst = 0.0f32;
    for item in &reference.sample {
        assert_eq!(
            classifier.token_ids(&item.text),
            item.ids,
            "token ids of {:?}",
            item.text
        );
        let ours = &classifier.embed(&item.text).unwrap()[0];
        assert_eq!(ours.len(), item.embedding.len());
        let diff = ours
            .iter()
            .zip(&item.embedding)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        worst = worst.max(diff);
        assert!(diff <= 1e-4, "{:?} differs by {diff}", item.text);
    }
    println!("largest difference from the reference: {worst:e}");
}

#[test]
fn the_adapted_encoder_and_head_reproduce_the_training_runs_probabilities() {
    let classifier = support::classifier();
    let checks = classifier.head().checks();
    if checks.is_empty() {
        // A head without adapters (train.py) has nothing to check here.
        return;
    }
    let mut worst = 0.0f32;
    for check in checks {
        let embedding = &classifier.embed(&check.text).unwrap()[0];
        let p = classifier.head().probabilities(embedding);
        let p_none = 1.0 - p.elevated - p.crisis;
        for (ours, theirs) in [p_none, p.elevated, p.crisis].iter().zip(check.p) {
            worst = worst.max((ours - theirs).abs());
        }
    }
    println!("largest difference from the training run: {worst:e}");
    assert!(worst <= 1e-4, "probabilities differ by {worst}");
}
