//! The Rust encoder gives the embeddings of the reference implementation
//! (sentence-transformers on PyTorch, `shared/screen/train/reference.py`) within 1e-4, and the
//! same token ids, on a fixed sample: English, Spanish, French, German and Portuguese,
//! letter-spacing, leetspeak, emoji, curly quotes, accents, CJK and a long message.

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
    let classifier = support::classifier();
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
