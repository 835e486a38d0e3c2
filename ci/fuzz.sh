#!/usr/bin/env bash
# Fuzz smoke run: each cargo-fuzz target in provider/fuzz for a few seconds (FUZZ_SECONDS, 5 by
# default), starting from its committed seed corpus in provider/fuzz/corpus/<target>. A crash
# fails the run; libFuzzer leaves the input in provider/fuzz/artifacts/<target>/, to become a
# regression test. Longer runs by hand: `cd provider && cargo +nightly fuzz run TARGET`.
#
# cargo fuzz instruments with -Z flags, so it needs the nightly toolchain. Toolchains come from
# rustup's servers, which this project's machines do not reach: where no nightly is installed,
# this says so and skips. cargo-fuzz itself comes from crates.io when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-5}
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    echo "fuzz: skipped: no nightly Rust toolchain installed (cargo fuzz needs one)"
    exit 0
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked --version 0.13.2
fi

cd provider
for target in $(cargo +nightly fuzz list); do
    # New inputs libFuzzer finds go to a scratch copy, not into the repository.
    corpus=$(mktemp -d)
    cp -r "fuzz/corpus/$target/." "$corpus/"
    echo "fuzz: $target for ${seconds}s"
    set +e
    cargo +nightly fuzz run "$target" "$corpus" -- -max_total_time="$seconds" -rss_limit_mb=4096 2>&1 \
        | grep -E '^(#[0-9]+ +DONE|Done|==|SUMMARY|thread|panicked)'
    status=${PIPESTATUS[0]}
    set -e
    rm -rf "$corpus"
    if [ "$status" -ne 0 ]; then
        echo "fuzz: $target found a crash (input in provider/fuzz/artifacts/$target/)" >&2
        exit 1
    fi
done
echo "fuzz: every target ran without a crash"
