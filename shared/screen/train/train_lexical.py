"""Trains the screen's lexical model: a logistic regression on hashed character n-grams, on the
TRAIN split of shared/screen/data/ (`make train-screen`, after train_adapter.py).

Why: the encoder (all-MiniLM-L6-v2) was trained on English; it reads Spanish, French,
Portuguese and German as English word pieces and is sure of itself when it is wrong (ordinary
greetings at p(crisis) > 0.97). Character n-grams read every language's spelling as it is
written (stems, inflections, text-speak, typos), from our own labelled messages. Blended with
the encoder's probabilities (BLEND_SEMANTIC of the encoder, the rest lexical), the two err in
different places: on the 1,887 messages of the rounds neither had been trained on, the blend
caught 91.7% of crisis messages against 87.6% for the encoder alone, at 8.8% of ordinary
messages scored crisis against 12.5% (docs/decisions/0018-a-lexical-model-beside-the-encoder.md).

The featurizer is defined here and in shared/screen/src/semantic/lexical.rs, and must stay the
same in both (the file's `check` texts hold the Rust side to these probabilities):
  lowercase (Unicode); split on whitespace; each word padded with one space on each side;
  every character n-gram of the padded word for n in 2..=5 (none longer than the padded word);
  each n-gram's UTF-8 bytes hashed with 64-bit FNV-1a, modulo BUCKETS; counts
  turned into (1 + ln(count)) * idf(bucket), idf from the train split; the vector scaled to unit length.
Splits as train_adapter.py: dev never trained on, the calibration slice held back for the
thresholds. Deterministic (lbfgs, no randomness).
"""
import base64
import hashlib
import json
import math
import sys
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).parent))
from dataset import LEVELS, fnv, load  # noqa: E402

BUCKETS = 1 << 16
MIN_N, MAX_N = 2, 5
C = 4.0
BLEND_SEMANTIC = 0.3


def ngrams(text: str):
    for word in text.lower().split():
        padded = f" {word} "
        chars = list(padded)
        for n in range(MIN_N, MAX_N + 1):
            if len(chars) < n:
                break
            for i in range(len(chars) - n + 1):
                yield "".join(chars[i : i + n])


def counts(text: str):
    out = {}
    for gram in ngrams(text):
        b = fnv(gram) % BUCKETS
        out[b] = out.get(b, 0) + 1
    return out


def idf_of(texts):
    """ln((1 + documents) / (1 + documents holding the bucket)) + 1, per bucket."""
    df = np.zeros(BUCKETS)
    for t in texts:
        for b in counts(t):
            df[b] += 1
    return np.log((1 + len(texts)) / (1 + df)) + 1


def features(text: str, idf):
    values = {b: (1.0 + math.log(c)) * idf[b] for b, c in counts(text).items()}
    norm = math.sqrt(sum(v * v for v in values.values())) or 1.0
    return {b: v / norm for b, v in values.items()}


def matrix(texts, idf):
    rows, cols, vals = [], [], []
    for i, t in enumerate(texts):
        for b, v in features(t, idf).items():
            rows.append(i)
            cols.append(b)
            vals.append(v)
    return csr_matrix((vals, (rows, cols)), shape=(len(texts), BUCKETS), dtype=np.float64)


class Lexical:
    def __init__(self, rows):
        texts = [r["text"] for r in rows]
        self.idf = idf_of(texts)
        self.model = LogisticRegression(C=C, max_iter=5000, class_weight="balanced")
        self.model.fit(matrix(texts, self.idf), [r["y"] for r in rows])

    def probabilities(self, texts):
        return self.model.predict_proba(matrix(texts, self.idf))


def main():
    data, out = Path(sys.argv[1]), Path(sys.argv[2])
    rows = load(data)
    dev = [r for r in rows if fnv(r["text"]) % 5 == 0]
    rest = [r for r in rows if fnv(r["text"]) % 5 != 0]
    train = [r for r in rest if (fnv(r["text"]) // 5) % 6 != 0]
    lex = Lexical(train)
    model = lex.model
    pd = lex.probabilities([r["text"] for r in dev])
    yd = np.array([r["y"] for r in dev])
    crisis = yd == 2
    print(f"lexical alone on dev ({len(dev)}): crisis ranked crisis {np.mean(pd[crisis].argmax(1) == 2):.3f}")
    weights = model.coef_.astype(np.float32)  # 3 x BUCKETS, rows in LEVELS order
    sample = [r["text"] for r in dev[:: max(1, len(dev) // 8)]][:8]
    ps = lex.probabilities(sample)
    digest = hashlib.sha256("".join(r["text"] + str(r["y"]) for r in rows).encode()).hexdigest()[:12]
    lexical = dict(
        version=f"lexical-{digest}",
        classes=LEVELS,
        features=dict(kind="char-ngrams-in-words", min_n=MIN_N, max_n=MAX_N, hash="fnv1a64", buckets=BUCKETS, tf="1+ln", idf="ln((1+n)/(1+df))+1", norm="l2"),
        model=f"logistic regression, C={C}, balanced classes",
        trained_on=dict(train=len(train), dev=len(dev)),
        blend_semantic=BLEND_SEMANTIC,
        intercept=[round(float(v), 7) for v in model.intercept_],
        idf_f32le_base64=base64.b64encode(lex.idf.astype(np.float32).tobytes()).decode(),
        weights_f32le_base64=base64.b64encode(weights.tobytes()).decode(),
        check=[dict(text=x, p=[round(float(v), 6) for v in p]) for x, p in zip(sample, ps)],
    )
    out.write_text(json.dumps(lexical, separators=(",", ":"), ensure_ascii=False) + "\n")
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB), version {lexical['version']}")


if __name__ == "__main__":
    main()
