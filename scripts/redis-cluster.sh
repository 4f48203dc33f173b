#!/usr/bin/env bash
# A throw-away Redis Cluster of three masters (no replicas) on loopback, for the tests:
#   scripts/redis-cluster.sh start          start it (or reuse a running one); prints its REDIS_URL
#   scripts/redis-cluster.sh stop           stop it and delete its files
#   scripts/redis-cluster.sh url            print its REDIS_URL
#   scripts/redis-cluster.sh run -- CMD...  start, run CMD with REDIS_URL set, then stop what it
#                                           started (even on failure)
# Ports: REDIS_CLUSTER_PORT (default 7101) and the next two. Files under /tmp only; nothing
# is persisted (--save "" --appendonly no), so stop leaves nothing behind.
set -euo pipefail

BASE_PORT="${REDIS_CLUSTER_PORT:-7101}"
PORTS=("$BASE_PORT" "$((BASE_PORT + 1))" "$((BASE_PORT + 2))")
DIR="/tmp/falco-triage-redis-cluster-$BASE_PORT"

url() {
  local IFS=,
  local nodes=()
  for p in "${PORTS[@]}"; do nodes+=("127.0.0.1:$p"); done
  printf 'redis+cluster://%s\n' "${nodes[*]}"
}

ping() { redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null | grep -q PONG; }

cluster_ok() {
  redis-cli -h 127.0.0.1 -p "${PORTS[0]}" cluster info 2>/dev/null | grep -q 'cluster_state:ok'
}

start() {
  if cluster_ok; then
    url
    return 0
  fi
  mkdir -p "$DIR"
  for p in "${PORTS[@]}"; do
    mkdir -p "$DIR/$p"
    if ! ping "$p"; then
      # A stale nodes file from a killed run would make the node refuse a new cluster.
      rm -f "$DIR/$p/nodes.conf"
      redis-server --port "$p" --bind 127.0.0.1 --daemonize yes \
        --cluster-enabled yes --cluster-config-file "$DIR/$p/nodes.conf" \
        --cluster-node-timeout 5000 --save "" --appendonly no \
        --dir "$DIR/$p" --pidfile "$DIR/$p/redis.pid" --logfile "$DIR/$p/redis.log"
    fi
  done
  for p in "${PORTS[@]}"; do
    for _ in $(seq 1 50); do ping "$p" && break; sleep 0.1; done
    ping "$p" || { echo "redis-server on port $p did not start; see $DIR/$p/redis.log" >&2; exit 1; }
  done
  local addrs=()
  for p in "${PORTS[@]}"; do addrs+=("127.0.0.1:$p"); done
  redis-cli --cluster create "${addrs[@]}" --cluster-replicas 0 --cluster-yes >"$DIR/create.log" 2>&1 ||
    { cat "$DIR/create.log" >&2; exit 1; }
  # The slots are assigned at once, but every node must agree before clients connect.
  for _ in $(seq 1 100); do
    local agreed=0
    for p in "${PORTS[@]}"; do
      redis-cli -h 127.0.0.1 -p "$p" cluster info 2>/dev/null | grep -q 'cluster_state:ok' && agreed=$((agreed + 1))
    done
    [ "$agreed" = "${#PORTS[@]}" ] && break
    sleep 0.1
  done
  cluster_ok || { echo "the cluster did not reach cluster_state:ok; see $DIR" >&2; exit 1; }
  url
}

stop() {
  for p in "${PORTS[@]}"; do
    if ping "$p"; then redis-cli -h 127.0.0.1 -p "$p" shutdown nosave >/dev/null 2>&1 || true; fi
  done
  rm -rf "$DIR"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) url ;;
  run)
    shift
    [ "${1:-}" = "--" ] && shift
    # A cluster already running (another run's, or one started by hand) is shared (every
    # test has its own key prefix) and left running; one started here is stopped here.
    if cluster_ok; then started=0; else started=1; fi
    REDIS_URL="$(start)"
    export REDIS_URL
    [ "$started" = 1 ] && trap stop EXIT
    "$@"
    ;;
  *)
    echo "usage: $0 start|stop|url|run -- command..." >&2
    exit 2
    ;;
esac
