#!/usr/bin/env bash
# Installs the build tree given as $1 into a temporary prefix, builds this example against it with
# find_package(hyperscout), and runs it. Proves the installed headers and package config work.
set -euo pipefail
build="$1"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$here" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" >/dev/null
"$work/build/tune_quadratic" "memory://"
