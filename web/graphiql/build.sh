#!/usr/bin/env bash
# Rebuild GraphiQL's JS and CSS into api/static/graphiql/ from the npm packages pinned in
# package-lock.json. The output is committed: the app serves it with no node at run time.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
npm run --silent build
ls -l ../../api/static/graphiql/
