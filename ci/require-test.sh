#!/usr/bin/env bash
# ci/require.sh through make, with tools left out of PATH: each missing prerequisite stops make with the one line that
# names its install command, a too-old node is named with its version, and nothing is installed (REQUIRE_INSTALL=0,
# so the check behaves as for a non-root user even when CI runs as root).
# Usage: ci/require-test.sh   (run from the repository root)
set -u
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0

# One directory of links to every command on PATH (the first of each name wins, as in a lookup), built once.
everything="$work/everything"
mkdir -p "$everything"
IFS=: read -ra path_directories <<<"$PATH"
for directory in "${path_directories[@]}"; do
  for entry in "$directory"/*; do
    [ -x "$entry" ] && [ ! -e "$everything/${entry##*/}" ] && ln -s "$entry" "$everything/${entry##*/}"
  done
done

# A PATH directory holding every command of the current PATH except the named ones.
path_without() {
  local directory="$work/without-$(IFS=-; echo "$*")"
  cp -a "$everything" "$directory"
  for name in "$@"; do rm -f "$directory/$name"; done
  echo "$directory"
}

# name, PATH, expected exit (0 or non-zero), expected output fragment, make target
expect_make() {
  local name=$1 path=$2 want=$3 fragment=$4 target=$5 output status
  output=$(env -u CHROMIUM PATH="$path" REQUIRE_INSTALL=0 make --no-print-directory "$target" 2>&1)
  status=$?
  if { [ "$want" = 0 ] && [ "$status" -eq 0 ]; } || { [ "$want" != 0 ] && [ "$status" -ne 0 ]; } \
    && grep -qF -- "$fragment" <<<"$output"; then
    passed=$((passed + 1)); echo "ok   $name (exit $status)"
  else
    failed=$((failed + 1)); echo "FAIL $name: exit $status, want \"$fragment\" in:"; echo "$output" | tail -5
  fi
}

expect_make "wasm-opt left out" "$(path_without wasm-opt)" 1 \
  "make: wasm-opt (binaryen) is missing: install it with 'sudo apt-get install binaryen' or 'brew install binaryen'" need-wasm-opt
expect_make "node left out" "$(path_without node)" 1 \
  "make: node is missing (Node >= 18): install it with 'sudo apt-get install nodejs'" need-node
expect_make "chromium left out" "$(path_without chromium)" 1 \
  "make: chromium is missing: install it with 'sudo apt-get install chromium' or 'brew install --cask chromium'" need-chromium

# A node older than 18 is named with its version and the commands that install a newer one.
old=$(path_without node)
printf '#!/bin/sh\necho 16.20.2\n' >"$old/node" && chmod +x "$old/node"
expect_make "node 16 is too old" "$old" 1 "make: node 16.20.2 is too old (the tests need >= 18): install Node 18 or later" need-node

# Debian 12's own nodejs (18.19.0 in bookworm, 18.20.4 in its updates) is enough: the check passes silently.
debian=$(path_without node)
printf '#!/bin/sh\necho 18.19.0\n' >"$debian/node" && chmod +x "$debian/node"
expect_make "Debian 12's node 18 is accepted" "$debian" 0 "" need-node

# `make verify` stops at the check, before it fetches the model or builds anything.
expect_make "make verify stops first at the missing tool" "$(path_without wasm-opt)" 1 \
  "make: wasm-opt (binaryen) is missing" verify

present=ok
for tool in wasm-opt node chromium; do command -v "$tool" >/dev/null || present=; done
if [ -n "$present" ]; then
  expect_make "every tool present: the checks pass silently" "$PATH" 0 "" need-chromium
else
  echo "skip every tool present: this machine lacks one"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
