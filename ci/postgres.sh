# Sourced by ci/test.sh, from the repository's root: a throwaway PostgreSQL server for the tests.
#   postgres_start   installs PostgreSQL from Debian's packages where it is missing, makes a
#                    cluster in a temporary directory, owned by a non-root user, starts it on a
#                    free loopback port, and exports OP_TEST_POSTGRES_URL; where it can be
#                    neither found nor installed but a Docker engine answers, runs the official
#                    image on loopback instead; or sets `postgres_missing` to the reason and
#                    returns 1
#   postgres_stop    stops it and removes the directory (ci/test.sh traps it on exit)
# An existing server is used instead when OP_TEST_POSTGRES_URL is already set. The server must
# outlive each test binary (cargo test runs many), so it is started here rather than by
# testcontainers inside a test process.

postgres_bin() {
    local dir
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(readlink -f "$(command -v initdb)")"
        return
    fi
    # Debian keeps the server binaries off PATH, one folder per major version.
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

# Runs a command as the server's user (pg_user), who is not root.
as_pg() { if [ "$(id -un)" = "$pg_user" ]; then "$@"; else runuser -u "$pg_user" -- "$@"; fi; }

postgres_start() {
    postgres_missing=""
    pg_owned=""
    if [ -n "${OP_TEST_POSTGRES_URL:-}" ]; then
        echo "PostgreSQL: using OP_TEST_POSTGRES_URL as given"
        return 0
    fi
    local bin port
    bin=$(postgres_bin) || true
    if [ -z "$bin" ]; then
        apt_install postgresql || true
        bin=$(postgres_bin) || true
    fi
    if [ -z "$bin" ]; then
        postgres_in_docker && return 0
        postgres_missing="PostgreSQL is not installed and could not be (Debian, as root: apt-get install postgresql), and no Docker engine answers"
        return 1
    fi
    pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/op-postgres.XXXXXX")
    # The server refuses to run as root: as root, run it as the package's user (or nobody).
    pg_user=$(id -un)
    if [ "$(id -u)" = 0 ]; then
        pg_user=postgres
        id postgres >/dev/null 2>&1 || pg_user=nobody
        chown "$pg_user" "$pg_dir"
    fi
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
        shuf -i 20000-60000 -n 1)
    # TLS with the fixture certificate (127.0.0.1 and localhost, issued by fixtures/tls/ca.pem),
    # for the tests of verified TLS to the database; the key must be the server user's alone.
    cp fixtures/tls/server.pem fixtures/tls/server.key "$pg_dir/"
    chmod 600 "$pg_dir/server.key"
    [ "$(id -u)" = 0 ] && chown "$pg_user" "$pg_dir/server.pem" "$pg_dir/server.key"
    # Trust on loopback only: the server listens nowhere else, and lives as long as the tests.
    as_pg "$bin/initdb" -D "$pg_dir/data" -U op -A trust -E UTF8 --no-instructions >"$pg_dir/initdb.log" 2>&1 ||
        { postgres_missing="initdb failed: $(tail -n 3 "$pg_dir/initdb.log")"; return 1; }
    as_pg "$bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$pg_dir -c max_connections=200 \
            -c ssl=on -c ssl_cert_file=$pg_dir/server.pem -c ssl_key_file=$pg_dir/server.key" \
        start >/dev/null ||
        { postgres_missing="the server did not start: $(tail -n 3 "$pg_dir/server.log")"; return 1; }
    pg_owned="$bin"
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U op op
    export OP_TEST_POSTGRES_URL="postgres://op@127.0.0.1:$port/op"
    echo "PostgreSQL: a throwaway server on 127.0.0.1:$port ($("$bin/postgres" --version))"
}

# The official image, on a free loopback port, trusting connections (it listens on loopback only
# and lives as long as the tests). Returns 1 where no Docker engine answers.
postgres_in_docker() {
    command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1 || return 1
    pg_container=$(docker run -d --rm -p 127.0.0.1::5432 -e POSTGRES_USER=op -e POSTGRES_DB=op \
        -e POSTGRES_HOST_AUTH_METHOD=trust postgres:15) || return 1
    local port i
    port=$(docker port "$pg_container" 5432/tcp | head -n 1 | sed 's/.*://')
    for i in $(seq 1 60); do
        docker exec "$pg_container" pg_isready -U op -h 127.0.0.1 >/dev/null 2>&1 && break
        sleep 1
    done
    export OP_TEST_POSTGRES_URL="postgres://op@127.0.0.1:$port/op"
    echo "PostgreSQL: the postgres:15 image in Docker on 127.0.0.1:$port (no TLS: the TLS test skips)"
}

postgres_stop() {
    if [ -n "${pg_container:-}" ]; then
        docker stop "$pg_container" >/dev/null 2>&1 || true
        pg_container=""
    fi
    [ -n "${pg_owned:-}" ] || return 0
    as_pg "$pg_owned/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
    pg_owned=""
}
