#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for SECONDS each, one fuzzer
# process at a time unless FUZZ_JOBS says more.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     default: 60 seconds, all targets
#
# Installs cargo-fuzz when missing. Works on a stable toolchain:
# RUSTC_BOOTSTRAP=1 lets cargo-fuzz use the nightly flags it needs for the
# AddressSanitizer build; if that build fails, it falls back to
# `--sanitizer none`. Targets are built with debug assertions and overflow
# checks (cargo-fuzz's default). cargo-fuzz passes `--cfg fuzzing` to
# rustc, which the library's insecure `fuzzing` feature requires (it
# refuses to compile without it). The committed seeds (fuzz/seeds/<target>)
# are copied into the working corpus (fuzz/corpus/<target>, git-ignored)
# first. Crashes land in fuzz/artifacts/<target>/; logs in fuzz/logs/.
set -euo pipefail

secs=${1:-60}
shift || true
cd "$(dirname "$0")/../fuzz"

if ! command -v cargo-fuzz >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

export RUSTC_BOOTSTRAP=1
sanitizer=()
if ! cargo fuzz build; then
    echo "fuzz.sh: sanitizer build failed; retrying with --sanitizer none" >&2
    sanitizer=(--sanitizer none)
    cargo fuzz build "${sanitizer[@]}"
fi

if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi

mkdir -p logs

# One target: its summary lines (and FAILED) printed in one piece when it
# ends, so that parallel runs do not interleave; its status returned.
run_one() {
    local t=$1 rc report
    mkdir -p "corpus/$t"
    if [ -d "seeds/$t" ]; then
        cp -n "seeds/$t"/* "corpus/$t"/ 2>/dev/null || true
    fi
    set +e
    cargo fuzz run "${sanitizer[@]}" "$t" "corpus/$t" -- \
        -max_total_time="$secs" -print_final_stats=1 >"logs/$t.log" 2>&1
    rc=$?
    set -e
    report="== $t: ${secs}s"$'\n'
    report+="$(grep -E '^(#[0-9]+[[:space:]]+DONE|==[0-9]+==|SUMMARY|stat::number_of_executed_units)' "logs/$t.log" || true)"$'\n'
    if [ "$rc" -ne 0 ]; then
        report+="== $t: FAILED (see fuzz/logs/$t.log and fuzz/artifacts/$t/)"$'\n'
    fi
    printf '%s' "$report"
    return "$rc"
}

# FUZZ_JOBS targets at a time (default 1: the machine may be shared; CI,
# which has it to itself, runs one per core). Each target gets its full
# time whatever the parallelism.
jobs=${FUZZ_JOBS:-1}
status=0
running=0
for t in "${targets[@]}"; do
    if [ "$running" -ge "$jobs" ]; then
        wait -n || status=1
        running=$((running - 1))
    fi
    run_one "$t" &
    running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
    wait -n || status=1
    running=$((running - 1))
done
exit $status
