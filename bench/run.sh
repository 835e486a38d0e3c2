#!/usr/bin/env bash
# The HTTP load benchmark: the provider (SQLite, memory and PostgreSQL storage) against the npm
# oidc-provider peer and a bare Rocket ceiling, on loopback, in alternating rounds.
#
#   bench/run.sh                       # the full run (about 25 minutes on 2 cores, with the first build)
#   bench/run.sh --duration 5 --rounds 1 --only cc-opaque,introspection
#   bench/run.sh --help                # every option
#
# It installs what it needs: wrk, openssl, Node.js and npm from Debian's packages (as root with
# apt-get; otherwise it says what to install), a pinned Node.js fetched by npm where Debian's is
# older than 20 (ci/install.sh), and from the npm registry the peer and the Node.js LTS release it
# runs on (both pinned in bench/peer/package-lock.json; oidc-provider 9 supports Node.js 22 and
# later LTS releases). It builds the three Rust programs in release mode, then prints one
# markdown report (pass --out FILE to keep it).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=ci/install.sh
. ci/install.sh
# shellcheck source=ci/postgres.sh
. ci/postgres.sh
need cargo "install Rust with rustup: https://rustup.rs"
need wrk "the load generator (Debian: wrk)" wrk
need openssl "its speed test is RS256's reference (Debian: openssl)" openssl
if ! ensure_node; then
    echo "bench: $node_missing" >&2
    exit 2
fi

(cd bench/peer && npm ci --no-audit --no-fund --silent)
# The npm package `node` fetches the Node.js binary for this platform in its install script.
peer_node="$PWD/bench/peer/node_modules/.bin/node"
if ! "$peer_node" --version >/dev/null 2>&1; then
    echo "bench: the pinned Node.js did not install (npm refused its install script?); the peer runs on $(node --version)" >&2
    peer_node=node
fi
cargo build --release --locked -q -p provider -p bench-ceiling -p bench-driver
target="${CARGO_TARGET_DIR:-target}/release"
# The PostgreSQL column: a throwaway server (ci/postgres.sh), or the one OP_TEST_POSTGRES_URL names.
trap postgres_stop EXIT
if postgres_start; then
    export OP_BENCH_POSTGRES_URL="$OP_TEST_POSTGRES_URL"
else
    echo "bench: no PostgreSQL column: $postgres_missing" >&2
fi
"$target/bench" --target "$target" --peer-node "$peer_node" "$@"
