#!/usr/bin/env bash
# Runs every check and test that needs no Docker engine: formatting, lints, the library's
# documentation, and the whole test suite (unit, in-process endpoint, client harness over real
# HTTP). This is the README's test command and what .ci/run calls. Needs a Rust toolchain; it
# installs a C toolchain and perl from Debian's packages where they are missing (as root):
# OpenSSL is built from source by josekit's `vendored` feature, and SQLite is bundled. The
# PostgreSQL backend's tests run against a throwaway server it starts (ci/postgres.sh), from
# Debian's packages where PostgreSQL is missing. The pages' browser tests (ci/pages.sh) install
# Chromium from Debian's packages where it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=ci/install.sh
. ci/install.sh
# shellcheck source=ci/postgres.sh
. ci/postgres.sh
need cargo "install Rust with rustup: https://rustup.rs"
need cc "install a C toolchain, e.g. Debian's build-essential" build-essential
need perl "OpenSSL's build needs perl (Debian: perl)" perl
need make "OpenSSL's build needs make (Debian: build-essential)" make

# Components the default rustup profile has; a minimal profile may lack them.
for component in rustfmt clippy; do
    if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
        rustup component add "$component"
    fi
done

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== the library's documentation builds without warnings (broken or private links)"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --locked -q -p provider

echo "== architecture: Rocket only in endpoints/, protocol at the bottom, no import cycle between modules"
cargo test -q --locked -p provider --test architecture

echo "== each profile builds from its own cargo feature"
for profile in basic implicit hybrid config dynamic formpost 3rdparty-init rp-logout backchannel-logout frontchannel-logout fapi1-advanced fapi2-security-profile fapi2-message-signing ciba fapi-ciba; do
    # Lints and warnings too: code gated by a feature is only seen when that feature is off.
    cargo clippy -q --locked -p provider --no-default-features --features "$profile" -- -D warnings
done
# A single-profile build embeds only that profile and makes it the default.
only=$(cargo run -q --locked -p provider --no-default-features --features implicit -- profiles)
[ "$only" = "implicit" ] || { echo "an implicit-only build lists profiles: $only" >&2; exit 1; }
echo "profiles: ok"

echo "== a throwaway PostgreSQL for the PostgreSQL backend's tests"
trap postgres_stop EXIT
postgres_start || { echo "$0: $postgres_missing" >&2; exit 2; }

echo "== cargo test"
# The harness's process tests (client-harness/tests/instances.rs) start the provider binary.
cargo build -q --locked -p provider --bin provider
# Tests that need a Docker engine are #[ignore = "needs a Docker engine"]; ci/ runs them where one exists.
cargo test --workspace --locked

echo "== fuzzing: each target a few seconds from its seed corpus (longer runs by hand)"
ci/fuzz.sh

echo "== benchmarks compile (they are run by hand: cargo bench -p provider)"
cargo bench --locked -p provider --no-run

echo "== interop: a certified RP library from another ecosystem"
ci/interop.sh

echo "== the pages in headless Chromium: every flow clicked through, WCAG 2.2 AA, screenshots"
ci/pages.sh
