#!/usr/bin/env bash
# Constrained tuning from the CLI: memory_limited.py reports a memory constraint with its loss, the GP sampler
# models both, and `hyperscout best` shows the best trial that met the constraint. Usage:
# constrained.sh [path/to/hyperscout] [trials]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${1:-hyperscout}"
trials="${2:-25}"
mkdir -p constrained-run
cd constrained-run
"$bin" optimize --study constrained --sampler gp --seed 3 --n-trials "$trials" \
  --param width=int:16:512:log --param dropout=float:0:0.5 \
  -- python3 "$here/memory_limited.py" --width '{width}' --dropout '{dropout}'
echo
echo "best trial that fits in 600 MiB (stored in $(pwd)/hyperscout.db):"
"$bin" best --study constrained
