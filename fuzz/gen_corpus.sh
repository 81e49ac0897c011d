#!/usr/bin/env bash
# Regenerates the seed corpora from real handshakes on the fuzzing provider (see
# examples/gen_corpus.rs). Seeds are added next to whatever the corpus directories hold;
# run `./run.sh --minimize-only` afterwards to keep them small.
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target-fuzz}"
RUSTFLAGS="--cfg fuzzing ${RUSTFLAGS:-}" cargo run --release --example gen_corpus
