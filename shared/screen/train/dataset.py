"""The labelled messages of shared/screen/data/*.tsv, as both trainers read them, and the hash
that assigns each message to its split (the same FNV-1a as shared/screen/src/dataset.rs).
No PyTorch here, so the lexical model can be refitted without it."""

from pathlib import Path

LEVELS = ["none", "elevated", "crisis"]


def fnv(text: str) -> int:
    h = 0xCBF29CE484222325
    for b in text.encode("utf-8"):
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def load(data: Path):
    rows = []
    for f in sorted(data.glob("*.tsv")):
        for line in f.read_text().splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            level, lang, style, text = line.split("\t", 3)
            rows.append(dict(y=LEVELS.index(level), lang=lang, style=style, text=text, source=f.stem))
    return rows
