#!/usr/bin/env bash
# A throw-away PostgreSQL server for the database tests: `.ci/postgres.sh start` prints an
# SQLAlchemy URL (for WFM_TEST_POSTGRES_URL) and exits 0 once the server accepts
# connections; `.ci/postgres.sh stop` stops it and removes its files.
#
# Debian's postgresql package (installed with apt-get when missing and running as root), no
# containers. The server listens on a Unix socket only, in its own folder under /tmp, with
# trust authentication for the local user: nothing is reachable from outside the machine.
# Run as root, the server runs as the postgres user. Exits non-zero (and says why on
# stderr) when no server can start; the tests then skip.
set -euo pipefail

DIR="${WFM_PG_DIR:-/tmp/wfm-ci-postgres}"
PORT="${WFM_PG_PORT:-55432}"
DB=wfm_test

say() { echo "postgres.sh: $*" >&2; }

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

bindir() {
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

start() {
    local bin
    if ! bin=$(bindir); then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            say "installing Debian's postgresql package"
            apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2 \
                || { say "apt-get could not install postgresql"; return 1; }
            bin=$(bindir) || { say "postgresql installed but no initdb found"; return 1; }
        else
            say "no PostgreSQL server binaries and not root (cannot apt-get install postgresql)"
            return 1
        fi
    fi
    stop_quietly
    mkdir -p "$DIR"
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || { say "no postgres user"; return 1; }
        chown postgres "$DIR"
    fi
    as_owner "$bin/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C >"$DIR/initdb.log" 2>&1 \
        || { say "initdb failed: $(tail -n 3 "$DIR/initdb.log")"; return 1; }
    as_owner "$bin/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
        -o "-k $DIR -p $PORT -c listen_addresses='' -c fsync=off" start >/dev/null \
        || { say "the server did not start: $(tail -n 5 "$DIR/server.log" 2>/dev/null)"; return 1; }
    as_owner "$bin/createdb" -h "$DIR" -p "$PORT" -U postgres "$DB" \
        || { say "createdb failed"; return 1; }
    echo "postgresql+psycopg://postgres@/$DB?host=$DIR&port=$PORT"
}

stop_quietly() {
    local bin
    bin=$(bindir) || return 0
    if [ -f "$DIR/data/postmaster.pid" ]; then
        as_owner "$bin/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$DIR"
}

case "${1:-}" in
    start) start ;;
    stop) stop_quietly ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
