#!/usr/bin/env bash
# Installs a real VS Code for the end-to-end test: code-server from the npm registry, built here
# without any download but npm's and Debian's. Idempotent: the finished install is cached under
#   ${ROBUSTNESS_E2E_CACHE:-$HOME/.cache/robustness-lens-e2e}/code-server-<version>
# and reused while its marker file is there. npm's own cache (~/.npm, or $npm_config_cache) is
# reused as usual, so a CI cache of both folders makes this step a no-op.
# Prints the code-server launcher's path as its last line of stdout.
#
# Usage: bash scripts/e2e/setup-code-server.sh
#   env: CS_VERSION (default 4.100.3, VS Code 1.100.3, which declares Node 20)
set -euo pipefail

CS_VERSION=${CS_VERSION:-4.100.3}
CACHE_ROOT=${ROBUSTNESS_E2E_CACHE:-$HOME/.cache/robustness-lens-e2e}
DEST="$CACHE_ROOT/code-server-$CS_VERSION"
LAUNCHER="$DEST/node_modules/.bin/code-server"
MARKER="$DEST/.installed"
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

log() { echo "e2e-setup: $*" >&2; }

if [ -f "$MARKER" ] && [ -x "$LAUNCHER" ]; then
  log "code-server $CS_VERSION cached at $DEST"
  echo "$LAUNCHER"
  exit 0
fi

T0=$SECONDS

# Debian packages: the browser, ripgrep (replaces @vscode/ripgrep's GitHub download), Kerberos
# headers and a toolchain for code-server's native modules.
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v rg >/dev/null || missing+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
command -v python3 >/dev/null || missing+=(python3)
command -v make >/dev/null || missing+=(make)
command -v g++ >/dev/null || missing+=(g++)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=()
  [ "$(id -u)" = 0 ] || SUDO=(sudo)
  log "apt-get install ${missing[*]}"
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

NODE_MAJOR=$(node -p "process.versions.node.split('.')[0]")

# Build beside the destination and move it into place only when complete, so an interrupted
# setup never leaves a half-built install that looks cached.
mkdir -p "$CACHE_ROOT"
BUILD=$(mktemp -d "$CACHE_ROOT/.building-$CS_VERSION.XXXXXX")
trap 'rm -rf "$BUILD"' EXIT
cd "$BUILD"
echo '{"name":"robustness-lens-e2e-code-server","private":true}' > package.json

# Without lifecycle scripts: code-server's postinstall would run 'npm install' in lib/vscode, where
# @vscode/ripgrep's postinstall downloads rg from GitHub. Its steps are done by hand below.
log "npm install code-server@$CS_VERSION"
npm install --ignore-scripts --no-audit --no-fund --loglevel=error "code-server@$CS_VERSION" >&2
CS="$BUILD/node_modules/code-server"

WANT_NODE=$(node -p "String(require('$CS/package.json').engines.node).match(/\\d+/)[0]")
if [ "$WANT_NODE" != "$NODE_MAJOR" ]; then
  log "code-server $CS_VERSION declares Node $WANT_NODE, this machine runs Node $NODE_MAJOR: use CS_VERSION=4.100.3 with Node 20"
  exit 1
fi

# argon2 (password hashing) is the only top-level package with an install script; its prebuilt
# download fails fast offline and it builds from source.
npm rebuild argon2 --loglevel=error >&2

log "installing VS Code's own modules (lib/vscode)"
cd "$CS/lib/vscode"
npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >&2
# @vscode/ripgrep's postinstall exits early when bin/ exists: point it at Debian's rg.
if [ -d node_modules/@vscode/ripgrep ]; then
  mkdir -p node_modules/@vscode/ripgrep/bin
  ln -sfn "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
fi
# Native modules (spdlog, node-pty, kerberos, sqlite3, …); node-pty's install runs
# 'npx node-gyp', which must not stop at npx's prompt.
log "building native modules"
npm_config_yes=true npm rebuild --loglevel=error >&2
# The links code-server's postinstall.sh makes.
if grep -q symlink_asar "$CS/postinstall.sh"; then ln -sfn node_modules node_modules.asar; fi
(cd bin/remote-cli && ln -sfn code-linux.sh code-server)
(cd bin/helpers && ln -sfn browser-linux.sh browser.sh)
# Built-in extensions' shared dependencies.
(cd extensions && npm install --omit=dev --no-audit --no-fund --loglevel=error >&2)

cd "$CACHE_ROOT"
# A private HOME: code-server writes its config under ~/.config at start.
HOME="$BUILD/.home" XDG_CONFIG_HOME="$BUILD/.home/.config" XDG_DATA_HOME="$BUILD/.home/.local/share" \
  XDG_CACHE_HOME="$BUILD/.home/.cache" "$BUILD/node_modules/.bin/code-server" --version >&2
rm -rf "$BUILD/.home"
date -u +%FT%TZ > "$BUILD/.installed"
rm -rf "$DEST"
mv "$BUILD" "$DEST"
trap - EXIT
log "code-server $CS_VERSION installed at $DEST in $((SECONDS - T0)) s"
echo "$LAUNCHER"
