#!/usr/bin/env bash
# Builds the Cortex-M4 firmware, runs it under QEMU (mps2-an386, -icount shift=5) and writes
# benches/cortex-m/RESULTS.md. See benches/cortex-m/README.md.
#
#   run.sh                       measure, write RESULTS.md
#   run.sh --check               also fail if a figure grew by more than 2% over baseline.csv
#   run.sh --update-baseline     measure and rewrite baseline.csv (commit it with the change)
#   run.sh --record-history L    measure and append a row labelled L to history.csv
#   run.sh --example             only the example: the PSK client in QEMU, over UART/SLIP and
#                                a host UDP bridge, against our server (dtls server --echo)
#
# Needs: Debian's rustc-web, cargo-web, rust-web-src (build-std for thumbv7em), qemu-system-arm,
# binutils-arm-none-eabi, gcc-arm-none-eabi, libnewlib-arm-none-eabi; and the rustup toolchain
# for the host-side report, bridge and server.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
fw="$here/fw"
target="${CORTEX_M_TARGET_DIR:-$root/target/cortex-m}"
host_target="${CARGO_TARGET_DIR:-$root/target}"

mode=results
check=
label=
while [ $# -gt 0 ]; do
  case "$1" in
    --check) check=1 ;;
    --update-baseline) mode=baseline ;;
    --record-history) label="$2"; shift ;;
    --example) mode=example ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

for tool in qemu-system-arm arm-none-eabi-ld arm-none-eabi-gcc arm-none-eabi-size /usr/bin/cargo /usr/bin/rustc; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing (see benches/cortex-m/README.md)" >&2; exit 1; }
done

# Debian's toolchain builds core and alloc for the target (build-std needs RUSTC_BOOTSTRAP).
fw_cargo() {
  (cd "$fw" && PATH=/usr/bin:$PATH RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 \
    CARGO_TARGET_DIR="$target" nice -n 10 /usr/bin/cargo "$@")
}

QEMU=(qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -nographic -monitor none
      -semihosting-config enable=on,target=native)

# The client image is built for size: opt-level "z", only the `rustcrypto` + `ccm` features,
# and SHA-256's compact software backend (`sha2_backend_soft="compact"`, about 6.7 KB less
# flash than the unrolled one). CORTEX_M_CLIENT_RUSTFLAGS replaces that extra flag.
client_flags="${CORTEX_M_CLIENT_RUSTFLAGS-\"--cfg\", \"sha2_backend_soft=\\\"compact\\\"\"}"
build_client() {
  local extra=()
  [ -n "$client_flags" ] && extra=(--config "target.thumbv7em-none-eabihf.rustflags=[${client_flags}]")
  fw_cargo build --locked --profile size --bin psk_client --no-default-features --features psk-client "${extra[@]}"
}

if [ "$mode" = example ]; then
  build_client
  (cd "$root" && cargo build --release -q -p dtls-cli -p dtls-benches --bin dtls --bin slip_bridge)
  exec "$host_target/release/slip_bridge" \
    --server "$host_target/release/dtls" \
    --firmware "$target/thumbv7em-none-eabihf/size/psk_client"
fi

# CORTEX_M_BENCH_RUSTFLAGS='"-C", "llvm-args=-inline-threshold=1000"' adds flags to the
# measuring image only (cargo appends --config arrays to the ones in fw/.cargo/config.toml);
# used for the history row that shows what a more aggressive inliner buys.
extra=()
if [ -n "${CORTEX_M_BENCH_RUSTFLAGS:-}" ]; then
  extra=(--config "target.thumbv7em-none-eabihf.rustflags=[${CORTEX_M_BENCH_RUSTFLAGS}]")
fi
fw_cargo build --locked --release --bin bench --features c-peers "${extra[@]}"
build_client

elf="$target/thumbv7em-none-eabihf/release/bench"
client="$target/thumbv7em-none-eabihf/size/psk_client"
out="$target/measurements.txt"
start=$(date +%s)
"${QEMU[@]}" -serial none -icount shift=5,align=off,sleep=off -kernel "$elf" > "$out"
grep -q '^done$' "$out" || { echo "run.sh: the firmware did not finish:" >&2; tail -20 "$out" >&2; exit 1; }
echo "firmware ran in $(( $(date +%s) - start )) s; $(grep -c '^M,' "$out") figures"

report=(cargo run --release -q -p dtls-benches --bin cortex_m_report -- --measurements "$out" --elf "$client"
        --history "$here/history.csv" --out "$here/RESULTS.md" --baseline "$here/baseline.csv")
[ -n "$label" ] && report+=(--record-history "$label")
[ "$mode" = baseline ] && report+=(--write-baseline)
[ -n "$check" ] && report+=(--check)
(cd "$root" && "${report[@]}")
echo "wrote $here/RESULTS.md"
