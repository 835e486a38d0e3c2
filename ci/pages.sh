#!/usr/bin/env bash
# The provider's pages in a real browser: headless Chromium (Debian's `chromium`) driven by
# Playwright (ci/pages/pages.mjs) clicks through login, consent (a branded client, in English and
# German), the device flow, logout, CIBA approval, an error page and a themed login, with
# JavaScript off; checks each page with axe-core (WCAG 2.2 AA) and its tab order; and saves a
# screenshot of each under target/pages (UPDATE_SCREENSHOTS=1: docs/pages, which docs/pages.md
# shows). Chromium comes from Debian's packages when run as root; where it cannot be had, this
# says it skipped, and why.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=ci/install.sh
. ci/install.sh
if ! ensure_node; then
    echo "pages: skipped: $node_missing"
    exit 0
fi
chromium=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$chromium" ]; then
    apt_install chromium fonts-dejavu-core || true
    chromium=$(command -v chromium || true)
fi
if [ -z "$chromium" ]; then
    echo "pages: skipped: Chromium is not installed and could not be (Debian, as root: apt-get install chromium)"
    exit 0
fi

(cd ci/pages && npm ci --no-audit --no-fund --silent)
cargo build --locked -q -p provider
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$PWD/$target" ;; esac
bin="$target/debug/provider"
out="$target/pages"
[ "${UPDATE_SCREENSHOTS:-}" = 1 ] && out="$PWD/docs/pages"

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# serve NAME [VAR=value...]: a provider on a free port with the fixtures, its issuer in $issuer.
serve() {
    local name=$1 port
    shift
    port=$(free_port)
    issuer="http://127.0.0.1:$port"
    env "$@" OP_REGISTRATION__ENABLED=true OP_LOGOUT__ENABLED=true OP_CIBA__ENABLED=true \
        OP_DEVICE_POLL_INTERVAL=1 "$bin" serve --port "$port" --issuer "$issuer" --storage memory: \
        --clients fixtures/clients.json --users fixtures/users.json --keys fixtures/keys/jwks.json \
        >"$work/$name.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 100); do
        node -e "fetch('$issuer/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "pages: the $name provider did not start:"; cat "$work/$name.log"; exit 1
}

serve plain
plain=$issuer
logo='data:image/svg+xml,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22 width=%22160%22 height=%2240%22%3E%3Crect width=%22160%22 height=%2240%22 rx=%228%22 fill=%22%2314213d%22/%3E%3Ctext x=%2280%22 y=%2227%22 font-size=%2218%22 text-anchor=%22middle%22 fill=%22%23fff%22 font-family=%22sans-serif%22%3EExample Corp%3C/text%3E%3C/svg%3E'
serve themed OP_PAGES__STYLESHEET="$PWD/ci/pages/theme.css" OP_PAGES__LOGO_URL="$logo" OP_PAGES__NAME="Example Corp"

ISSUER="$plain" THEMED_ISSUER="$issuer" OUT="$out" CHROMIUM="$chromium" node ci/pages/pages.mjs
echo "pages: screenshots in $out"
