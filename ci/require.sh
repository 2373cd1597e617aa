#!/usr/bin/env bash
# The tools a make target needs beyond Swift, Python and make, checked before its recipe runs (Makefile `need-*`).
# A missing tool (or a node older than the tests need) is installed with apt-get when running as root on a system that
# has apt-get, unless REQUIRE_INSTALL=0; otherwise this stops with one line naming the command that installs it.
# Usage: ci/require.sh TOOL...   where TOOL is wasm-opt, node, chromium (CHROMIUM names another browser binary) or time
# (GNU time at /usr/bin/time, for peak-RSS checks).
set -u

# The wasm tests need fetch, web streams and node:test's hooks, all in Node 18 (Debian 12's nodejs); the browser tests
# drive Chromium over --remote-debugging-pipe, so no WebSocket client (Node 22) is needed.
node_minimum=18.0

# tool → its apt package, its brew package, and the line to print when it is missing.
apt_package() {
  case $1 in wasm-opt) echo binaryen ;; node) echo nodejs ;; chromium) echo chromium ;; time) echo time ;; esac
}
missing_line() {
  case $1 in
  wasm-opt) echo "wasm-opt (binaryen) is missing: install it with 'sudo apt-get install binaryen' or 'brew install binaryen'" ;;
  node) echo "node is missing (Node >= ${node_minimum%.0}): install it with 'sudo apt-get install nodejs' (Debian 12, Ubuntu 24.04 or later) or 'brew install node'" ;;
  chromium) echo "chromium is missing: install it with 'sudo apt-get install chromium' or 'brew install --cask chromium', or set CHROMIUM=/path/to/chrome" ;;
  time) echo "/usr/bin/time (GNU time, for its -v peak RSS) is missing: install it with 'sudo apt-get install time'" ;;
  esac
}
old_node_line() {
  echo "node $1 is too old (the tests need >= ${node_minimum%.0}): install Node ${node_minimum%.0} or later, e.g. 'sudo apt-get install nodejs' (Debian 12, Ubuntu 24.04 or later), 'curl -fsSL https://deb.nodesource.com/setup_20.x | sudo bash - && sudo apt-get install nodejs' or 'brew install node'"
}

# Whether the version x.y.z is at least x.y of the minimum.
at_least() {
  local have_major have_minor want_major want_minor
  IFS=. read -r have_major have_minor _ <<<"$1"
  IFS=. read -r want_major want_minor <<<"$2"
  [ "${have_major:-0}" -gt "$want_major" ] || { [ "${have_major:-0}" -eq "$want_major" ] && [ "${have_minor:-0}" -ge "$want_minor" ]; }
}

# Prints nothing and succeeds when the tool is usable; otherwise prints the reason (one line) and fails.
check() {
  case $1 in
  chromium)
    command -v "${CHROMIUM:-chromium}" >/dev/null 2>&1 || { missing_line chromium; return 1; } ;;
  time)
    # A fixed path: `time` is also a shell keyword, so PATH lookups always find something.
    /usr/bin/time -v true >/dev/null 2>&1 || { missing_line time; return 1; } ;;
  node)
    command -v node >/dev/null 2>&1 || { missing_line node; return 1; }
    local version
    version=$(node -p 'process.versions.node' 2>/dev/null) || { missing_line node; return 1; }
    at_least "$version" "$node_minimum" || { old_node_line "$version"; return 1; } ;;
  *)
    command -v "$1" >/dev/null 2>&1 || { missing_line "$1"; return 1; } ;;
  esac
}

status=0
for tool in "$@"; do
  if [ -z "$(apt_package "$tool")" ]; then echo "ci/require.sh: unknown tool '$tool'" >&2; exit 2; fi
  reason=$(check "$tool") && continue
  if [ "${REQUIRE_INSTALL:-1}" != 0 ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    package=$(apt_package "$tool")
    echo "ci/require.sh: $tool is missing or too old; installing $package with apt-get (running as root)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends "$package" >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq --no-install-recommends "$package" >/dev/null; }
    reason=$(check "$tool") && continue
  fi
  echo "make: $reason" >&2
  status=1
done
exit $status
