#!/usr/bin/env bash
# Makes bench/ann/prepare.py's 100,000 x 512-d random set in DIR unless it is there already.
#   bash bench/common/random512.sh DIR      (from the repository root; PYTHON overrides python3)
set -euo pipefail
DATA="$1"
PYTHON=${PYTHON:-python3}
if [[ ! -f "$DATA/random512.json" || "$(cat "$DATA/.n" 2>/dev/null)" != "100000" ]]; then
    mkdir -p "$DATA"
    "$PYTHON" bench/ann/prepare.py --out "$DATA" --n 100000
    echo 100000 > "$DATA/.n"
fi
