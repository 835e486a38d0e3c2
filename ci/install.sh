# Sourced by the scripts that need tools installed (ci/test.sh, ci/interop.sh, bench/run.sh), so
# that a fresh machine gets what they need rather than a skip:
#   apt_install PACKAGE...   installs Debian packages (as root with apt-get)
#   need TOOL WHY [PACKAGE]  exits with WHY unless TOOL is there or PACKAGE installs it
#   ensure_node              puts Node.js 20 or newer and npm on PATH, or sets `node_missing`
#                            to the reason and returns 1

# A fresh machine or container may have no package lists yet: one refresh, then one more try.
apt_install() {
    command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ] || return 1
    apt-get install -y -q "$@" >/dev/null 2>&1 ||
        { apt-get update -q >/dev/null && apt-get install -y -q "$@" >/dev/null; }
}

need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    [ -n "${3:-}" ] && apt_install "$3" && command -v "$1" >/dev/null 2>&1 && return 0
    echo "$0: '$1' is required ($2)" >&2
    exit 2
}

ensure_node() {
    node_missing=""
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        apt_install nodejs npm || true
    fi
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        node_missing="Node.js and npm are not installed and could not be (Debian, as root: apt-get install nodejs npm)"
        return 1
    fi
    if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
        # Debian 12's nodejs is 18. npm fetches the Node.js pinned in ci/node/package-lock.json
        # (the npm package `node` downloads the binary for this platform when installed).
        local pinned
        pinned="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/node"
        if ! (cd "$pinned" && npm ci --no-audit --no-fund --silent) ||
            ! "$pinned/node_modules/.bin/node" --version >/dev/null 2>&1; then
            node_missing="Node.js 20 or newer is needed, found $(node --version), and npm could not fetch it"
            return 1
        fi
        export PATH="$pinned/node_modules/.bin:$PATH"
    fi
}
