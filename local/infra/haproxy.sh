#!/usr/bin/env bash
# HAProxy, the data plane of the AWS emulator's ELBv2: writes a config with a pool of frontends (one
# per possible listener port, released until a listener claims it) and a pool of backends (target
# groups), starts HAProxy with an admin stats socket and leaves everything else to the runtime API
# (dynamic servers, drain/ready/maint, maps for the listeners' weighted forward). Never reloaded.
# Writes $STATE/haproxy.json, which the emulator reads to find the socket and the pools.
#
# Usage: bash local/infra/haproxy.sh up|down|status
#   HAPROXY_STATE_DIR       state folder (default: <repo>/.local/haproxy)
#   HAPROXY_LISTENER_PORTS  LOW-HIGH, the ports listeners may use (default 18000-18063)
#   HAPROXY_BACKENDS        how many target groups at once (default 64)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="${HAPROXY_STATE_DIR:-${INFRA_STATE_DIR:-$ROOT/.local}/haproxy}"
PORTS="${HAPROXY_LISTENER_PORTS:-18000-18063}"
BACKENDS="${HAPROXY_BACKENDS:-64}"
SOCK="$STATE/admin.sock"
PIDFILE="$STATE/haproxy.pid"
CFG="$STATE/haproxy.cfg"

log() { printf '[haproxy] %s\n' "$*" >&2; }
die() { printf '[haproxy] ERROR: %s\n' "$*" >&2; exit 1; }

[[ $PORTS =~ ^([0-9]+)-([0-9]+)$ ]] || die "HAPROXY_LISTENER_PORTS: $PORTS is not a range; expected LOW-HIGH"
LOW=${BASH_REMATCH[1]} HIGH=${BASH_REMATCH[2]}
((LOW >= 1024 && LOW <= HIGH && HIGH <= 65535)) || die "HAPROXY_LISTENER_PORTS: $PORTS; expected 1024 <= LOW <= HIGH <= 65535"
[[ $BACKENDS =~ ^[0-9]+$ ]] && ((BACKENDS >= 1)) || die "HAPROXY_BACKENDS: $BACKENDS; expected a positive integer"

alive() {
  local pid
  [[ -f $PIDFILE ]] || return 1
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  [[ $pid =~ ^[0-9]+$ ]] && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == haproxy* ]]
}

# A request is routed in two map look-ups, both maps changed atomically at run time by the emulator
# (prepare/commit map): "<port>~<host>~<path>" -> a listener rule (map_reg, rules in priority order),
# then "<rule>-<0..99>" -> a target group's backend (100 buckets shared out by the forward weights).
write_config() {
  {
    cat <<EOF
# Written by local/infra/haproxy.sh; changed only through the runtime API, never reloaded.
global
  stats socket $SOCK mode 600 level admin
  stats timeout 60s
  maxconn 4096

defaults
  mode http
  option http-server-close
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout check 5s
  timeout http-keep-alive 10s

backend tg_none
  # No listener rule or target group: ALB answers 503 when a target group has no targets.
EOF
    local port i
    for ((port = LOW; port <= HIGH; port++)); do
      cat <<EOF

frontend l$port
  bind 127.0.0.1:$port
  http-request set-var(txn.host) req.hdr(host),field(1,:),lower
  http-request set-var(txn.path) path
  http-request set-var(txn.key) str($port),concat(~,txn.host,~),concat(,txn.path)
  http-request set-var(txn.rule) var(txn.key),map_reg($STATE/rules.map,none)
  http-request set-var(txn.bucket) rand(100)
  use_backend %[var(txn.rule),concat(-,txn.bucket),map_str($STATE/pick.map,tg_none)]
  default_backend tg_none
EOF
    done
    for ((i = 0; i < BACKENDS; i++)); do
      cat <<EOF

backend tg$i
  balance roundrobin
  option httpchk
  http-check send meth GET uri-lf %[var(proc.tg${i}_path)]
  http-check expect status 200
EOF
    done
  } >"$CFG.tmp"
  : >"$STATE/rules.map"
  : >"$STATE/pick.map"
  mv "$CFG.tmp" "$CFG"
}

cmd_up() {
  mkdir -p "$STATE"
  if alive && [[ -S $SOCK ]]; then
    log "already running (pid $(cat "$PIDFILE"))"
  else
    command -v haproxy >/dev/null || die "haproxy not found: apt-get install haproxy"
    rm -f "$SOCK"
    write_config
    haproxy -c -q -f "$CFG" || die "invalid config $CFG"
    haproxy -D -f "$CFG" -p "$PIDFILE" || die "haproxy did not start"
    local i
    for ((i = 0; i < 50; i++)); do [[ -S $SOCK ]] && break; sleep 0.1; done
    [[ -S $SOCK ]] || die "no stats socket at $SOCK"
    # Every frontend starts released (connection refused), as a port without a listener is.
    local port cmds=""
    for ((port = LOW; port <= HIGH; port++)); do cmds+="disable frontend l$port;"; done
    node -e 'const c = require("node:net").connect(process.argv[1], () => c.end(process.argv[2] + "\n")); c.resume(); c.on("error", (e) => { console.error(e.message); process.exit(1); })' "$SOCK" "$cmds"
    log "started pid $(cat "$PIDFILE"), listener ports $LOW-$HIGH, $BACKENDS target group backends"
  fi
  cat >"$STATE/haproxy.json.tmp" <<EOF
{"socket": "$SOCK", "pid": $(cat "$PIDFILE"), "listenerPorts": [$LOW, $HIGH], "backends": $BACKENDS, "rulesMap": "$STATE/rules.map", "pickMap": "$STATE/pick.map"}
EOF
  mv "$STATE/haproxy.json.tmp" "$STATE/haproxy.json"
}

cmd_down() {
  if ! alive; then
    log "not started by haproxy.sh (or already stopped), leaving it alone"
  else
    local pid i
    pid="$(cat "$PIDFILE")"
    log "stopping pid $pid"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do [[ -d /proc/$pid ]] || break; sleep 0.1; done
    [[ -d /proc/$pid ]] && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PIDFILE" "$SOCK" "$STATE/haproxy.json"
}

cmd_status() {
  local s=down
  alive && [[ -S $SOCK ]] && s=up
  printf '%-9s %-5s %s\n' haproxy "$s" "$SOCK (listener ports $LOW-$HIGH)"
}

case "${1:-}" in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
*)
  sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
  ;;
esac
