#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build script (base-builder-rust image): builds every cargo-fuzz
# target with the sanitizer the infrastructure selects and ships each with its seed corpus.
# In ClusterFuzzLite, copy this to .clusterfuzzlite/build.sh next to a project.yaml with
# `language: rust` and a Dockerfile `FROM gcr.io/oss-fuzz-base/base-builder-rust` that copies
# the repository to $SRC/dtls.
cd "$SRC/dtls/fuzz"
# The image's cargo wrapper adds the sanitizer flags; `--cfg fuzzing` comes from cargo-fuzz.
cargo fuzz build -O --debug-assertions
OUT_DIR=target/x86_64-unknown-linux-gnu/release
for f in fuzz_targets/*.rs; do
    name="$(basename "${f%.*}")"
    cp "$OUT_DIR/$name" "$OUT/"
    if [ -d "corpus/$name" ] && [ -n "$(ls -A "corpus/$name")" ]; then
        zip -jqr "$OUT/${name}_seed_corpus.zip" "corpus/$name"
    fi
done
