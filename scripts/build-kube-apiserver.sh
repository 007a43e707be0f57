#!/usr/bin/env bash
# Builds a real kube-apiserver once (Kubernetes 1.20 from Debian's `kubernetes` source package, with Debian's
# Go) and caches it outside the repository; prints the binary's path. No API server binary is packaged and no
# container registry is reachable here (STACK.md). Its vendored modern-go/reflect2 1.0.1 segfaults under
# Go >= 1.18, so it is replaced by Debian's 1.0.2 before building.
# Usage: scripts/build-kube-apiserver.sh   (prints the path; env TASKGATE_KUBE_CACHE overrides the cache dir)
set -euo pipefail
CACHE="${TASKGATE_KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/taskgate/kube-1.20}"
BIN="$CACHE/kube-apiserver"
if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"; flock 9
if [ -x "$BIN" ]; then echo "$BIN"; exit 0; fi

export DEBIAN_FRONTEND=noninteractive
need=()
command -v go >/dev/null || need+=(golang-go)
[ -d /usr/share/gocode/src/github.com/modern-go/reflect2 ] || need+=(golang-github-modern-go-reflect2-dev)
command -v dpkg-source >/dev/null || need+=(dpkg-dev)
command -v etcd >/dev/null || need+=(etcd-server)
if [ ${#need[@]} -gt 0 ]; then apt-get update -qq >&2 && apt-get install -y -qq "${need[@]}" >/dev/null; fi

SRC_LIST=/etc/apt/sources.list.d/taskgate-deb-src.sources
if ! apt-cache showsrc kubernetes >/dev/null 2>&1 || [ -z "$(apt-cache showsrc kubernetes 2>/dev/null)" ]; then
  # The machine's own mirror, source packages too.
  sed -e 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources >"$SRC_LIST"
  apt-get update -qq >&2
fi
WORK="$CACHE/src"
# A failed or interrupted build leaves no half-built tree (it would be reused by nothing, but holds ~1 GB).
trap 'rm -rf "$WORK"' EXIT
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK"
apt-get source --download-only kubernetes >&2
dpkg-source --no-check -x kubernetes_*.dsc k8s >&2
cd k8s
rm -rf vendor/github.com/modern-go/reflect2
cp -r /usr/share/gocode/src/github.com/modern-go/reflect2 vendor/github.com/modern-go/reflect2
export GOPROXY=off GOTOOLCHAIN=local GOFLAGS=-mod=vendor
# Kubernetes' own build (hack/lib/golang.sh sets up its GOPATH and version stamps).
nice -n 10 make WHAT=cmd/kube-apiserver KUBE_VERBOSE=0 >&2
# Only a binary that runs is cached (a reflect2 left vendored crashes at start under Go >= 1.18).
_output/local/bin/linux/amd64/kube-apiserver --version >&2
# Renamed into place in one step: a concurrent reader sees no binary or the whole one.
mv _output/local/bin/linux/amd64/kube-apiserver "$BIN.tmp" && mv "$BIN.tmp" "$BIN"
echo "$BIN"
