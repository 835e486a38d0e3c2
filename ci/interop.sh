#!/usr/bin/env bash
# Cross-ecosystem check: the certified Node.js relying party library `openid-client` drives the
# provider as a new user would, with its own clients and users files given on the command line:
# discovery, code flow with PKCE, ID token validation, userinfo, refresh and its rotation, code
# reuse, a wrong verifier, a wrong secret, a public client without PKCE, an unregistered
# redirect_uri, prompt=none, form_post, and refresh after a restart on the same SQLite file; then,
# on the config profile, implicit and hybrid flows, the claims parameter, id_token_hint, prompt=login,
# max_age, pairwise subjects, a signed request object, an encrypted ID token and signed+encrypted userinfo;
# then client credentials (basic, post, private_key_jwt), resource indicators with JWT access tokens,
# introspection (JSON and JWT), revocation and the device flow; then, through oauth4webapi (the
# library under openid-client), PAR, JARM, DPoP with server nonces, and mTLS with certificate-bound
# tokens and endpoint aliases; last, each FAPI profile with its fixture clients (a happy path and
# its main rejections).
# Needs Node.js >= 20 and npm, which ci/install.sh installs where it can; where it cannot, this says
# it skipped, and why.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=ci/install.sh
. ci/install.sh
if ! ensure_node; then
    echo "interop: skipped: $node_missing"
    exit 0
fi

dir=client-harness/interop/openid-client
(cd "$dir" && npm ci --no-audit --no-fund --silent)
cargo build --locked -q -p provider
root="$PWD"
target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
bin="$target/debug/provider"

work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# A users file of its own, with a hash made by the provider's own command.
hash=$(printf '%s' 'pw-of-carol' | "$bin" hash-password)
cat > "$work/users.json" <<JSON
[{"sub": "carol-1", "username": "carol", "password_hash": "$hash", "email": "carol@example.org", "email_verified": true, "name": "Carol"}]
JSON
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
issuer="http://127.0.0.1:$port"

# start [serve options...]: the provider with the interop users, on $port.
start() {
    (cd "$work" && exec "$bin" serve --port "$port" --issuer "$issuer" --users "$work/users.json" "$@" \
        >>"$work/provider.log" 2>&1) &
    pid=$!
    for _ in $(seq 1 100); do
        curl -sf --cacert "$root/fixtures/tls/ca.pem" "$issuer/.well-known/openid-configuration" >/dev/null 2>&1 && return 0
        node -e "fetch('$issuer/jwks').then(()=>process.exit(0),()=>process.exit(1))" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "interop: the provider did not start:"; cat "$work/provider.log"; exit 1
}
stop() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }

start --clients "$root/$dir/clients.json"
(cd "$dir" && ISSUER="$issuer" STATE_FILE="$work/refresh-token.txt" node rp.mjs)
stop
start --clients "$root/$dir/clients.json"
(cd "$dir" && ISSUER="$issuer" STATE_FILE="$work/refresh-token.txt" node rp.mjs --after-restart)
stop

# OpenID Connect Core: every response type, request objects, pairwise, encryption (profile config).
mkdir -p "$work/core"
(cd "$dir" && node core.mjs --setup "$work/core")
start --profile config --clients "$work/core/clients.json" --storage memory:
(cd "$dir" && ISSUER="$issuer" node core.mjs --run "$work/core")
stop

# OAuth 2.0 extensions: client credentials, resource indicators and JWT access tokens,
# introspection (JSON and JWT), revocation, the device flow.
mkdir -p "$work/oauth"
(cd "$dir" && node oauth.mjs --setup "$work/oauth")
start --config "$work/oauth/provider.toml" --clients "$work/oauth/clients.json" --storage memory:
(cd "$dir" && ISSUER="$issuer" node oauth.mjs --run "$work/oauth")
stop

# The FAPI building blocks through oauth4webapi: PAR, JARM and DPoP with required nonces over
# HTTP; then mTLS client authentication, certificate-bound tokens and mtls_endpoint_aliases over
# the provider's own TLS, with the fixture CA's client certificate.
mkdir -p "$work/fapi"
(cd "$dir" && PORT="$port" ROOT="$root" node fapi.mjs --setup "$work/fapi")
start --config "$work/fapi/dpop.toml" --clients "$work/fapi/clients.json" --storage memory:
(cd "$dir" && ISSUER="$issuer" node fapi.mjs --dpop "$work/fapi")
stop
issuer="https://127.0.0.1:$port"
start --config "$work/fapi/mtls.toml" --clients "$work/fapi/clients.json" --storage memory:
(cd "$dir" && ISSUER="$issuer" NODE_EXTRA_CA_CERTS="$root/fixtures/tls/ca.pem" node fapi.mjs --mtls "$work/fapi")
stop

# CIBA: poll mode approved on the provider's page, ping mode to a notification endpoint of the
# script's own, a denial.
issuer="http://127.0.0.1:$port"
mkdir -p "$work/ciba"
ping_port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
(cd "$dir" && node ciba.mjs --setup "$work/ciba" "$ping_port")
start --profile ciba --config "$work/ciba/provider.toml" --clients "$work/ciba/clients.json" --storage memory:
(cd "$dir" && ISSUER="$issuer" node ciba.mjs --run "$work/ciba" "$ping_port")
stop

# The FAPI profiles with their fixture clients: FAPI 2.0 Security Profile and Message Signing over
# HTTP (DPoP-bound tokens), FAPI 1.0 Advanced over the provider's own TLS with the fixture CA's
# client certificate.
issuer="http://127.0.0.1:$port"
for profile in fapi2-security-profile fapi2-message-signing; do
    start --profile "$profile" --clients "$root/fixtures/fapi2-clients.json" --storage memory:
    (cd "$dir" && ISSUER="$issuer" node fapi-profiles.mjs "--$profile")
    stop
done
issuer="https://127.0.0.1:$port"
OP_TLS__CERT="$root/fixtures/tls/server.pem" OP_TLS__KEY="$root/fixtures/tls/server.key" OP_TLS__CLIENT_CA="$root/fixtures/tls/ca.pem" \
    start --profile fapi1-advanced --clients "$root/fixtures/fapi1-clients.json" --storage memory:
(cd "$dir" && ISSUER="$issuer" NODE_EXTRA_CA_CERTS="$root/fixtures/tls/ca.pem" node fapi-profiles.mjs --fapi1-advanced)
stop
