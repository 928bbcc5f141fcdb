#!/bin/sh
# Rebuild static/vendor/echarts/echarts.min.js: Apache ECharts with only the charts and components
# the dashboards use (scripts/echarts/index.js), bundled by esbuild into one minified IIFE that
# sets the global `echarts`, in ES5 as the full dist build is (older phone browsers). Exact
# versions are pinned in scripts/echarts/package.json and package-lock.json (with their registry
# integrity hashes); `npm ci` installs exactly those into scripts/echarts/node_modules (not
# committed).
#
#   scripts/build_echarts.sh          # needs node >= 18 and npm, and the npm registry
#
# The bundle is deterministic for a given lock file: rebuilding must give the committed bytes
# (sha256 in static/vendor/echarts/VERSION).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../static/vendor/echarts/echarts.min.js"
cd "$here/echarts"
npm ci --no-audit --no-fund --loglevel=error
version=$(node -p 'require("echarts/package.json").version')
banner="/*! Apache ECharts $version, custom build for the burden portal (scripts/build_echarts.sh):
 bar and line charts; grid, tooltip, legend, markLine and graphic components; canvas renderer.
 Licensed to the Apache Software Foundation (ASF) under the Apache License, Version 2.0;
 see LICENSE and NOTICE beside this file. Includes zrender (BSD-3-Clause) and tslib (0BSD). */"
./node_modules/.bin/esbuild index.js \
  --bundle --minify --format=iife --global-name=echarts --target=es5 \
  --define:process.env.NODE_ENV='"production"' --legal-comments=none \
  --banner:js="$banner" --log-level=warning --outfile="$out"
wc -c "$out"
sha256sum "$out"
