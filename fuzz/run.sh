#!/usr/bin/env bash
# Continuous fuzzing: every target in rotation until the time budget is spent, then corpus
# minimization (`cargo fuzz cmin`) and crash triage into artifacts/<target>/.
#
#   fuzz/run.sh 3600                 # one hour in total, SLICE seconds per turn (default 300)
#   SLICE=60 fuzz/run.sh 600 wire_parsers reassembly
#   fuzz/run.sh --minimize-only      # just minimize the corpora (after gen_corpus.sh)
#
# Crashes do not stop the rotation: each is minimized (`cargo fuzz tmin`) and listed, with
# its hex, in artifacts/TRIAGE.md; turn each into a test in dtls/tests/fuzz_regressions.rs.
set -uo pipefail
cd "$(dirname "$0")"

ALL=(wire_parsers reassembly replay_window client_state_machine server_state_machine server_cookie_gate sim_faults)
SLICE="${SLICE:-300}"

minimize() {
    for t in "$@"; do
        [ -d "corpus/$t" ] || continue
        echo "== cmin $t ($(ls "corpus/$t" | wc -l) inputs)"
        cargo +nightly fuzz cmin -O "$t" >/dev/null 2>&1 || echo "cmin $t failed"
        echo "   -> $(ls "corpus/$t" | wc -l) inputs, $(du -sh "corpus/$t" | cut -f1)"
    done
}

triage() {
    local t="$1"
    for a in artifacts/"$t"/crash-* artifacts/"$t"/oom-* artifacts/"$t"/timeout-*; do
        [ -f "$a" ] || continue
        grep -q "$(basename "$a")" artifacts/TRIAGE.md 2>/dev/null && continue
        local min="$a.min"
        cargo +nightly fuzz tmin -O "$t" "$a" -- -runs=2000 >/dev/null 2>&1 || true
        # tmin writes minimized-from-<hash>; keep the smallest reproducer next to the original.
        local m
        m="$(ls -t artifacts/"$t"/minimized-from-* 2>/dev/null | head -n 1)"
        [ -n "$m" ] && mv "$m" "$min" || cp "$a" "$min"
        local msg
        msg="$(cargo +nightly fuzz run -O "$t" "$min" 2>&1 | grep -m1 -A1 'panicked at' | tail -n 1)"
        {
            echo "## $t: $(basename "$a")"
            echo "- message: ${msg:-see the log}"
            echo "- reproducer (minimized): \`$min\`"
            echo "- hex: \`$(od -An -v -tx1 "$min" | tr -d ' \n')\`"
            echo "- replay: \`cd fuzz && cargo +nightly fuzz run -O $t $min\`"
            echo
        } >>artifacts/TRIAGE.md
        echo "!! new crash in $t: $min"
    done
}

if [ "${1:-}" = "--minimize-only" ]; then
    shift
    minimize "${@:-${ALL[@]}}"
    exit 0
fi

BUDGET="${1:-3600}"
shift || true

[ "$#" -gt 0 ] && TARGETS=("$@") || TARGETS=("${ALL[@]}")
mkdir -p artifacts
cargo +nightly fuzz build -O || exit 1

end=$(( $(date +%s) + BUDGET ))
while [ "$(date +%s)" -lt "$end" ]; do
    for t in "${TARGETS[@]}"; do
        left=$(( end - $(date +%s) ))
        [ "$left" -le 0 ] && break
        turn=$(( left < SLICE ? left : SLICE ))
        mkdir -p "corpus/$t" "artifacts/$t"
        echo "== $t for ${turn}s"
        cargo +nightly fuzz run -O "$t" -- -max_total_time="$turn" \
            -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 2>&1 \
            | grep -E '^#[0-9]+[[:space:]]+DONE|panicked at|SUMMARY' | tail -n 3
        triage "$t"
    done
done
minimize "${TARGETS[@]}"
[ -f artifacts/TRIAGE.md ] && { echo "crashes:"; cat artifacts/TRIAGE.md; exit 1; }
exit 0
