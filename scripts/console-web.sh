#!/usr/bin/env bash
# Builds the console's web app (services/console/web) into web/dist, which the console binary
# embeds: `npm ci` when package-lock.json changed since the last install, then `npm run build`
# when any source is newer than the last build. A no-op when nothing changed.
# `make build`, `make run` and `make test` call it before cargo; it needs node 18+ and npm.
set -euo pipefail
cd "$(dirname "$0")/../services/console/web"

command -v npm >/dev/null || { echo "console-web: the console's web app needs node 18+ and npm" >&2; exit 1; }
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if (( node_major < 18 )); then
    echo "console-web: node $node_major is too old; the web app needs node 18 or later" >&2
    exit 1
fi

# npm ci again only when the lock file differs from the one installed.
if [[ ! -f node_modules/.package-lock.json ]] || ! cmp -s package-lock.json node_modules/.installed-lock.json; then
    echo "console-web: npm ci" >&2
    npm ci --no-audit --no-fund --loglevel=error >&2
    cp package-lock.json node_modules/.installed-lock.json
fi

# Build when any input is newer than the last build's index.html.
stamp=dist/index.html
if [[ ! -f "$stamp" ]] || [[ -n "$(find src public index.html package.json package-lock.json vite.config.* tsconfig*.json openapi -newer "$stamp" -print -quit 2>/dev/null)" ]]; then
    echo "console-web: npm run build" >&2
    npm run build >&2
fi
