#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback for the test suite.
#   scripts/pg-cluster.sh start DIR [PORT]   prints the DATABASE_URL on stdout
#   scripts/pg-cluster.sh stop DIR
# Debian's server refuses to run as root, so as root the cluster belongs to `postgres`.
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?directory}; port=${3:-55432}

bindir() {
  if command -v pg_ctl >/dev/null 2>&1; then dirname "$(command -v pg_ctl)"; return; fi
  local found; found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$found" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
  echo "$found"
}
as_owner() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

bin=$(bindir)
case "$cmd" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -A trust -U gatehouse --no-sync >/dev/null
    if ! as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null; then
      # Say why (a port taken, shared memory) before the caller's cleanup removes the log.
      echo "PostgreSQL did not start on 127.0.0.1:$port; its log:" >&2
      cat "$dir/server.log" >&2 || true
      exit 1
    fi
    echo "postgres://gatehouse@127.0.0.1:$port/postgres"
    ;;
  stop)
    [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null || true
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2 ;;
esac
