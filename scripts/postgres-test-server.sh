#!/usr/bin/env bash
# A throwaway PostgreSQL server for golive's tests, on 127.0.0.1 and a free port.
#
#   scripts/postgres-test-server.sh start URL_FILE   # start; write the SQLAlchemy URL to URL_FILE
#   scripts/postgres-test-server.sh stop URL_FILE    # stop it and delete its data
#
# `start` also prints `export GOLIVE_TEST_POSTGRES_URL=...`. The data lives in a temporary
# folder (trust authentication, fsync off: it is thrown away). PostgreSQL refuses to run as
# root, so as root the server runs as the `postgres` user (created when missing). Missing
# binaries are installed with apt-get (root only).
set -euo pipefail

usage() { echo "usage: $0 start|stop URL_FILE" >&2; exit 4; }
[[ $# -eq 2 ]] || usage
action=$1
url_file=$2
state_file="$url_file.state"
DB_NAME=golive_test
DB_USER=golive

find_bindir() {
    local dir
    if command -v pg_config >/dev/null 2>&1; then
        dir=$(pg_config --bindir 2>/dev/null || true)
        if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then echo "$dir"; return 0; fi
    fi
    # Debian keeps the server binaries out of PATH, one folder per major version: newest first.
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -V -r); do
        if [[ -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then echo "$dir"; return 0; fi
    done
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"; return 0
    fi
    return 1
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Run a command as the server's owner: ourselves, or `postgres` when we are root.
as_owner() {
    if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
    if [[ -f "$state_file" ]]; then
        echo "a test server from $state_file may still run; stopping it first" >&2
        stop
    fi
    local bindir
    if ! bindir=$(find_bindir); then
        if [[ $(id -u) -ne 0 ]]; then
            echo "PostgreSQL is not installed; install it (apt-get install postgresql) and retry" >&2
            exit 3
        fi
        echo "installing PostgreSQL with apt-get" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        # The package's own cluster is not ours: keep it from holding port 5432 for nothing.
        service postgresql stop >/dev/null 2>&1 || true
        bindir=$(find_bindir) || { echo "PostgreSQL binaries not found after install" >&2; exit 3; }
    fi
    if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    fi

    local dir
    dir=$(mktemp -d "${TMPDIR:-/tmp}/golive-pg.XXXXXX")
    chmod 755 "$dir"
    [[ $(id -u) -eq 0 ]] && chown postgres "$dir"
    as_owner "$bindir/initdb" -D "$dir/data" -U "$DB_USER" --auth=trust -E UTF8 \
        --locale=C --no-sync >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; rm -rf "$dir"; exit 3; }

    local port attempt
    for attempt in 1 2 3 4 5; do
        port=$(free_port)
        # -F: no fsync (throwaway data); -k: the socket stays in our folder, not /var/run.
        if as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
            -o "-h 127.0.0.1 -p $port -k $dir -F -c max_connections=200" start >/dev/null; then
            break
        fi
        echo "start on port $port failed (attempt $attempt)" >&2
        port=""
    done
    if [[ -z "$port" ]]; then
        cat "$dir/server.log" >&2 || true
        rm -rf "$dir"
        exit 3
    fi
    mkdir -p "$(dirname "$url_file")"
    printf 'bindir=%q\ndir=%q\n' "$bindir" "$dir" >"$state_file"
    as_owner "$bindir/createdb" -h 127.0.0.1 -p "$port" -U "$DB_USER" "$DB_NAME"
    local url="postgresql+psycopg://$DB_USER@127.0.0.1:$port/$DB_NAME"
    printf '%s\n' "$url" >"$url_file"
    echo "export GOLIVE_TEST_POSTGRES_URL=$url"
}

stop() {
    [[ -f "$state_file" ]] || { echo "no test server recorded in $state_file" >&2; rm -f "$url_file"; return 0; }
    local bindir="" dir=""
    # shellcheck disable=SC1090
    source "$state_file"
    if [[ -n "$dir" && -d "$dir/data" ]]; then
        as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    [[ -n "$dir" && "$dir" == */golive-pg.* ]] && rm -rf "$dir"
    rm -f "$state_file" "$url_file"
}

case "$action" in
    start) start ;;
    stop) stop ;;
    *) usage ;;
esac
