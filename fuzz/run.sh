#!/usr/bin/env bash
# Builds the libFuzzer harnesses with AddressSanitizer and runs each for a bounded time over a copy of its
# seed corpus. Fails (exit 1) if any harness finds a crash, and prints the reproducer's path.
#
#   fuzz/run.sh [seconds-per-harness]        default 60; HARNESSES="json image" picks some (default all)
#
# Environment: SCRATCH (default .build-fuzz), OUT (default fuzz/out, git-ignored), IRIS_FIXTURES
# (default ../shared/fixtures: the tokenizer harnesses load real vocabularies from it), FUZZ_FLAGS (extra
# libFuzzer flags, e.g. "-max_len=4096"). One harness runs at a time, in one process (no -jobs/-workers):
# the machine is shared. Replay one input: IRIS_FUZZ_HARNESS=<name> <bin>/iris-fuzz <file>.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER=${1:-60}
SCRATCH=${SCRATCH:-.build-fuzz}
OUT=${OUT:-fuzz/out}
ALL="image json graphql-vector graphql unpickle checkpoint safetensors clip-bpe wordpiece tokenizer-file"
HARNESSES=${HARNESSES:-$ALL}
export IRIS_FIXTURES=${IRIS_FIXTURES:-$PWD/../shared/fixtures}

# IRIS_FUZZ=1 makes Package.swift declare the iris-fuzz target. Swift code gets coverage + ASan from
# -sanitize; C targets (CImageCodecs) from -fsanitize=fuzzer-no-link. -enable-testing lets the
# harnesses reach internal parsers (@testable import) in an optimised build. lld: gold crashes
# (internal error in format_file_lineno) linking the sanitized binary.
BUILD=(swift build -c release --scratch-path "$SCRATCH" --product iris-fuzz
       -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing -Xswiftc -use-ld=lld
       -Xcc -fsanitize=fuzzer-no-link,address)
echo "==> building iris-fuzz in $SCRATCH"
start=$(date +%s)
IRIS_FUZZ=1 "${BUILD[@]}" 2>&1 | grep -E "error|warning: unre|Compiling|Build" | tail -5
BIN="$(IRIS_FUZZ=1 "${BUILD[@]}" --show-bin-path)/iris-fuzz"
echo "    built in $(( $(date +%s) - start )) s: $BIN"

failed=0
mkdir -p "$OUT"
summary="$OUT/summary.txt"
printf '%-16s %10s %8s %8s %8s  %s\n' harness execs exec/s cov ft result > "$summary"
for h in $HARNESSES; do
    dir="$OUT/$h"
    rm -rf "$dir"; mkdir -p "$dir/corpus" "$dir/artifacts"
    cp fuzz/corpus/"$h"/* "$dir/corpus/"
    echo "==> $h for ${SECONDS_PER}s"
    set +e
    # -rss_limit_mb: a decoder asked to allocate more is a finding (oom-*), not a hang of the machine.
    IRIS_FUZZ_HARNESS=$h "$BIN" "$dir/corpus" -max_total_time="$SECONDS_PER" -timeout=20 -rss_limit_mb=2048 \
        -artifact_prefix="$dir/artifacts/" -print_final_stats=1 ${FUZZ_FLAGS:-} > "$dir/log.txt" 2>&1
    rc=$?
    set -e
    execs=$(awk '/^stat::number_of_executed_units:/ {v=$2} END {print v}' "$dir/log.txt")
    speed=$(awk '/^stat::average_exec_per_sec:/ {v=$2} END {print v}' "$dir/log.txt")
    cov=$(grep -oE 'cov: [0-9]+' "$dir/log.txt" | tail -1 | awk '{print $2}')
    ft=$(grep -oE 'ft: [0-9]+' "$dir/log.txt" | tail -1 | awk '{print $2}')
    artifacts=$(find "$dir/artifacts" -type f | sort)
    if [[ $rc -ne 0 || -n "$artifacts" ]]; then
        failed=1
        result="FAILED (exit $rc)"
        echo "    $h: FAILED (exit $rc); log: $dir/log.txt"
        grep -m3 -E 'ERROR: (AddressSanitizer|libFuzzer)|Fatal error|SUMMARY' "$dir/log.txt" | sed 's/^/    /' || true
        for a in $artifacts; do echo "    reproducer: $a   (IRIS_FUZZ_HARNESS=$h $BIN $a)"; done
    else
        result=ok
    fi
    printf '%-16s %10s %8s %8s %8s  %s\n' "$h" "${execs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}" "$result" >> "$summary"
done
echo "==> summary ($summary)"
cat "$summary"
exit $failed
