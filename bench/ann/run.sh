#!/usr/bin/env bash
# ANN benchmark: Iris's HNSW vs hnswlib 0.8 on the same data with the same parameters, one table of ratios.
#   bench/ann/run.sh [--quick] [--datasets glove50,random512] [--threads 1,2]
#     --quick     20,000 base vectors instead of 100,000
#     --datasets  which datasets to run (default both)
#     --threads   build thread counts to time (default 1,2; the search runs on the last build)
# Outputs go to bench/out/ann[-quick]/ (gitignored); the table is also saved there as table.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)

N=100000
SUFFIX=""
DATASETS="glove50,random512"
THREADS="1,2"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --quick) N=20000; SUFFIX="-quick" ;;
        --datasets) DATASETS="$2"; shift ;;
        --threads) THREADS="$2"; shift ;;
        *) echo "usage: bench/ann/run.sh [--quick] [--datasets glove50,random512] [--threads 1,2]" >&2; exit 2 ;;
    esac
    shift
done
OUT="$ROOT/bench/out/ann$SUFFIX"
mkdir -p "$OUT"
PYTHON=${PYTHON:-python3}

bash bench/install-deps.sh

if [[ ! -f "$OUT/random512.json" || "$(cat "$OUT/.n" 2>/dev/null)" != "$N" ]]; then
    "$PYTHON" bench/ann/prepare.py --out "$OUT" --n "$N"
    echo "$N" > "$OUT/.n"
fi

SCRATCH="$ROOT/.build-ann"
swift build -c release --product bench-ann --scratch-path "$SCRATCH" >&2
DRIVER="$SCRATCH/release/bench-ann"

for dataset in ${DATASETS//,/ }; do
    rm -f "$OUT"/result-"$dataset"-*.json
    dim=$("$PYTHON" -c "import json,sys; print(json.load(open(sys.argv[1]))['dim'])" "$OUT/$dataset.json")
    metric=$("$PYTHON" -c "import json,sys; print(json.load(open(sys.argv[1]))['metric'])" "$OUT/$dataset.json")
    # random 512-d Gaussian data has no structure (intrinsic dimension 512), so it needs far larger ef.
    # M=16 needs ef 8192 there to pass recall 0.95.
    for params in "64 128" "16 200"; do
        set -- $params
        if [[ $dataset == glove50 ]]; then EFS="10,16,24,32,48,64,96,128,192,256,384,512"; REPEATS=5
        elif [[ $1 == 64 ]]; then EFS="32,64,128,256,512,1024,2048"; REPEATS=2
        else EFS="64,256,1024,2048,4096,8192"; REPEATS=2; fi
        common=(--base "$OUT/$dataset.base.f32" --queries "$OUT/$dataset.query.f32" --truth "$OUT/$dataset.truth.i32"
                --dim "$dim" --metric "$metric" --m "$1" --efc "$2" --efs "$EFS" --threads "$THREADS" --repeats "$REPEATS")
        echo "== $dataset M=$1 efC=$2: hnswlib" >&2
        "$PYTHON" bench/ann/hnswlib_bench.py "${common[@]}" \
            | "$PYTHON" -c "import json,sys; r=json.load(sys.stdin); r['dataset']='$dataset'; print(json.dumps(r))" \
            > "$OUT/result-$dataset-$1-$2-hnswlib.json"
        echo "== $dataset M=$1 efC=$2: iris" >&2
        "$DRIVER" "${common[@]}" --snapshot "$OUT/snapshot-$dataset-$1.hnsw" \
            | "$PYTHON" -c "import json,sys; r=json.load(sys.stdin); r['dataset']='$dataset'; print(json.dumps(r))" \
            > "$OUT/result-$dataset-$1-$2-iris.json"
    done
done

echo
echo "ANN benchmark, $N base vectors, 1,000 queries, k=10 (ratios are Iris / hnswlib; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
echo "Single-thread figures use process CPU time (steady on a shared machine); wall-clock figures are shown too."
"$PYTHON" bench/ann/compare.py "$OUT"/result-*.json | tee "$OUT/table.txt"
