#!/usr/bin/env bash
# The Redis servers the @scopeguard/redis tests run against: one single node and a three-node
# Redis Cluster, on 127.0.0.1, persistence off. Installs redis-server from Debian's packages
# when it is missing (as root).
#
#   eval "$(bash scripts/redis.sh start)"  start them; prints the export lines for REDIS_URL,
#                                          REDIS_CLUSTER_NODES and SCOPEGUARD_REDIS_DIR
#   bash scripts/redis.sh stop [DIR]       stop what `start` started (DIR defaults to
#                                          $SCOPEGUARD_REDIS_DIR) and remove its files
#   bash scripts/redis.sh run CMD [ARGS]   start, run CMD with those variables, stop; exits with
#                                          CMD's status (e.g. `bash scripts/redis.sh run npm test`)
set -euo pipefail

log() { echo "redis.sh: $*" >&2; }

ensure_installed() {
  if command -v redis-server >/dev/null && command -v redis-cli >/dev/null; then return; fi
  if [ "$(id -u)" != 0 ]; then
    log "redis-server is missing; install it (Debian: apt-get install -y redis-server)"
    exit 1
  fi
  log "installing redis-server"
  apt-get update >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server >&2
}

# Prints N free loopback ports whose cluster bus port (port + 10000) is free too.
free_ports() {
  node -e '
    const net = require("node:net")
    const free = (port) => new Promise((resolve) => {
      const server = net.createServer().once("error", () => resolve(false))
      server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)))
    })
    ;(async () => {
      const found = []
      while (found.length < Number(process.argv[1])) {
        const port = 20000 + Math.floor(Math.random() * 10000)
        if (!found.includes(port) && (await free(port)) && (await free(port + 10000))) found.push(port)
      }
      console.log(found.join(" "))
    })()
  ' "$1"
}

wait_for_ping() {
  for _ in $(seq 100); do
    if [ "$(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" = PONG ]; then return; fi
    sleep 0.1
  done
  log "redis-server on port $1 did not start; its log:"
  cat "$dir/redis-$1.log" >&2 || true
  exit 1
}

start_server() { # port [extra args]
  local port=$1
  shift
  redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize yes \
    --dir "$dir" --pidfile "$dir/redis-$port.pid" --logfile "$dir/redis-$port.log" "$@"
  wait_for_ping "$port"
}

start() {
  ensure_installed
  dir=$(mktemp -d "${TMPDIR:-/tmp}/scopeguard-redis.XXXXXX")
  # A failure half-way stops whatever was already started.
  trap 'stop "$dir"' EXIT
  read -r single p1 p2 p3 <<<"$(free_ports 4)"
  start_server "$single"
  for port in "$p1" "$p2" "$p3"; do
    start_server "$port" --cluster-enabled yes --cluster-config-file "$dir/nodes-$port.conf" \
      --cluster-node-timeout 5000
  done
  redis-cli --cluster create "127.0.0.1:$p1" "127.0.0.1:$p2" "127.0.0.1:$p3" \
    --cluster-replicas 0 --cluster-yes >&2
  for port in "$p1" "$p2" "$p3"; do
    for _ in $(seq 100); do
      if redis-cli -h 127.0.0.1 -p "$port" cluster info | grep -q 'cluster_state:ok'; then break; fi
      sleep 0.1
    done
    redis-cli -h 127.0.0.1 -p "$port" cluster info | grep -q 'cluster_state:ok' ||
      { log "cluster node $port is not ok"; exit 1; }
  done
  trap - EXIT
  log "single node on $single, cluster on $p1 $p2 $p3 ($(redis-server --version | cut -d' ' -f3))"
  echo "export SCOPEGUARD_REDIS_DIR=$dir"
  echo "export REDIS_URL=redis://127.0.0.1:$single"
  echo "export REDIS_CLUSTER_NODES=127.0.0.1:$p1,127.0.0.1:$p2,127.0.0.1:$p3"
}

stop() {
  local dir=${1:-${SCOPEGUARD_REDIS_DIR:-}}
  if [ -z "$dir" ] || [ ! -d "$dir" ]; then return 0; fi
  local pidfile pid pids=()
  for pidfile in "$dir"/redis-*.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null && pids+=("$pid")
  done
  # Redis removes its pid file on shutdown, so wait on the ids read before.
  for pid in "${pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  run)
    shift
    [ $# -gt 0 ] || { log "usage: redis.sh run CMD [ARGS]"; exit 2; }
    redis_env=$(start)
    eval "$redis_env"
    trap 'stop "$SCOPEGUARD_REDIS_DIR"' EXIT
    status=0
    "$@" || status=$?
    exit "$status"
    ;;
  *)
    echo "usage: bash scripts/redis.sh start|stop [DIR]|run CMD [ARGS]" >&2
    exit 2
    ;;
esac
