#!/usr/bin/env bash
# Builds every fuzz target and runs each for a short, bounded time on its committed corpus.
# Fails (non-zero) on the first crash, printing the target, the reproducer path and its hex.
#
#   fuzz/ci.sh                 # FUZZ_SECONDS per target (default 30)
#   FUZZ_SECONDS=10 fuzz/ci.sh wire_parsers reassembly
#
# Needs the nightly toolchain; installs cargo-fuzz if missing (about 3 minutes, once).
set -euo pipefail
cd "$(dirname "$0")"

SECONDS_PER_TARGET="${FUZZ_SECONDS:-30}"
TARGETS=(wire_parsers reassembly replay_window client_state_machine server_state_machine server_cookie_gate sim_faults pki)
if [ "$#" -gt 0 ]; then TARGETS=("$@"); fi

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

echo "== building ${#TARGETS[@]} targets"
# `cargo fuzz build` takes one target or none (= all).
if [ "$#" -gt 0 ]; then
    for t in "${TARGETS[@]}"; do cargo +nightly fuzz build -O "$t"; done
else
    cargo +nightly fuzz build -O
fi

status=0
for t in "${TARGETS[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    # Runs on a scratch copy so CI never rewrites the committed corpus.
    scratch="$(mktemp -d)"
    cp -r "corpus/$t/." "$scratch/" 2>/dev/null || true
    log="$(mktemp)"
    echo "== $t (${SECONDS_PER_TARGET}s)"
    if cargo +nightly fuzz run -O "$t" "$scratch" -- \
        -max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
        >"$log" 2>&1; then
        grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true
    else
        status=1
        echo "!! $t crashed"
        grep -E 'panicked at|SUMMARY|ERROR: libFuzzer' "$log" | head -n 5 || true
        sed -n '/panicked at/,/note:/p' "$log" | head -n 20 || true
        for a in $(grep -oE "artifacts/$t/[a-z]+-[0-9a-f]+" "$log" | sort -u); do
            echo "reproducer: fuzz/$a"
            echo "hex: $(od -An -v -tx1 "$a" | tr -d ' \n')"
            echo "replay: cd fuzz && cargo +nightly fuzz run -O $t $a"
        done
    fi
    rm -rf "$scratch" "$log"
done
exit "$status"
