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
# The shipped automations are in the tarball, linked and enabled by daemon init, and runnable.
enabled=$("$work/prefix/bin/ccm" automation list --json | node -e '
  const items = JSON.parse(require("fs").readFileSync(0, "utf8"));
  console.log(items.filter((i) => i.where === "shipped" && i.enabled && i.problems.length === 0).length)')
[ "$enabled" = 3 ] || { echo "expected 3 shipped automations enabled, got $enabled" >&2; exit 1; }
echo '{"hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"git push"}}' |
  "$work/prefix/bin/ccm" automation test block-patterns --event - --json | grep -q '"decision": "block"' ||
  { echo "block-patterns did not block git push from the installed package" >&2; exit 1; }
echo "pack smoke test: $tarball installs; ccm --version = $version; daemon init, info and the shipped automations work"
