#!/usr/bin/env bash
# Tunes train.py with the hyperscout CLI: 40 trials, the default sampler, the median pruner, and the
# embedded SQLite store in ./demo-run/hyperscout.db. Usage: demo.sh [path/to/hyperscout]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${1:-hyperscout}"
mkdir -p demo-run
cd demo-run
"$bin" optimize --study demo --space "$here/space.toml" --n-trials 40 --seed 1 --pruner median \
  -- python3 "$here/train.py" --lr '{lr}' --layers '{layers}' --optimizer '{optimizer}' --momentum '{momentum}'
echo
echo "best trial of study 'demo' (stored in $(pwd)/hyperscout.db):"
"$bin" best --study demo
