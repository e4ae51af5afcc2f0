#!/usr/bin/env bash
# `npm pack` gives a tarball that installs globally and runs: npm i -g ./ccm-orchestrator-*.tgz && ccm --version
set -euo pipefail
cd "$(dirname "$0")/.."
# The project's Node 24 (node_modules/.bin) first, as for every npm script.
export PATH="$PWD/node_modules/.bin:$PATH"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
npm install -g --silent --no-audit --no-fund --prefix "$work/prefix" "$work/$tarball"
export HOME="$work/home" CCM_HOME="$work/home/.ccm"
mkdir -p "$HOME"
version=$("$work/prefix/bin/ccm" --version)
expected=$(node -p 'require("./package.json").version')
[ "$version" = "$expected" ] || { echo "ccm --version printed '$version', expected '$expected'" >&2; exit 1; }
"$work/prefix/bin/ccm-orchestrator" daemon init --yes --profile minimal >/dev/null
"$work/prefix/bin/ccm-orchestrator" info >/dev/null
echo "pack smoke test: $tarball installs; ccm --version = $version; daemon init and info work"
